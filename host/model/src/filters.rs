//! Docker's `filters.Args` on the host side: the Engine API's `filters` parameter (moby-2023
//! `filters.FromJSON`), the CLI's repeatable `--filter k=v` flag (docker/cli `FilterOpt.Set`) and
//! the JSON the CLI puts on the wire (`filters.ToJSON`).

use std::collections::{BTreeMap, BTreeSet, btree_map};
use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, Visitor};

/// A filter that cannot be decoded or parsed; `Display` is Docker's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FilterError {
    /// The `filters` parameter is not JSON of either accepted form (moby-2023 `invalidFilter{}`,
    /// an `InvalidParameter` error: HTTP 400).
    #[error("invalid filter")]
    InvalidJson,
    /// A `--filter` flag value without `=`.
    #[error("bad format of filter (expected name=value)")]
    BadFormat,
}

/// Docker's `filters.Args`: each key maps to a set of values (the booleans of the wire form are
/// never consulted, so only the value strings are kept).
///
/// A key can be present with an empty set (`{"until":{}}` from the Engine API), which differs
/// from the key being absent. Keys and values iterate in sorted (byte-wise) order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters(BTreeMap<String, BTreeSet<String>>);

/// The current form of the `filters` parameter, `{"key":{"value":true}}`; `null` anywhere a map
/// or a boolean is expected is accepted, as Go's `encoding/json` does.
type SetsForm = Option<BTreeMap<GoString, Option<BTreeMap<GoString, Option<bool>>>>>;

/// The legacy form of the `filters` parameter, `{"key":["value"]}`.
type ListsForm = BTreeMap<GoString, Option<Vec<Option<GoString>>>>;

impl Filters {
    /// Filters with no keys.
    pub fn new() -> Filters {
        Filters::default()
    }

    /// moby-2023 `filters.FromJSON`: decodes the Engine API's `filters` parameter.
    ///
    /// `""` and `null` give empty filters. Otherwise the whole document must be one of two
    /// forms: an object of objects (`{"label":{"a=b":true}}`; the booleans, even `false` or
    /// `null`, are ignored; a `null` set means no values) or the legacy object of string arrays
    /// (`{"label":["a=b"]}`; a `null` member is the value `""`). Duplicate object keys: the last
    /// wins. Anything else fails with [`FilterError::InvalidJson`] (`invalid filter`).
    pub fn from_json(text: &str) -> Result<Filters, FilterError> {
        if text.is_empty() {
            return Ok(Filters::new());
        }
        if !is_valid_json(text) {
            return Err(FilterError::InvalidJson);
        }
        decode_sets_form(text)
            .or_else(|| decode_lists_form(text))
            .ok_or(FilterError::InvalidJson)
    }

    /// docker/cli `FilterOpt.Set`: adds one `--filter` flag value. An empty value is ignored; a
    /// value without `=` fails with [`FilterError::BadFormat`]; otherwise it is split at the
    /// first `=`, the key trimmed and lower-cased, the value trimmed (`label!=a` gives the key
    /// `label!`).
    pub fn add_cli_flag(&mut self, flag: &str) -> Result<(), FilterError> {
        if flag.is_empty() {
            return Ok(());
        }
        let (key, value) = flag.split_once('=').ok_or(FilterError::BadFormat)?;
        self.add(&go_to_lower(key.trim()), value.trim());
        Ok(())
    }

    /// `Add`: adds `value` to the set of `key`.
    pub fn add(&mut self, key: &str, value: &str) {
        self.0
            .entry(key.to_owned())
            .or_default()
            .insert(value.to_owned());
    }

    /// `ToJSON`: the wire form `{"key":{"value":true,…},…}` with sorted keys and values, strings
    /// escaped like Go's `json.Marshal` (go1.20); `""` when there are no keys, in which case the
    /// client sends no `filters` parameter at all.
    pub fn to_json(&self) -> String {
        if self.0.is_empty() {
            return String::new();
        }
        let fields: Vec<String> = self
            .0
            .iter()
            .map(|(key, values)| format!("{}:{{{}}}", go_quote(key), set_to_json(values)))
            .collect();
        format!("{{{}}}", fields.join(","))
    }

    /// `Contains`: whether `key` is present, whatever the number of its values.
    pub fn contains(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// The values of `key`; `None` when the key is absent.
    pub fn get(&self, key: &str) -> Option<&BTreeSet<String>> {
        self.0.get(key)
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The keys with their sets of values, in key order.
    pub fn iter(&self) -> btree_map::Iter<'_, String, BTreeSet<String>> {
        self.0.iter()
    }
}

impl IntoIterator for Filters {
    type Item = (String, BTreeSet<String>);
    type IntoIter = btree_map::IntoIter<String, BTreeSet<String>>;

    /// The keys with their sets of values, in key order.
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// Go's `checkValid`, which `json.Unmarshal` runs before decoding anything: JSON syntax, no
/// control characters in strings, nothing but whitespace after the value. Escaped lone
/// surrogates are valid here (serde_json only rejects them when it builds a `String`).
fn is_valid_json(text: &str) -> bool {
    serde_json::from_str::<IgnoredAny>(text).is_ok()
}

/// Step 1 of `FromJSON`: the object-of-objects form (or `null`).
fn decode_sets_form(text: &str) -> Option<Filters> {
    let form: SetsForm = serde_json::from_str(text).ok()?;
    let fields = form.unwrap_or_default().into_iter().map(|(key, set)| {
        let values = set
            .unwrap_or_default()
            .into_keys()
            .map(GoString::into_string);
        (key.into_string(), values.collect())
    });
    Some(Filters(fields.collect()))
}

/// Step 2 of `FromJSON` (`deprecatedArgs`): the legacy object-of-arrays form.
fn decode_lists_form(text: &str) -> Option<Filters> {
    let form: ListsForm = serde_json::from_str(text).ok()?;
    let fields = form.into_iter().map(|(key, list)| {
        let values = list
            .unwrap_or_default()
            .into_iter()
            .map(|value| value.map(GoString::into_string).unwrap_or_default());
        (key.into_string(), values.collect())
    });
    Some(Filters(fields.collect()))
}

/// A JSON string decoded as Go's `encoding/json` decodes it: a `\u` surrogate escape that is not
/// half of a valid pair becomes U+FFFD instead of failing the whole document.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct GoString(String);

impl GoString {
    fn into_string(self) -> String {
        self.0
    }
}

impl<'de> Deserialize<'de> for GoString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<GoString, D::Error> {
        // serde_json hands a string over as bytes without rejecting lone surrogates.
        deserializer.deserialize_bytes(GoStringVisitor)
    }
}

/// Builds a [`GoString`] from serde_json's bytes of a JSON string.
struct GoStringVisitor;

impl Visitor<'_> for GoStringVisitor {
    type Value = GoString;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON string")
    }

    fn visit_bytes<E>(self, bytes: &[u8]) -> Result<GoString, E> {
        Ok(GoString(surrogates_to_replacement(bytes)))
    }
}

/// Turns serde_json's bytes of a JSON string into text. The bytes are UTF-8 except that each
/// lone surrogate is encoded as if it were a character (WTF-8: lead byte 0xED, then two
/// continuation bytes); each such surrogate becomes one U+FFFD, like Go's `unquote`.
fn surrogates_to_replacement(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        // A surrogate splits into three invalid chunks: its lead byte and two stray
        // continuation bytes; only the lead byte is replaced.
        if chunk
            .invalid()
            .first()
            .is_some_and(|&byte| !is_continuation(byte))
        {
            text.push(char::REPLACEMENT_CHARACTER);
        }
    }
    text
}

/// Whether `byte` is a UTF-8 continuation byte (`10xxxxxx`).
fn is_continuation(byte: u8) -> bool {
    byte & 0xC0 == 0x80
}

/// Go's `strings.ToLower`: each character's simple lower-case mapping, so `İ` (U+0130) becomes
/// `i` (Rust's full mapping would add U+0307) and `Σ` always becomes `σ`.
fn go_to_lower(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{130}' => 'i',
            c => c.to_lowercase().next().unwrap_or(c),
        })
        .collect()
}

/// One set of values in the wire form: `"a":true,"b":true`.
fn set_to_json(values: &BTreeSet<String>) -> String {
    let members: Vec<String> = values
        .iter()
        .map(|value| format!("{}:true", go_quote(value)))
        .collect();
    members.join(",")
}

/// A JSON string literal as go1.20's `json.Marshal` writes it: `"` and `\` escaped with a
/// backslash, `\n` `\r` `\t` short, other control characters and the HTML-sensitive `<` `>` `&`
/// as `\u00XX`, U+2028 and U+2029 as `\u2028` and `\u2029`.
fn go_quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            '\u{0}'..='\u{1f}' | '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                quoted.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(filters: &Filters, key: &str) -> Vec<String> {
        filters
            .get(key)
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default()
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        let filters =
            Filters::from_json(r#"{"label":{"\ud800":true,"a\udc00b\ud800\ud800":true}}"#)
                .expect("Go accepts lone surrogates");
        assert_eq!(
            values(&filters, "label"),
            ["a\u{fffd}b\u{fffd}\u{fffd}", "\u{fffd}"]
        );
    }

    #[test]
    fn surrogate_pairs_and_broken_pairs() {
        let filters = Filters::from_json(r#"{"k":["\ud83d\ude00","\ud800\u0041","\ud800\n"]}"#)
            .expect("valid");
        assert_eq!(values(&filters, "k"), ["\u{fffd}\n", "\u{fffd}A", "😀"]);
    }

    #[test]
    fn surrogates_in_keys() {
        let filters = Filters::from_json(r#"{"\udfff":{"x":true}}"#).expect("valid");
        assert_eq!(values(&filters, "\u{fffd}"), ["x"]);
    }

    #[test]
    fn syntax_errors_fail_even_in_otherwise_decodable_places() {
        for text in [
            "{\"label\":[\"a\u{1}\"]}",
            r#"{"label":["\x"]}"#,
            r#"{"label":["\u12"]}"#,
            "{\"label\":{\"a\":true}}\u{feff}",
            "\u{feff}{}",
            " ",
            "null x",
        ] {
            assert_eq!(
                Filters::from_json(text),
                Err(FilterError::InvalidJson),
                "{text:?}"
            );
        }
    }

    #[test]
    fn duplicate_keys_last_wins_at_both_levels() {
        let filters =
            Filters::from_json(r#"{"a":{"x":true},"a":{"y":true},"b":{"z":true,"z":false}}"#)
                .expect("valid");
        assert_eq!(values(&filters, "a"), ["y"]);
        assert_eq!(values(&filters, "b"), ["z"]);
        let legacy = Filters::from_json(r#"{"a":["x"],"a":["y"]}"#).expect("valid");
        assert_eq!(values(&legacy, "a"), ["y"]);
    }

    #[test]
    fn top_level_null_is_empty_in_any_spacing() {
        assert_eq!(Filters::from_json(" \t\r\nnull\n"), Ok(Filters::new()));
    }

    #[test]
    fn legacy_form_keeps_null_sets_and_members() {
        let filters = Filters::from_json(r#"{"a":null,"b":[null,"x"]}"#).expect("valid");
        assert!(filters.contains("a") && values(&filters, "a").is_empty());
        assert_eq!(values(&filters, "b"), ["", "x"]);
    }

    #[test]
    fn deep_nesting_fails_without_panicking() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(Filters::from_json(&deep), Err(FilterError::InvalidJson));
    }

    #[test]
    fn cli_flags_lower_case_keys_like_go() {
        let mut filters = Filters::new();
        filters.add_cli_flag("İD=1").expect("valid");
        filters
            .add_cli_flag("\u{a0}ΣΑΣ\u{2003}= v\u{85}")
            .expect("valid");
        assert_eq!(values(&filters, "id"), ["1"]);
        assert_eq!(values(&filters, "σασ"), ["v"]);
    }

    #[test]
    fn to_json_escapes_like_go() {
        let mut filters = Filters::new();
        filters.add("label", "a<b>&\"\\\n\r\t\u{8}\u{c}\u{7f}\u{2028}é");
        assert_eq!(
            filters.to_json(),
            r#"{"label":{"a\u003cb\u003e\u0026\"\\\n\r\t\u0008\u000c"#.to_owned()
                + "\u{7f}"
                + r#"\u2028é":true}}"#
        );
    }

    #[test]
    fn to_json_round_trips_through_from_json() {
        let mut filters = Filters::new();
        filters.add("label!", "a=b");
        filters.add("until", "24h");
        filters.add("label", "\u{1}<x>");
        assert_eq!(Filters::from_json(&filters.to_json()), Ok(filters));
    }

    #[test]
    fn empty_sets_are_written_as_empty_objects() {
        let filters = Filters::from_json(r#"{"until":[]}"#).expect("valid");
        assert_eq!(filters.to_json(), r#"{"until":{}}"#);
    }
}

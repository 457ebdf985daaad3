//! The wire forms of Docker's `filters.Args`, for the host: the Engine API's `filters`
//! parameter (moby-2023 `filters.FromJSON`), the JSON the docker CLI puts on the wire
//! (`filters.ToJSON`) and its repeatable `--filter k=v` flag (docker/cli `FilterOpt.Set`).

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::{format, string::String, vec::Vec};
use core::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, Visitor};

use super::Filters;

/// A filter that cannot be decoded or parsed; `Display` is Docker's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FilterError {
    /// The `filters` parameter is not JSON of either accepted form (moby-2023 `invalidFilter{}`,
    /// an `InvalidParameter` error: HTTP 400).
    InvalidJson,
    /// A `--filter` flag value without `=`.
    BadFormat,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FilterError::InvalidJson => "invalid filter",
            FilterError::BadFormat => "bad format of filter (expected name=value)",
        })
    }
}

impl core::error::Error for FilterError {}

/// The current form of the `filters` parameter, `{"key":{"value":true}}`; `null` anywhere a map
/// or a boolean is expected is accepted, as Go's `encoding/json` does.
type SetsForm = Option<BTreeMap<GoString, Option<BTreeMap<GoString, Option<bool>>>>>;

/// The legacy form of the `filters` parameter, `{"key":["value"]}`.
type ListsForm = BTreeMap<GoString, Option<Vec<Option<GoString>>>>;

impl Filters {
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

    /// `ToJSON`: the wire form `{"key":{"value":true,…},…}` with sorted keys and values, strings
    /// escaped like Go's `json.Marshal` (go1.20); `""` when there are no keys, in which case the
    /// client sends no `filters` parameter at all.
    pub fn to_json(&self) -> String {
        if self.fields.is_empty() {
            return String::new();
        }
        let fields: Vec<String> = self
            .fields
            .iter()
            .map(|(key, values)| format!("{}:{{{}}}", go_quote(key), set_to_json(values)))
            .collect();
        format!("{{{}}}", fields.join(","))
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
        (key.into_string(), values)
    });
    Some(fields.collect())
}

/// Step 2 of `FromJSON` (`deprecatedArgs`): the legacy object-of-arrays form.
fn decode_lists_form(text: &str) -> Option<Filters> {
    let form: ListsForm = serde_json::from_str(text).ok()?;
    let fields = form.into_iter().map(|(key, list)| {
        let values = list
            .unwrap_or_default()
            .into_iter()
            .map(|value| value.map(GoString::into_string).unwrap_or_default());
        (key.into_string(), values)
    });
    Some(fields.collect())
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

    fn values<'a>(filters: &'a Filters, key: &str) -> Vec<&'a str> {
        filters.get(key)
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

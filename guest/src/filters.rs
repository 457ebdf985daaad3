//! Docker's `filters.Args` (moby `api/types/filters/parse.go` @ moby-2023) as the prune rules use
//! it: validation against the accepted keys, `MatchKVList` and the prune-specific `label!` rule
//! (`matchLabels` in `daemon/prune.go`). pruner's one definition of filters: with the `wire`
//! feature, the host's forms of them too (`wire.rs`: the Engine API's JSON, the CLI's flags).

use alloc::collections::{BTreeMap, BTreeSet, btree_map};
use alloc::{borrow::ToOwned, format, string::String, vec::Vec};

use crate::error::DockerError;
use crate::labels::{KvList, PruneLabels};
use crate::model::Label;

#[cfg(feature = "wire")]
mod wire;
#[cfg(feature = "wire")]
pub use wire::FilterError;

/// Docker's `filters.Args`: each key maps to a set of values.
///
/// A key can be present with an empty set (the Engine API's `{"until":{}}`), which differs from
/// the key being absent. Keys and values iterate in sorted order, so everything is deterministic.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    fields: BTreeMap<String, BTreeSet<String>>,
}

impl Filters {
    /// Filters with no keys: every matcher accepts everything.
    pub fn new() -> Filters {
        Filters::default()
    }

    /// Builds filters from `(key, values)` pairs; a key given twice gets the union of its values,
    /// and a key given with no values is present with an empty set.
    pub fn from_pairs<I, K, V, S>(pairs: I) -> Filters
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: IntoIterator<Item = S>,
        S: Into<String>,
    {
        pairs.into_iter().collect()
    }

    /// `Add`: adds `value` to the set of `key`.
    pub fn add(&mut self, key: &str, value: &str) {
        self.fields
            .entry(key.to_owned())
            .or_default()
            .insert(value.to_owned());
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The keys with their sets of values, in key order.
    pub fn iter(&self) -> btree_map::Iter<'_, String, BTreeSet<String>> {
        self.fields.iter()
    }

    /// `Contains`: whether `key` is present, whatever the number of its values.
    pub fn contains(&self, key: &str) -> bool {
        self.fields.contains_key(key)
    }

    /// `Get`: the values of `key` in sorted order; empty when the key is absent.
    pub fn get(&self, key: &str) -> Vec<&str> {
        self.fields
            .get(key)
            .map(|values| values.iter().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// `Validate`: fails for the first key (in sorted order) that is not in `accepted`, with
    /// moby-2023's `InvalidParameter` text `invalid filter 'KEY'` (`invalid filter` for the empty
    /// key).
    pub fn validate(&self, accepted: &[&str]) -> Result<(), DockerError> {
        match self
            .fields
            .keys()
            .find(|key| !accepted.contains(&key.as_str()))
        {
            Some(key) => Err(DockerError::InvalidParameter(invalid_filter_message(key))),
            None => Ok(()),
        }
    }

    /// `MatchKVList`: true when `key` is absent or has no values; otherwise false for no labels,
    /// else true only if every value matches a label. A value `k` requires a label with key `k`;
    /// `k=v` (split at the first `=`) requires the label `k` with the exact value `v`.
    pub fn match_kv_list(&self, key: &str, labels: &[Label]) -> bool {
        KvList::new(self, key).matches(labels)
    }

    /// `matchLabels` of `daemon/prune.go`: `label` must match, and if `label!` is present it
    /// must not match. An object passing this may be pruned. (A prune matches many objects
    /// against [`PruneLabels`], parsed once.)
    pub fn match_prune_labels(&self, labels: &[Label]) -> bool {
        PruneLabels::new(self).matches(labels)
    }
}

impl IntoIterator for Filters {
    type Item = (String, BTreeSet<String>);
    type IntoIter = btree_map::IntoIter<String, BTreeSet<String>>;

    /// The keys with their sets of values, in key order.
    fn into_iter(self) -> Self::IntoIter {
        self.fields.into_iter()
    }
}

impl<K, V, S> FromIterator<(K, V)> for Filters
where
    K: Into<String>,
    V: IntoIterator<Item = S>,
    S: Into<String>,
{
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Filters {
        let mut fields: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (key, values) in pairs {
            fields
                .entry(key.into())
                .or_default()
                .extend(values.into_iter().map(Into::into));
        }
        Filters { fields }
    }
}

/// The text of moby-2023's `invalidFilter{Filter: key}` error.
fn invalid_filter_message(key: &str) -> String {
    if key.is_empty() {
        "invalid filter".to_owned()
    } else {
        format!("invalid filter '{key}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRUNE_KEYS: &[&str] = &["label", "label!", "until"];

    fn labels(pairs: &[(&str, &str)]) -> Vec<Label> {
        pairs
            .iter()
            .map(|(key, value)| Label {
                key: (*key).to_owned(),
                value: (*value).to_owned(),
            })
            .collect()
    }

    fn filters(pairs: &[(&str, &[&str])]) -> Filters {
        Filters::from_pairs(
            pairs
                .iter()
                .map(|(key, values)| (*key, values.iter().copied())),
        )
    }

    #[test]
    fn empty_filters_accept_everything() {
        let none = Filters::new();
        assert!(!none.contains("label"));
        assert!(none.get("label").is_empty());
        assert!(none.match_kv_list("label", &[]));
        assert!(none.match_prune_labels(&labels(&[("a", "")])));
        assert_eq!(none.validate(PRUNE_KEYS), Ok(()));
    }

    #[test]
    fn key_with_empty_set_is_present_but_matches_everything() {
        let until = filters(&[("until", &[])]);
        assert!(until.contains("until"));
        assert!(until.get("until").is_empty());
        assert!(until.match_kv_list("until", &[]));
    }

    #[test]
    fn repeated_keys_merge_and_values_are_sorted_sets() {
        let merged = filters(&[("until", &["24h"]), ("until", &["1h", "24h"])]);
        assert_eq!(merged.get("until"), ["1h", "24h"]);
    }

    #[test]
    fn validate_reports_the_first_bad_key_in_sorted_order() {
        let bad = filters(&[("zzz", &["1"]), ("dangling", &["true"]), ("label", &["a"])]);
        assert_eq!(
            bad.validate(PRUNE_KEYS),
            Err(DockerError::InvalidParameter(
                "invalid filter 'dangling'".into()
            ))
        );
    }

    #[test]
    fn validate_empty_key_has_no_quotes() {
        let empty = filters(&[("", &[""])]);
        assert_eq!(
            empty.validate(PRUNE_KEYS),
            Err(DockerError::InvalidParameter("invalid filter".into()))
        );
    }

    #[test]
    fn values_split_at_the_first_equals_sign() {
        let f = filters(&[("label", &["a=b=c"])]);
        assert!(f.match_kv_list("label", &labels(&[("a", "b=c")])));
        assert!(!f.match_kv_list("label", &labels(&[("a", "b")])));
    }

    #[test]
    fn all_values_must_match() {
        let f = filters(&[("label", &["a", "b=2"])]);
        assert!(f.match_kv_list("label", &labels(&[("a", "1"), ("b", "2")])));
        assert!(!f.match_kv_list("label", &labels(&[("a", "1"), ("b", "3")])));
        assert!(!f.match_kv_list("label", &[]));
    }

    #[test]
    fn repeated_label_keys_use_the_last_value() {
        let f = filters(&[("label", &["a=2"])]);
        assert!(f.match_kv_list("label", &labels(&[("a", "1"), ("a", "2")])));
        assert!(!f.match_kv_list("label", &labels(&[("a", "2"), ("a", "1")])));
    }

    #[test]
    fn negated_labels_exclude_only_objects_with_all_of_them() {
        let f = filters(&[("label!", &["a", "b"])]);
        assert!(f.match_prune_labels(&labels(&[("a", "")])));
        assert!(!f.match_prune_labels(&labels(&[("a", ""), ("b", "")])));
        assert!(f.match_prune_labels(&[]));
    }

    #[test]
    fn negated_key_with_empty_set_excludes_everything() {
        let f = filters(&[("label!", &[])]);
        assert!(!f.match_prune_labels(&[]));
        assert!(!f.match_prune_labels(&labels(&[("a", "")])));
    }
}

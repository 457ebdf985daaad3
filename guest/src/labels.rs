//! The label filters of one prune, parsed once: each `label` / `label!` value is split into its
//! key and wanted value before the first object is looked at, not again for every object.

use crate::filters::Filters;
use crate::model::Label;
use alloc::vec::Vec;

/// One filter key's values as `MatchKVList` matches them against an object's labels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KvList<'a> {
    /// The key is absent or has no values: every object matches, even one without labels.
    Any,
    /// Every one of these must match a label, so an object without labels never matches.
    All(Vec<Wanted<'a>>),
}

/// One `MatchKVList` value: `k` wants a label `k`, `k=v` (split at the first `=`) the label
/// `k` with the exact value `v`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wanted<'a> {
    key: &'a str,
    value: Option<&'a str>,
}

impl<'a> KvList<'a> {
    /// The values of `key` in `filters`.
    pub fn new(filters: &'a Filters, key: &str) -> KvList<'a> {
        let values = filters.get(key);
        if values.is_empty() {
            return KvList::Any;
        }
        KvList::All(values.into_iter().map(Wanted::parse).collect())
    }

    /// `MatchKVList` against `labels`.
    pub fn matches(&self, labels: &[Label]) -> bool {
        match self {
            KvList::Any => true,
            KvList::All(wanted) => {
                !labels.is_empty() && wanted.iter().all(|wanted| wanted.matches(labels))
            }
        }
    }
}

impl<'a> Wanted<'a> {
    /// A `MatchKVList` value: `k`, or `k=v` split at the first `=`.
    pub fn parse(value: &'a str) -> Wanted<'a> {
        match value.split_once('=') {
            Some((key, value)) => Wanted {
                key,
                value: Some(value),
            },
            None => Wanted {
                key: value,
                value: None,
            },
        }
    }

    /// Whether `labels` have the key (with the value, if one is wanted).
    pub fn matches<L: KeyValue>(&self, labels: &[L]) -> bool {
        match (label_value(labels, self.key), self.value) {
            (Some(value), Some(wanted)) => value == wanted,
            (found, None) => found.is_some(),
            (None, Some(_)) => false,
        }
    }
}

/// `matchLabels` of `daemon/prune.go`, parsed once: `label` must match, and if `label!` is
/// present it must not match. An object passing this may be pruned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PruneLabels<'a> {
    required: KvList<'a>,
    /// `None` when `label!` is absent; with an empty set it excludes every object.
    excluded: Option<KvList<'a>>,
}

impl<'a> PruneLabels<'a> {
    /// The `label` and `label!` filters of `filters`.
    pub fn new(filters: &'a Filters) -> PruneLabels<'a> {
        PruneLabels {
            required: KvList::new(filters, "label"),
            excluded: filters
                .contains("label!")
                .then(|| KvList::new(filters, "label!")),
        }
    }

    /// Whether an object with `labels` may be pruned.
    pub fn matches(&self, labels: &[Label]) -> bool {
        self.required.matches(labels)
            && !self
                .excluded
                .as_ref()
                .is_some_and(|excluded| excluded.matches(labels))
    }
}

/// A label as the matching reads it: the rules' owned [`Label`], or one borrowed from
/// elsewhere (the policy SDK's, from the listing it was handed).
pub trait KeyValue {
    /// The label key.
    fn key(&self) -> &str;
    /// The label value, possibly empty.
    fn value(&self) -> &str;
}

impl KeyValue for Label {
    fn key(&self) -> &str {
        &self.key
    }

    fn value(&self) -> &str {
        &self.value
    }
}

/// The value of the label `key`. Docker's labels are a map; should the slice repeat a key, the
/// last occurrence wins, as it would when the slice is turned into a map.
pub fn label_value<'a, L: KeyValue>(labels: &'a [L], key: &str) -> Option<&'a str> {
    labels
        .iter()
        .rev()
        .find(|label| label.key() == key)
        .map(KeyValue::value)
}

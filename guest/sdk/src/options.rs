//! A policy's options (`--policy-opt key=value`).

use crate::bindings::exports::pruner::policy::policy::PolicyOption;

/// The options given to a policy, in the order given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    items: Vec<(String, String)>,
}

impl Options {
    /// Options from `(key, value)` pairs.
    pub fn new<K: Into<String>, V: Into<String>>(
        items: impl IntoIterator<Item = (K, V)>,
    ) -> Options {
        Options {
            items: items
                .into_iter()
                .map(|(key, value)| (key.into(), value.into()))
                .collect(),
        }
    }

    /// Every value of `key`, in the order given (none if it was not given).
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.items
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// The value of `key`, if it was given; an error if it was given more than once.
    pub fn one(&self, key: &str) -> Result<Option<&str>, String> {
        match self.all(key)[..] {
            [] => Ok(None),
            [value] => Ok(Some(value)),
            ref values => Err(format!(
                "{key} is given {} times ({}); give it once",
                values.len(),
                values
                    .iter()
                    .map(|value| format!("{key}={value}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// Fails for the first option whose key is not one of `known`.
    pub(crate) fn refuse_unknown(&self, known: &[&str]) -> Result<(), String> {
        let Some((key, _)) = self
            .items
            .iter()
            .find(|(key, _)| !known.contains(&key.as_str()))
        else {
            return Ok(());
        };
        let takes = match known {
            [] => "this policy takes no options".to_string(),
            known => format!("this policy takes {}", known.join(", ")),
        };
        Err(format!("unknown option {key:?}; {takes}"))
    }
}

impl From<Vec<PolicyOption>> for Options {
    fn from(options: Vec<PolicyOption>) -> Options {
        Options::new(options.into_iter().map(|o| (o.key, o.value)))
    }
}

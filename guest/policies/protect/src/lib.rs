//! `protect`: never prune what carries a label. `--policy-opt label=KEY` protects every object
//! with the label KEY, `label=KEY=VALUE` those whose label KEY has that value; given several
//! times, any one of them protects.

use pruner_policy::{Kept, Kind, LabelMatch, Object, Options, Policy, Reference};

/// The `label` options, as given.
struct Protect(Vec<String>);

impl Policy for Protect {
    const OPTIONS: &[&str] = &["label"];

    fn new(_: Kind, options: &Options) -> Result<Protect, String> {
        let labels = options.all("label");
        if labels.is_empty() {
            return Err("protect needs label=KEY or label=KEY=VALUE".to_string());
        }
        Ok(Protect(labels.into_iter().map(String::from).collect()))
    }

    fn keep(&self, objects: &[Object], _: Reference) -> Result<Vec<Kept>, String> {
        let protected = |object: &Object| {
            let label = self
                .0
                .iter()
                .find(|l| LabelMatch::parse(l).matches(object.labels))?;
            Some(Kept::new(object, format!("label {label}")))
        };
        Ok(objects
            .iter()
            .filter(|o| o.is_prunable())
            .filter_map(protected)
            .collect())
    }
}

pruner_policy::export!(Protect);

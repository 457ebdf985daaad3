//! `keep-recent`: keeps the newest objects of each group, as kubelet keeps the newest dead
//! containers of a pod. `--policy-opt keep=N` (required) is how many; `group-by=label:KEY`
//! groups by the value of the label KEY (objects without it form a group of their own),
//! `group-by=image` by container image, `group-by=all` (the default) makes one group. Only
//! objects prune may remove count: stopped containers, unused networks. Newest is by creation
//! time (ties: by ID).

use std::collections::HashMap;

use pruner_policy::{Kept, Kind, Object, Options, Policy, Reference};

/// How many to keep of each group, and the groups.
struct KeepRecent {
    keep: usize,
    group_by: GroupBy,
}

/// What makes a group.
enum GroupBy {
    /// One group of everything.
    All,
    /// The value of this label.
    Label(String),
    /// The container's image.
    Image,
}

impl Policy for KeepRecent {
    const OPTIONS: &[&str] = &["keep", "group-by"];

    fn new(kind: Kind, options: &Options) -> Result<KeepRecent, String> {
        let keep = options
            .one("keep")?
            .ok_or("keep-recent needs keep=N, how many of the newest to keep in each group")?;
        let keep = keep
            .parse()
            .map_err(|_| format!("keep must be a whole number, not {keep:?}"))?;
        let group_by = match options.one("group-by")? {
            None | Some("all") => GroupBy::All,
            Some("image") if kind == Kind::Networks => {
                return Err(
                    "group-by=image does not apply to networks, which have no image".into(),
                );
            }
            Some("image") => GroupBy::Image,
            Some(other) => match other.strip_prefix("label:") {
                Some(key) if !key.is_empty() => GroupBy::Label(key.to_string()),
                _ => {
                    return Err(format!(
                        "group-by must be all, image or label:KEY, not {other:?}"
                    ));
                }
            },
        };
        Ok(KeepRecent { keep, group_by })
    }

    fn keep(&self, objects: &[Object], _: Reference) -> Result<Vec<Kept>, String> {
        let mut groups: HashMap<Option<&str>, Vec<&Object>> = HashMap::new();
        for object in objects.iter().filter(|object| object.is_prunable()) {
            let group = match &self.group_by {
                GroupBy::All => None,
                GroupBy::Label(key) => object.label(key),
                GroupBy::Image => object.image(),
            };
            groups.entry(group).or_default().push(object);
        }
        let mut kept = Vec::new();
        for (group, mut members) in groups {
            let newest_first =
                |a: &&Object, b: &&Object| b.created.cmp(&a.created).then(a.id.cmp(b.id));
            if members.len() > self.keep && self.keep > 0 {
                members.select_nth_unstable_by(self.keep - 1, newest_first);
            }
            members.truncate(self.keep);
            let reason = self.reason(group);
            kept.extend(members.into_iter().map(|object| Kept::new(object, &reason)));
        }
        Ok(kept)
    }
}

impl KeepRecent {
    /// Why the newest of `group` are kept.
    fn reason(&self, group: Option<&str>) -> String {
        let newest = match self.keep {
            1 => "the newest".to_string(),
            keep => format!("one of the {keep} newest"),
        };
        match (&self.group_by, group) {
            (GroupBy::All, _) => newest,
            (GroupBy::Label(key), Some(value)) => format!("{newest} with {key}={value}"),
            (GroupBy::Label(key), None) => format!("{newest} without the label {key}"),
            (GroupBy::Image, Some(image)) => format!("{newest} of image {image}"),
            (GroupBy::Image, None) => format!("{newest} of an unknown image"),
        }
    }
}

pruner_policy::export!(KeepRecent);

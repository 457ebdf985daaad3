//! `exited-before`: Docker's `until`, measured from when a container exited rather than from
//! when it was created, as docker-gc's grace period is. `--policy-opt until=VALUE` takes
//! `until`'s forms (a Go duration such as `24h`, a Unix time, an RFC 3339 time or date, read
//! in the daemon's zone when it has none) and keeps every stopped container that exited after
//! that time. A container created but never started counts from its creation; one whose exit
//! time the daemon does not know is kept. Container prune only.

use pruner_policy::{
    ContainerState, Facts, Instant, Kept, Kind, Object, Options, Policy, Reference, rfc3339,
    timestamp, until,
};

/// The `until` option, as given.
struct ExitedBefore(String);

impl Policy for ExitedBefore {
    const OPTIONS: &[&str] = &["until"];

    fn new(kind: Kind, options: &Options) -> Result<ExitedBefore, String> {
        if kind == Kind::Networks {
            return Err("exited-before applies to container prune only".to_string());
        }
        let until = options.one("until")?.ok_or(
            "exited-before needs until=TIME: a duration (24h), a Unix time or an RFC 3339 time",
        )?;
        // Checked against any clock: whether a value parses does not depend on it.
        let epoch = Reference {
            now: Instant::default(),
            utc_offset_seconds: 0,
        };
        timestamp::until(until, epoch).map_err(|err| format!("until={until}: {err}"))?;
        Ok(ExitedBefore(until.to_string()))
    }

    fn keep(&self, objects: &[Object], clock: Reference) -> Result<Vec<Kept>, String> {
        let until = timestamp::until(&self.0, clock)?;
        let mut kept = Vec::new();
        for object in objects.iter().filter(|object| object.is_prunable()) {
            let Facts::Container {
                state, finished, ..
            } = &object.facts
            else {
                continue;
            };
            let (what, time) = match (state, finished) {
                (ContainerState::Created, _) => ("created", object.created),
                (_, Some(finished)) => ("exited", *finished),
                (_, None) => {
                    kept.push(Kept::new(object, "its exit time is unknown"));
                    continue;
                }
            };
            if until::is_newer(time, Some(until)) {
                let reason = format!("{what} {}, after {}", rfc3339(time), rfc3339(until));
                kept.push(Kept::new(object, reason));
            }
        }
        Ok(kept)
    }
}

pruner_policy::export!(ExitedBefore);

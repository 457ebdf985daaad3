//! Plans: what a prune would remove, written by a dry run (`--plan FILE`) and applied later
//! (`--apply FILE`, [`Mode::Apply`](crate::preview::Mode::Apply)), which removes only the
//! planned objects that are still as planned and that the rules still select.
//!
//! A plan is JSON (format version [`VERSION`]):
//!
//! ```json
//! {
//!   "version": 1,
//!   "prune": "container",
//!   "backend": {"kind": "state-file", "id": "/tmp/pruner-example.json"},
//!   "created": "2026-11-27T12:00:00Z",
//!   "filters": {"label": {"env=dev": true}},
//!   "containers": [{"id": "e844adc6…", "name": "build-1",
//!                   "created": "2026-11-18T08:30:00Z", "state": "exited"}],
//!   "networks": [{"id": "…", "name": "n1", "created": "…", "scope": "local"}]
//! }
//! ```
//!
//! `prune` is `container` or `network`; `backend` names the daemon (the CLI writes
//! `state-file` with the file's canonical path, or `docker-engine` with the engine's `ID` from
//! `GET /info`); `created` is the daemon's time when the plan was made; `filters` the prune's
//! filters in the Engine API's form (apply prunes with them); a container prune's plan lists
//! `containers` (with Docker's status word), a network prune's `networks` (scope `local` or
//! `swarm`). Times are RFC 3339 with up to nanoseconds.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use chrono::{DateTime, TimeDelta, Utc};
use pruner_state::state::{rfc3339, status_word};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::bindings::ContainerState;
use crate::filters::Filters;
use crate::invariants::PruneKind;

/// The plan format this pruner writes and applies.
pub const VERSION: u64 = 1;

/// The daemon a plan was made on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendIdentity {
    /// What kind of daemon: `state-file`, `docker-engine`, or an embedder's own word.
    pub kind: String,
    /// Which one of its kind: the state file's canonical path, the engine's ID.
    pub id: String,
}

impl fmt::Display for BackendIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.id)
    }
}

/// Where a network lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// A network of the daemon's own (`network-controller`).
    Local,
    /// A swarm network (`cluster`).
    Swarm,
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scope::Local => "local",
            Scope::Swarm => "swarm",
        })
    }
}

/// A container of a plan, with the facts that identify it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlannedContainer {
    /// The full container ID.
    pub id: String,
    /// Its name, as listed (for people; apply does not compare it).
    #[serde(default)]
    pub name: String,
    /// When it was created.
    #[serde(with = "rfc3339")]
    pub created: DateTime<Utc>,
    /// Its state when planned, as Docker's status word.
    #[serde(with = "status_word")]
    pub state: ContainerState,
}

/// A network of a plan, with the facts that identify it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlannedNetwork {
    /// The network ID.
    pub id: String,
    /// Its name.
    pub name: String,
    /// When it was created.
    #[serde(with = "rfc3339")]
    pub created: DateTime<Utc>,
    /// Local or swarm.
    pub scope: Scope,
}

/// One object a prune removed, would remove, or planned to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlannedObject {
    /// A container.
    Container(PlannedContainer),
    /// A network.
    Network(PlannedNetwork),
}

impl PlannedObject {
    /// The object's ID.
    pub fn id(&self) -> &str {
        match self {
            PlannedObject::Container(container) => &container.id,
            PlannedObject::Network(network) => &network.id,
        }
    }

    /// The object's name.
    pub fn name(&self) -> &str {
        match self {
            PlannedObject::Container(container) => &container.name,
            PlannedObject::Network(network) => &network.name,
        }
    }

    /// `container` or `network`.
    pub fn kind(&self) -> &'static str {
        match self {
            PlannedObject::Container(_) => "container",
            PlannedObject::Network(_) => "network",
        }
    }
}

/// What a prune would remove, on which daemon, when, with which filters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The format version, [`VERSION`].
    pub version: u64,
    /// The prune it plans.
    #[serde(with = "prune_word")]
    pub prune: PruneKind,
    /// The daemon it was made on.
    pub backend: BackendIdentity,
    /// The daemon's time when it was made.
    #[serde(with = "rfc3339")]
    pub created: DateTime<Utc>,
    /// The prune's filters; apply prunes with them.
    #[serde(with = "engine_filters")]
    pub filters: Filters,
    /// The containers a container prune would remove.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub containers: Vec<PlannedContainer>,
    /// The networks a network prune would remove.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<PlannedNetwork>,
}

/// Why a plan cannot be read, written or applied. `Display` is the reason alone (`it …`);
/// the caller names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The file cannot be read or written.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The file is not a plan.
    #[error("it is not a pruner plan: {0}")]
    Malformed(String),
    /// A plan of another format version.
    #[error("it is a plan of version {0}; this pruner applies version {VERSION}")]
    Version(serde_json::Value),
    /// A plan of the other prune.
    #[error("it plans a {planned} prune, not a {asked} prune")]
    OtherPrune {
        /// The plan's prune.
        planned: &'static str,
        /// The prune asked for.
        asked: &'static str,
    },
    /// A plan made on another daemon.
    #[error("it was made on {planned}, not on {current}")]
    OtherBackend {
        /// The plan's daemon.
        planned: BackendIdentity,
        /// The daemon being pruned.
        current: BackendIdentity,
    },
    /// A plan older than the maximum age.
    #[error(
        "it was made at {}, {} ago, more than the maximum age of {}: make a new plan",
        time(created), go_duration(*age), go_duration(*max_age)
    )]
    Expired {
        /// When it was made.
        created: DateTime<Utc>,
        /// Its age.
        age: TimeDelta,
        /// The maximum age.
        max_age: TimeDelta,
    },
    /// A plan made after the daemon's current time.
    #[error(
        "it was made at {}, after the daemon's time {}",
        time(created),
        time(now)
    )]
    FromTheFuture {
        /// When it says it was made.
        created: DateTime<Utc>,
        /// The daemon's time.
        now: DateTime<Utc>,
    },
}

impl Plan {
    /// A plan of a `kind` prune on `backend` at `created` with `filters`, listing `objects` (those
    /// of the other kind are left out).
    pub fn new(
        kind: PruneKind,
        backend: BackendIdentity,
        created: DateTime<Utc>,
        filters: &Filters,
        objects: &[PlannedObject],
    ) -> Plan {
        let mut plan = Plan {
            version: VERSION,
            prune: kind,
            backend,
            created,
            filters: filters.clone(),
            containers: Vec::new(),
            networks: Vec::new(),
        };
        for object in objects {
            match (kind, object) {
                (PruneKind::Containers, PlannedObject::Container(container)) => {
                    plan.containers.push(container.clone())
                }
                (PruneKind::Networks, PlannedObject::Network(network)) => {
                    plan.networks.push(network.clone())
                }
                _ => {}
            }
        }
        plan
    }

    /// The objects of the plan's prune, in the plan's order.
    pub fn objects(&self) -> Vec<PlannedObject> {
        match self.prune {
            PruneKind::Containers => self
                .containers
                .iter()
                .cloned()
                .map(PlannedObject::Container)
                .collect(),
            PruneKind::Networks => self
                .networks
                .iter()
                .cloned()
                .map(PlannedObject::Network)
                .collect(),
        }
    }

    /// Decodes a plan: its version is checked first, so that a plan of another version is
    /// named as such rather than as malformed; an object listed twice makes it malformed.
    pub fn from_json(text: &str) -> Result<Plan, PlanError> {
        let malformed = |err: serde_json::Error| PlanError::Malformed(err.to_string());
        let value: serde_json::Value = serde_json::from_str(text).map_err(malformed)?;
        match value.get("version") {
            None => return Err(PlanError::Malformed("missing field `version`".to_string())),
            Some(version) if version.as_u64() != Some(VERSION) => {
                return Err(PlanError::Version(version.clone()));
            }
            Some(_) => {}
        }
        // Decoded from the text again, for errors that say where.
        let plan: Plan = serde_json::from_str(text).map_err(malformed)?;
        let mut seen = HashSet::new();
        for object in plan.objects() {
            if !seen.insert(object.id().to_string()) {
                return Err(PlanError::Malformed(format!(
                    "it lists {} {} twice",
                    object.kind(),
                    object.id()
                )));
            }
        }
        Ok(plan)
    }

    /// The plan as pretty JSON ending with a newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a plan always encodes");
        text.push('\n');
        text
    }

    /// Reads the plan in the file at `path`.
    pub fn read(path: &Path) -> Result<Plan, PlanError> {
        Plan::from_json(&std::fs::read_to_string(path)?)
    }

    /// Writes the plan to the file at `path`.
    pub fn write(&self, path: &Path) -> Result<(), PlanError> {
        Ok(std::fs::write(path, self.to_json())?)
    }

    /// Whether the plan may be applied to a `kind` prune on `backend` at the daemon's time
    /// `now`: it plans that prune on that daemon, and is no older than `max_age`.
    pub fn check(
        &self,
        kind: PruneKind,
        backend: &BackendIdentity,
        now: DateTime<Utc>,
        max_age: TimeDelta,
    ) -> Result<(), PlanError> {
        if self.prune != kind {
            return Err(PlanError::OtherPrune {
                planned: prune_word::word(self.prune),
                asked: prune_word::word(kind),
            });
        }
        if &self.backend != backend {
            return Err(PlanError::OtherBackend {
                planned: self.backend.clone(),
                current: backend.clone(),
            });
        }
        let age = now - self.created;
        if age < TimeDelta::zero() {
            return Err(PlanError::FromTheFuture {
                created: self.created,
                now,
            });
        }
        if age > max_age {
            return Err(PlanError::Expired {
                created: self.created,
                age,
                max_age,
            });
        }
        Ok(())
    }
}

/// A time as a plan writes it.
fn time(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// A duration as Go prints one, to the second: `1h0m0s`, `2m5s`, `40s`.
pub fn go_duration(duration: TimeDelta) -> String {
    let seconds = duration.num_seconds();
    let (hours, minutes, seconds) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    match (hours, minutes) {
        (0, 0) => format!("{seconds}s"),
        (0, _) => format!("{minutes}m{seconds}s"),
        _ => format!("{hours}h{minutes}m{seconds}s"),
    }
}

/// A prune kind as a plan's `prune` word.
mod prune_word {
    use super::*;

    pub fn word(kind: PruneKind) -> &'static str {
        match kind {
            PruneKind::Containers => "container",
            PruneKind::Networks => "network",
        }
    }

    pub fn serialize<S: Serializer>(kind: &PruneKind, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(word(*kind))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PruneKind, D::Error> {
        match String::deserialize(d)?.as_str() {
            "container" => Ok(PruneKind::Containers),
            "network" => Ok(PruneKind::Networks),
            other => Err(serde::de::Error::custom(format!(
                "unknown prune {other:?} (expected container or network)"
            ))),
        }
    }
}

/// Filters as the Engine API's `filters` object (`{}` for none).
mod engine_filters {
    use super::*;

    pub fn serialize<S: Serializer>(filters: &Filters, s: S) -> Result<S::Ok, S::Error> {
        let json = filters.to_json();
        let value: serde_json::Value = if json.is_empty() {
            serde_json::Value::Object(serde_json::Map::new())
        } else {
            serde_json::from_str(&json).map_err(serde::ser::Error::custom)?
        };
        value.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Filters, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        Filters::from_json(&value.to_string()).map_err(|err| {
            serde::de::Error::custom(format!("{err}: filters must be the Engine API's object"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn state_file(path: &str) -> BackendIdentity {
        BackendIdentity {
            kind: "state-file".to_string(),
            id: path.to_string(),
        }
    }

    fn plan() -> Plan {
        let mut filters = Filters::new();
        filters.add("label", "env=dev");
        Plan::new(
            PruneKind::Containers,
            state_file("/data/state.json"),
            at("2026-11-27T12:00:00Z"),
            &filters,
            &[
                PlannedObject::Container(PlannedContainer {
                    id: "c1".to_string(),
                    name: "build".to_string(),
                    created: at("2026-11-20T10:00:00.5Z"),
                    state: ContainerState::Exited,
                }),
                PlannedObject::Network(PlannedNetwork {
                    id: "n1".to_string(),
                    name: "n1".to_string(),
                    created: at("2026-11-20T10:00:00Z"),
                    scope: Scope::Local,
                }),
            ],
        )
    }

    #[test]
    fn a_plan_is_written_in_the_documented_form_and_reads_back_equal() {
        let text = plan().to_json();
        assert_eq!(
            text,
            r#"{
  "version": 1,
  "prune": "container",
  "backend": {
    "kind": "state-file",
    "id": "/data/state.json"
  },
  "created": "2026-11-27T12:00:00Z",
  "filters": {
    "label": {
      "env=dev": true
    }
  },
  "containers": [
    {
      "id": "c1",
      "name": "build",
      "created": "2026-11-20T10:00:00.500Z",
      "state": "exited"
    }
  ]
}
"#
        );
        assert_eq!(Plan::from_json(&text).unwrap(), plan());
    }

    #[test]
    fn bad_plans_are_refused_with_the_reason() {
        let cases = [
            ("[]", "it is not a pruner plan: missing field `version`"),
            (
                "{",
                "it is not a pruner plan: EOF while parsing an object at line 1 column 1",
            ),
            (
                r#"{"version": 2, "what": "ever"}"#,
                "it is a plan of version 2; this pruner applies version 1",
            ),
            (
                r#"{"version": "1"}"#,
                "it is a plan of version \"1\"; this pruner applies version 1",
            ),
            (
                r#"{"version": 1, "prune": "image", "backend": {"kind": "k", "id": "i"},
                    "created": "2026-11-27T12:00:00Z", "filters": {}}"#,
                "it is not a pruner plan: unknown prune \"image\" (expected container or \
                 network) at line 1 column 31",
            ),
            (
                r#"{"version": 1, "prune": "container", "backend": {"kind": "k", "id": "i"},
                    "created": "2026-11-27T12:00:00Z", "filters": {},
                    "containers": [
                      {"id": "a", "created": "2026-11-27T12:00:00Z", "state": "exited"},
                      {"id": "a", "created": "2026-11-27T12:00:00Z", "state": "dead"}]}"#,
                "it is not a pruner plan: it lists container a twice",
            ),
        ];
        for (text, reason) in cases {
            assert_eq!(
                Plan::from_json(text).map_err(|err| err.to_string()),
                Err(reason.to_string()),
                "{text}"
            );
        }
    }

    #[test]
    fn a_plan_applies_only_to_its_prune_on_its_backend_within_the_maximum_age() {
        let plan = plan();
        let here = state_file("/data/state.json");
        let hour = TimeDelta::hours(1);
        let check = |kind, backend: &BackendIdentity, now: &str| {
            plan.check(kind, backend, at(now), hour)
                .map_err(|err| err.to_string())
        };
        assert_eq!(
            check(PruneKind::Containers, &here, "2026-11-27T13:00:00Z"),
            Ok(())
        );
        assert_eq!(
            check(PruneKind::Networks, &here, "2026-11-27T12:00:00Z"),
            Err("it plans a container prune, not a network prune".to_string())
        );
        assert_eq!(
            check(
                PruneKind::Containers,
                &state_file("/other.json"),
                "2026-11-27T12:00:00Z"
            ),
            Err(
                "it was made on state-file /data/state.json, not on state-file /other.json"
                    .to_string()
            )
        );
        assert_eq!(
            check(PruneKind::Containers, &here, "2026-11-27T13:00:01Z"),
            Err(
                "it was made at 2026-11-27T12:00:00Z, 1h0m1s ago, more than the maximum age \
                 of 1h0m0s: make a new plan"
                    .to_string()
            )
        );
        assert_eq!(
            check(PruneKind::Containers, &here, "2026-11-27T11:59:59Z"),
            Err(
                "it was made at 2026-11-27T12:00:00Z, after the daemon's time \
                 2026-11-27T11:59:59Z"
                    .to_string()
            )
        );
    }
}

//! Docker's event message (`api/types/events.Message`), the JSON shape `docker events` prints.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// One event as the Engine API's event stream carries it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventMessage {
    /// Deprecated: the action, filled for container events only.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
    /// Deprecated: the actor ID, filled for container events only.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// Deprecated: the image, filled for container events only.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub from: String,
    /// The object type, e.g. `container`.
    #[serde(rename = "Type")]
    pub kind: String,
    /// What happened, e.g. `prune`.
    #[serde(rename = "Action")]
    pub action: String,
    /// The object the event is about.
    #[serde(rename = "Actor")]
    pub actor: Actor,
    /// `local` or `swarm`.
    pub scope: String,
    /// Unix seconds.
    pub time: i64,
    /// Unix nanoseconds.
    #[serde(rename = "timeNano")]
    pub time_nano: i64,
}

/// The object an event is about.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    /// The object's ID; empty for prune events.
    #[serde(rename = "ID")]
    pub id: String,
    /// The object's attributes.
    #[serde(rename = "Attributes")]
    pub attributes: BTreeMap<String, String>,
}

impl EventMessage {
    /// A `local`-scoped event at `time`, with the deprecated fields Docker fills for containers.
    pub fn local(
        kind: &str,
        action: &str,
        actor: Actor,
        time: DateTime<FixedOffset>,
    ) -> EventMessage {
        let container = kind == "container";
        let deprecated = |value: &str| {
            if container {
                value.to_string()
            } else {
                String::new()
            }
        };
        EventMessage {
            status: deprecated(action),
            id: deprecated(&actor.id),
            from: deprecated(actor.attributes.get("image").map_or("", String::as_str)),
            kind: kind.to_string(),
            action: action.to_string(),
            actor,
            scope: "local".to_string(),
            time: time.timestamp(),
            time_nano: time.timestamp_nanos_opt().unwrap_or(i64::MAX),
        }
    }
}

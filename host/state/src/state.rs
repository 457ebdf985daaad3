//! The state file's schema: the objects a daemon has that prune looks at, as JSON.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::events::EventMessage;
use crate::status::{ContainerState, StatusWord};

/// Everything the daemon has that prune looks at. `S` is the type container states are held
/// as (see [`StatusWord`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, bound = "S: StatusWord")]
pub struct State<S = ContainerState> {
    /// The containers.
    #[serde(default)]
    pub containers: Vec<ContainerRecord<S>>,
    /// The local networks.
    #[serde(default)]
    pub networks: Vec<NetworkRecord>,
    /// The swarm cluster.
    #[serde(default)]
    pub cluster: ClusterRecord,
    /// The events logged so far, oldest first.
    #[serde(default)]
    pub events: Vec<EventMessage>,
}

impl<S> Default for State<S> {
    fn default() -> Self {
        State {
            containers: Vec::new(),
            networks: Vec::new(),
            cluster: ClusterRecord::default(),
            events: Vec::new(),
        }
    }
}

/// One container.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, bound = "S: StatusWord")]
pub struct ContainerRecord<S = ContainerState> {
    /// The full 64-hex ID.
    pub id: String,
    /// The name, without Docker's leading `/`.
    #[serde(default)]
    pub name: String,
    /// Creation time (RFC 3339, nanoseconds).
    #[serde(with = "rfc3339")]
    pub created: DateTime<Utc>,
    /// Docker's status word.
    #[serde(with = "status_word")]
    pub state: S,
    /// The image the container runs, reported in its `destroy` event; empty when unknown.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub image: String,
    /// When it last exited (RFC 3339, nanoseconds; Docker's `State.FinishedAt`); absent when
    /// unknown or when it never ran to an end.
    #[serde(
        default,
        with = "optional_rfc3339",
        skip_serializing_if = "Option::is_none"
    )]
    pub finished: Option<DateTime<Utc>>,
    /// `Config.Labels`.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Size of the read-write layer in bytes.
    #[serde(default)]
    pub size_rw: i64,
    /// Injected backend failures.
    #[serde(default, skip_serializing_if = "Failures::is_empty")]
    pub fail: Failures,
}

/// One local network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkRecord {
    /// The network ID.
    pub id: String,
    /// The network name.
    pub name: String,
    /// Creation time.
    #[serde(with = "rfc3339")]
    pub created: DateTime<Utc>,
    /// The driver, reported in the `destroy` event.
    #[serde(default = "default_driver")]
    pub driver: String,
    /// The labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// A `--config-only` network.
    #[serde(default)]
    pub config_only: bool,
    /// Attached endpoints (running containers).
    #[serde(default)]
    pub endpoints: u32,
    /// Injected backend failures.
    #[serde(default, skip_serializing_if = "Failures::is_empty")]
    pub fail: Failures,
}

/// The swarm cluster this daemon belongs to.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterRecord {
    /// Whether this node is a swarm manager.
    #[serde(default)]
    pub manager: bool,
    /// The swarm networks.
    #[serde(default)]
    pub networks: Vec<ClusterNetworkRecord>,
    /// Injected backend failures.
    #[serde(default, skip_serializing_if = "Failures::is_empty")]
    pub fail: Failures,
}

/// One swarm network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterNetworkRecord {
    /// The network ID.
    pub id: String,
    /// The network name.
    pub name: String,
    /// Creation time.
    #[serde(with = "rfc3339")]
    pub created: DateTime<Utc>,
    /// The labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// The ingress network.
    #[serde(default)]
    pub ingress: bool,
    /// IDs of the services using this network; removal fails while there are any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    /// Injected backend failures.
    #[serde(default, skip_serializing_if = "Failures::is_empty")]
    pub fail: Failures,
}

/// Backend failures to inject: each operation named fails with the given message (class system).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Failures {
    /// Fails listing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    /// Fails the layer-size lookup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    /// Fails removal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove: Option<String>,
}

impl Failures {
    fn is_empty(&self) -> bool {
        self == &Failures::default()
    }
}

fn default_driver() -> String {
    "bridge".to_string()
}

/// Times as RFC 3339 in UTC with nanoseconds, as the Engine API writes them (serde `with`).
pub mod rfc3339 {
    use super::*;

    /// Writes `time` as RFC 3339 in UTC, with as many fractional digits as it needs.
    pub fn serialize<S: Serializer>(time: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&time.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }

    /// Reads an RFC 3339 time in any zone.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.to_utc())
            .map_err(|err| serde::de::Error::custom(format!("bad time {text:?}: {err}")))
    }
}

/// Optional times as [`rfc3339`] writes them.
mod optional_rfc3339 {
    use super::*;

    pub fn serialize<S: Serializer>(time: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match time {
            Some(time) => rfc3339::serialize(time, s),
            None => s.serialize_none(),
        }
    }

    /// A time, or `null` for none.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        use serde::de::IntoDeserializer;
        Option::<String>::deserialize(d)?
            .map(|text| rfc3339::deserialize(text.into_deserializer()))
            .transpose()
    }
}

/// Container states as Docker's status words (serde `with`).
pub mod status_word {
    use super::*;

    /// Writes the state's status word.
    pub fn serialize<T: StatusWord, S: Serializer>(state: &T, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str((*state).into().word())
    }

    /// Reads a status word; an unknown one is an error listing the accepted words.
    pub fn deserialize<'de, T: StatusWord, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        let word = String::deserialize(d)?;
        ContainerState::from_word(&word)
            .map(T::from)
            .map_err(serde::de::Error::custom)
    }
}

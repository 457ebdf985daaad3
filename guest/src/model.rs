//! The plain-Rust objects the prune rules work on: the daemon's containers and networks as the
//! WIT contract describes them, independent of wit-bindgen so that the rules compile natively.

use alloc::{string::String, vec::Vec};

/// An instant with nanosecond precision (Go's `time.Time` without a zone).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant {
    /// Seconds since the Unix epoch; negative before 1970.
    pub seconds: i64,
    /// Nanoseconds within the second, always below 1,000,000,000.
    pub nanos: u32,
}

impl Instant {
    /// Go's `time.Unix(sec, nsec)`: normalises `nsec` outside `[0, 1e9)` into the seconds.
    pub fn from_unix(seconds: i64, nanos: i64) -> Instant {
        let seconds = seconds.saturating_add(nanos.div_euclid(1_000_000_000));
        Instant {
            seconds,
            nanos: nanos.rem_euclid(1_000_000_000) as u32,
        }
    }
}

/// The daemon's clock at the start of a prune: `time.Now()` in the daemon's local zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reference {
    /// The current instant.
    pub now: Instant,
    /// The local zone's offset east of UTC at `now`, in seconds.
    pub utc_offset_seconds: i32,
}

/// One label: key and value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// The label key.
    pub key: String,
    /// The label value, possibly empty.
    pub value: String,
}

/// A container's state, as `docker ps` and the Engine API's `State.Status` report it: pruner's
/// one definition of it. The WIT's `container-state` is its image at the wasm edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerState {
    /// Created, never started.
    Created,
    /// Running.
    Running,
    /// Paused (still `State.Running` in Docker).
    Paused,
    /// Restarting (still `State.Running` in Docker).
    Restarting,
    /// Being removed.
    Removing,
    /// Stopped.
    Exited,
    /// Failed removal left it dead.
    Dead,
}

impl ContainerState {
    /// Every state, in the WIT's order (the packed listings' state numbers).
    pub const ALL: [ContainerState; 7] = [
        ContainerState::Created,
        ContainerState::Running,
        ContainerState::Paused,
        ContainerState::Restarting,
        ContainerState::Removing,
        ContainerState::Exited,
        ContainerState::Dead,
    ];

    /// Docker's status word, e.g. `exited`.
    pub fn word(self) -> &'static str {
        match self {
            ContainerState::Created => "created",
            ContainerState::Running => "running",
            ContainerState::Paused => "paused",
            ContainerState::Restarting => "restarting",
            ContainerState::Removing => "removing",
            ContainerState::Exited => "exited",
            ContainerState::Dead => "dead",
        }
    }

    /// The state a status word names; the error text lists the accepted words.
    pub fn from_word(word: &str) -> Result<ContainerState, String> {
        ContainerState::ALL
            .into_iter()
            .find(|state| state.word() == word)
            .ok_or_else(|| {
                alloc::format!(
                    "unknown container state {word:?} (expected one of created, running, \
                     paused, restarting, removing, exited, dead)"
                )
            })
    }

    /// Docker's `State.Running`: true for running, paused and restarting containers.
    pub fn is_running(self) -> bool {
        matches!(
            self,
            ContainerState::Running | ContainerState::Paused | ContainerState::Restarting
        )
    }
}

/// One container as prune sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Container {
    /// The full container ID.
    pub id: String,
    /// When it was created.
    pub created: Instant,
    /// Its state.
    pub state: ContainerState,
    /// `Config.Labels`.
    pub labels: Vec<Label>,
}

/// One local network as prune sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Network {
    /// The network ID.
    pub id: String,
    /// The network name.
    pub name: String,
    /// When it was created.
    pub created: Instant,
    /// Its labels.
    pub labels: Vec<Label>,
    /// A `--config-only` network.
    pub config_only: bool,
    /// The number of attached endpoints.
    pub endpoints: u32,
}

/// One swarm network as prune sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterNetwork {
    /// The network ID.
    pub id: String,
    /// The network name.
    pub name: String,
    /// When it was created.
    pub created: Instant,
    /// Its labels.
    pub labels: Vec<Label>,
    /// The ingress network.
    pub ingress: bool,
}

/// The Engine API's container prune report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContainerPruneReport {
    /// Full IDs of the removed containers, newest first.
    pub containers_deleted: Vec<String>,
    /// Bytes reclaimed.
    pub space_reclaimed: u64,
}

/// The Engine API's network prune report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetworkPruneReport {
    /// Names of the removed networks, cluster ones first.
    pub networks_deleted: Vec<String>,
}

/// An event for the daemon's event stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// The object type: `container` or `network`.
    pub kind: &'static str,
    /// What happened, e.g. `prune`.
    pub action: &'static str,
    /// The object's ID; empty for prune events.
    pub actor_id: String,
    /// The actor's attributes.
    pub attributes: Vec<Label>,
}

//! Shared fixtures of the integration tests: the component compiled once per test binary, and
//! a daemon in memory with a fixed clock whose warnings are recorded.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock, Mutex};

use chrono::{DateTime, Utc};
use pruner_runtime::backend::WarningLog;
use pruner_runtime::bindings::{ContainerPruneReport, ContainerState, NetworkPruneReport};
use pruner_runtime::clock::FixedClock;
use pruner_runtime::events::EventMessage;
use pruner_runtime::memory::MemoryDaemon;
use pruner_runtime::state::{
    ClusterNetworkRecord, ContainerRecord, Failures, NetworkRecord, State,
};
use pruner_runtime::{
    Backends, Cancellation, Engines, Filters, PruneComponent, PruneError, Pruner,
};

pub mod policies;

/// The engines of the test binary's components.
pub static ENGINES: LazyLock<Engines> = LazyLock::new(|| Engines::builder().build());

/// The built-in component, compiled once for the whole test binary.
pub static COMPONENT: LazyLock<PruneComponent> =
    LazyLock::new(|| PruneComponent::builtin(&ENGINES).expect("the built-in component compiles"));

/// The daemon clock of the tests unless a test sets another: 2026-11-27T12:00:00Z.
pub const NOW: &str = "2026-11-27T12:00:00Z";

/// A 64-hex container ID made from a short name, so tests can name their containers.
pub fn id(name: &str) -> String {
    let hex: String = name.bytes().map(|b| format!("{b:02x}")).collect();
    format!("{hex:0<64}")
}

/// Parses an RFC 3339 time.
pub fn time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("a valid RFC 3339 time")
        .to_utc()
}

/// Labels from `key=value` (or bare `key`) strings.
pub fn labels(items: &[&str]) -> BTreeMap<String, String> {
    items
        .iter()
        .map(|item| match item.split_once('=') {
            Some((key, value)) => (key.to_string(), value.to_string()),
            None => (item.to_string(), String::new()),
        })
        .collect()
}

/// A container named `name` (ID [`id`]`(name)`), created at `created`, in `state`.
pub fn container(name: &str, state: ContainerState, created: &str) -> ContainerRecord {
    ContainerRecord {
        id: id(name),
        name: name.to_string(),
        created: time(created),
        state,
        image: "busybox".to_string(),
        labels: BTreeMap::new(),
        size_rw: 0,
        finished: None,
        fail: Failures::default(),
    }
}

/// An unused bridge network named `name` with ID `net<name>`, created at `created`.
pub fn network(name: &str, created: &str) -> NetworkRecord {
    NetworkRecord {
        id: format!("net{name}"),
        name: name.to_string(),
        created: time(created),
        driver: "bridge".to_string(),
        labels: BTreeMap::new(),
        config_only: false,
        endpoints: 0,
        fail: Failures::default(),
    }
}

/// An unused overlay network named `name` with ID `ovl<name>`, created at `created`.
pub fn cluster_network(name: &str, created: &str) -> ClusterNetworkRecord {
    ClusterNetworkRecord {
        id: format!("ovl{name}"),
        name: name.to_string(),
        created: time(created),
        labels: BTreeMap::new(),
        ingress: false,
        services: Vec::new(),
        fail: Failures::default(),
    }
}

/// Warnings kept in memory for the test to read.
#[derive(Default)]
pub struct RecordedWarnings(Mutex<Vec<String>>);

impl WarningLog for RecordedWarnings {
    fn warn(&self, message: &str) {
        self.0.lock().unwrap().push(message.to_string());
    }
}

/// A daemon in memory with its prune service, a fixed clock and recorded warnings.
pub struct TestDaemon {
    /// The daemon's objects.
    pub daemon: Arc<MemoryDaemon>,
    /// The backends the component sees.
    pub backends: Backends,
    /// The prune service (its own guard).
    pub pruner: Pruner,
    clock: Arc<FixedClock>,
    warnings: Arc<RecordedWarnings>,
}

impl TestDaemon {
    /// A daemon holding `state` whose clock reads [`NOW`].
    pub fn new(state: State) -> TestDaemon {
        TestDaemon::at(state, NOW)
    }

    /// A daemon holding `state` whose clock reads `now` (RFC 3339; its offset is the zone).
    pub fn at(state: State, now: &str) -> TestDaemon {
        let clock = Arc::new(FixedClock(
            DateTime::parse_from_rfc3339(now).expect("a valid RFC 3339 time"),
        ));
        let daemon = Arc::new(MemoryDaemon::new(state, clock.clone()));
        let warnings = Arc::new(RecordedWarnings::default());
        let backends = Backends::from_daemon(daemon.clone())
            .with_clock(clock.clone())
            .with_log(warnings.clone());
        TestDaemon {
            daemon,
            backends,
            pruner: Pruner::new(COMPONENT.clone()),
            clock,
            warnings,
        }
    }

    /// Changes the daemon's objects between two prunes (a container stops, a service goes
    /// away); the clock, the prune service, the events and the warnings stay.
    pub fn change(&mut self, edit: impl FnOnce(&mut State)) {
        let mut state = self.state();
        edit(&mut state);
        self.daemon = Arc::new(MemoryDaemon::new(state, self.clock.clone()));
        self.backends = Backends::from_daemon(self.daemon.clone())
            .with_clock(self.clock.clone())
            .with_log(self.warnings.clone());
    }

    /// Container prune with docker CLI `--filter` values.
    pub fn prune_containers(&self, flags: &[&str]) -> Result<ContainerPruneReport, PruneError> {
        self.prune_containers_with(&cli_filters(flags))
    }

    /// Network prune with docker CLI `--filter` values.
    pub fn prune_networks(&self, flags: &[&str]) -> Result<NetworkPruneReport, PruneError> {
        self.prune_networks_with(&cli_filters(flags))
    }

    /// Container prune with filters as given (e.g. from the Engine API's JSON).
    pub fn prune_containers_with(
        &self,
        filters: &Filters,
    ) -> Result<ContainerPruneReport, PruneError> {
        self.pruner
            .prune_containers(&self.backends, filters, &Cancellation::default())
    }

    /// Network prune with filters as given (e.g. from the Engine API's JSON).
    pub fn prune_networks_with(&self, filters: &Filters) -> Result<NetworkPruneReport, PruneError> {
        self.pruner
            .prune_networks(&self.backends, filters, &Cancellation::default())
    }

    /// The daemon's current state.
    pub fn state(&self) -> State {
        self.daemon.snapshot()
    }

    /// Names of the containers left.
    pub fn container_names(&self) -> Vec<String> {
        self.state()
            .containers
            .into_iter()
            .map(|c| c.name)
            .collect()
    }

    /// Names of the local networks left.
    pub fn network_names(&self) -> Vec<String> {
        self.state().networks.into_iter().map(|n| n.name).collect()
    }

    /// Names of the swarm networks left.
    pub fn cluster_network_names(&self) -> Vec<String> {
        self.state()
            .cluster
            .networks
            .into_iter()
            .map(|n| n.name)
            .collect()
    }

    /// The warnings logged so far.
    pub fn warnings(&self) -> Vec<String> {
        self.warnings.0.lock().unwrap().clone()
    }

    /// Every event logged so far, as the event stream carries it.
    pub fn event_messages(&self) -> Vec<EventMessage> {
        self.state().events
    }

    /// `(Type, Action, Actor.ID, reclaimed)` of every event logged so far.
    pub fn events(&self) -> Vec<EventSummary> {
        self.state()
            .events
            .into_iter()
            .map(|e| {
                let reclaimed = e.actor.attributes.get("reclaimed").cloned();
                (e.kind, e.action, e.actor.id, reclaimed)
            })
            .collect()
    }
}

/// `(Type, Action, Actor.ID, reclaimed)` of one event.
pub type EventSummary = (String, String, String, Option<String>);

/// The `destroy` event of the object `kind` (`container`, `network`) with ID `id`.
pub fn destroyed(kind: &str, id: &str) -> EventSummary {
    (
        kind.to_string(),
        "destroy".to_string(),
        id.to_string(),
        None,
    )
}

/// The `prune` event of `kind` (`container`, `network`) with its `reclaimed` attribute.
pub fn pruned(kind: &str, reclaimed: u64) -> EventSummary {
    (
        kind.to_string(),
        "prune".to_string(),
        String::new(),
        Some(reclaimed.to_string()),
    )
}

/// Filters from the Engine API's `filters` parameter.
pub fn json_filters(text: &str) -> Filters {
    Filters::from_json(text).expect("a valid filters parameter")
}

/// Filters with one key and its values taken verbatim (no trimming, unlike the CLI).
pub fn filters(key: &str, values: &[&str]) -> Filters {
    let mut filters = Filters::default();
    for value in values {
        filters.add(key, value);
    }
    filters
}

/// Filters from docker CLI `--filter` values.
pub fn cli_filters(flags: &[&str]) -> Filters {
    let mut filters = Filters::default();
    for flag in flags {
        filters.add_cli_flag(flag).expect("a well-formed --filter");
    }
    filters
}

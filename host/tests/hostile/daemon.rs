//! A daemon that removes whatever it is asked to, running containers and predefined networks
//! included, and records every removal it is asked for: what stays protected in the hostile
//! tests is protected by the host's rules, not by the backend.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::DateTime;
use pruner::Backends;
use pruner::backend::{Cluster, ContainerStore, EventLog, NetworkController, WarningLog};
use pruner::bindings::{ClusterNetwork, Container, ContainerState, Error, Network, Timestamp};
use pruner::clock::FixedClock;
use pruner::events::EventMessage;

/// The daemon's clock: 2026-11-27T12:00:00Z.
const NOW: &str = "2026-11-27T12:00:00Z";
/// When every object was created: a day before [`NOW`].
const CREATED: Timestamp = Timestamp {
    seconds: 1_795_694_400,
    nanoseconds: 0,
};

/// Everything the daemon holds and everything asked of it.
#[derive(Debug, Default)]
struct Objects {
    containers: Vec<Container>,
    layer_sizes: HashMap<String, i64>,
    networks: Vec<Network>,
    cluster_networks: Vec<ClusterNetwork>,
    removals: Vec<String>,
    events: Vec<EventMessage>,
    warnings: Vec<String>,
}

/// The permissive daemon; clones share it.
#[derive(Clone, Debug, Default)]
pub struct Daemon(Arc<Mutex<Objects>>);

impl Daemon {
    /// An empty daemon.
    pub fn new() -> Daemon {
        Daemon::default()
    }

    /// Adds a container with ID `id`, in `state`, whose layer holds `size` bytes.
    pub fn container(self, id: &str, state: ContainerState, size: i64) -> Daemon {
        self.with(|objects| {
            objects.containers.push(Container {
                id: id.to_string(),
                names: vec![format!("name-{id}")],
                created: CREATED,
                state,
                labels: Vec::new(),
            });
            objects.layer_sizes.insert(id.to_string(), size);
        });
        self
    }

    /// Adds an unused local network named `name` with ID `net-<name>`.
    pub fn network(self, name: &str) -> Daemon {
        self.with(|objects| {
            objects.networks.push(Network {
                id: format!("net-{name}"),
                name: name.to_string(),
                created: CREATED,
                labels: Vec::new(),
                config_only: false,
                endpoints: 0,
            });
        });
        self
    }

    /// Adds an unused swarm network named `name` with ID `ovl-<name>`.
    pub fn cluster_network(self, name: &str, ingress: bool) -> Daemon {
        self.with(|objects| {
            objects.cluster_networks.push(ClusterNetwork {
                id: format!("ovl-{name}"),
                name: name.to_string(),
                created: CREATED,
                labels: Vec::new(),
                ingress,
            });
        });
        self
    }

    /// The backends serving this daemon, with a fixed clock.
    pub fn backends(&self) -> Backends {
        let now = DateTime::parse_from_rfc3339(NOW).expect("a valid time");
        Backends {
            containers: Arc::new(self.clone()),
            networks: Arc::new(self.clone()),
            cluster: Arc::new(self.clone()),
            events: Arc::new(self.clone()),
            log: Arc::new(self.clone()),
            clock: Arc::new(FixedClock(now)),
        }
    }

    /// The IDs of the containers left.
    pub fn container_ids(&self) -> Vec<String> {
        self.with(|o| o.containers.iter().map(|c| c.id.clone()).collect())
    }

    /// The names of the local networks left.
    pub fn network_names(&self) -> Vec<String> {
        self.with(|o| o.networks.iter().map(|n| n.name.clone()).collect())
    }

    /// The names of the swarm networks left.
    pub fn cluster_network_names(&self) -> Vec<String> {
        self.with(|o| o.cluster_networks.iter().map(|n| n.name.clone()).collect())
    }

    /// Every ID the daemon was asked to remove, in order.
    pub fn removals(&self) -> Vec<String> {
        self.with(|o| o.removals.clone())
    }

    /// `(Type, Action)` of every event logged.
    pub fn events(&self) -> Vec<(String, String)> {
        self.with(|o| {
            o.events
                .iter()
                .map(|e| (e.kind.clone(), e.action.clone()))
                .collect()
        })
    }

    /// The warnings logged.
    pub fn warnings(&self) -> Vec<String> {
        self.with(|o| o.warnings.clone())
    }

    fn with<T>(&self, f: impl FnOnce(&mut Objects) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

fn not_found(id: &str) -> Error {
    Error::NotFound(format!("No such object: {id}"))
}

impl ContainerStore for Daemon {
    fn list(&self) -> Result<Vec<Container>, Error> {
        Ok(self.with(|o| o.containers.clone()))
    }

    fn layer_size(&self, id: &str) -> Result<i64, Error> {
        self.with(|o| {
            o.containers
                .iter()
                .any(|c| c.id == id)
                .then(|| o.layer_sizes[id])
                .ok_or_else(|| not_found(id))
        })
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        self.with(|o| {
            o.removals.push(id.to_string());
            let index = o.containers.iter().position(|c| c.id == id);
            index
                .map(|i| drop(o.containers.remove(i)))
                .ok_or_else(|| not_found(id))
        })
    }
}

impl NetworkController for Daemon {
    fn list(&self) -> Result<Vec<Network>, Error> {
        Ok(self.with(|o| o.networks.clone()))
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        self.with(|o| {
            o.removals.push(id.to_string());
            let index = o.networks.iter().position(|n| n.id == id);
            index
                .map(|i| drop(o.networks.remove(i)))
                .ok_or_else(|| not_found(id))
        })
    }
}

impl Cluster for Daemon {
    fn is_manager(&self) -> bool {
        true
    }

    fn list(&self) -> Result<Vec<ClusterNetwork>, Error> {
        Ok(self.with(|o| o.cluster_networks.clone()))
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        self.with(|o| {
            o.removals.push(id.to_string());
            let index = o.cluster_networks.iter().position(|n| n.id == id);
            index
                .map(|i| drop(o.cluster_networks.remove(i)))
                .ok_or_else(|| not_found(id))
        })
    }
}

impl EventLog for Daemon {
    fn log(&self, event: EventMessage) {
        self.with(|o| o.events.push(event));
    }
}

impl WarningLog for Daemon {
    fn warn(&self, message: &str) {
        self.with(|o| o.warnings.push(message.to_string()));
    }
}

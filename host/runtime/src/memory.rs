//! An in-memory daemon that serves all four backend interfaces and behaves like Docker's:
//! it refuses to remove running containers or networks in use with Docker's texts, and logs
//! `destroy` events for what it removes. The behaviour is `pruner-state`'s [`rules`], which
//! the backend component shares, over its [`pruner_state::IndexedState`], whose lookups and removals by ID
//! take the same time whatever the daemon's size; this is the adapter to the wasmtime bindings'
//! types.
//!
//! [`rules`]: pruner_state::rules

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::backend::{Cluster, ContainerFacts, ContainerStore, EventLog, NetworkController};
use crate::bindings::{ClusterNetwork, Container, Error, Label, Network};
use crate::clock::{self, Clock};
use crate::events::EventMessage;
use crate::state::{ContainerRecord, State};

/// The daemon's state, indexed by ID.
type IndexedState = pruner_state::IndexedState<crate::bindings::ContainerState>;

/// A daemon whose objects live in memory.
pub struct MemoryDaemon {
    state: Mutex<IndexedState>,
    clock: Arc<dyn Clock>,
}

impl MemoryDaemon {
    /// A daemon holding `state`, stamping events with `clock`. A [`State`] is indexed leniently
    /// (see [`pruner_state::IndexedState`]'s `From`); a state file's was checked when it was read.
    pub fn new(state: impl Into<IndexedState>, clock: Arc<dyn Clock>) -> MemoryDaemon {
        MemoryDaemon {
            state: Mutex::new(state.into()),
            clock,
        }
    }

    /// A copy of the current state.
    pub fn snapshot(&self) -> State {
        self.with_state(State::clone)
    }

    /// Calls `f` with the current state.
    pub fn with_state<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(self.lock().state())
    }

    /// How many changes (removals and events) the daemon has made.
    pub fn changes(&self) -> u64 {
        self.lock().changes()
    }

    fn lock(&self) -> MutexGuard<'_, IndexedState> {
        // A panic while holding the lock cannot leave the state half-changed: every change
        // is a single removal plus its event, so a poisoned lock is still consistent.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn labels(map: &BTreeMap<String, String>) -> Vec<Label> {
    map.iter()
        .map(|(key, value)| Label {
            key: key.clone(),
            value: value.clone(),
        })
        .collect()
}

/// A container as prune lists it.
fn container(c: &ContainerRecord) -> Container {
    Container {
        id: c.id.clone(),
        names: vec![c.name.clone()],
        created: clock::timestamp(c.created),
        state: c.state,
        labels: labels(&c.labels),
    }
}

impl ContainerStore for MemoryDaemon {
    fn list(&self) -> Result<Vec<Container>, Error> {
        Ok(self.lock().containers().map(container).collect())
    }

    fn list_with_facts(&self) -> Result<Vec<ContainerFacts>, Error> {
        Ok(self
            .lock()
            .containers()
            .map(|c| ContainerFacts {
                container: container(c),
                image: (!c.image.is_empty()).then(|| c.image.clone()),
                finished: c.finished.map(clock::timestamp),
            })
            .collect())
    }

    fn layer_size(&self, id: &str) -> Result<i64, Error> {
        self.lock().container_layer_size(id).map_err(Error::from)
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        self.lock()
            .remove_container(id, &*self.clock)
            .map_err(Error::from)
    }
}

impl NetworkController for MemoryDaemon {
    fn list(&self) -> Result<Vec<Network>, Error> {
        Ok(self
            .lock()
            .networks()
            .map(|n| Network {
                id: n.id.clone(),
                name: n.name.clone(),
                created: clock::timestamp(n.created),
                labels: labels(&n.labels),
                config_only: n.config_only,
                endpoints: n.endpoints,
            })
            .collect())
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        self.lock()
            .remove_network(id, &*self.clock)
            .map_err(Error::from)
    }
}

impl Cluster for MemoryDaemon {
    fn is_manager(&self) -> bool {
        self.lock().is_manager()
    }

    fn list(&self) -> Result<Vec<ClusterNetwork>, Error> {
        let state = self.lock();
        let networks = state.cluster_networks().map_err(Error::from)?;
        Ok(networks
            .map(|n| ClusterNetwork {
                id: n.id.clone(),
                name: n.name.clone(),
                created: clock::timestamp(n.created),
                labels: labels(&n.labels),
                ingress: n.ingress,
            })
            .collect())
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        self.lock().remove_cluster_network(id).map_err(Error::from)
    }
}

impl EventLog for MemoryDaemon {
    fn log(&self, event: EventMessage) {
        self.lock().log(event);
    }
}

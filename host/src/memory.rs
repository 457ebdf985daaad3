//! An in-memory daemon that serves all four backend interfaces and behaves like Docker's:
//! it refuses to remove running containers or networks in use with Docker's texts, and logs
//! `destroy` events for what it removes.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::backend::{Cluster, ContainerStore, EventLog, NetworkController};
use crate::bindings::{ClusterNetwork, Container, ContainerState, Error, Label, Network};
use crate::clock::{self, Clock};
use crate::events::{Actor, EventMessage};
use crate::state::State;

/// Network names Docker creates itself and refuses to remove.
const PREDEFINED_NETWORKS: [&str; 4] = ["bridge", "host", "none", "default"];

/// A daemon whose objects live in memory.
pub struct MemoryDaemon {
    state: Mutex<State>,
    clock: Arc<dyn Clock>,
}

impl MemoryDaemon {
    /// A daemon holding `state`, stamping events with `clock`.
    pub fn new(state: State, clock: Arc<dyn Clock>) -> MemoryDaemon {
        MemoryDaemon {
            state: Mutex::new(state),
            clock,
        }
    }

    /// A copy of the current state.
    pub fn snapshot(&self) -> State {
        self.lock().clone()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state half-changed: every change
        // below is a single push or remove, so a poisoned lock is still consistent.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn event(&self, kind: &str, action: &str, id: &str, attributes: BTreeMap<String, String>) {
        let message = EventMessage::local(
            kind,
            action,
            Actor {
                id: id.to_string(),
                attributes,
            },
            self.clock.now(),
        );
        self.lock().events.push(message);
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

fn no_such_container(id: &str) -> Error {
    Error::NotFound(format!("No such container: {id}"))
}

fn no_such_network(id: &str) -> Error {
    Error::NotFound(format!("network {id} not found"))
}

impl ContainerStore for MemoryDaemon {
    fn list(&self) -> Result<Vec<Container>, Error> {
        Ok(self
            .lock()
            .containers
            .iter()
            .map(|c| Container {
                id: c.id.clone(),
                names: vec![c.name.clone()],
                created: clock::timestamp(c.created),
                state: c.state,
                labels: labels(&c.labels),
            })
            .collect())
    }

    fn layer_size(&self, id: &str) -> Result<i64, Error> {
        let state = self.lock();
        let container = state
            .containers
            .iter()
            .find(|c| c.id == id)
            .ok_or_else(|| no_such_container(id))?;
        match &container.fail.size {
            Some(message) => Err(Error::System(message.clone())),
            None => Ok(container.size_rw),
        }
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        let removed = {
            let mut state = self.lock();
            let index = state
                .containers
                .iter()
                .position(|c| c.id == id)
                .ok_or_else(|| no_such_container(id))?;
            let container = &state.containers[index];
            if let Some(message) = &container.fail.remove {
                return Err(Error::System(message.clone()));
            }
            match container.state {
                ContainerState::Running => {
                    return Err(Error::Conflict(format!(
                        "You cannot remove a running container {id}. Stop the container \
                         before attempting removal or force remove"
                    )));
                }
                ContainerState::Paused => {
                    return Err(Error::Conflict(format!(
                        "You cannot remove a paused container {id}. Unpause and then stop the \
                         container before attempting removal or force remove"
                    )));
                }
                ContainerState::Restarting => {
                    return Err(Error::Conflict(format!(
                        "You cannot remove a restarting container {id}. Stop the container \
                         before attempting removal or force remove"
                    )));
                }
                ContainerState::Removing => {
                    return Err(Error::Conflict(format!(
                        "removal of container {id} is already in progress"
                    )));
                }
                ContainerState::Created | ContainerState::Exited | ContainerState::Dead => {}
            }
            state.containers.remove(index)
        };
        let mut attributes = removed.labels;
        attributes.insert("image".to_string(), removed.image);
        attributes.insert("name".to_string(), removed.name);
        self.event("container", "destroy", id, attributes);
        Ok(())
    }
}

impl NetworkController for MemoryDaemon {
    fn list(&self) -> Result<Vec<Network>, Error> {
        Ok(self
            .lock()
            .networks
            .iter()
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
        let removed = {
            let mut state = self.lock();
            let index = state
                .networks
                .iter()
                .position(|n| n.id == id)
                .ok_or_else(|| no_such_network(id))?;
            let network = &state.networks[index];
            if let Some(message) = &network.fail.remove {
                return Err(Error::System(message.clone()));
            }
            if PREDEFINED_NETWORKS.contains(&network.name.as_str()) {
                return Err(Error::Forbidden(format!(
                    "{} is a pre-defined network and cannot be removed",
                    network.name
                )));
            }
            if network.endpoints > 0 {
                return Err(Error::Forbidden(format!(
                    "error while removing network: network {} id {} has active endpoints",
                    network.name, network.id
                )));
            }
            state.networks.remove(index)
        };
        let attributes = BTreeMap::from([
            ("name".to_string(), removed.name),
            ("type".to_string(), removed.driver),
        ]);
        self.event("network", "destroy", id, attributes);
        Ok(())
    }
}

impl Cluster for MemoryDaemon {
    fn is_manager(&self) -> bool {
        self.lock().cluster.manager
    }

    fn list(&self) -> Result<Vec<ClusterNetwork>, Error> {
        let state = self.lock();
        if let Some(message) = &state.cluster.fail.list {
            return Err(Error::System(message.clone()));
        }
        if !state.cluster.manager {
            return Err(Error::System(
                "This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm \
                 join\" to connect this node to swarm and try again."
                    .to_string(),
            ));
        }
        Ok(state
            .cluster
            .networks
            .iter()
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
        let mut state = self.lock();
        let networks = &mut state.cluster.networks;
        let index = networks
            .iter()
            .position(|n| n.id == id)
            .ok_or_else(|| no_such_network(id))?;
        let network = &networks[index];
        if let Some(message) = &network.fail.remove {
            return Err(Error::System(message.clone()));
        }
        if let Some(service) = network.services.first() {
            return Err(Error::Conflict(format!(
                "network {id} is in use by service {service}"
            )));
        }
        networks.remove(index);
        Ok(())
    }
}

impl EventLog for MemoryDaemon {
    fn log(&self, event: EventMessage) {
        self.lock().events.push(event);
    }
}

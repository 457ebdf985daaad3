//! The in-memory daemon both sides of every comparison prune: Docker's refusals (running
//! containers, networks in use) with Docker's texts, each call O(1), and a removal that only
//! marks the object, so that [`BenchDaemon::reset`] brings every object back between two timed
//! runs without rebuilding anything.
//!
//! Its work per call is as small as a daemon's can be (a real daemon's removal touches the disk
//! and takes milliseconds), so what the component adds shows at its largest.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use pruner_runtime::backend::{Cluster, ContainerStore, EventLog, NetworkController, WarningLog};
use pruner_runtime::bindings::{ClusterNetwork, Container, Error, Network};
use pruner_runtime::events::EventMessage;
use pruner_state::refusals;

/// A daemon with fixed objects, pruned again and again.
pub struct BenchDaemon {
    containers: Objects<Container>,
    sizes: Vec<i64>,
    networks: Objects<Network>,
    cluster_networks: Objects<ClusterNetwork>,
    /// The service using each swarm network, if any.
    services: Vec<Option<String>>,
    removed: Mutex<Removed>,
}

/// Objects listed in a fixed order and found by ID.
struct Objects<T> {
    list: Vec<T>,
    by_id: HashMap<String, usize>,
}

impl<T> Objects<T> {
    fn new(list: Vec<T>, id: impl Fn(&T) -> &str) -> Objects<T> {
        let by_id = list
            .iter()
            .enumerate()
            .map(|(index, object)| (id(object).to_string(), index))
            .collect();
        Objects { list, by_id }
    }

    /// The object's index, or Docker's not-found error.
    fn find(&self, id: &str, missing: impl FnOnce() -> Error) -> Result<usize, Error> {
        self.by_id.get(id).copied().ok_or_else(missing)
    }

    /// Copies of the objects not yet removed, as a daemon's list returns them.
    fn listed(&self, removed: &[bool]) -> Vec<T>
    where
        T: Clone,
    {
        self.list
            .iter()
            .zip(removed)
            .filter(|(_, removed)| !**removed)
            .map(|(object, _)| object.clone())
            .collect()
    }
}

/// What the prunes since the last reset removed and logged.
#[derive(Default)]
struct Removed {
    containers: Vec<bool>,
    networks: Vec<bool>,
    cluster_networks: Vec<bool>,
    events: usize,
    warnings: usize,
}

impl BenchDaemon {
    /// A daemon with these objects; `sizes` are the containers' layer sizes and `services` the
    /// service using each swarm network.
    pub fn new(
        containers: Vec<(Container, i64)>,
        networks: Vec<Network>,
        cluster_networks: Vec<(ClusterNetwork, Option<String>)>,
    ) -> BenchDaemon {
        let (containers, sizes): (Vec<_>, Vec<_>) = containers.into_iter().unzip();
        let (cluster_networks, services): (Vec<_>, Vec<_>) = cluster_networks.into_iter().unzip();
        let daemon = BenchDaemon {
            containers: Objects::new(containers, |c| &c.id),
            sizes,
            networks: Objects::new(networks, |n| &n.id),
            cluster_networks: Objects::new(cluster_networks, |n| &n.id),
            services,
            removed: Mutex::default(),
        };
        daemon.reset();
        daemon
    }

    /// Brings back every object and forgets the events and warnings.
    pub fn reset(&self) {
        *self.lock() = Removed {
            containers: vec![false; self.containers.list.len()],
            networks: vec![false; self.networks.list.len()],
            cluster_networks: vec![false; self.cluster_networks.list.len()],
            events: 0,
            warnings: 0,
        };
    }

    /// Events and warnings logged since the last reset.
    pub fn logged(&self) -> (usize, usize) {
        let removed = self.lock();
        (removed.events, removed.warnings)
    }

    fn lock(&self) -> MutexGuard<'_, Removed> {
        self.removed.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn no_such_container(id: &str) -> Error {
    refusals::no_such_container(id).into()
}

fn no_such_network(id: &str) -> Error {
    refusals::no_such_network(id).into()
}

impl ContainerStore for BenchDaemon {
    fn list(&self) -> Result<Vec<Container>, Error> {
        Ok(self.containers.listed(&self.lock().containers))
    }

    fn layer_size(&self, id: &str) -> Result<i64, Error> {
        let index = self.containers.find(id, || no_such_container(id))?;
        Ok(self.sizes[index])
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        let index = self.containers.find(id, || no_such_container(id))?;
        let mut removed = self.lock();
        if removed.containers[index] {
            return Err(no_such_container(id));
        }
        if let Some(refusal) =
            refusals::active_container(self.containers.list[index].state.into(), id)
        {
            return Err(refusal.into());
        }
        removed.containers[index] = true;
        removed.events += 1;
        Ok(())
    }
}

impl NetworkController for BenchDaemon {
    fn list(&self) -> Result<Vec<Network>, Error> {
        Ok(self.networks.listed(&self.lock().networks))
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        let index = self.networks.find(id, || no_such_network(id))?;
        let mut removed = self.lock();
        let network = &self.networks.list[index];
        if removed.networks[index] {
            return Err(no_such_network(id));
        }
        if network.endpoints > 0 {
            return Err(refusals::network_in_use(&network.name, id).into());
        }
        removed.networks[index] = true;
        removed.events += 1;
        Ok(())
    }
}

impl Cluster for BenchDaemon {
    fn is_manager(&self) -> bool {
        true
    }

    fn list(&self) -> Result<Vec<ClusterNetwork>, Error> {
        Ok(self.cluster_networks.listed(&self.lock().cluster_networks))
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        let index = self.cluster_networks.find(id, || no_such_network(id))?;
        let mut removed = self.lock();
        if removed.cluster_networks[index] {
            return Err(no_such_network(id));
        }
        if let Some(service) = &self.services[index] {
            return Err(Error::Conflict(format!(
                "network {id} is in use by service {service}"
            )));
        }
        removed.cluster_networks[index] = true;
        Ok(())
    }
}

impl EventLog for BenchDaemon {
    fn log(&self, _: EventMessage) {
        self.lock().events += 1;
    }
}

impl WarningLog for BenchDaemon {
    fn warn(&self, _: &str) {
        self.lock().warnings += 1;
    }
}

//! What a prune removed before it failed. As in Docker, a prune that fails part way keeps what
//! it removed, but its error response says nothing about it; pruner tells it on stderr
//! ([`Failure::after_removing`]), so the backends of a prune note each removal they make.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use pruner_cli_core::{Failure, Kind};
use pruner_runtime::backend::{Cluster, ContainerFacts, ContainerStore, NetworkController};
use pruner_runtime::bindings::{ClusterNetwork, Container, Error, Network};
use pruner_runtime::{Backends, PruneError};

/// The removals of one prune, noted by the backends [`Removals::noting`] returns.
#[derive(Clone, Default)]
pub struct Removals {
    noted: Arc<Mutex<Noted>>,
}

/// What the backends saw and did.
#[derive(Default)]
struct Noted {
    /// The layer size of each container measured and not yet removed, as last measured.
    sizes: HashMap<String, i64>,
    /// The names of the listed local networks, by ID.
    local_names: HashMap<String, String>,
    /// The names of the listed swarm networks, by ID.
    cluster_names: HashMap<String, String>,
    /// The removals.
    removed: pruner_cli_core::Removals,
}

impl Removals {
    /// `backends` noting the removals they make, and where they note them.
    pub fn noting(backends: &Backends) -> (Backends, Removals) {
        let removals = Removals::default();
        let noting = Arc::new(Noting {
            inner: backends.clone(),
            removals: removals.clone(),
        });
        let backends = Backends {
            containers: noting.clone(),
            networks: noting.clone(),
            cluster: noting,
            ..backends.clone()
        };
        (backends, removals)
    }

    /// The failure of a `kind` prune that failed with `err`, with what it removed before.
    pub fn failure(&self, kind: Kind, err: PruneError) -> Failure {
        let removed = std::mem::take(&mut self.noted().removed);
        Failure::after_removing(kind, err.to_string(), removed)
    }

    fn noted(&self) -> MutexGuard<'_, Noted> {
        // Every note is one insertion or push: a panic cannot leave one half made.
        self.noted.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The backends, noting into `removals`.
struct Noting {
    inner: Backends,
    removals: Removals,
}

impl ContainerStore for Noting {
    fn list(&self) -> Result<Vec<Container>, Error> {
        self.inner.containers.list()
    }

    fn list_with_facts(&self) -> Result<Vec<ContainerFacts>, Error> {
        self.inner.containers.list_with_facts()
    }

    fn layer_size(&self, id: &str) -> Result<i64, Error> {
        let size = self.inner.containers.layer_size(id)?;
        self.removals.noted().sizes.insert(id.to_string(), size);
        Ok(size)
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        self.inner.containers.remove(id)?;
        let mut noted = self.removals.noted();
        let size = noted.sizes.remove(id).unwrap_or(0);
        let removed = &mut noted.removed;
        // As Docker counts it: an unknown (negative) size adds nothing.
        removed.space_reclaimed = removed
            .space_reclaimed
            .saturating_add(size.max(0).unsigned_abs());
        removed.containers.push(id.to_string());
        Ok(())
    }
}

impl NetworkController for Noting {
    fn list(&self) -> Result<Vec<Network>, Error> {
        let networks = self.inner.networks.list()?;
        let mut noted = self.removals.noted();
        for n in &networks {
            noted.local_names.insert(n.id.clone(), n.name.clone());
        }
        Ok(networks)
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        self.inner.networks.remove(id)?;
        let mut noted = self.removals.noted();
        let name = noted.local_names.get(id).cloned().unwrap_or_default();
        noted.removed.networks.push(name);
        Ok(())
    }
}

impl Cluster for Noting {
    fn is_manager(&self) -> bool {
        self.inner.cluster.is_manager()
    }

    fn list(&self) -> Result<Vec<ClusterNetwork>, Error> {
        let networks = self.inner.cluster.list()?;
        let mut noted = self.removals.noted();
        for n in &networks {
            noted.cluster_names.insert(n.id.clone(), n.name.clone());
        }
        Ok(networks)
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        self.inner.cluster.remove(id)?;
        let mut noted = self.removals.noted();
        let name = noted.cluster_names.get(id).cloned().unwrap_or_default();
        noted.removed.networks.push(name);
        Ok(())
    }
}

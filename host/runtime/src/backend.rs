//! The backends a daemon plugs into the prune component: one trait per imported interface.
//! Errors are Docker's classes with Docker's texts ([`Error`]).

use std::sync::Arc;

use crate::bindings::{ClusterNetwork, Container, Error, Network, Timestamp};
use crate::clock::{Clock, SystemClock};
use crate::events::EventMessage;

/// The daemon's containers (`pruner:api/container-store`).
pub trait ContainerStore: Send + Sync {
    /// Every container, in any order.
    fn list(&self) -> Result<Vec<Container>, Error>;
    /// Every container with the facts prune policies also decide on (see [`ContainerFacts`]);
    /// by default the facts are unknown.
    fn list_with_facts(&self) -> Result<Vec<ContainerFacts>, Error> {
        Ok(self.list()?.into_iter().map(ContainerFacts::from).collect())
    }
    /// The size of a container's read-write layer in bytes; negative when unknown.
    fn layer_size(&self, id: &str) -> Result<i64, Error>;
    /// Removes a container without force, volumes or links.
    fn remove(&self, id: &str) -> Result<(), Error>;
}

/// A container with what prune policies know of it beyond prune's own listing
/// (`pruner:policy`'s container record); `None` is unknown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerFacts {
    /// The container as prune lists it.
    pub container: Container,
    /// The image it was created from, as given (`Config.Image`).
    pub image: Option<String>,
    /// When it last exited (`State.FinishedAt`); `None` too if it never ran to an end.
    pub finished: Option<Timestamp>,
}

impl From<Container> for ContainerFacts {
    fn from(container: Container) -> ContainerFacts {
        ContainerFacts {
            container,
            image: None,
            finished: None,
        }
    }
}

/// The daemon's local networks (`pruner:api/network-controller`).
pub trait NetworkController: Send + Sync {
    /// Every local network.
    fn list(&self) -> Result<Vec<Network>, Error>;
    /// Removes a local network.
    fn remove(&self, id: &str) -> Result<(), Error>;
}

/// The swarm cluster (`pruner:api/cluster`).
pub trait Cluster: Send + Sync {
    /// Whether this node is a swarm manager.
    fn is_manager(&self) -> bool;
    /// Every swarm network but the swarm's predefined ones.
    fn list(&self) -> Result<Vec<ClusterNetwork>, Error>;
    /// Removes a swarm network.
    fn remove(&self, id: &str) -> Result<(), Error>;
}

/// The daemon's event stream (`pruner:api/events`).
pub trait EventLog: Send + Sync {
    /// Records one event.
    fn log(&self, event: EventMessage);
}

/// The daemon's log, where prune's warnings go.
pub trait WarningLog: Send + Sync {
    /// Logs one warning.
    fn warn(&self, message: &str);
}

/// Warnings to `tracing` at WARN level, as a daemon logs them.
#[derive(Clone, Copy, Debug, Default)]
pub struct TracingLog;

impl WarningLog for TracingLog {
    fn warn(&self, message: &str) {
        tracing::warn!("{message}");
    }
}

/// Everything a prune runs against.
#[derive(Clone)]
pub struct Backends {
    /// The containers.
    pub containers: Arc<dyn ContainerStore>,
    /// The local networks.
    pub networks: Arc<dyn NetworkController>,
    /// The swarm cluster.
    pub cluster: Arc<dyn Cluster>,
    /// Where prune events go.
    pub events: Arc<dyn EventLog>,
    /// Where warnings go.
    pub log: Arc<dyn WarningLog>,
    /// The daemon's clock and zone.
    pub clock: Arc<dyn Clock>,
}

impl Backends {
    /// One object serving all four interfaces, with warnings to `tracing` and the system clock.
    pub fn from_daemon<D>(daemon: Arc<D>) -> Backends
    where
        D: ContainerStore + NetworkController + Cluster + EventLog + 'static,
    {
        Backends {
            containers: daemon.clone(),
            networks: daemon.clone(),
            cluster: daemon.clone(),
            events: daemon,
            log: Arc::new(TracingLog),
            clock: Arc::new(SystemClock),
        }
    }

    /// The same backends with another clock.
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Backends {
        Backends { clock, ..self }
    }

    /// The same backends with another warning log.
    pub fn with_log(self, log: Arc<dyn WarningLog>) -> Backends {
        Backends { log, ..self }
    }
}

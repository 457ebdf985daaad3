//! What the prune rules need from the daemon: its objects, its clock, its log and its events.
//! The component implements this over its WIT imports; native callers implement it directly.

use crate::error::DockerError;
use crate::model::{ClusterNetwork, Container, Event, Network, Reference};
use alloc::vec::Vec;

/// The daemon a prune runs against.
pub trait Daemon {
    /// The daemon's clock and zone (Go's `time.Now()`).
    fn now(&mut self) -> Reference;
    /// Whether the request was cancelled (Docker's `ctx.Done()`).
    fn cancelled(&mut self) -> bool;
    /// Logs a warning in the daemon's log.
    fn warn(&mut self, message: &str);
    /// Logs an event in the daemon's event stream.
    fn log_event(&mut self, event: Event);

    /// Every container, in any order.
    fn list_containers(&mut self) -> Result<Vec<Container>, DockerError>;
    /// The size of a container's read-write layer; negative when unknown.
    fn container_layer_size(&mut self, id: &str) -> Result<i64, DockerError>;
    /// Removes a container without force and without its volumes.
    fn remove_container(&mut self, id: &str) -> Result<(), DockerError>;

    /// Every local network.
    fn list_networks(&mut self) -> Result<Vec<Network>, DockerError>;
    /// Removes a local network.
    fn remove_network(&mut self, id: &str) -> Result<(), DockerError>;

    /// Whether this node is a swarm manager.
    fn is_manager(&mut self) -> bool;
    /// Every swarm network but the swarm's predefined ones.
    fn list_cluster_networks(&mut self) -> Result<Vec<ClusterNetwork>, DockerError>;
    /// Removes a swarm network.
    fn remove_cluster_network(&mut self, id: &str) -> Result<(), DockerError>;
}

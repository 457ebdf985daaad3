//! The baseline: the component's prune rules (`pruner-guest`) compiled natively and called
//! directly, against the same [`Backends`] the host gives the component, as a daemon without a
//! sandbox would run them.

use pruner_guest::daemon::Daemon;
use pruner_guest::error::DockerError;
use pruner_guest::model::{
    ClusterNetwork, Container, ContainerPruneReport, Event, Instant, Label, Network,
    NetworkPruneReport, Reference,
};
use pruner_runtime::bindings;
use pruner_runtime::clock;
use pruner_runtime::events::{Actor, EventMessage};
use pruner_runtime::{Backends, Cancellation};

/// `POST /containers/prune` without the sandbox.
pub fn prune_containers(
    backends: &Backends,
    filters: &pruner_runtime::Filters,
    cancel: &Cancellation,
) -> Result<ContainerPruneReport, DockerError> {
    let daemon = &mut Native { backends, cancel };
    pruner_guest::containers::prune_containers(daemon, filters)
}

/// `POST /networks/prune` without the sandbox.
pub fn prune_networks(
    backends: &Backends,
    filters: &pruner_runtime::Filters,
    cancel: &Cancellation,
) -> Result<NetworkPruneReport, DockerError> {
    let daemon = &mut Native { backends, cancel };
    pruner_guest::networks::prune_networks(daemon, filters)
}

/// The backends and the request's cancellation as the prune rules' daemon.
struct Native<'a> {
    backends: &'a Backends,
    cancel: &'a Cancellation,
}

impl Daemon for Native<'_> {
    fn now(&mut self) -> Reference {
        let reading = clock::reading(self.backends.clock.now());
        Reference {
            now: instant(reading.now),
            utc_offset_seconds: reading.utc_offset_seconds,
        }
    }

    fn cancelled(&mut self) -> bool {
        self.cancel.is_cancelled()
    }

    fn warn(&mut self, message: &str) {
        self.backends.log.warn(message);
    }

    fn log_event(&mut self, event: Event) {
        let actor = Actor {
            id: event.actor_id,
            attributes: event
                .attributes
                .into_iter()
                .map(|label| (label.key, label.value))
                .collect(),
        };
        let message =
            EventMessage::local(event.kind, event.action, actor, self.backends.clock.now());
        self.backends.events.log(message);
    }

    fn list_containers(&mut self) -> Result<Vec<Container>, DockerError> {
        let containers = self.backends.containers.list().map_err(DockerError::from)?;
        Ok(containers
            .into_iter()
            .map(|c| Container {
                id: c.id,
                created: instant(c.created),
                state: c.state.into(),
                labels: labels(c.labels),
            })
            .collect())
    }

    fn container_layer_size(&mut self, id: &str) -> Result<i64, DockerError> {
        self.backends
            .containers
            .layer_size(id)
            .map_err(DockerError::from)
    }

    fn remove_container(&mut self, id: &str) -> Result<(), DockerError> {
        self.backends
            .containers
            .remove(id)
            .map_err(DockerError::from)
    }

    fn list_networks(&mut self) -> Result<Vec<Network>, DockerError> {
        let networks = self.backends.networks.list().map_err(DockerError::from)?;
        Ok(networks
            .into_iter()
            .map(|n| Network {
                id: n.id,
                name: n.name,
                created: instant(n.created),
                labels: labels(n.labels),
                config_only: n.config_only,
                endpoints: n.endpoints,
            })
            .collect())
    }

    fn remove_network(&mut self, id: &str) -> Result<(), DockerError> {
        self.backends.networks.remove(id).map_err(DockerError::from)
    }

    fn is_manager(&mut self) -> bool {
        self.backends.cluster.is_manager()
    }

    fn list_cluster_networks(&mut self) -> Result<Vec<ClusterNetwork>, DockerError> {
        let networks = self.backends.cluster.list().map_err(DockerError::from)?;
        Ok(networks
            .into_iter()
            .map(|n| ClusterNetwork {
                id: n.id,
                name: n.name,
                created: instant(n.created),
                labels: labels(n.labels),
                ingress: n.ingress,
            })
            .collect())
    }

    fn remove_cluster_network(&mut self, id: &str) -> Result<(), DockerError> {
        self.backends.cluster.remove(id).map_err(DockerError::from)
    }
}

fn instant(t: bindings::Timestamp) -> Instant {
    Instant::from_unix(t.seconds, i64::from(t.nanoseconds))
}

fn labels(labels: Vec<bindings::Label>) -> Vec<Label> {
    labels
        .into_iter()
        .map(|l| Label {
            key: l.key,
            value: l.value,
        })
        .collect()
}

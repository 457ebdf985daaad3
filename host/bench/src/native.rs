//! The baseline: the component's prune rules (`pruner-guest`) compiled natively and called
//! directly, against the same [`Backends`] the host gives the component, as a daemon without a
//! sandbox would run them.

use pruner_guest::daemon::Daemon;
use pruner_guest::error::Error;
use pruner_guest::filters::Filters;
use pruner_guest::model::{
    self, ClusterNetwork, Container, ContainerPruneReport, Event, Instant, Label, Network,
    NetworkPruneReport, Reference,
};
use pruner_runtime::bindings::{self, ContainerState};
use pruner_runtime::clock;
use pruner_runtime::events::{Actor, EventMessage};
use pruner_runtime::{Backends, Cancellation};

/// `POST /containers/prune` without the sandbox.
pub fn prune_containers(
    backends: &Backends,
    filters: &pruner_runtime::Filters,
    cancel: &Cancellation,
) -> Result<ContainerPruneReport, Error> {
    let daemon = &mut Native { backends, cancel };
    pruner_guest::containers::prune_containers(daemon, &guest_filters(filters))
}

/// `POST /networks/prune` without the sandbox.
pub fn prune_networks(
    backends: &Backends,
    filters: &pruner_runtime::Filters,
    cancel: &Cancellation,
) -> Result<NetworkPruneReport, Error> {
    let daemon = &mut Native { backends, cancel };
    pruner_guest::networks::prune_networks(daemon, &guest_filters(filters))
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

    fn list_containers(&mut self) -> Result<Vec<Container>, Error> {
        let containers = self.backends.containers.list().map_err(error)?;
        Ok(containers
            .into_iter()
            .map(|c| Container {
                id: c.id,
                created: instant(c.created),
                state: state(c.state),
                labels: labels(c.labels),
            })
            .collect())
    }

    fn container_layer_size(&mut self, id: &str) -> Result<i64, Error> {
        self.backends.containers.layer_size(id).map_err(error)
    }

    fn remove_container(&mut self, id: &str) -> Result<(), Error> {
        self.backends.containers.remove(id).map_err(error)
    }

    fn list_networks(&mut self) -> Result<Vec<Network>, Error> {
        let networks = self.backends.networks.list().map_err(error)?;
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

    fn remove_network(&mut self, id: &str) -> Result<(), Error> {
        self.backends.networks.remove(id).map_err(error)
    }

    fn is_manager(&mut self) -> bool {
        self.backends.cluster.is_manager()
    }

    fn list_cluster_networks(&mut self) -> Result<Vec<ClusterNetwork>, Error> {
        let networks = self.backends.cluster.list().map_err(error)?;
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

    fn remove_cluster_network(&mut self, id: &str) -> Result<(), Error> {
        self.backends.cluster.remove(id).map_err(error)
    }
}

fn guest_filters(filters: &pruner_runtime::Filters) -> Filters {
    Filters::from_pairs(
        filters
            .iter()
            .map(|(key, values)| (key.as_str(), values.iter().map(String::as_str))),
    )
}

fn instant(t: bindings::Timestamp) -> Instant {
    Instant::from_unix(t.seconds, i64::from(t.nanoseconds))
}

fn state(state: ContainerState) -> model::ContainerState {
    use model::ContainerState as S;
    match state {
        ContainerState::Created => S::Created,
        ContainerState::Running => S::Running,
        ContainerState::Paused => S::Paused,
        ContainerState::Restarting => S::Restarting,
        ContainerState::Removing => S::Removing,
        ContainerState::Exited => S::Exited,
        ContainerState::Dead => S::Dead,
    }
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

fn error(err: bindings::Error) -> Error {
    match err {
        bindings::Error::InvalidParameter(m) => Error::InvalidParameter(m),
        bindings::Error::Conflict(m) => Error::Conflict(m),
        bindings::Error::NotFound(m) => Error::NotFound(m),
        bindings::Error::Forbidden(m) => Error::Forbidden(m),
        bindings::Error::System(m) => Error::System(m),
    }
}

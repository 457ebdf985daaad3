//! The thin wit-bindgen layer: exports `pruner:api/prune` and implements [`Daemon`] over the
//! component's imports.

#![allow(
    unsafe_code,
    reason = "linking the C library wasi-libc provides, for the functions std takes from it"
)]

use crate::daemon::Daemon;
use crate::error::DockerError;
use crate::filters::Filters;
use crate::model::{
    ClusterNetwork, Container, ContainerPruneReport, ContainerState, Event, Instant, Label,
    Network, NetworkPruneReport, Reference,
};
use crate::{containers, networks};
use alloc::string::ToString;
use alloc::vec::Vec;

wit_bindgen::generate!({
    path: "../wit",
    world: "pruner",
});

use exports::pruner::api::prune;
use pruner::api::{cluster, container_store, daemon, events, network_controller, types};

// `memcmp` and the other C string functions that `core` calls come from the C library
// (wasi-libc), which `std` would link; only those functions are taken from it.
#[link(name = "c")]
unsafe extern "C" {}

/// A panic ends the prune with a trap (`unreachable`), which the host reports; the rules never
/// panic, and without `std` there is no stderr to print a message to.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// The component's export.
struct Component;

impl prune::Guest for Component {
    fn containers(
        filters: Vec<types::Filter>,
    ) -> Result<prune::ContainerPruneReport, types::Error> {
        containers::prune_containers(&mut Imports, &filters_from_wit(filters))
            .map(container_report_to_wit)
            .map_err(error_to_wit)
    }

    fn networks(filters: Vec<types::Filter>) -> Result<prune::NetworkPruneReport, types::Error> {
        networks::prune_networks(&mut Imports, &filters_from_wit(filters))
            .map(
                |NetworkPruneReport { networks_deleted }| prune::NetworkPruneReport {
                    networks_deleted,
                },
            )
            .map_err(error_to_wit)
    }
}

export!(Component);

/// The daemon as the component's imports provide it.
struct Imports;

impl Daemon for Imports {
    fn now(&mut self) -> Reference {
        let reading = daemon::now();
        Reference {
            now: instant_from_wit(reading.now),
            utc_offset_seconds: reading.utc_offset_seconds,
        }
    }

    fn cancelled(&mut self) -> bool {
        daemon::cancelled()
    }

    fn warn(&mut self, message: &str) {
        daemon::warn(message);
    }

    fn log_event(&mut self, event: Event) {
        events::log(&events::Event {
            kind: event.kind.to_string(),
            action: event.action.to_string(),
            actor_id: event.actor_id,
            attributes: event.attributes.into_iter().map(label_to_wit).collect(),
        });
    }

    fn list_containers(&mut self) -> Result<Vec<Container>, DockerError> {
        let listing = container_store::list_packed().map_err(error_from_wit)?;
        unpack(&listing).ok_or_else(|| {
            DockerError::System("the host's packed container listing is malformed".to_string())
        })
    }

    fn container_layer_size(&mut self, id: &str) -> Result<i64, DockerError> {
        container_store::layer_size(id).map_err(error_from_wit)
    }

    fn remove_container(&mut self, id: &str) -> Result<(), DockerError> {
        container_store::remove(id).map_err(error_from_wit)
    }

    fn list_networks(&mut self) -> Result<Vec<Network>, DockerError> {
        let networks = network_controller::list().map_err(error_from_wit)?;
        Ok(networks.into_iter().map(network_from_wit).collect())
    }

    fn remove_network(&mut self, id: &str) -> Result<(), DockerError> {
        network_controller::remove(id).map_err(error_from_wit)
    }

    fn is_manager(&mut self) -> bool {
        cluster::is_manager()
    }

    fn list_cluster_networks(&mut self) -> Result<Vec<ClusterNetwork>, DockerError> {
        let networks = cluster::list().map_err(error_from_wit)?;
        Ok(networks.into_iter().map(cluster_network_from_wit).collect())
    }

    fn remove_cluster_network(&mut self, id: &str) -> Result<(), DockerError> {
        cluster::remove(id).map_err(error_from_wit)
    }
}

fn filters_from_wit(filters: Vec<types::Filter>) -> Filters {
    Filters::from_pairs(filters.into_iter().map(|f| (f.key, f.values)))
}

fn container_report_to_wit(report: ContainerPruneReport) -> prune::ContainerPruneReport {
    prune::ContainerPruneReport {
        containers_deleted: report.containers_deleted,
        space_reclaimed: report.space_reclaimed,
    }
}

fn instant_from_wit(t: types::Timestamp) -> Instant {
    Instant::from_unix(t.seconds, i64::from(t.nanoseconds))
}

fn labels_from_wit(labels: Vec<types::Label>) -> Vec<Label> {
    labels
        .into_iter()
        .map(|l| Label {
            key: l.key,
            value: l.value,
        })
        .collect()
}

fn label_to_wit(label: Label) -> types::Label {
    types::Label {
        key: label.key,
        value: label.value,
    }
}

/// The containers of a packed listing; `None` if a span or label range lies outside it.
fn unpack(listing: &container_store::ContainerListing) -> Option<Vec<Container>> {
    let text = |span: container_store::Span| {
        let start = usize::try_from(span.start).ok()?;
        let end = start.checked_add(usize::try_from(span.len).ok()?)?;
        listing.text.get(start..end).map(str::to_string)
    };
    listing
        .containers
        .iter()
        .map(|c| {
            let first = usize::try_from(c.first_label).ok()?;
            let end = first.checked_add(usize::try_from(c.label_count).ok()?)?;
            let labels = listing
                .labels
                .get(first..end)?
                .iter()
                .map(|l| {
                    Some(Label {
                        key: text(l.key)?,
                        value: text(l.value)?,
                    })
                })
                .collect::<Option<Vec<Label>>>()?;
            Some(Container {
                id: text(c.id)?,
                created: instant_from_wit(c.created),
                state: state_from_wit(c.state),
                labels,
            })
        })
        .collect()
}

fn state_from_wit(state: container_store::ContainerState) -> ContainerState {
    use container_store::ContainerState as S;
    match state {
        S::Created => ContainerState::Created,
        S::Running => ContainerState::Running,
        S::Paused => ContainerState::Paused,
        S::Restarting => ContainerState::Restarting,
        S::Removing => ContainerState::Removing,
        S::Exited => ContainerState::Exited,
        S::Dead => ContainerState::Dead,
    }
}

fn network_from_wit(n: network_controller::Network) -> Network {
    Network {
        id: n.id,
        name: n.name,
        created: instant_from_wit(n.created),
        labels: labels_from_wit(n.labels),
        config_only: n.config_only,
        endpoints: n.endpoints,
    }
}

fn cluster_network_from_wit(n: cluster::ClusterNetwork) -> ClusterNetwork {
    ClusterNetwork {
        id: n.id,
        name: n.name,
        created: instant_from_wit(n.created),
        labels: labels_from_wit(n.labels),
        ingress: n.ingress,
    }
}

fn error_from_wit(err: types::Error) -> DockerError {
    match err {
        types::Error::InvalidParameter(m) => DockerError::InvalidParameter(m),
        types::Error::Conflict(m) => DockerError::Conflict(m),
        types::Error::NotFound(m) => DockerError::NotFound(m),
        types::Error::Forbidden(m) => DockerError::Forbidden(m),
        types::Error::System(m) => DockerError::System(m),
    }
}

fn error_to_wit(err: DockerError) -> types::Error {
    match err {
        DockerError::InvalidParameter(m) => types::Error::InvalidParameter(m),
        DockerError::Conflict(m) => types::Error::Conflict(m),
        DockerError::NotFound(m) => types::Error::NotFound(m),
        DockerError::Forbidden(m) => types::Error::Forbidden(m),
        DockerError::System(m) => types::Error::System(m),
    }
}

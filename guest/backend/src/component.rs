//! The thin wit-bindgen layer: exports the backend interfaces over one [`Session`], converting
//! between `pruner-state`'s records and the WIT types.

#![allow(
    unsafe_code,
    reason = "wit-bindgen's generated glue: the canonical ABI's exports and lifting"
)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, FixedOffset, TimeZone};
use pruner_state::{Actor, ContainerState, DockerError, IndexedState};

use crate::session::Session;
use pruner_state::Removals;

wit_bindgen::generate!({
    path: "../../wit",
    world: "backend",
});

use exports::pruner::api::{
    cluster, container_store, daemon, events, network_controller, state_file,
};
use pruner::api::types;

/// The daemon this instance serves.
static SESSION: Mutex<Session> = Mutex::new(Session::new());

/// The session; a panic cannot leave it half-changed (each change is one removal and its event),
/// so a poisoned lock is still consistent.
fn session() -> MutexGuard<'static, Session> {
    SESSION.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The component's exports.
struct Backend;

impl container_store::Guest for Backend {
    fn list() -> Result<Vec<container_store::Container>, types::Error> {
        session()
            .read(|state| {
                Ok(state
                    .containers()
                    .map(|c| container_store::Container {
                        id: c.id.clone(),
                        names: vec![c.name.clone()],
                        created: timestamp(c.created),
                        state: state_to_wit(c.state),
                        labels: labels(&c.labels),
                    })
                    .collect())
            })
            .map_err(error_to_wit)
    }

    fn list_packed() -> Result<container_store::ContainerListing, types::Error> {
        session().read(pack).map_err(error_to_wit)
    }

    fn layer_size(id: String) -> Result<i64, types::Error> {
        session()
            .read(|state| state.container_layer_size(&id))
            .map_err(error_to_wit)
    }

    fn remove(id: String) -> Result<(), types::Error> {
        session().remove_container(&id).map_err(error_to_wit)
    }
}

/// The containers of `state` as a packed listing.
fn pack(state: &IndexedState) -> Result<container_store::ContainerListing, DockerError> {
    let mut listing = container_store::ContainerListing {
        text: String::new(),
        containers: Vec::with_capacity(state.container_count()),
        labels: Vec::new(),
    };
    for c in state.containers() {
        let first_label = count(listing.labels.len())?;
        for (key, value) in &c.labels {
            let key = push(&mut listing.text, key)?;
            let value = push(&mut listing.text, value)?;
            listing
                .labels
                .push(container_store::PackedLabel { key, value });
        }
        let id = push(&mut listing.text, &c.id)?;
        listing.containers.push(container_store::PackedContainer {
            id,
            created: timestamp(c.created),
            state: state_to_wit(c.state),
            first_label,
            label_count: count(c.labels.len())?,
        });
    }
    Ok(listing)
}

impl network_controller::Guest for Backend {
    fn list() -> Result<Vec<network_controller::Network>, types::Error> {
        session()
            .read(|state| {
                Ok(state
                    .networks()
                    .map(|n| network_controller::Network {
                        id: n.id.clone(),
                        name: n.name.clone(),
                        created: timestamp(n.created),
                        labels: labels(&n.labels),
                        config_only: n.config_only,
                        endpoints: n.endpoints,
                    })
                    .collect())
            })
            .map_err(error_to_wit)
    }

    fn remove(id: String) -> Result<(), types::Error> {
        session().remove_network(&id).map_err(error_to_wit)
    }
}

impl cluster::Guest for Backend {
    fn is_manager() -> bool {
        session()
            .read(|state| Ok(state.is_manager()))
            .unwrap_or(false)
    }

    fn list() -> Result<Vec<cluster::ClusterNetwork>, types::Error> {
        session()
            .read(|state| {
                Ok(state
                    .cluster_networks()?
                    .map(|n| cluster::ClusterNetwork {
                        id: n.id.clone(),
                        name: n.name.clone(),
                        created: timestamp(n.created),
                        labels: labels(&n.labels),
                        ingress: n.ingress,
                    })
                    .collect())
            })
            .map_err(error_to_wit)
    }

    fn remove(id: String) -> Result<(), types::Error> {
        session().remove_cluster_network(&id).map_err(error_to_wit)
    }
}

impl events::Guest for Backend {
    fn log(event: events::Event) {
        let actor = Actor {
            id: event.actor_id,
            attributes: event
                .attributes
                .into_iter()
                .map(|label| (label.key, label.value))
                .collect(),
        };
        let logged = session().log(&event.kind, &event.action, actor);
        if let Err(err) = logged {
            warn(&format!(
                "cannot log the {} {} event: {err}",
                event.kind, event.action
            ));
        }
    }
}

impl daemon::Guest for Backend {
    fn now() -> daemon::ClockReading {
        let now = session().now();
        daemon::ClockReading {
            now: timestamp(now),
            utc_offset_seconds: now.offset().local_minus_utc(),
        }
    }

    /// A command cannot be cancelled: WASI delivers no signals.
    fn cancelled() -> bool {
        false
    }

    fn warn(message: String) {
        warn(&message);
    }
}

impl state_file::Guest for Backend {
    fn open(path: String) -> Result<(), String> {
        session().open(Path::new(&path))
    }

    fn lock() -> Result<(), types::Error> {
        session().lock().map_err(error_to_wit)
    }

    fn unlock() -> Result<state_file::Removals, String> {
        let Removals {
            containers,
            space_reclaimed,
            networks,
        } = session().unlock()?;
        Ok(state_file::Removals {
            containers,
            space_reclaimed,
            networks,
        })
    }

    fn set_clock(now: types::Timestamp, utc_offset_seconds: i32) -> Result<(), String> {
        let zone = FixedOffset::east_opt(utc_offset_seconds)
            .ok_or_else(|| format!("invalid UTC offset {utc_offset_seconds} s"))?;
        let now = DateTime::from_timestamp(now.seconds, now.nanoseconds)
            .ok_or_else(|| format!("invalid instant {}.{:09} s", now.seconds, now.nanoseconds))?;
        session().set_clock(zone.from_utc_datetime(&now.naive_utc()));
        Ok(())
    }

    fn withhold_changes() {
        session().withhold_changes();
    }
}

export!(Backend);

/// Logs a warning as the native CLI's log does: ` WARN <message>` on stderr, the message
/// escaped onto one line.
fn warn(message: &str) {
    eprintln!(" WARN {}", pruner_state::escape::escape(message));
}

fn timestamp<Tz: TimeZone>(time: DateTime<Tz>) -> types::Timestamp {
    types::Timestamp {
        seconds: time.timestamp(),
        nanoseconds: time.timestamp_subsec_nanos(),
    }
}

fn labels(map: &BTreeMap<String, String>) -> Vec<types::Label> {
    map.iter()
        .map(|(key, value)| types::Label {
            key: key.clone(),
            value: value.clone(),
        })
        .collect()
}

fn state_to_wit(state: ContainerState) -> container_store::ContainerState {
    use container_store::ContainerState as Wit;
    match state {
        ContainerState::Created => Wit::Created,
        ContainerState::Running => Wit::Running,
        ContainerState::Paused => Wit::Paused,
        ContainerState::Restarting => Wit::Restarting,
        ContainerState::Removing => Wit::Removing,
        ContainerState::Exited => Wit::Exited,
        ContainerState::Dead => Wit::Dead,
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

/// Appends `s` to a packed listing's `text`; its span there.
fn push(text: &mut String, s: &str) -> Result<container_store::Span, DockerError> {
    let span = container_store::Span {
        start: count(text.len())?,
        len: count(s.len())?,
    };
    text.push_str(s);
    count(text.len())?;
    Ok(span)
}

/// `n` as a packed listing's 32-bit offset or count.
fn count(n: usize) -> Result<u32, DockerError> {
    u32::try_from(n)
        .map_err(|_| DockerError::System("the container listing is too large to pack".to_string()))
}

//! A daemon that removes whatever it is asked to, running containers and predefined networks
//! included, and records every removal it is asked for: what stays protected in the hostile
//! tests is protected by the host's rules, not by the backend. It can be made slow (sizing
//! sleeps or burns CPU), fail with given texts, and cancel a prune when warned.

#![allow(unsafe_code, reason = "the thread CPU clock (clock_gettime)")]

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use chrono::DateTime;
use pruner_runtime::backend::{Cluster, ContainerStore, EventLog, NetworkController, WarningLog};
use pruner_runtime::bindings::{
    ClusterNetwork, Container, ContainerState, Error, Label, Network, Timestamp,
};
use pruner_runtime::clock::FixedClock;
use pruner_runtime::events::EventMessage;
use pruner_runtime::{Backends, Cancellation};

/// The daemon's clock: 2026-11-27T12:00:00Z.
const NOW: &str = "2026-11-27T12:00:00Z";
/// When every object was created: a day before [`NOW`].
const CREATED: Timestamp = Timestamp {
    seconds: 1_795_694_400,
    nanoseconds: 0,
};

/// Everything the daemon holds and everything asked of it.
#[derive(Debug, Default)]
struct Objects {
    containers: Vec<Container>,
    layer_sizes: HashMap<String, i64>,
    networks: Vec<Network>,
    cluster_networks: Vec<ClusterNetwork>,
    removals: Vec<String>,
    events: Vec<EventMessage>,
    warnings: Vec<String>,
    /// Every ID sized, in order.
    sized: Vec<String>,
    /// How long each sizing sleeps.
    size_delay: Duration,
    /// How much of the thread's CPU time each sizing burns.
    size_work: Duration,
    /// The error texts sizing and removing fail with, by container ID.
    size_failures: HashMap<String, String>,
    remove_failures: HashMap<String, String>,
    /// Cancelled when a warning is logged.
    cancel_on_warning: Option<Cancellation>,
}

/// The permissive daemon; clones share it.
#[derive(Clone, Debug, Default)]
pub struct Daemon(Arc<Mutex<Objects>>);

impl Daemon {
    /// An empty daemon.
    pub fn new() -> Daemon {
        Daemon::default()
    }

    /// Adds a container with ID `id`, in `state`, whose layer holds `size` bytes.
    pub fn container(self, id: &str, state: ContainerState, size: i64) -> Daemon {
        self.with(|objects| {
            objects.containers.push(Container {
                id: id.to_string(),
                names: vec![format!("name-{id}")],
                created: CREATED,
                state,
                labels: Vec::new(),
            });
            objects.layer_sizes.insert(id.to_string(), size);
        });
        self
    }

    /// Gives container `id` the label `key=value`.
    pub fn label(self, id: &str, key: &str, value: &str) -> Daemon {
        self.with(|objects| {
            for container in objects.containers.iter_mut().filter(|c| c.id == id) {
                container.labels.push(Label {
                    key: key.to_string(),
                    value: value.to_string(),
                });
            }
        });
        self
    }

    /// Adds an unused local network named `name` with ID `net-<name>`.
    pub fn network(self, name: &str) -> Daemon {
        self.with(|objects| {
            objects.networks.push(Network {
                id: format!("net-{name}"),
                name: name.to_string(),
                created: CREATED,
                labels: Vec::new(),
                config_only: false,
                endpoints: 0,
            });
        });
        self
    }

    /// Adds an unused swarm network named `name` with ID `ovl-<name>`.
    pub fn cluster_network(self, name: &str, ingress: bool) -> Daemon {
        self.with(|objects| {
            objects.cluster_networks.push(ClusterNetwork {
                id: format!("ovl-{name}"),
                name: name.to_string(),
                created: CREATED,
                labels: Vec::new(),
                ingress,
            });
        });
        self
    }

    /// Each sizing sleeps `delay`, as a busy remote daemon's answer takes.
    pub fn sizing_sleeps(self, delay: Duration) -> Daemon {
        self.with(|objects| objects.size_delay = delay);
        self
    }

    /// Each sizing burns `work` of the thread's CPU time, as a slow in-process backend does.
    pub fn sizing_burns(self, work: Duration) -> Daemon {
        self.with(|objects| objects.size_work = work);
        self
    }

    /// Sizing container `id` fails with `text`.
    pub fn sizing_fails(self, id: &str, text: &str) -> Daemon {
        self.with(|o| o.size_failures.insert(id.to_string(), text.to_string()));
        self
    }

    /// Removing container `id` fails with `text`.
    pub fn removal_fails(self, id: &str, text: &str) -> Daemon {
        self.with(|o| o.remove_failures.insert(id.to_string(), text.to_string()));
        self
    }

    /// The first warning logged cancels `cancel`.
    pub fn cancel_on_warning(self, cancel: &Cancellation) -> Daemon {
        self.with(|objects| objects.cancel_on_warning = Some(cancel.clone()));
        self
    }

    /// The backends serving this daemon, with a fixed clock.
    pub fn backends(&self) -> Backends {
        let now = DateTime::parse_from_rfc3339(NOW).expect("a valid time");
        Backends {
            containers: Arc::new(self.clone()),
            networks: Arc::new(self.clone()),
            cluster: Arc::new(self.clone()),
            events: Arc::new(self.clone()),
            log: Arc::new(self.clone()),
            clock: Arc::new(FixedClock(now)),
        }
    }

    /// The IDs of the containers left.
    pub fn container_ids(&self) -> Vec<String> {
        self.with(|o| o.containers.iter().map(|c| c.id.clone()).collect())
    }

    /// The names of the local networks left.
    pub fn network_names(&self) -> Vec<String> {
        self.with(|o| o.networks.iter().map(|n| n.name.clone()).collect())
    }

    /// The names of the swarm networks left.
    pub fn cluster_network_names(&self) -> Vec<String> {
        self.with(|o| o.cluster_networks.iter().map(|n| n.name.clone()).collect())
    }

    /// Every ID the daemon was asked to remove, in order.
    pub fn removals(&self) -> Vec<String> {
        self.with(|o| o.removals.clone())
    }

    /// `(Type, Action)` of every event logged.
    pub fn events(&self) -> Vec<(String, String)> {
        self.with(|o| {
            o.events
                .iter()
                .map(|e| (e.kind.clone(), e.action.clone()))
                .collect()
        })
    }

    /// The warnings logged.
    pub fn warnings(&self) -> Vec<String> {
        self.with(|o| o.warnings.clone())
    }

    /// Every container ID the daemon was asked to size, in order.
    pub fn sized(&self) -> Vec<String> {
        self.with(|o| o.sized.clone())
    }

    fn with<T>(&self, f: impl FnOnce(&mut Objects) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

fn not_found(id: &str) -> Error {
    Error::NotFound(format!("No such object: {id}"))
}

impl ContainerStore for Daemon {
    fn list(&self) -> Result<Vec<Container>, Error> {
        Ok(self.with(|o| o.containers.clone()))
    }

    fn layer_size(&self, id: &str) -> Result<i64, Error> {
        let (delay, work) = self.with(|o| {
            o.sized.push(id.to_string());
            (o.size_delay, o.size_work)
        });
        thread::sleep(delay);
        burn_cpu(work);
        self.with(|o| {
            if let Some(text) = o.size_failures.get(id) {
                return Err(Error::System(text.clone()));
            }
            o.containers
                .iter()
                .any(|c| c.id == id)
                .then(|| o.layer_sizes[id])
                .ok_or_else(|| not_found(id))
        })
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        self.with(|o| {
            o.removals.push(id.to_string());
            if let Some(text) = o.remove_failures.get(id) {
                return Err(Error::System(text.clone()));
            }
            let index = o.containers.iter().position(|c| c.id == id);
            index
                .map(|i| drop(o.containers.remove(i)))
                .ok_or_else(|| not_found(id))
        })
    }
}

impl NetworkController for Daemon {
    fn list(&self) -> Result<Vec<Network>, Error> {
        Ok(self.with(|o| o.networks.clone()))
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        self.with(|o| {
            o.removals.push(id.to_string());
            let index = o.networks.iter().position(|n| n.id == id);
            index
                .map(|i| drop(o.networks.remove(i)))
                .ok_or_else(|| not_found(id))
        })
    }
}

impl Cluster for Daemon {
    fn is_manager(&self) -> bool {
        true
    }

    fn list(&self) -> Result<Vec<ClusterNetwork>, Error> {
        Ok(self.with(|o| o.cluster_networks.clone()))
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        self.with(|o| {
            o.removals.push(id.to_string());
            let index = o.cluster_networks.iter().position(|n| n.id == id);
            index
                .map(|i| drop(o.cluster_networks.remove(i)))
                .ok_or_else(|| not_found(id))
        })
    }
}

impl EventLog for Daemon {
    fn log(&self, event: EventMessage) {
        self.with(|o| o.events.push(event));
    }
}

impl WarningLog for Daemon {
    fn warn(&self, message: &str) {
        self.with(|o| {
            o.warnings.push(message.to_string());
            if let Some(cancel) = &o.cancel_on_warning {
                cancel.cancel();
            }
        });
    }
}

/// Spins until the current thread has used `work` more CPU time.
fn burn_cpu(work: Duration) {
    let start = thread_cpu_time();
    while thread_cpu_time() - start < work {
        std::hint::spin_loop();
    }
}

/// The CPU time the current thread has used.
fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    assert_eq!(
        // SAFETY: `now` is a valid, writable timespec.
        unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) },
        0
    );
    Duration::new(now.tv_sec.unsigned_abs(), now.tv_nsec.unsigned_abs() as u32)
}

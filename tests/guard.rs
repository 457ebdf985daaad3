//! The daemon-wide prune guard shared by container and network prune (SPEC §0, §6.1, F20) and
//! cancellation of a running prune (SPEC §6.10), through the real component.
//!
//! The concurrency tests are deterministic: the first prune runs against a backend whose `list`
//! waits at a [`Gate`] until the test opens it, so the second prune provably starts while the
//! first one holds the guard.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

use pruner_runtime::backend::{Cluster, ContainerStore, NetworkController};
use pruner_runtime::bindings::{
    ClusterNetwork, Container, ContainerPruneReport, ContainerState, Error, Network,
    NetworkPruneReport,
};
use pruner_runtime::guard::PRUNE_RUNNING;
use pruner_runtime::memory::MemoryDaemon;
use pruner_runtime::state::{ClusterRecord, ContainerRecord, State};
use pruner_runtime::{
    Backends, Cancellation, DockerError, Filters, Limits, PluginFault, PruneError, Pruner,
};
use pruner_tests::{
    COMPONENT, TestDaemon, cluster_network, container, destroyed, id, network, pruned,
};

/// How long either side waits for the other before giving up, so a broken test fails instead
/// of hanging.
const PATIENCE: Duration = Duration::from_secs(60);

/// A one-shot gate: a backend call arrives and waits there until the test opens it.
#[derive(Default)]
struct Gate {
    state: Mutex<GateState>,
    changed: Condvar,
}

#[derive(Default)]
struct GateState {
    arrived: bool,
    open: bool,
}

impl Gate {
    /// Called by the backend: says it arrived, then waits until the gate is open.
    fn pass(&self) {
        let mut state = self.state.lock().unwrap();
        state.arrived = true;
        self.changed.notify_all();
        let (state, _) = self
            .changed
            .wait_timeout_while(state, PATIENCE, |s| !s.open)
            .unwrap();
        assert!(state.open, "the test never opened the gate");
    }

    /// Called by the test: waits until a backend call waits at the gate.
    fn wait_for_arrival(&self) {
        let state = self.state.lock().unwrap();
        let (state, _) = self
            .changed
            .wait_timeout_while(state, PATIENCE, |s| !s.arrived)
            .unwrap();
        assert!(state.arrived, "the first prune never reached the backend");
    }

    /// Lets the waiting call go on.
    fn open(&self) {
        self.state.lock().unwrap().open = true;
        self.changed.notify_all();
    }
}

/// Opens the gate when dropped, so a failed assertion cannot leave the first prune waiting.
struct OpenOnDrop<'a>(&'a Gate);

impl Drop for OpenOnDrop<'_> {
    fn drop(&mut self) {
        self.0.open();
    }
}

/// The daemon's containers, with `list` waiting at a gate.
struct GatedContainers {
    daemon: Arc<MemoryDaemon>,
    gate: Arc<Gate>,
}

impl ContainerStore for GatedContainers {
    fn list(&self) -> Result<Vec<Container>, Error> {
        self.gate.pass();
        ContainerStore::list(&*self.daemon)
    }

    fn layer_size(&self, id: &str) -> Result<i64, Error> {
        self.daemon.layer_size(id)
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        ContainerStore::remove(&*self.daemon, id)
    }
}

/// The daemon's local networks, with `list` waiting at a gate.
struct GatedNetworks {
    daemon: Arc<MemoryDaemon>,
    gate: Arc<Gate>,
}

impl NetworkController for GatedNetworks {
    fn list(&self) -> Result<Vec<Network>, Error> {
        self.gate.pass();
        NetworkController::list(&*self.daemon)
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        NetworkController::remove(&*self.daemon, id)
    }
}

/// The daemon's containers; cancels the prune once `after` containers are removed.
struct CancellingContainers {
    daemon: Arc<MemoryDaemon>,
    cancel: Cancellation,
    after: usize,
    removed: AtomicUsize,
}

impl ContainerStore for CancellingContainers {
    fn list(&self) -> Result<Vec<Container>, Error> {
        ContainerStore::list(&*self.daemon)
    }

    fn layer_size(&self, id: &str) -> Result<i64, Error> {
        self.daemon.layer_size(id)
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        ContainerStore::remove(&*self.daemon, id)?;
        if self.removed.fetch_add(1, Ordering::SeqCst) + 1 == self.after {
            self.cancel.cancel();
        }
        Ok(())
    }
}

/// The daemon's containers; cancels the prune while measuring the layer of `measured`, that is
/// after the prune's check and before the container's removal.
struct CancelledWhileMeasuring {
    daemon: Arc<MemoryDaemon>,
    cancel: Cancellation,
    measured: String,
}

impl ContainerStore for CancelledWhileMeasuring {
    fn list(&self) -> Result<Vec<Container>, Error> {
        ContainerStore::list(&*self.daemon)
    }

    fn layer_size(&self, id: &str) -> Result<i64, Error> {
        if id == self.measured {
            self.cancel.cancel();
        }
        self.daemon.layer_size(id)
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        ContainerStore::remove(&*self.daemon, id)
    }
}

/// The daemon's local networks; cancels the prune once `after` networks are removed.
struct CancellingNetworks {
    daemon: Arc<MemoryDaemon>,
    cancel: Cancellation,
    after: usize,
    removed: AtomicUsize,
}

impl NetworkController for CancellingNetworks {
    fn list(&self) -> Result<Vec<Network>, Error> {
        NetworkController::list(&*self.daemon)
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        NetworkController::remove(&*self.daemon, id)?;
        if self.removed.fetch_add(1, Ordering::SeqCst) + 1 == self.after {
            self.cancel.cancel();
        }
        Ok(())
    }
}

/// The swarm; cancels the prune once `after` swarm networks are removed.
struct CancellingCluster {
    daemon: Arc<MemoryDaemon>,
    cancel: Cancellation,
    after: usize,
    removed: AtomicUsize,
}

impl Cluster for CancellingCluster {
    fn is_manager(&self) -> bool {
        self.daemon.is_manager()
    }

    fn list(&self) -> Result<Vec<ClusterNetwork>, Error> {
        Cluster::list(&*self.daemon)
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        Cluster::remove(&*self.daemon, id)?;
        if self.removed.fetch_add(1, Ordering::SeqCst) + 1 == self.after {
            self.cancel.cancel();
        }
        Ok(())
    }
}

/// Lists one container whose label value is too big for the component's memory, so that the
/// component traps while it receives the list.
struct OversizedContainers;

impl ContainerStore for OversizedContainers {
    fn list(&self) -> Result<Vec<Container>, Error> {
        Ok(vec![Container {
            id: id("huge"),
            names: vec!["huge".to_string()],
            created: pruner_runtime::bindings::Timestamp {
                seconds: 0,
                nanoseconds: 0,
            },
            state: ContainerState::Exited,
            labels: vec![pruner_runtime::bindings::Label {
                key: "x".to_string(),
                value: "x".repeat(64 << 20),
            }],
        }])
    }

    fn layer_size(&self, _id: &str) -> Result<i64, Error> {
        Ok(0)
    }

    fn remove(&self, _id: &str) -> Result<(), Error> {
        Ok(())
    }
}

fn exited(name: &str, created: &str) -> ContainerRecord {
    container(name, ContainerState::Exited, created)
}

/// A daemon with two exited containers (`old`, `new`) and two unused networks (`n1`, `n2`).
fn busy_daemon() -> TestDaemon {
    TestDaemon::new(State {
        containers: vec![
            exited("old", "2026-11-27T09:00:00Z"),
            exited("new", "2026-11-27T10:00:00Z"),
        ],
        networks: vec![
            network("n1", "2026-11-27T09:00:00Z"),
            network("n2", "2026-11-27T10:00:00Z"),
        ],
        ..State::default()
    })
}

fn conflict() -> PruneError {
    PruneError::Daemon(DockerError::Conflict(PRUNE_RUNNING.to_string()))
}

fn container_report(names: &[&str]) -> ContainerPruneReport {
    ContainerPruneReport {
        containers_deleted: names.iter().map(|name| id(name)).collect(),
        space_reclaimed: 0,
    }
}

fn network_report(names: &[&str]) -> NetworkPruneReport {
    NetworkPruneReport {
        networks_deleted: names.iter().map(|name| name.to_string()).collect(),
    }
}

/// Which prune holds the guard while the test runs its second prune.
enum First {
    Containers,
    Networks,
}

/// Starts the `first` prune on `daemon`'s service with its backend waiting at a gate, runs
/// `second` once the first one waits there (so it holds the guard), then lets the first one
/// finish. Returns the second prune's result; asserts that the first one succeeded.
fn while_a_prune_runs<T: Send>(
    daemon: &TestDaemon,
    first: First,
    second: impl FnOnce() -> T + Send,
) -> T {
    let gate = Arc::new(Gate::default());
    let backends = match first {
        First::Containers => Backends {
            containers: Arc::new(GatedContainers {
                daemon: daemon.daemon.clone(),
                gate: gate.clone(),
            }),
            ..daemon.backends.clone()
        },
        First::Networks => Backends {
            networks: Arc::new(GatedNetworks {
                daemon: daemon.daemon.clone(),
                gate: gate.clone(),
            }),
            ..daemon.backends.clone()
        },
    };
    let pruner = &daemon.pruner;
    thread::scope(|scope| {
        let running = scope.spawn(|| match first {
            First::Containers => pruner
                .prune_containers(&backends, &Filters::new(), &Cancellation::default())
                .map(|report| report.containers_deleted.len()),
            First::Networks => pruner
                .prune_networks(&backends, &Filters::new(), &Cancellation::default())
                .map(|report| report.networks_deleted.len()),
        });
        let result = {
            let _open = OpenOnDrop(&gate);
            gate.wait_for_arrival();
            assert!(pruner.guard().is_held(), "the first prune holds the guard");
            second()
        };
        let first_result = running.join().expect("the first prune did not panic");
        assert_eq!(
            first_result,
            Ok(2),
            "the first prune removed its two objects"
        );
        result
    })
}

// --- the guard -------------------------------------------------------------------------------

#[test]
fn a_container_prune_started_while_another_runs_gets_the_conflict() {
    let daemon = busy_daemon();

    let second = while_a_prune_runs(&daemon, First::Containers, || daemon.prune_containers(&[]));

    assert_eq!(second, Err(conflict()));
    // Only the first prune worked: it removed both containers and logged one prune event.
    assert_eq!(daemon.container_names(), Vec::<String>::new());
    assert_eq!(
        daemon.events(),
        [
            destroyed("container", &id("new")),
            destroyed("container", &id("old")),
            pruned("container", 0),
        ]
    );
    assert!(!daemon.pruner.guard().is_held());
}

#[test]
fn a_network_prune_started_while_a_container_prune_runs_gets_the_conflict() {
    let daemon = busy_daemon();

    let second = while_a_prune_runs(&daemon, First::Containers, || daemon.prune_networks(&[]));

    assert_eq!(second, Err(conflict()));
    assert_eq!(daemon.network_names(), ["n1", "n2"]);
    assert_eq!(daemon.container_names(), Vec::<String>::new());
}

#[test]
fn a_container_prune_started_while_a_network_prune_runs_gets_the_conflict() {
    let daemon = busy_daemon();

    let second = while_a_prune_runs(&daemon, First::Networks, || daemon.prune_containers(&[]));

    assert_eq!(second, Err(conflict()));
    assert_eq!(daemon.container_names(), ["old", "new"]);
    assert_eq!(daemon.network_names(), Vec::<String>::new());
    assert_eq!(
        daemon.events(),
        [
            destroyed("network", "netn1"),
            destroyed("network", "netn2"),
            pruned("network", 0),
        ]
    );
}

#[test]
fn a_prune_with_invalid_filters_gets_the_conflict_before_its_filters_are_checked() {
    let daemon = busy_daemon();

    let (containers, networks) = while_a_prune_runs(&daemon, First::Containers, || {
        (
            daemon.prune_containers(&["dangling=true"]),
            daemon.prune_networks(&["until=1h", "until=2h"]),
        )
    });

    assert_eq!(containers, Err(conflict()));
    assert_eq!(networks, Err(conflict()));
    // Once the first prune is done, the same filters are judged on their own.
    assert_eq!(
        daemon.prune_containers(&["dangling=true"]),
        Err(PruneError::Returned(DockerError::InvalidParameter(
            "invalid filter 'dangling'".to_string()
        )))
    );
}

#[test]
fn the_guard_is_free_again_after_a_successful_prune() {
    let daemon = busy_daemon();

    assert_eq!(
        daemon.prune_containers(&[]),
        Ok(container_report(&["new", "old"]))
    );
    assert!(!daemon.pruner.guard().is_held());
    assert_eq!(
        daemon.prune_networks(&[]),
        Ok(network_report(&["n1", "n2"]))
    );
    assert!(!daemon.pruner.guard().is_held());
    assert_eq!(daemon.prune_containers(&[]), Ok(container_report(&[])));
}

#[test]
fn the_guard_is_free_again_after_a_prune_fails() {
    let mut daemon = busy_daemon();

    assert_eq!(
        daemon.prune_networks(&["until=foo"]),
        Err(PruneError::Returned(DockerError::InvalidParameter(
            r#"failed to parse value as time or duration: "foo""#.to_string()
        )))
    );
    assert!(!daemon.pruner.guard().is_held());

    // A backend failure in the middle of the prune.
    daemon.change(|state| state.containers[1].fail.size = Some("no snapshot".to_string()));
    assert_eq!(
        daemon.prune_containers(&[]),
        Err(PruneError::Daemon(DockerError::System(
            "no snapshot".to_string()
        )))
    );
    assert!(!daemon.pruner.guard().is_held());

    daemon.change(|state| state.containers[1].fail.size = None);
    assert_eq!(
        daemon.prune_containers(&[]),
        Ok(container_report(&["new", "old"]))
    );
}

#[test]
fn the_guard_is_free_again_after_the_component_fails() {
    let daemon = busy_daemon();
    let pruner = Pruner::new(COMPONENT.clone()).with_limits(Limits {
        memory_bytes: 16 << 20,
        ..Limits::default()
    });
    let oversized = Backends {
        containers: Arc::new(OversizedContainers),
        ..daemon.backends.clone()
    };

    let failed = pruner.prune_containers(&oversized, &Filters::new(), &Cancellation::default());

    assert_eq!(
        failed,
        Err(PruneError::Builtin(PluginFault::Memory(16 << 20))),
        "the component ran out of memory"
    );
    assert_eq!(
        failed.unwrap_err().to_string(),
        "the built-in prune component exceeded its memory limit (16777216 bytes)"
    );
    assert!(!pruner.guard().is_held());
    assert_eq!(
        pruner.prune_containers(&daemon.backends, &Filters::new(), &Cancellation::default()),
        Ok(container_report(&["new", "old"]))
    );
    assert_eq!(
        pruner.prune_networks(&daemon.backends, &Filters::new(), &Cancellation::default()),
        Ok(network_report(&["n1", "n2"]))
    );
}

// --- cancellation ----------------------------------------------------------------------------

#[test]
fn a_container_prune_cancelled_after_two_removals_reports_them_without_a_prune_event() {
    let daemon = TestDaemon::new(State {
        containers: (1..=4)
            .map(|n| exited(&format!("c{n}"), &format!("2026-11-27T0{n}:00:00Z")))
            .collect(),
        ..State::default()
    });
    let cancel = Cancellation::default();
    let backends = Backends {
        containers: Arc::new(CancellingContainers {
            daemon: daemon.daemon.clone(),
            cancel: cancel.clone(),
            after: 2,
            removed: AtomicUsize::new(0),
        }),
        ..daemon.backends.clone()
    };

    let report = daemon
        .pruner
        .prune_containers(&backends, &Filters::new(), &cancel);

    assert_eq!(report, Ok(container_report(&["c4", "c3"])));
    assert_eq!(daemon.container_names(), ["c1", "c2"]);
    assert_eq!(
        daemon.events(),
        [
            destroyed("container", &id("c4")),
            destroyed("container", &id("c3")),
        ]
    );
    assert!(!daemon.pruner.guard().is_held());
}

#[test]
fn a_removal_under_way_when_the_prune_is_cancelled_completes_and_is_reported() {
    let daemon = TestDaemon::new(State {
        containers: (1..=3)
            .map(|n| exited(&format!("c{n}"), &format!("2026-11-27T0{n}:00:00Z")))
            .collect(),
        ..State::default()
    });
    let cancel = Cancellation::default();
    let backends = Backends {
        containers: Arc::new(CancelledWhileMeasuring {
            daemon: daemon.daemon.clone(),
            cancel: cancel.clone(),
            measured: id("c2"),
        }),
        ..daemon.backends.clone()
    };

    let report = daemon
        .pruner
        .prune_containers(&backends, &Filters::new(), &cancel);

    assert_eq!(report, Ok(container_report(&["c3", "c2"])));
    assert_eq!(daemon.container_names(), ["c1"]);
    assert_eq!(daemon.warnings(), Vec::<String>::new());
    assert_eq!(
        daemon.events(),
        [
            destroyed("container", &id("c3")),
            destroyed("container", &id("c2")),
        ]
    );
}

#[test]
fn a_container_prune_cancelled_before_it_starts_removes_nothing() {
    let daemon = busy_daemon();
    let cancel = Cancellation::default();
    cancel.cancel();

    let report = daemon
        .pruner
        .prune_containers(&daemon.backends, &Filters::new(), &cancel);

    assert_eq!(report, Ok(container_report(&[])));
    assert_eq!(daemon.container_names(), ["old", "new"]);
    assert_eq!(daemon.events(), []);
}

#[test]
fn a_local_network_prune_cancelled_after_two_removals_reports_them_without_a_prune_event() {
    let daemon = TestDaemon::new(State {
        networks: vec![
            network("a", "2026-11-27T09:00:00Z"),
            network("b", "2026-11-27T09:00:00Z"),
            network("c", "2026-11-27T09:00:00Z"),
        ],
        ..State::default()
    });
    let cancel = Cancellation::default();
    let backends = Backends {
        networks: Arc::new(CancellingNetworks {
            daemon: daemon.daemon.clone(),
            cancel: cancel.clone(),
            after: 2,
            removed: AtomicUsize::new(0),
        }),
        ..daemon.backends.clone()
    };

    let report = daemon
        .pruner
        .prune_networks(&backends, &Filters::new(), &cancel);

    assert_eq!(report, Ok(network_report(&["a", "b"])));
    assert_eq!(daemon.network_names(), ["c"]);
    assert_eq!(
        daemon.events(),
        [destroyed("network", "neta"), destroyed("network", "netb")]
    );
}

#[test]
fn a_network_prune_cancelled_in_the_swarm_part_skips_the_local_networks() {
    let daemon = TestDaemon::new(State {
        networks: vec![network("local", "2026-11-27T09:00:00Z")],
        cluster: ClusterRecord {
            manager: true,
            networks: vec![
                cluster_network("s1", "2026-11-27T09:00:00Z"),
                cluster_network("s2", "2026-11-27T09:00:00Z"),
            ],
            ..ClusterRecord::default()
        },
        ..State::default()
    });
    let cancel = Cancellation::default();
    let backends = Backends {
        cluster: Arc::new(CancellingCluster {
            daemon: daemon.daemon.clone(),
            cancel: cancel.clone(),
            after: 1,
            removed: AtomicUsize::new(0),
        }),
        ..daemon.backends.clone()
    };

    let report = daemon
        .pruner
        .prune_networks(&backends, &Filters::new(), &cancel);

    assert_eq!(report, Ok(network_report(&["s1"])));
    assert_eq!(daemon.cluster_network_names(), ["s2"]);
    assert_eq!(daemon.network_names(), ["local"]);
    assert_eq!(daemon.events(), []);
}

#[test]
fn a_cancelled_prune_leaves_the_guard_free() {
    let daemon = busy_daemon();
    let cancel = Cancellation::default();
    cancel.cancel();

    assert_eq!(
        daemon
            .pruner
            .prune_networks(&daemon.backends, &Filters::new(), &cancel),
        Ok(network_report(&[]))
    );
    assert!(!daemon.pruner.guard().is_held());
    assert_eq!(
        daemon.prune_networks(&[]),
        Ok(network_report(&["n1", "n2"]))
    );
}

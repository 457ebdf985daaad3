//! What the sandbox costs the built-in component: the median CPU time (of the thread running it,
//! so that other load on the machine matters little) of a container prune of 100,000 containers
//! (90,000 removed: 290,000 backend calls) held in a hash map, so that the backend's own work
//! stays small next to the component's. Run it in release:
//! `cargo run --release -p pruner-runtime --example sandbox_cost [CONTAINERS [RUNS]]`.

#![allow(unsafe_code, reason = "the thread CPU clock (clock_gettime)")]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::DateTime;
use pruner_runtime::backend::{Cluster, ContainerStore, EventLog, NetworkController, WarningLog};
use pruner_runtime::bindings::{
    ClusterNetwork, Container, ContainerState, Error, Network, Timestamp,
};
use pruner_runtime::clock::FixedClock;
use pruner_runtime::events::EventMessage;
use pruner_runtime::{Backends, Cancellation, Engines, Filters, PruneComponent, Pruner};

/// The containers of each prune, unless the first argument says otherwise.
const CONTAINERS: usize = 100_000;
/// The prunes measured, unless the second argument says otherwise.
const RUNS: usize = 7;

/// Containers by ID; removal is O(1).
struct Store(Mutex<HashMap<String, Container>>);

impl Store {
    fn new(count: usize) -> Store {
        let containers = (0..count).map(|i| {
            let container = Container {
                id: format!("{i:064x}"),
                names: vec![format!("c{i}")],
                created: Timestamp {
                    seconds: 1_700_000_000 + i as i64,
                    nanoseconds: 0,
                },
                state: if i % 10 == 0 {
                    ContainerState::Running
                } else {
                    ContainerState::Exited
                },
                labels: Vec::new(),
            };
            (container.id.clone(), container)
        });
        Store(Mutex::new(containers.collect()))
    }
}

impl ContainerStore for Store {
    fn list(&self) -> Result<Vec<Container>, Error> {
        Ok(self.0.lock().unwrap().values().cloned().collect())
    }

    fn layer_size(&self, _: &str) -> Result<i64, Error> {
        Ok(100)
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        self.0
            .lock()
            .unwrap()
            .remove(id)
            .map(drop)
            .ok_or_else(|| Error::NotFound(id.into()))
    }
}

impl NetworkController for Store {
    fn list(&self) -> Result<Vec<Network>, Error> {
        Ok(Vec::new())
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        Err(Error::NotFound(id.into()))
    }
}

impl Cluster for Store {
    fn is_manager(&self) -> bool {
        false
    }

    fn list(&self) -> Result<Vec<ClusterNetwork>, Error> {
        Ok(Vec::new())
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        Err(Error::NotFound(id.into()))
    }
}

impl EventLog for Store {
    fn log(&self, _: EventMessage) {}
}

impl WarningLog for Store {
    fn warn(&self, _: &str) {}
}

/// The CPU time the current thread has used.
fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1).map(|arg| arg.parse::<usize>());
    let containers = args.next().transpose()?.unwrap_or(CONTAINERS);
    let runs = args.next().transpose()?.unwrap_or(RUNS);
    let pruner = Pruner::new(PruneComponent::builtin(&Engines::builder().build())?);
    let now = DateTime::parse_from_rfc3339("2026-11-27T12:00:00Z")?;
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let store = Arc::new(Store::new(containers));
            let backends = Backends::from_daemon(store.clone())
                .with_clock(Arc::new(FixedClock(now)))
                .with_log(store);
            let start = thread_cpu_time();
            let report = pruner
                .prune_containers(&backends, &Filters::new(), &Cancellation::default())
                .expect("the prune succeeds");
            let elapsed = thread_cpu_time() - start;
            assert_eq!(
                report.containers_deleted.len(),
                containers - containers.div_ceil(10)
            );
            elapsed
        })
        .collect();
    times.sort();
    println!(
        "container prune of {containers} containers: median {:?} CPU (min {:?}, max {:?}) over \
         {runs} runs",
        times[runs / 2],
        times[0],
        times[runs - 1]
    );
    Ok(())
}

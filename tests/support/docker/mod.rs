//! The differential harness: one real Docker Engine, found through `$DOCKER_HOST`, judged
//! against pruner's Docker backend.
//!
//! Every scenario sets up the same objects twice, once for dockerd's own prune and once for
//! pruner's, each set with its own names and its own scope label, and adds that label to the
//! filters of its prune: a prune on a daemon is global, and the scope keeps each prune to its own
//! objects (and away from anything else on the engine). Scenarios run one at a time (the engine is
//! behind a mutex).
//!
//! Without a reachable engine the tests print how to run them and pass; with `$CI` set or
//! `PRUNER_REQUIRE_DOCKER=1` a missing engine fails them.

#![allow(dead_code)]

mod agreement;
mod scenario;

use std::collections::HashMap;
use std::future::Future;
use std::io::Write;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, Once, PoisonError};

use bollard::Docker;
use bollard::query_parameters::{
    ListContainersOptions, ListNetworksOptions, ListServicesOptions, ListVolumesOptions,
    RemoveContainerOptions,
};
use pruner_docker::{DockerDaemon, EngineHost};
use pruner_runtime::backend::EventLog;
use pruner_runtime::events::EventMessage;
use pruner_runtime::{Engines, PruneComponent, Pruner};

pub use agreement::{EventSummary, Outcome};
pub use scenario::{ContainerSpec, Kind, NetworkSpec, Request, Scenario, Side, State};

/// The label every object of the suite carries; its value scopes one side of one scenario.
pub const SCOPE_LABEL: &str = "pruner-test-scope";

/// How to get the suite to run, printed when it skips.
const HOW_TO_RUN: &str = "to run the differential suite, start a dockerd (e.g. `.ci/run`, or \
    `dockerd --host unix:///tmp/d/docker.sock --data-root /tmp/d/data --exec-root /tmp/d/exec \
    --iptables=false --ip6tables=false --storage-driver=vfs &`), `docker swarm init \
    --advertise-addr 127.0.0.1` for the swarm scenarios, import a busybox image as \
    `busybox:latest` (or name one in PRUNER_TEST_IMAGE), and run `DOCKER_HOST=unix:///tmp/d/docker.sock \
    cargo test -p pruner-tests --test docker_differential`";

/// The engine shared by every test of the binary, or why there is none.
static ENGINE: LazyLock<Result<Mutex<Engine>, String>> =
    LazyLock::new(|| Engine::connect().map(Mutex::new));

/// The engine, held for one test; `None` when there is none and none is required (the test then
/// passes without checking, after saying how to run it).
pub fn engine() -> Option<MutexGuard<'static, Engine>> {
    match &*ENGINE {
        Ok(engine) => Some(engine.lock().unwrap_or_else(PoisonError::into_inner)),
        Err(why) if required() => panic!(
            "a Docker engine is required here ($CI or PRUNER_REQUIRE_DOCKER=1): {why}\n{HOW_TO_RUN}"
        ),
        Err(why) => {
            say_once(&format!("skipped: {why}\n{HOW_TO_RUN}"));
            None
        }
    }
}

/// Writes `message` to the real stderr (the test harness captures `eprintln!`), once per run.
fn say_once(message: &str) {
    static SAID: Once = Once::new();
    SAID.call_once(|| {
        let _ = writeln!(std::io::stderr(), "{message}");
    });
}

/// Whether a missing engine fails the suite: in CI, or when asked for.
fn required() -> bool {
    std::env::var_os("CI").is_some_and(|value| !value.is_empty())
        || std::env::var("PRUNER_REQUIRE_DOCKER").is_ok_and(|value| value == "1")
}

/// Whether the engine is a swarm manager; when it is not, says so and whether that fails the
/// test (it does where the engine is required: CI's engine is a one-node swarm).
pub fn swarm_manager_or_skip(engine: &Engine) -> bool {
    if engine.swarm_manager {
        return true;
    }
    let why = "the engine is not a swarm manager (`docker swarm init --advertise-addr 127.0.0.1`)";
    if required() {
        panic!("{why}");
    }
    let _ = writeln!(std::io::stderr(), "skipped: {why}");
    false
}

/// Whether the engine belongs to this test run (`PRUNER_DOCKER_DISPOSABLE=1`, as `.ci/run`
/// sets for the dockerd it starts), so that prunes without any filter may run on it; says so
/// when it does not.
pub fn disposable_or_skip() -> bool {
    if std::env::var("PRUNER_DOCKER_DISPOSABLE").is_ok_and(|value| value == "1") {
        return true;
    }
    let _ = writeln!(
        std::io::stderr(),
        "skipped: prunes without filters run only on an engine of the test run's own \
         (PRUNER_DOCKER_DISPOSABLE=1)"
    );
    false
}

/// pruner's prune events, recorded for comparison with dockerd's.
#[derive(Default)]
pub struct RecordedEvents(Mutex<Vec<EventMessage>>);

impl RecordedEvents {
    /// Takes the events recorded so far.
    pub fn take(&self) -> Vec<EventMessage> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl EventLog for RecordedEvents {
    fn log(&self, event: EventMessage) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(event);
    }
}

/// A real Docker Engine, and pruner's prune service on top of it.
pub struct Engine {
    /// The runtime the harness drives its own Engine API calls on.
    runtime: tokio::runtime::Runtime,
    /// The harness's client (setup, dockerd's prune, cleanup).
    pub client: Docker,
    /// pruner's backend for this engine.
    pub daemon: Arc<DockerDaemon>,
    /// pruner's prune service (its own guard).
    pub pruner: Pruner,
    /// pruner's prune events.
    pub events: Arc<RecordedEvents>,
    /// The image the scenarios' containers run.
    pub image: String,
    /// Whether the engine is a swarm manager.
    pub swarm_manager: bool,
    /// A tag unique to this run of the suite, in every name and scope.
    pub nonce: String,
}

impl Engine {
    fn connect() -> Result<Engine, String> {
        let host = EngineHost::from_env();
        let daemon = DockerDaemon::connect(&host).map_err(|err| format!("{err}"))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| err.to_string())?;
        let client = runtime
            .block_on(async {
                Docker::connect_with_host(host.url())?
                    .negotiate_version()
                    .await
            })
            .map_err(|err| format!("cannot connect to {host}: {err}"))?;
        let image = std::env::var("PRUNER_TEST_IMAGE").unwrap_or_else(|_| "busybox:latest".into());
        runtime
            .block_on(client.inspect_image(&image))
            .map_err(|err| format!("the engine at {host} has no image {image}: {err}"))?;
        let swarm_manager = runtime
            .block_on(client.info())
            .map_err(|err| err.to_string())?
            .swarm
            .and_then(|swarm| swarm.control_available)
            .unwrap_or(false);
        let engines = Engines::builder().build();
        let component = PruneComponent::builtin(&engines).map_err(|err| format!("{err:#}"))?;
        let nonce = format!(
            "{:x}",
            std::process::id() ^ (chrono::Utc::now().timestamp_subsec_nanos() >> 4)
        );
        let engine = Engine {
            runtime,
            client,
            daemon: Arc::new(daemon),
            pruner: Pruner::new(component),
            events: Arc::new(RecordedEvents::default()),
            image,
            swarm_manager,
            nonce,
        };
        engine.remove_leftovers();
        Ok(engine)
    }

    /// Drives one future of the harness to completion.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// Whether the engine is Debian's dockerd 20.10, whose differences from moby-2023 are
    /// allowed (SPEC.md §9.1).
    pub fn is_20_10(&self) -> bool {
        self.daemon.server_version().starts_with("20.10.")
    }

    /// A new scenario on this engine.
    pub fn scenario(&self, id: &'static str) -> Scenario<'_> {
        Scenario::new(self, id)
    }

    /// Removes what an earlier run of the suite left behind (everything carrying the scope
    /// label).
    fn remove_leftovers(&self) {
        let scoped = HashMap::from([("label".to_string(), vec![SCOPE_LABEL.to_string()])]);
        self.block_on(async {
            if let Ok(services) = self
                .client
                .list_services(Some(ListServicesOptions {
                    filters: Some(scoped.clone()),
                    ..Default::default()
                }))
                .await
            {
                for service in services {
                    let _ = self
                        .client
                        .delete_service(&service.id.unwrap_or_default())
                        .await;
                }
            }
            if let Ok(containers) = self
                .client
                .list_containers(Some(ListContainersOptions {
                    all: true,
                    filters: Some(scoped.clone()),
                    ..Default::default()
                }))
                .await
            {
                for container in containers {
                    let _ = self
                        .client
                        .remove_container(
                            &container.id.unwrap_or_default(),
                            Some(RemoveContainerOptions {
                                force: true,
                                v: true,
                                ..Default::default()
                            }),
                        )
                        .await;
                }
            }
            if let Ok(networks) = self
                .client
                .list_networks(Some(ListNetworksOptions {
                    filters: Some(scoped.clone()),
                }))
                .await
            {
                for network in networks {
                    let _ = self
                        .client
                        .remove_network(&network.id.unwrap_or_default())
                        .await;
                }
            }
            if let Ok(volumes) = self
                .client
                .list_volumes(Some(ListVolumesOptions {
                    filters: Some(scoped),
                }))
                .await
            {
                for volume in volumes.volumes.unwrap_or_default() {
                    let _ = self
                        .client
                        .remove_volume(
                            &volume.name,
                            None::<bollard::query_parameters::RemoveVolumeOptions>,
                        )
                        .await;
                }
            }
        });
    }
}

//! A scenario: the same objects set up twice on the engine, one side for dockerd's own prune and
//! one for pruner's, each side with its own names and scope label.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use bollard::errors::Error as BollardError;
use bollard::models::{
    ContainerCreateBody, ContainerStateStatusEnum, EventMessage, HostConfig,
    NetworkAttachmentConfig, NetworkCreateRequest, RestartPolicy, RestartPolicyNameEnum,
    ServiceSpec, ServiceSpecMode, ServiceSpecModeReplicated, TaskSpec, TaskSpecContainerSpec,
    TaskState,
};
use bollard::query_parameters::{
    CommitContainerOptions, CreateContainerOptions, EventsOptions, InspectNetworkOptions,
    ListContainersOptions, ListTasksOptions, RemoveContainerOptions, RemoveImageOptions,
    RemoveVolumeOptions,
};
use futures_util::StreamExt;
use pruner_runtime::events::EventMessage as PrunerEvent;
use pruner_runtime::{Cancellation, Filters, PruneError};

use super::agreement::{Differential, EventSummary, Outcome};
use super::{Engine, SCOPE_LABEL};

/// How long the harness waits for a container or a task to reach a state.
const SETTLE: Duration = Duration::from_secs(60);

/// Which prune a side is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// dockerd's own `POST /containers/prune` / `POST /networks/prune`.
    Docker,
    /// pruner, through its Docker backend.
    Pruner,
}

/// The state a scenario's container is brought to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Created, never started.
    Created,
    /// Started, and exited by itself.
    Exited,
    /// Running (`top`).
    Running,
    /// Running, then paused.
    Paused,
    /// `--restart always` on a command that fails: restarting, or waiting to restart.
    Restarting,
}

/// A container of a scenario.
#[derive(Clone, Debug)]
pub struct ContainerSpec {
    state: State,
    labels: Vec<(String, String)>,
    network: Option<String>,
    anonymous_volume: bool,
    writes: usize,
    image: Option<String>,
}

impl ContainerSpec {
    /// A container in `state`, on no network, without labels.
    pub fn new(state: State) -> ContainerSpec {
        ContainerSpec {
            state,
            labels: Vec::new(),
            network: None,
            anonymous_volume: false,
            writes: 0,
            image: None,
        }
    }

    /// With the label `key=value`.
    pub fn label(mut self, key: &str, value: &str) -> ContainerSpec {
        self.labels.push((key.to_string(), value.to_string()));
        self
    }

    /// Attached to the scenario's network `network` (by its short name).
    pub fn network(mut self, network: &str) -> ContainerSpec {
        self.network = Some(network.to_string());
        self
    }

    /// With an anonymous volume at `/data`.
    pub fn anonymous_volume(mut self) -> ContainerSpec {
        self.anonymous_volume = true;
        self
    }

    /// Writing `bytes` bytes into its read-write layer before it exits.
    pub fn writes(mut self, bytes: usize) -> ContainerSpec {
        self.writes = bytes;
        self
    }

    /// Running `image` instead of the suite's image.
    pub fn image(mut self, image: &str) -> ContainerSpec {
        self.image = Some(image.to_string());
        self
    }
}

/// A network of a scenario.
#[derive(Clone, Debug)]
pub struct NetworkSpec {
    driver: &'static str,
    labels: Vec<(String, String)>,
    config_only: bool,
}

impl NetworkSpec {
    /// A local bridge network.
    pub fn bridge() -> NetworkSpec {
        NetworkSpec {
            driver: "bridge",
            labels: Vec::new(),
            config_only: false,
        }
    }

    /// A swarm overlay network.
    pub fn overlay() -> NetworkSpec {
        NetworkSpec {
            driver: "overlay",
            ..NetworkSpec::bridge()
        }
    }

    /// A `--config-only` network.
    pub fn config_only() -> NetworkSpec {
        NetworkSpec {
            driver: "null",
            config_only: true,
            ..NetworkSpec::bridge()
        }
    }

    /// With the label `key=value`.
    pub fn label(mut self, key: &str, value: &str) -> NetworkSpec {
        self.labels.push((key.to_string(), value.to_string()));
        self
    }
}

/// The filters of a prune request, as both sides send them.
#[derive(Clone, Debug)]
pub enum Request {
    /// docker CLI `--filter` values; the side's scope is added as a `label` filter.
    Flags(Vec<String>),
    /// The Engine API's `filters` parameter verbatim, `{scope}` replaced by the side's scope
    /// label (`pruner-test-scope=<scope>`).
    Json(String),
}

impl Request {
    /// docker CLI `--filter` values.
    pub fn flags(flags: &[&str]) -> Request {
        Request::Flags(flags.iter().map(|flag| flag.to_string()).collect())
    }

    /// The `filters` parameter verbatim.
    pub fn json(text: &str) -> Request {
        Request::Json(text.to_string())
    }

    /// The `filters` parameter one side sends.
    fn for_side(&self, side: &Side<'_>) -> String {
        let scope = side.scope_filter();
        match self {
            Request::Flags(flags) => {
                let mut filters = Filters::new();
                for flag in flags {
                    filters.add_cli_flag(flag).expect("a well-formed --filter");
                }
                filters.add("label", &scope);
                filters.to_json()
            }
            Request::Json(text) => text.replace("{scope}", &scope),
        }
    }
}

/// One side of a scenario and the objects set up for it.
pub struct Side<'e> {
    engine: &'e Engine,
    /// Which prune this side is for.
    pub which: Which,
    prefix: String,
    scope: String,
    /// Container ID → short name.
    containers: BTreeMap<String, String>,
    /// Network short name → ID.
    networks: BTreeMap<String, String>,
    services: Vec<String>,
    volumes: Vec<String>,
    images: Vec<String>,
}

impl<'e> Side<'e> {
    fn new(engine: &'e Engine, scenario: &str, which: Which) -> Side<'e> {
        let letter = match which {
            Which::Docker => "d",
            Which::Pruner => "p",
        };
        Side {
            engine,
            which,
            prefix: format!(
                "pdt{}-{}-{letter}-",
                engine.nonce,
                scenario.to_ascii_lowercase()
            ),
            scope: format!("{}.{scenario}.{letter}", engine.nonce),
            containers: BTreeMap::new(),
            networks: BTreeMap::new(),
            services: Vec::new(),
            volumes: Vec::new(),
            images: Vec::new(),
        }
    }

    /// The engine-wide name of this side's object `short`.
    pub fn name(&self, short: &str) -> String {
        format!("{}{short}", self.prefix)
    }

    /// The `label` filter value that keeps a prune to this side's objects.
    pub fn scope_filter(&self) -> String {
        format!("{SCOPE_LABEL}={}", self.scope)
    }

    fn scope_labels(&self, extra: &[(String, String)]) -> HashMap<String, String> {
        let mut labels: HashMap<String, String> = extra.iter().cloned().collect();
        labels.insert(SCOPE_LABEL.to_string(), self.scope.clone());
        labels
    }

    /// Creates the container `short` and brings it to its state; returns its ID.
    pub fn container(&mut self, short: &str, spec: ContainerSpec) -> String {
        let engine = self.engine;
        let command: Vec<String> = match spec.state {
            State::Running | State::Paused => vec!["top".into()],
            State::Restarting => vec!["false".into()],
            State::Created | State::Exited if spec.writes > 0 => vec![
                "sh".into(),
                "-c".into(),
                format!("head -c {} /dev/zero > /written", spec.writes),
            ],
            State::Created | State::Exited => vec!["true".into()],
        };
        let network = match &spec.network {
            Some(short) => self.name(short),
            None => "none".to_string(),
        };
        let restart = (spec.state == State::Restarting).then_some(RestartPolicy {
            name: Some(RestartPolicyNameEnum::ALWAYS),
            maximum_retry_count: None,
        });
        let body = ContainerCreateBody {
            image: Some(spec.image.clone().unwrap_or_else(|| engine.image.clone())),
            cmd: Some(command),
            labels: Some(self.scope_labels(&spec.labels)),
            volumes: spec.anonymous_volume.then(|| vec!["/data".to_string()]),
            host_config: Some(HostConfig {
                network_mode: Some(network),
                restart_policy: restart,
                ..Default::default()
            }),
            ..Default::default()
        };
        let options = CreateContainerOptions {
            name: Some(self.name(short)),
            ..Default::default()
        };
        let id = engine
            .block_on(engine.client.create_container(Some(options), body))
            .unwrap_or_else(|err| panic!("cannot create container {short}: {err}"))
            .id;
        self.containers.insert(id.clone(), short.to_string());
        if spec.state != State::Created {
            engine
                .block_on(engine.client.start_container(&id, None))
                .unwrap_or_else(|err| panic!("cannot start container {short}: {err}"));
        }
        match spec.state {
            State::Created => {}
            State::Exited => self.wait_for(&id, |status, _| {
                status == Some(ContainerStateStatusEnum::EXITED)
            }),
            State::Running => self.wait_for(&id, |status, _| {
                status == Some(ContainerStateStatusEnum::RUNNING)
            }),
            State::Paused => engine
                .block_on(engine.client.pause_container(&id))
                .unwrap_or_else(|err| panic!("cannot pause container {short}: {err}")),
            State::Restarting => self.wait_for(&id, |status, restarts| {
                status == Some(ContainerStateStatusEnum::RESTARTING) && restarts >= 1
            }),
        }
        if spec.anonymous_volume {
            let inspect = engine
                .block_on(engine.client.inspect_container(&id, None))
                .expect("inspect a container just created");
            for mount in inspect.mounts.unwrap_or_default() {
                self.volumes.extend(mount.name);
            }
        }
        id
    }

    /// Waits until the container's state satisfies `done(status, restart count)`.
    fn wait_for(&self, id: &str, done: impl Fn(Option<ContainerStateStatusEnum>, i64) -> bool) {
        let deadline = Instant::now() + SETTLE;
        loop {
            let inspect = self
                .engine
                .block_on(self.engine.client.inspect_container(id, None))
                .expect("inspect a container of the scenario");
            let status = inspect.state.and_then(|state| state.status);
            if done(status, inspect.restart_count.unwrap_or(0)) {
                return;
            }
            assert!(Instant::now() < deadline, "container {id} stays {status:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Removes the container `short` (forced).
    pub fn remove_container(&mut self, short: &str) {
        let id = self.container_id(short);
        self.engine
            .block_on(self.engine.client.remove_container(
                &id,
                Some(RemoveContainerOptions {
                    force: true,
                    ..Default::default()
                }),
            ))
            .unwrap_or_else(|err| panic!("cannot remove container {short}: {err}"));
    }

    /// The ID of the container `short`.
    pub fn container_id(&self, short: &str) -> String {
        self.containers
            .iter()
            .find(|(_, name)| *name == short)
            .map(|(id, _)| id.clone())
            .unwrap_or_else(|| panic!("no container {short} in the scenario"))
    }

    /// The full-precision `Created` of the container `short`, as `<unix>.<9 digits>`.
    pub fn created_unix(&self, short: &str) -> String {
        let inspect = self
            .engine
            .block_on(
                self.engine
                    .client
                    .inspect_container(&self.container_id(short), None),
            )
            .expect("inspect a container of the scenario");
        let created = chrono::DateTime::parse_from_rfc3339(&inspect.created.unwrap_or_default())
            .expect("an RFC 3339 creation time");
        format!(
            "{}.{:09}",
            created.timestamp(),
            created.timestamp_subsec_nanos()
        )
    }

    /// Creates the network `short`; returns its ID.
    pub fn network(&mut self, short: &str, spec: NetworkSpec) -> String {
        let engine = self.engine;
        let request = NetworkCreateRequest {
            name: self.name(short),
            driver: Some(spec.driver.to_string()),
            config_only: spec.config_only.then_some(true),
            attachable: (spec.driver == "overlay").then_some(true),
            labels: Some(self.scope_labels(&spec.labels)),
            ..Default::default()
        };
        let id = engine
            .block_on(engine.client.create_network(request))
            .unwrap_or_else(|err| panic!("cannot create network {short}: {err}"))
            .id;
        self.networks.insert(short.to_string(), id.clone());
        id
    }

    /// Creates the one-replica service `short` (`top`) on the network `network` and waits until
    /// its task runs.
    pub fn service(&mut self, short: &str, network: &str) {
        let engine = self.engine;
        let spec = ServiceSpec {
            name: Some(self.name(short)),
            labels: Some(self.scope_labels(&[])),
            task_template: Some(TaskSpec {
                container_spec: Some(TaskSpecContainerSpec {
                    image: Some(engine.image.clone()),
                    command: Some(vec!["top".to_string()]),
                    ..Default::default()
                }),
                networks: Some(vec![NetworkAttachmentConfig {
                    target: Some(self.networks[network].clone()),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            mode: Some(ServiceSpecMode {
                replicated: Some(ServiceSpecModeReplicated { replicas: Some(1) }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let id = engine
            .block_on(engine.client.create_service(spec, None))
            .unwrap_or_else(|err| panic!("cannot create service {short}: {err}"))
            .id
            .expect("a service ID");
        self.services.push(self.name(short));
        let deadline = Instant::now() + SETTLE;
        while !self.tasks(&id).contains(&TaskState::RUNNING) {
            assert!(Instant::now() < deadline, "service {short} never runs");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Removes the service `short` and waits until its tasks are gone and no network of this
    /// side is instantiated here for it any more.
    pub fn remove_service(&mut self, short: &str) {
        let name = self.name(short);
        self.engine
            .block_on(self.engine.client.delete_service(&name))
            .unwrap_or_else(|err| panic!("cannot remove service {short}: {err}"));
        self.services.retain(|service| service != &name);
        if let Err(why) = self.wait_until_service_gone(&name) {
            panic!("{why}");
        }
    }

    /// Waits until the removed service `name` has no task, no container and no network
    /// instantiated here left; says what is left when that takes too long.
    fn wait_until_service_gone(&self, name: &str) -> Result<(), String> {
        let engine = self.engine;
        let deadline = Instant::now() + SETTLE;
        loop {
            let tasks_left = engine
                .block_on(engine.client.list_tasks(Some(ListTasksOptions {
                    filters: Some(HashMap::from([(
                        "service".to_string(),
                        vec![name.to_string()],
                    )])),
                })))
                .map(|tasks| tasks.len())
                .unwrap_or(0);
            let instantiated = self.networks.values().any(|id| {
                engine
                    .block_on(
                        engine
                            .client
                            .inspect_network(id, None::<InspectNetworkOptions>),
                    )
                    .is_ok_and(|network| {
                        network.scope.as_deref() == Some("swarm") && network.containers.is_some()
                    })
            });
            let containers_left = engine
                .block_on(engine.client.list_containers(Some(ListContainersOptions {
                    all: true,
                    filters: Some(HashMap::from([(
                        "label".to_string(),
                        vec![format!("com.docker.swarm.service.name={name}")],
                    )])),
                    ..Default::default()
                })))
                .map(|containers| containers.len())
                .unwrap_or(0);
            if tasks_left == 0 && !instantiated && containers_left == 0 {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "service {name} leaves {tasks_left} tasks, {containers_left} containers"
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn tasks(&self, service: &str) -> Vec<TaskState> {
        self.engine
            .block_on(self.engine.client.list_tasks(Some(ListTasksOptions {
                filters: Some(HashMap::from([(
                    "service".to_string(),
                    vec![service.to_string()],
                )])),
            })))
            .unwrap_or_default()
            .into_iter()
            .filter_map(|task| task.status.and_then(|status| status.state))
            .collect()
    }

    /// Commits a created container of this side as the image `short`, with `change` (a
    /// Dockerfile instruction, e.g. `LABEL a=b`); returns the image's reference.
    pub fn image(&mut self, short: &str, change: &str) -> String {
        let engine = self.engine;
        let body = ContainerCreateBody {
            image: Some(engine.image.clone()),
            cmd: Some(vec!["true".to_string()]),
            ..Default::default()
        };
        let base = engine
            .block_on(
                engine
                    .client
                    .create_container(None::<CreateContainerOptions>, body),
            )
            .expect("create a container to commit")
            .id;
        let reference = self.name(short);
        let committed = engine.block_on(engine.client.commit_container(
            CommitContainerOptions {
                container: Some(base.clone()),
                repo: Some(reference.clone()),
                tag: Some("latest".to_string()),
                changes: Some(change.to_string()),
                ..Default::default()
            },
            bollard::models::ContainerConfig::default(),
        ));
        let _ = engine.block_on(engine.client.remove_container(&base, None));
        committed.unwrap_or_else(|err| panic!("cannot commit image {short}: {err}"));
        let reference = format!("{reference}:latest");
        self.images.push(reference.clone());
        reference
    }

    /// Short names of this side's containers that still exist.
    pub fn containers_left(&self) -> BTreeSet<String> {
        let listed = self
            .engine
            .block_on(
                self.engine
                    .client
                    .list_containers(Some(ListContainersOptions {
                        all: true,
                        ..Default::default()
                    })),
            )
            .expect("list containers");
        listed
            .into_iter()
            .filter_map(|container| self.containers.get(&container.id?).cloned())
            .collect()
    }

    /// Short names of this side's networks that still exist.
    pub fn networks_left(&self) -> BTreeSet<String> {
        self.networks
            .iter()
            .filter(|(_, id)| {
                self.engine
                    .block_on(
                        self.engine
                            .client
                            .inspect_network(id, None::<InspectNetworkOptions>),
                    )
                    .is_ok()
            })
            .map(|(short, _)| short.clone())
            .collect()
    }

    /// Whether every anonymous volume of this side's containers still exists.
    pub fn volumes_left(&self) -> usize {
        self.volumes
            .iter()
            .filter(|volume| {
                self.engine
                    .block_on(self.engine.client.inspect_volume(volume))
                    .is_ok()
            })
            .count()
    }

    /// The short name of a container ID of this side (or a marker for a foreign one).
    fn container_short(&self, id: &str) -> String {
        self.containers
            .get(id)
            .cloned()
            .unwrap_or_else(|| format!("<not in the scenario: {id}>"))
    }

    /// The short name of a network name of this side (or a marker for a foreign one).
    fn network_short(&self, name: &str) -> String {
        name.strip_prefix(&self.prefix)
            .map(str::to_string)
            .unwrap_or_else(|| format!("<not in the scenario: {name}>"))
    }

    /// Removes everything this side set up.
    fn clean_up(&mut self) {
        let engine = self.engine;
        for service in std::mem::take(&mut self.services) {
            if engine
                .block_on(engine.client.delete_service(&service))
                .is_ok()
            {
                let _ = self.wait_until_service_gone(&service);
            }
        }
        engine.block_on(async {
            for id in self.containers.keys() {
                let _ = engine
                    .client
                    .remove_container(
                        id,
                        Some(RemoveContainerOptions {
                            force: true,
                            v: true,
                            ..Default::default()
                        }),
                    )
                    .await;
            }
            for volume in &self.volumes {
                let _ = engine
                    .client
                    .remove_volume(volume, None::<RemoveVolumeOptions>)
                    .await;
            }
            for image in &self.images {
                let _ = engine
                    .client
                    .remove_image(image, None::<RemoveImageOptions>, None)
                    .await;
            }
        });
        // Swarm networks can stay in use for a moment after their service goes.
        let deadline = Instant::now() + SETTLE;
        for id in self.networks.values() {
            while let Err(err) = engine.block_on(engine.client.remove_network(id)) {
                let gone = matches!(
                    err,
                    BollardError::DockerResponseServerError {
                        status_code: 404,
                        ..
                    }
                );
                if gone || Instant::now() > deadline {
                    break;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    }
}

/// Container prune or network prune.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `POST /containers/prune`.
    Containers,
    /// `POST /networks/prune`.
    Networks,
}

impl Kind {
    fn event_type(self) -> &'static str {
        match self {
            Kind::Containers => "container",
            Kind::Networks => "network",
        }
    }
}

/// A scenario: its two sides, removed when it ends.
pub struct Scenario<'e> {
    engine: &'e Engine,
    /// The side pruned by dockerd.
    pub docker: Side<'e>,
    /// The side pruned by pruner.
    pub pruner: Side<'e>,
}

impl<'e> Scenario<'e> {
    pub(super) fn new(engine: &'e Engine, id: &'static str) -> Scenario<'e> {
        Scenario {
            engine,
            docker: Side::new(engine, id, Which::Docker),
            pruner: Side::new(engine, id, Which::Pruner),
        }
    }

    /// Sets up the same objects on both sides: `setup` runs for dockerd's side, then for
    /// pruner's.
    pub fn each(&mut self, mut setup: impl FnMut(&mut Side<'e>)) {
        setup(&mut self.docker);
        setup(&mut self.pruner);
    }

    /// Container prune with `request` on both sides: dockerd's, then pruner's.
    pub fn containers(&mut self, request: &Request) -> Differential {
        self.prune(Kind::Containers, |side| request.for_side(side))
    }

    /// Network prune with `request` on both sides: dockerd's, then pruner's.
    pub fn networks(&mut self, request: &Request) -> Differential {
        self.prune(Kind::Networks, |side| request.for_side(side))
    }

    /// Container prune where each side's request depends on its own objects.
    pub fn containers_with(&mut self, request: impl Fn(&Side<'e>) -> Request) -> Differential {
        self.prune(Kind::Containers, |side| request(side).for_side(side))
    }

    /// For prunes that cannot be scoped (no filters at all): sets up dockerd's side and prunes
    /// it with `request`, then sets up pruner's side and prunes it, so that neither prune sees
    /// the other side's objects before they are judged.
    pub fn in_turn(
        &mut self,
        kind: Kind,
        request: &Request,
        mut setup: impl FnMut(&mut Side<'e>),
    ) -> Differential {
        let engine = self.engine;
        setup(&mut self.docker);
        let docker_filters = request.for_side(&self.docker);
        let since = chrono::Utc::now();
        let docker = docker_prune(engine, kind, &docker_filters, &self.docker);
        let docker_events = docker_events(engine, kind, since);
        setup(&mut self.pruner);
        let pruner_filters = request.for_side(&self.pruner);
        let pruner = pruner_prune(engine, kind, &pruner_filters, &self.pruner);
        Differential {
            request: docker_filters,
            docker,
            pruner,
            docker_events,
            pruner_events: summarise(engine.events.take()),
            legacy_20_10: engine.is_20_10(),
        }
    }

    fn prune(&mut self, kind: Kind, filters: impl Fn(&Side<'e>) -> String) -> Differential {
        let docker_filters = filters(&self.docker);
        let since = chrono::Utc::now();
        let docker = docker_prune(self.engine, kind, &docker_filters, &self.docker);
        let docker_events = docker_events(self.engine, kind, since);
        let pruner_filters = filters(&self.pruner);
        let pruner = pruner_prune(self.engine, kind, &pruner_filters, &self.pruner);
        let pruner_events = summarise(self.engine.events.take());
        Differential {
            request: docker_filters,
            docker,
            pruner,
            docker_events,
            pruner_events,
            legacy_20_10: self.engine.is_20_10(),
        }
    }

    /// Runs a container prune on each side and, while it runs, a network prune: dockerd's pair
    /// first, then pruner's. Returns the container prunes' differential and the network
    /// prunes' outcomes (dockerd's, pruner's).
    pub fn concurrent(&mut self) -> (Differential, Outcome, Outcome) {
        let engine = self.engine;
        let docker_filters = Request::flags(&[]).for_side(&self.docker);
        let since = chrono::Utc::now();
        let (docker, docker_second) = engine.block_on(async {
            let client = engine.client.clone();
            let filters = docker_filters.clone();
            let first =
                tokio::spawn(async move { scoped(&client, &filters).prune_containers(None).await });
            // Once the container prune has removed a first container it holds dockerd's prune
            // flag: a network prune (scoped to nothing) then meets it.
            let scope = HashMap::from([("label".to_string(), vec![self.docker.scope_filter()])]);
            let total = self.docker.containers.len();
            let mut second = None;
            while !first.is_finished() {
                let left = engine
                    .client
                    .list_containers(Some(ListContainersOptions {
                        all: true,
                        filters: Some(scope.clone()),
                        ..Default::default()
                    }))
                    .await
                    .map_or(total, |containers| containers.len());
                if left < total {
                    let nothing = format!(r#"{{"label":{{"{SCOPE_LABEL}=nothing":true}}}}"#);
                    let outcome = scoped(&engine.client, &nothing).prune_networks(None).await;
                    second = Some(outcome.map_or_else(refused, |_| Outcome::Networks {
                        deleted: Vec::new(),
                    }));
                    break;
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            let first = first.await.expect("the container prune task");
            (first, second)
        });
        let docker = match docker {
            Ok(report) => Outcome::Containers {
                deleted: report
                    .containers_deleted
                    .unwrap_or_default()
                    .iter()
                    .map(|id| self.docker.container_short(id))
                    .collect(),
                space: report.space_reclaimed.unwrap_or(0) as u64,
            },
            Err(err) => refused(err),
        };
        let docker_events = docker_events(engine, Kind::Containers, since);

        let filters =
            Filters::from_json(&Request::flags(&[]).for_side(&self.pruner)).expect("valid filters");
        let nothing =
            Filters::from_json(&format!(r#"{{"label":{{"{SCOPE_LABEL}=nothing":true}}}}"#))
                .expect("valid filters");
        let backends = engine.daemon.backends(engine.events.clone());
        let (pruner, pruner_second) = std::thread::scope(|threads| {
            let first = threads.spawn(|| {
                engine
                    .pruner
                    .prune_containers(&backends, &filters, &Cancellation::default())
            });
            let mut second = None;
            while !first.is_finished() {
                if engine.pruner.guard().is_held() {
                    let outcome =
                        engine
                            .pruner
                            .prune_networks(&backends, &nothing, &Cancellation::default());
                    second = Some(outcome.map_or_else(pruner_refused, |_| Outcome::Networks {
                        deleted: Vec::new(),
                    }));
                    break;
                }
                std::thread::yield_now();
            }
            (first.join().expect("the container prune thread"), second)
        });
        let pruner = match pruner {
            Ok(report) => Outcome::Containers {
                deleted: report
                    .containers_deleted
                    .iter()
                    .map(|id| self.pruner.container_short(id))
                    .collect(),
                space: report.space_reclaimed,
            },
            Err(err) => pruner_refused(err),
        };
        let pruner_events = summarise(engine.events.take());
        let none = || Outcome::NoResponse("no overlap: the second prune never ran".to_string());
        (
            Differential {
                request: docker_filters,
                docker,
                pruner,
                docker_events,
                pruner_events,
                legacy_20_10: engine.is_20_10(),
            },
            docker_second.unwrap_or_else(none),
            pruner_second.unwrap_or_else(none),
        )
    }
}

impl Drop for Scenario<'_> {
    fn drop(&mut self) {
        self.docker.clean_up();
        self.pruner.clean_up();
    }
}

/// The harness's client sending `filters` verbatim as the `filters` query parameter (bollard's
/// typed options would re-encode it).
fn scoped(client: &bollard::Docker, filters: &str) -> bollard::Docker {
    let query = (!filters.is_empty()).then(|| format!("filters={}", percent_encode(filters)));
    client.clone().with_request_modifier(move |mut request| {
        if let Some(query) = &query {
            let uri = request.uri().to_string();
            let path = uri.split('?').next().unwrap_or(&uri);
            *request.uri_mut() = format!("{path}?{query}")
                .parse()
                .expect("a valid request URI");
        }
        request
    })
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// dockerd's own prune of `side` with `filters`.
fn docker_prune(engine: &Engine, kind: Kind, filters: &str, side: &Side<'_>) -> Outcome {
    let client = scoped(&engine.client, filters);
    match kind {
        Kind::Containers => match engine.block_on(client.prune_containers(None)) {
            Ok(report) => Outcome::Containers {
                deleted: report
                    .containers_deleted
                    .unwrap_or_default()
                    .iter()
                    .map(|id| side.container_short(id))
                    .collect(),
                space: report.space_reclaimed.unwrap_or(0) as u64,
            },
            Err(err) => refused(err),
        },
        Kind::Networks => match engine.block_on(client.prune_networks(None)) {
            Ok(report) => Outcome::Networks {
                deleted: sorted(
                    report
                        .networks_deleted
                        .unwrap_or_default()
                        .iter()
                        .map(|name| side.network_short(name)),
                ),
            },
            Err(err) => refused(err),
        },
    }
}

/// pruner's prune of `side` with `filters`, decoded as the Engine API decodes its parameter.
fn pruner_prune(engine: &Engine, kind: Kind, filters: &str, side: &Side<'_>) -> Outcome {
    let filters = match Filters::from_json(filters) {
        Ok(filters) => filters,
        Err(err) => {
            return Outcome::Refused {
                status: 400,
                message: err.to_string(),
            };
        }
    };
    let backends = engine.daemon.backends(engine.events.clone());
    let cancel = Cancellation::default();
    match kind {
        Kind::Containers => match engine.pruner.prune_containers(&backends, &filters, &cancel) {
            Ok(report) => Outcome::Containers {
                deleted: report
                    .containers_deleted
                    .iter()
                    .map(|id| side.container_short(id))
                    .collect(),
                space: report.space_reclaimed,
            },
            Err(err) => pruner_refused(err),
        },
        Kind::Networks => match engine.pruner.prune_networks(&backends, &filters, &cancel) {
            Ok(report) => Outcome::Networks {
                deleted: sorted(
                    report
                        .networks_deleted
                        .iter()
                        .map(|name| side.network_short(name)),
                ),
            },
            Err(err) => pruner_refused(err),
        },
    }
}

fn sorted(names: impl Iterator<Item = String>) -> Vec<String> {
    let mut names: Vec<String> = names.collect();
    names.sort();
    names
}

/// dockerd's error as the outcome: the status and message it answered, or no answer at all.
fn refused(err: BollardError) -> Outcome {
    match err {
        BollardError::DockerResponseServerError {
            status_code,
            message,
        } => Outcome::Refused {
            status: status_code,
            message,
        },
        other => Outcome::NoResponse(other.to_string()),
    }
}

/// pruner's error as the Engine API would answer it.
fn pruner_refused(err: PruneError) -> Outcome {
    Outcome::Refused {
        status: err.status_code(),
        message: err.to_string(),
    }
}

/// The `prune` events of `kind` dockerd logged since `since`.
fn docker_events(
    engine: &Engine,
    kind: Kind,
    since: chrono::DateTime<chrono::Utc>,
) -> Vec<EventSummary> {
    let until = chrono::Utc::now();
    let stamp = |time: chrono::DateTime<chrono::Utc>| {
        format!("{}.{:09}", time.timestamp(), time.timestamp_subsec_nanos())
    };
    let options = EventsOptions {
        since: Some(stamp(since)),
        until: Some(stamp(until)),
        filters: Some(HashMap::from([
            ("type".to_string(), vec![kind.event_type().to_string()]),
            ("event".to_string(), vec!["prune".to_string()]),
        ])),
    };
    let events: Vec<Result<EventMessage, BollardError>> =
        engine.block_on(engine.client.events(Some(options)).collect());
    events
        .into_iter()
        .map(|event| {
            let event = event.expect("read dockerd's events");
            let actor = event.actor.unwrap_or_default();
            (
                event.typ.map(|typ| typ.to_string()).unwrap_or_default(),
                event.action.unwrap_or_default(),
                actor.id.unwrap_or_default(),
                actor
                    .attributes
                    .unwrap_or_default()
                    .get("reclaimed")
                    .cloned(),
            )
        })
        .collect()
}

/// pruner's `prune` events as `(Type, Action, Actor.ID, reclaimed)`.
fn summarise(events: Vec<PrunerEvent>) -> Vec<EventSummary> {
    events
        .into_iter()
        .filter(|event| event.action == "prune")
        .map(|event| {
            let reclaimed = event.actor.attributes.get("reclaimed").cloned();
            (event.kind, event.action, event.actor.id, reclaimed)
        })
        .collect()
}

//! `docker container prune -f` against `pruner container prune -f` on a real Docker Engine
//! (`$DOCKER_HOST`): N stopped containers are created, pruned by the docker CLI, created again
//! and pruned by pruner's CLI, in the same run; prints both times and the ratio.
//!
//! `cargo bench -p pruner --bench docker_prune`. Settings (environment): `PRUNER_BENCH_CONTAINERS`
//! (300), `PRUNER_BENCH_ROUNDS` (1; rounds alternate which CLI goes first), `PRUNER_BENCH_STATE`
//! (`exited`, or `created` for containers never started), `PRUNER_BENCH_DOCKER` (the docker CLI,
//! `docker`), `PRUNER_TEST_IMAGE` (`busybox:latest`). Both prunes are scoped by a label of the
//! bench's own, so nothing else on the engine is touched.

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::ListContainersOptions;
use pruner_docker::{DockerDaemon, EngineHost};
use pruner_runtime::backend::ContainerStore;
use tokio::task::JoinSet;

/// Engine API calls in flight at once while setting up.
const SETUP_CONCURRENCY: usize = 8;

fn setting<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let host = EngineHost::from_env();
    let count: usize = setting("PRUNER_BENCH_CONTAINERS", 300);
    let rounds: usize = setting("PRUNER_BENCH_ROUNDS", 1);
    let started = setting("PRUNER_BENCH_STATE", "exited".to_string()) != "created";
    let docker_cli = setting("PRUNER_BENCH_DOCKER", "docker".to_string());
    let image = setting("PRUNER_TEST_IMAGE", "busybox:latest".to_string());
    let pruner_cli = env!("CARGO_BIN_EXE_pruner");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let client = match runtime.block_on(async {
        Docker::connect_with_host(host.url())?
            .negotiate_version()
            .await
    }) {
        Ok(client) => client,
        Err(err) => {
            eprintln!(
                "no Docker Engine at {host} ({err}): start one (see .ci/run) and set DOCKER_HOST"
            );
            return;
        }
    };
    let version = runtime
        .block_on(client.version())
        .ok()
        .and_then(|version| version.version)
        .unwrap_or_default();
    let nonce = std::process::id();
    println!(
        "engine {host} (dockerd {version}), {count} {} containers per prune, {rounds} round(s)",
        if started { "exited" } else { "created" }
    );

    let mut docker_total = Duration::ZERO;
    let mut pruner_total = Duration::ZERO;
    for round in 0..rounds {
        let order = if round % 2 == 0 {
            ["docker", "pruner"]
        } else {
            ["pruner", "docker"]
        };
        for who in order {
            let label = format!("pruner-bench={nonce}-{round}-{who}");
            runtime.block_on(create(&client, &image, &label, count, started));
            let program = match who {
                "docker" => docker_cli.as_str(),
                _ => pruner_cli,
            };
            if who == "pruner" && round == 0 {
                list_costs(&host, count);
            }
            let elapsed = prune(program, &host, &label, count);
            println!("  round {round}: {who:6} container prune -f  {elapsed:>9.3?}");
            match who {
                "docker" => docker_total += elapsed,
                _ => pruner_total += elapsed,
            }
        }
    }
    println!("docker container prune -f: {docker_total:.3?} in all");
    println!("pruner container prune -f: {pruner_total:.3?} in all");
    println!(
        "ratio pruner / docker: {:.3}x",
        pruner_total.as_secs_f64() / docker_total.as_secs_f64()
    );
}

/// Creates `count` containers labelled `label`, started and exited when `started`.
async fn create(client: &Docker, image: &str, label: &str, count: usize, started: bool) {
    let (key, value) = label.split_once('=').expect("key=value");
    let mut pending = 0..count;
    let mut tasks = JoinSet::new();
    let spawn = |tasks: &mut JoinSet<_>| {
        let client = client.clone();
        let body = ContainerCreateBody {
            image: Some(image.to_string()),
            cmd: Some(vec!["true".to_string()]),
            labels: Some(HashMap::from([(key.to_string(), value.to_string())])),
            host_config: Some(HostConfig {
                network_mode: Some("none".to_string()),
                ..Default::default()
            }),
            ..Default::default()
        };
        tasks.spawn(async move {
            let id = client
                .create_container(
                    None::<bollard::query_parameters::CreateContainerOptions>,
                    body,
                )
                .await
                .expect("create a container")
                .id;
            if started {
                client
                    .start_container(
                        &id,
                        None::<bollard::query_parameters::StartContainerOptions>,
                    )
                    .await
                    .expect("start a container");
            }
        });
    };
    for _ in pending.by_ref().take(SETUP_CONCURRENCY) {
        spawn(&mut tasks);
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("a setup task");
        if pending.next().is_some() {
            spawn(&mut tasks);
        }
    }
    // Wait until every container has stopped.
    let filters = HashMap::from([
        ("label".to_string(), vec![label.to_string()]),
        ("status".to_string(), vec!["running".to_string()]),
    ]);
    while !client
        .list_containers(Some(ListContainersOptions {
            all: true,
            filters: Some(filters.clone()),
            ..Default::default()
        }))
        .await
        .expect("list containers")
        .is_empty()
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs `program container prune -f --filter label=…` against `host` (as `$DOCKER_HOST`, which
/// both CLIs read) and times it; checks that it removed `count` containers.
fn prune(program: &str, host: &EngineHost, label: &str, count: usize) -> Duration {
    let start = Instant::now();
    let output = Command::new(program)
        .env("DOCKER_HOST", host.url())
        .args(["container", "prune", "-f", "--filter"])
        .arg(format!("label={label}"))
        .output()
        .unwrap_or_else(|err| panic!("cannot run {program}: {err}"));
    let elapsed = start.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let removed = stdout
        .lines()
        .filter(|line| line.len() == 64 && line.bytes().all(|b| b.is_ascii_hexdigit()))
        .count();
    assert_eq!(removed, count, "{program} removed {removed}:\n{stdout}");
    elapsed
}

/// What completing the list with an inspect per stopped container costs, against the list
/// alone (the Docker backend's choice for `until` precision).
fn list_costs(host: &EngineHost, count: usize) {
    let daemon = DockerDaemon::connect(host).expect("connect pruner's backend");
    let client = daemon.client().clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let start = Instant::now();
    let listed = runtime
        .block_on(client.list_containers(Some(ListContainersOptions {
            all: true,
            ..Default::default()
        })))
        .expect("list containers")
        .len();
    let list_only = start.elapsed();
    drop(runtime);
    let start = Instant::now();
    let completed = ContainerStore::list(&daemon)
        .expect("list through the backend")
        .len();
    let with_inspects = start.elapsed();
    println!(
        "  list of {listed} containers ({count} stopped): GET /containers/json {list_only:.3?}, \
         with an inspect per stopped one {with_inspects:.3?} ({completed} listed)"
    );
}

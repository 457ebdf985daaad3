//! `docker container prune -f` against `pruner container prune -f` on a real Docker Engine
//! (`$DOCKER_HOST`): before each prune, N stopped containers are created (untimed) under a
//! label of the run's own; each prune is scoped to that label, so nothing else on the engine
//! is touched. The two CLIs alternate, as every comparison of the benchmark does, and every
//! prune must remove exactly its N containers and report the same reclaimed space as the other
//! CLI's, which is not zero: each started container writes a file before it exits.
//!
//! `just bench` runs it only on an engine of its own (`PRUNER_DOCKER_DISPOSABLE=1`, as `.ci/run`
//! sets for the dockerd it starts), as it creates and removes thousands of containers;
//! `pruner-bench engine` (`just bench-engine`) runs it alone on whatever `$DOCKER_HOST` is.
//! Settings (environment): `PRUNER_BENCH_CONTAINERS` (300), `PRUNER_BENCH_ROUNDS` (5 samples of
//! each CLI, after one warm-up of each), `PRUNER_BENCH_STATE` (`exited`, or `created` for
//! containers never started), `PRUNER_BENCH_DOCKER` (the docker CLI, `docker`),
//! `PRUNER_TEST_IMAGE` (`busybox:latest`).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::ListContainersOptions;
use pruner_docker::{DockerDaemon, EngineHost};
use pruner_runtime::backend::ContainerStore;
use tokio::task::JoinSet;

use crate::cold_start;
use crate::measure::{self, Comparison};

/// The argument that runs the real engine's row alone, on any engine.
pub const ENGINE_ONLY: &str = "engine";

/// Engine API calls in flight at once while setting up.
const SETUP_CONCURRENCY: usize = 8;

/// The real engine's comparison.
pub struct EngineRun {
    /// The engine: its address and dockerd's version.
    pub engine: String,
    /// Containers per prune.
    pub count: usize,
    /// Whether they were started and exited, or only created.
    pub started: bool,
    /// `docker container prune -f` (native column) against `pruner container prune -f`
    /// (component column).
    pub comparison: Comparison,
}

/// Whether `just bench` may create containers on the engine: only one of the run's own
/// (`PRUNER_DOCKER_DISPOSABLE=1`); otherwise why not.
pub fn disposable() -> Result<(), String> {
    if std::env::var("PRUNER_DOCKER_DISPOSABLE").is_ok_and(|value| value == "1") {
        Ok(())
    } else {
        Err(
            "no engine of this run's own (PRUNER_DOCKER_DISPOSABLE=1): run `just bench` with \
             a disposable dockerd, as `.ci/run` starts one, or `just bench-engine` on any"
                .to_string(),
        )
    }
}

/// Whether a missing engine fails the run (`$CI`, `PRUNER_REQUIRE_DOCKER=1`), as in the tests.
pub fn required() -> bool {
    std::env::var_os("CI").is_some_and(|value| !value.is_empty())
        || std::env::var("PRUNER_REQUIRE_DOCKER").is_ok_and(|value| value == "1")
}

fn setting<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// Runs the comparison on the engine at `$DOCKER_HOST`. An unreachable engine is an error.
pub fn measure() -> anyhow::Result<EngineRun> {
    let host = EngineHost::from_env();
    let count: usize = setting("PRUNER_BENCH_CONTAINERS", 300);
    let samples: usize = setting("PRUNER_BENCH_ROUNDS", 5);
    let started = setting("PRUNER_BENCH_STATE", "exited".to_string()) != "created";
    let docker_cli = setting("PRUNER_BENCH_DOCKER", "docker".to_string());
    let image = setting("PRUNER_TEST_IMAGE", "busybox:latest".to_string());
    let pruner_cli = cold_start::pruner_binary()?;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = runtime
        .block_on(async {
            Docker::connect_with_host(host.url())?
                .negotiate_version()
                .await
        })
        .with_context(|| format!("no Docker Engine at {host}"))?;
    let version = runtime
        .block_on(client.version())
        .ok()
        .and_then(|version| version.version)
        .unwrap_or_default();
    let nonce = std::process::id();
    eprintln!(
        "engine {host} (dockerd {version}), {count} {} containers per prune",
        if started { "exited" } else { "created" }
    );

    let next = Cell::new(0);
    let listed = Cell::new(false);
    let totals = RefCell::new(Vec::new());
    let side = |who: &str, program: &Path| {
        let round = next.replace(next.get() + 1);
        let label = format!("pruner-bench={nonce}-{round}-{who}");
        runtime.block_on(create(&client, &image, &label, count, started));
        if who == "pruner" && !listed.replace(true) {
            list_costs(&host, count);
        }
        let (elapsed, total) = prune(program, &host, &label, count).expect("the prune succeeds");
        eprintln!("  {who:6} container prune -f  {elapsed:>9.3?}  {total}");
        totals.borrow_mut().push((who.to_string(), total));
        elapsed
    };
    let comparison = measure::compare(
        samples,
        || side("docker", Path::new(&docker_cli)),
        || side("pruner", &pruner_cli),
    );
    let totals = totals.into_inner();
    ensure!(
        totals.iter().all(|(_, total)| *total == totals[0].1),
        "the two CLIs reported different reclaimed space for the same containers: {totals:?}"
    );
    ensure!(
        !started || totals.iter().all(|(_, total)| !total.ends_with(" 0B")),
        "a prune of containers that wrote a file reported no reclaimed space: {totals:?}"
    );
    Ok(EngineRun {
        engine: format!("dockerd {version}"),
        count,
        started,
        comparison,
    })
}

/// The row alone (`pruner-bench engine`), printed as the benchmark's other rows are.
pub fn print_alone() -> anyhow::Result<()> {
    let run = measure()?;
    let c = run.comparison;
    println!(
        "{} {} containers per prune on {}: docker {:.3?}, pruner {:.3?} (medians); \
         pruner / docker {:.2}× (median of adjacent runs)",
        run.count,
        if run.started { "exited" } else { "created" },
        run.engine,
        c.native,
        c.component,
        c.ratio
    );
    Ok(())
}

/// What each container runs: it writes a file of 7 bytes into its layer and exits.
const WRITES_A_FILE: [&str; 3] = ["sh", "-c", "echo pruned > /pruned"];

/// Creates `count` containers labelled `label`, started and exited when `started`.
async fn create(client: &Docker, image: &str, label: &str, count: usize, started: bool) {
    let (key, value) = label.split_once('=').expect("key=value");
    let mut pending = 0..count;
    let mut tasks = JoinSet::new();
    let spawn = |tasks: &mut JoinSet<_>| {
        let client = client.clone();
        let body = ContainerCreateBody {
            image: Some(image.to_string()),
            // A file in each one's layer, so that the reclaimed space the two CLIs must agree
            // on is not zero.
            cmd: Some(WRITES_A_FILE.iter().map(|arg| arg.to_string()).collect()),
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
/// both CLIs read) and times it; checks that it removed `count` containers, and returns its
/// time and its `Total reclaimed space` line.
fn prune(
    program: &Path,
    host: &EngineHost,
    label: &str,
    count: usize,
) -> anyhow::Result<(Duration, String)> {
    let start = Instant::now();
    let output = Command::new(program)
        .env("DOCKER_HOST", host.url())
        .args(["container", "prune", "-f", "--filter"])
        .arg(format!("label={label}"))
        .output()
        .with_context(|| format!("cannot run {}", program.display()))?;
    let elapsed = start.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    ensure!(
        output.status.success(),
        "{} failed: {}",
        program.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let removed = stdout
        .lines()
        .filter(|line| line.len() == 64 && line.bytes().all(|b| b.is_ascii_hexdigit()))
        .count();
    ensure!(
        removed == count,
        "{} removed {removed} of {count}:\n{stdout}",
        program.display()
    );
    let total = stdout
        .lines()
        .find(|line| line.starts_with("Total reclaimed space"))
        .with_context(|| format!("{} printed no total:\n{stdout}", program.display()))?;
    Ok((elapsed, total.to_string()))
}

/// What completing the list with an inspect per stopped container costs, against the list
/// alone (the Docker backend's choice for `until` precision), printed to stderr.
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
    eprintln!(
        "  list of {listed} containers ({count} stopped): GET /containers/json {list_only:.3?}, \
         with an inspect per stopped one {with_inspects:.3?} ({completed} listed)"
    );
}

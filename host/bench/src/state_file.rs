//! A state-file prune as a user runs it: a new `pruner container prune -f --state FILE` process,
//! from the spawn to its exit, against the floor of this design, a process that reads the
//! same file with the same JSON library and rewrites it once, as a prune that removes nothing
//! would (`pruner-bench floor FILE`: the file locked, read, indexed and saved atomically, as the
//! CLI does). The file holds the benchmarks' containers, written once per count, and is copied
//! afresh, untimed, before every run. Each prune's removals are checked against the native
//! rules' on the same containers before anything is timed.
//!
//! At one count the native CLI is also timed against the same prune under the plain `wasmtime`
//! CLI: `wasmtime run` of the composed command `pruner-cli.wasm` (front end, prune component
//! and state-file backend), its machine code from a cache of the run's own, compiled ahead of
//! the runs as the native CLI's is. Both must print the same and leave the same containers.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, ensure};
use chrono::DateTime;
use pruner_components::CLI_COMPONENT_PATH;
use pruner_runtime::Cancellation;
use pruner_runtime::bindings::Container;
use pruner_state::file::LockedFile;
use pruner_state::{ContainerRecord, ContainerState, IndexedState, State};

use crate::measure::{self, Comparison};
use crate::{cold_start, native, prune, workload};

/// The child mode that reads and rewrites a state file: the floor.
pub const FLOOR: &str = "--floor";

/// A comparison, and what each prune removed.
pub struct StateFileRun {
    /// The containers each prune removed.
    pub removed: usize,
    /// The floor (native column) against the CLI's prune (component column).
    pub comparison: Comparison,
}

/// The composed command under `wasmtime run`, or why it cannot be run.
pub enum Wasmtime {
    /// The `wasmtime` CLI at this path.
    At(PathBuf),
    /// Not measured, for this reason.
    Missing(String),
}

impl Wasmtime {
    /// The `wasmtime` CLI on PATH; without it, why not, or an error when
    /// `PRUNER_REQUIRE_WASMTIME=1` (CI's variable) requires it.
    pub fn find() -> anyhow::Result<Wasmtime> {
        let found = std::env::var_os("PATH").and_then(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join("wasmtime"))
                .find(|candidate| candidate.is_file())
        });
        if let Some(found) = found {
            return Ok(Wasmtime::At(found));
        }
        let why = "`wasmtime` is not on PATH: install it with \
                   `cargo install --locked wasmtime-cli --version 48.0.8`";
        ensure!(
            std::env::var("PRUNER_REQUIRE_WASMTIME").as_deref() != Ok("1"),
            "{why} (PRUNER_REQUIRE_WASMTIME=1 requires it)"
        );
        Ok(Wasmtime::Missing(why.to_string()))
    }
}

/// The CLI's prune of a file of `count` containers against the floor, `samples` runs of each
/// side, in a scratch directory removed afterwards.
pub fn measure(count: usize, samples: usize) -> anyhow::Result<StateFileRun> {
    let pruner = cold_start::pruner_binary()?;
    let this = std::env::current_exe()?;
    let fixture = Fixture::new(count)?;
    let run = fixture.against_floor(&pruner, &this, samples);
    fixture.remove()?;
    run
}

/// The native CLI's prune of a file of `count` containers (native column) against the same
/// prune by `wasmtime run` of `pruner-cli.wasm` (component column), `samples` runs of each.
pub fn under_wasmtime(
    count: usize,
    samples: usize,
    wasmtime: &Path,
) -> anyhow::Result<StateFileRun> {
    let pruner = cold_start::pruner_binary()?;
    let fixture = Fixture::new(count)?;
    let run = fixture.against_wasmtime(&pruner, wasmtime, samples);
    fixture.remove()?;
    run
}

/// A state file of the benchmarks' containers in a scratch directory, and a working copy.
struct Fixture {
    scratch: PathBuf,
    base: PathBuf,
    work: PathBuf,
    /// The native CLI's component cache.
    cache: PathBuf,
    count: usize,
    /// How many of them the native rules remove.
    expected: usize,
}

impl Fixture {
    /// The file of `count` containers.
    fn new(count: usize) -> anyhow::Result<Fixture> {
        let scratch =
            std::env::temp_dir().join(format!("pruner-bench-state-{}", std::process::id()));
        fs::create_dir_all(&scratch)?;
        let (containers, expected) = containers(count);
        let base = scratch.join(format!("base-{count}.json"));
        let file = fs::File::create(&base)?;
        serde_json::to_writer(
            std::io::BufWriter::new(file),
            &State::<ContainerState> {
                containers,
                ..State::default()
            },
        )?;
        Ok(Fixture {
            work: scratch.join("work.json"),
            cache: scratch.join("cache"),
            scratch,
            base,
            count,
            expected,
        })
    }

    /// Removes the scratch directory.
    fn remove(self) -> anyhow::Result<()> {
        Ok(fs::remove_dir_all(&self.scratch)?)
    }

    /// The time of `run` on a fresh copy of the file (copied untimed).
    fn time(&self, run: impl FnOnce(&Path) -> anyhow::Result<String>) -> Duration {
        fs::copy(&self.base, &self.work).expect("copy the state file");
        measure::time(|| run(&self.work).expect("the run succeeds")).0
    }

    /// The IDs of the containers left in the working copy.
    fn left(&self) -> anyhow::Result<Vec<String>> {
        Ok(pruner_state::file::read::<ContainerState>(&self.work)?
            .containers
            .into_iter()
            .map(|container| container.id)
            .collect())
    }

    /// The native CLI against `wasmtime run` of the composed command.
    fn against_wasmtime(
        &self,
        pruner: &Path,
        wasmtime: &Path,
        samples: usize,
    ) -> anyhow::Result<StateFileRun> {
        let (count, expected) = (self.count, self.expected);
        let config = self.scratch.join("wasmtime-cache.toml");
        fs::write(
            &config,
            format!(
                "[cache]\ndirectory = {:?}\n",
                self.scratch.join("wasmtime-cache")
            ),
        )?;
        let wasm = |work: &Path| run_wasmtime(wasmtime, &config, &self.scratch, work);
        let native = |work: &Path| run_prune(pruner, work, &self.cache);

        // Both print the same removals and leave the same containers, those the native rules
        // keep; this also compiles each side's cache.
        fs::copy(&self.base, &self.work)?;
        let printed = native(&self.work)?;
        let left = self.left()?;
        ensure!(
            left.len() == count - expected,
            "the CLI left {} of {count} containers; the native rules remove {expected}",
            left.len()
        );
        fs::copy(&self.base, &self.work)?;
        ensure!(
            wasm(&self.work)? == printed,
            "`wasmtime run` of pruner-cli.wasm printed other removals than the native CLI"
        );
        ensure!(
            self.left()? == left,
            "`wasmtime run` of pruner-cli.wasm left other containers than the native CLI"
        );

        let comparison = measure::compare(samples, || self.time(native), || self.time(wasm));
        Ok(StateFileRun {
            removed: expected,
            comparison,
        })
    }

    /// The CLI's prune against the floor.
    fn against_floor(
        &self,
        pruner: &Path,
        this: &Path,
        samples: usize,
    ) -> anyhow::Result<StateFileRun> {
        let (count, expected, work, cache) = (self.count, self.expected, &self.work, &self.cache);

        // The prune removes what the native rules remove, and the floor keeps everything.
        fs::copy(&self.base, work)?;
        run_prune(pruner, work, cache)?;
        let left = self.left()?.len();
        ensure!(
            left == count - expected,
            "the CLI left {left} of {count} containers; the native rules remove {expected}"
        );
        fs::copy(&self.base, work)?;
        run_floor(this, work)?;
        let kept = self.left()?.len();
        ensure!(
            kept == count,
            "the floor left {kept} of {count} containers; it must keep them all"
        );

        let comparison = measure::compare(
            samples,
            || self.time(|work| run_floor(this, work)),
            || self.time(|work| run_prune(pruner, work, cache)),
        );
        Ok(StateFileRun {
            removed: expected,
            comparison,
        })
    }
}

/// The benchmarks' `count` containers as state-file records, and how many the native rules
/// remove of them with the benchmarks' filters.
fn containers(count: usize) -> (Vec<ContainerRecord>, usize) {
    let daemon = Arc::new(workload::containers(count));
    let backends = prune::backends(&daemon);
    let report =
        native::prune_containers(&backends, &workload::filters(), &Cancellation::default())
            .expect("the native container prune succeeds");
    let records = workload::container_list(count)
        .into_iter()
        .map(|(container, size)| record(container, size))
        .collect();
    (records, report.containers_deleted.len())
}

/// `container`, `size` bytes in its layer, as the state file holds it.
fn record(container: Container, size: i64) -> ContainerRecord {
    ContainerRecord {
        name: container.names.into_iter().next().unwrap_or_default(),
        created: DateTime::from_timestamp(container.created.seconds, container.created.nanoseconds)
            .expect("a valid time"),
        state: container.state.into(),
        labels: (container.labels.into_iter())
            .map(|label| (label.key, label.value))
            .collect(),
        size_rw: size,
        id: container.id,
        image: String::new(),
        finished: None,
        fail: Default::default(),
    }
}

/// `pruner container prune -f` of `state` with the benchmarks' filters, its component from
/// the cache at `cache`.
fn run_prune(pruner: &Path, state: &Path, cache: &Path) -> anyhow::Result<String> {
    let mut command = Command::new(pruner);
    command.env("PRUNER_CACHE_DIR", cache);
    prune_args(&mut command, state);
    run(command)
}

/// `wasmtime run` of `pruner-cli.wasm`: the same prune of `state`, which is in `dir`, mapped to
/// the same path inside; its machine code cached as `config` says.
fn run_wasmtime(
    wasmtime: &Path,
    config: &Path,
    dir: &Path,
    state: &Path,
) -> anyhow::Result<String> {
    let mut command = Command::new(wasmtime);
    command
        .arg("run")
        .arg("-C")
        .arg(format!("cache-config={}", config.display()))
        .arg("--dir")
        .arg(dir)
        .arg(CLI_COMPONENT_PATH);
    prune_args(&mut command, state);
    run(command)
}

/// `container prune -f` of `state` with the benchmarks' clock and filters.
fn prune_args(command: &mut Command, state: &Path) {
    command.args([
        "container",
        "prune",
        "-f",
        "--now",
        workload::NOW,
        "--state",
    ]);
    command.arg(state);
    for (key, values) in workload::filters() {
        for value in values {
            command.arg("--filter").arg(format!("{key}={value}"));
        }
    }
}

/// `pruner-bench --floor state`.
fn run_floor(this: &Path, state: &Path) -> anyhow::Result<String> {
    let mut command = Command::new(this);
    command.arg(FLOOR).arg(state);
    run(command)
}

/// Runs `command` to its end and returns what it printed; fails unless it exits 0.
fn run(mut command: Command) -> anyhow::Result<String> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("run {command:?}"))?;
    ensure!(
        output.status.success(),
        "{command:?} failed: {}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(String::from_utf8(output.stdout)?)
}

/// The floor's process: locks, reads and indexes the state file at `args[0]`, and saves it
/// back atomically, as a CLI prune that removes nothing would.
pub fn floor(args: &[String]) -> anyhow::Result<()> {
    let [path] = args else {
        anyhow::bail!("usage: pruner-bench {FLOOR} STATE_FILE");
    };
    let (file, mut state): (LockedFile, IndexedState) = LockedFile::open(Path::new(path))?;
    file.save(state.state())?;
    Ok(())
}

//! A state-file prune as a user runs it: a new `pruner container prune -f --state FILE` process,
//! from the spawn to its exit, against the floor of this design, a process that reads the
//! same file with the same JSON library and rewrites it once, as a prune that removes nothing
//! would (`pruner-bench floor FILE`: the file locked, read, indexed and saved atomically, as the
//! CLI does). The file holds the benchmarks' containers, written once per count, and is copied
//! afresh, untimed, before every run. Each prune's removals are checked against the native
//! rules' on the same containers before anything is timed.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use anyhow::{Context, ensure};
use chrono::DateTime;
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

/// The CLI's prune of a file of `count` containers against the floor, `samples` runs of each
/// side, in a scratch directory removed afterwards.
pub fn measure(count: usize, samples: usize) -> anyhow::Result<StateFileRun> {
    let pruner = cold_start::pruner_binary()?;
    let this = std::env::current_exe()?;
    let scratch = std::env::temp_dir().join(format!("pruner-bench-state-{}", std::process::id()));
    fs::create_dir_all(&scratch)?;
    let run = one_count(&pruner, &this, &scratch, count, samples);
    fs::remove_dir_all(&scratch)?;
    run
}

/// The comparison at `count` containers.
fn one_count(
    pruner: &Path,
    this: &Path,
    scratch: &Path,
    count: usize,
    samples: usize,
) -> anyhow::Result<StateFileRun> {
    let cache = &scratch.join("cache");
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
    let work = scratch.join("work.json");

    // The prune removes what the native rules remove, and the floor keeps everything.
    fs::copy(&base, &work)?;
    run_prune(pruner, &work, cache)?;
    let left = pruner_state::file::read::<ContainerState>(&work)?
        .containers
        .len();
    ensure!(
        left == count - expected,
        "the CLI left {left} of {count} containers; the native rules remove {expected}"
    );
    fs::copy(&base, &work)?;
    run_floor(this, &work)?;
    let kept = pruner_state::file::read::<ContainerState>(&work)?
        .containers
        .len();
    ensure!(
        kept == count,
        "the floor left {kept} of {count} containers; it must keep them all"
    );

    let time = |run: &dyn Fn(&Path) -> anyhow::Result<()>| {
        fs::copy(&base, &work).expect("copy the state file");
        measure::time(|| run(&work).expect("the run succeeds")).0
    };
    let comparison = measure::compare(
        samples,
        || time(&|work| run_floor(this, work)),
        || time(&|work| run_prune(pruner, work, cache)),
    );
    fs::remove_file(&base)?;
    Ok(StateFileRun {
        removed: expected,
        comparison,
    })
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
fn run_prune(pruner: &Path, state: &Path, cache: &Path) -> anyhow::Result<()> {
    let mut command = Command::new(pruner);
    command.args([
        "container",
        "prune",
        "-f",
        "--now",
        workload::NOW,
        "--state",
    ]);
    command.arg(state).env("PRUNER_CACHE_DIR", cache);
    for (key, values) in workload::filters() {
        for value in values {
            command.arg("--filter").arg(format!("{key}={value}"));
        }
    }
    run(command)
}

/// `pruner-bench --floor state`.
fn run_floor(this: &Path, state: &Path) -> anyhow::Result<()> {
    let mut command = Command::new(this);
    command.arg(FLOOR).arg(state);
    run(command)
}

/// Runs `command` to its end, its output discarded; fails unless it exits 0.
fn run(mut command: Command) -> anyhow::Result<()> {
    let status = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .with_context(|| format!("run {command:?}"))?;
    ensure!(status.success(), "{command:?} failed: {status}");
    Ok(())
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

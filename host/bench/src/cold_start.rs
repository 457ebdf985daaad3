//! CLI cold start: a new `pruner` process pruning the bundled example, timed from the spawn to
//! the first byte of its output, with the component's machine code from the on-disk cache
//! (compiled once, ahead of the runs) and with the component compiled at start-up.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};

use crate::measure;

/// The bundled example state.
const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/state.json");
/// The daemon's clock of the example (`just example`).
const EXAMPLE_NOW: &str = "2026-11-27T12:00:00Z";
/// A cache directory that cannot exist, so that every run compiles.
const NO_CACHE: &str = "/dev/null/pruner-cache";

/// Median times to first output.
pub struct ColdStart {
    /// With the compiled component in the cache.
    pub precompiled: Duration,
    /// Compiling the component at start-up.
    pub compiling: Duration,
}

/// Runs the `pruner` binary next to this one `samples` times each way, alternating.
pub fn measure(samples: usize) -> anyhow::Result<ColdStart> {
    let binary = pruner_binary()?;
    let scratch = std::env::temp_dir().join(format!("pruner-bench-{}", std::process::id()));
    fs::create_dir_all(&scratch)?;
    let cache = scratch.join("cache");
    let state = scratch.join("state.json");
    // The first run compiles the component into the cache.
    first_output(&binary, &state, &cache)?;
    let mut precompiled = Vec::with_capacity(samples);
    let mut compiling = Vec::with_capacity(samples);
    for _ in 0..samples {
        precompiled.push(first_output(&binary, &state, &cache)?);
        compiling.push(first_output(&binary, &state, Path::new(NO_CACHE))?);
    }
    fs::remove_dir_all(&scratch)?;
    Ok(ColdStart {
        precompiled: measure::median(precompiled),
        compiling: measure::median(compiling),
    })
}

/// `target/<profile>/pruner`, built beside this binary (`just bench` builds it).
pub fn pruner_binary() -> anyhow::Result<PathBuf> {
    let binary = std::env::current_exe()?
        .parent()
        .context("the benchmark binary has a directory")?
        .join("pruner");
    ensure!(
        binary.exists(),
        "{} is missing: build it with `cargo build --release -p pruner`",
        binary.display()
    );
    Ok(binary)
}

/// One `pruner container prune -f` of a fresh copy of the example at `state`, with the
/// component cache at `cache`: the time from spawning it to its first byte of output.
fn first_output(binary: &Path, state: &Path, cache: &Path) -> anyhow::Result<Duration> {
    fs::copy(EXAMPLE, state).context("copy the bundled example")?;
    let start = Instant::now();
    let mut child = Command::new(binary)
        .args(["container", "prune", "-f", "--now", EXAMPLE_NOW, "--state"])
        .arg(state)
        .env("PRUNER_CACHE_DIR", cache)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("run {}", binary.display()))?;
    let mut stdout = child.stdout.take().context("piped stdout")?;
    let mut first = [0; 1];
    ensure!(stdout.read(&mut first)? == 1, "pruner printed nothing");
    let elapsed = start.elapsed();
    stdout.read_to_end(&mut Vec::new())?;
    ensure!(child.wait()?.success(), "pruner failed on the example");
    Ok(elapsed)
}

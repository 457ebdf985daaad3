//! `pruner`: docker's `container prune` and `network prune`, decided by the prune component.
//!
//! The command line itself (flags, prompt, output, exit codes) is `pruner-cli-core`, shared
//! with the wasm front end; this binary supplies the daemon, pruned by the component in the
//! wasmtime host: the `--state` file, or else a real Docker Engine (`-H/--host`, `$DOCKER_HOST`,
//! the default socket).

mod args;
mod engine;
mod removals;
mod signals;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, FixedOffset};
use pruner::clock::{Clock, FixedClock, SystemClock};
use pruner::state_file::StateFile;
use pruner::{Backends, Cancellation, Filters, PruneComponent, Pruner};
use pruner_cli_core::args::PruneArgs;
use pruner_cli_core::{ContainerPruneReport, Daemon, Failure, Kind, NetworkPruneReport, Report};
use pruner_state::file::{self, FileError};

use args::NativeFlags;
use engine::Engine;
use removals::Removals;
use signals::Termination;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    ExitCode::from(pruner_cli_core::run(connect))
}

/// The daemon a run prunes: `--state`'s, or the Docker Engine's.
enum NativeDaemon {
    /// `--state FILE`.
    StateFile(StateFileDaemon),
    /// A Docker Engine.
    Engine(EngineDaemon),
}

impl Daemon for NativeDaemon {
    fn prune(&mut self, kind: Kind, filters: &Filters) -> Result<Report, Failure> {
        match self {
            NativeDaemon::StateFile(daemon) => daemon.prune(kind, filters),
            NativeDaemon::Engine(daemon) => daemon.prune(kind, filters),
        }
    }

    fn exit_code(&self) -> u8 {
        match self {
            NativeDaemon::StateFile(daemon) => daemon.exit_code(),
            NativeDaemon::Engine(daemon) => daemon.exit_code(),
        }
    }
}

/// Opens `--state`, or else the Docker Engine, with the daemon's clock: `--now`, or else the
/// system clock in the local zone for a state file, the engine's own for an engine.
fn connect(
    args: &PruneArgs,
    extra: &NativeFlags,
    now: Option<DateTime<FixedOffset>>,
) -> Result<NativeDaemon, Failure> {
    let Some(path) = &args.state else {
        return Ok(NativeDaemon::Engine(EngineDaemon {
            engine: Engine::new(extra.host.as_deref(), extra.events.as_deref(), now),
            plugin: extra.plugin.clone(),
            termination: None,
        }));
    };
    for (flag, given) in [
        ("-H/--host", extra.host.is_some()),
        ("--events", extra.events.is_some()),
    ] {
        if given {
            return Err(Failure::Usage(format!(
                "conflicting options: {flag} and --state"
            )));
        }
    }
    let clock: Arc<dyn Clock> = match now {
        Some(now) => Arc::new(FixedClock(now)),
        None => Arc::new(SystemClock),
    };
    file::check(path).map_err(state_failure)?;
    Ok(NativeDaemon::StateFile(StateFileDaemon {
        path: path.clone(),
        clock,
        plugin: extra.plugin.clone(),
        termination: None,
    }))
}

/// The daemon of a state file, pruned by the built-in component or `--plugin`'s. The file is
/// checked before the prompt; it is locked and read when the prune starts, as dockerd takes its
/// prune guard, and written back and unlocked when it ends.
struct StateFileDaemon {
    path: PathBuf,
    clock: Arc<dyn Clock>,
    plugin: Option<PathBuf>,
    /// The signals watched during the prune.
    termination: Option<Termination>,
}

impl Daemon for StateFileDaemon {
    fn prune(&mut self, kind: Kind, filters: &Filters) -> Result<Report, Failure> {
        // Watched from before the file is read: a signal while a large file loads cancels the
        // prune before it removes anything.
        let cancel = watch(&mut self.termination)?;
        let mut state = StateFile::load(&self.path, self.clock.clone()).map_err(state_failure)?;
        let backends = Backends::from_daemon(state.daemon()).with_clock(self.clock.clone());
        let result = prune(&backends, self.plugin.as_deref(), &cancel, kind, filters);
        // Whatever the outcome, what was removed stays removed: keep the file in step.
        state.save().map_err(state_failure)?;
        result
    }

    /// 128 + the signal's number when a signal cancelled the prune.
    fn exit_code(&self) -> u8 {
        exit_code(self.termination.as_ref())
    }
}

/// A Docker Engine, pruned by the built-in component or `--plugin`'s.
struct EngineDaemon {
    engine: Engine,
    plugin: Option<PathBuf>,
    /// The signals watched during the prune.
    termination: Option<Termination>,
}

impl Daemon for EngineDaemon {
    fn prune(&mut self, kind: Kind, filters: &Filters) -> Result<Report, Failure> {
        let backends = self.engine.backends()?;
        let cancel = watch(&mut self.termination)?;
        prune(backends, self.plugin.as_deref(), &cancel, kind, filters)
    }

    /// 128 + the signal's number when a signal cancelled the prune.
    fn exit_code(&self) -> u8 {
        exit_code(self.termination.as_ref())
    }
}

/// Watches for Ctrl-C and SIGTERM from now on (in `termination`); the cancellation they set.
fn watch(termination: &mut Option<Termination>) -> Result<Cancellation, Failure> {
    let (watched, cancel) = Termination::watch()
        .context("cannot watch for Ctrl-C")
        .map_err(Failure::Other)?;
    *termination = Some(watched);
    Ok(cancel)
}

/// One prune against `backends` by `plugin`'s component (or the built-in one), cancelled by
/// `cancel`.
fn prune(
    backends: &Backends,
    plugin: Option<&Path>,
    cancel: &Cancellation,
    kind: Kind,
    filters: &Filters,
) -> Result<Report, Failure> {
    let pruner = Pruner::new(component(plugin).map_err(Failure::Other)?);
    let (backends, removals) = Removals::noting(backends);
    let result = match kind {
        Kind::Containers => pruner
            .prune_containers(&backends, filters, cancel)
            .map(|report| {
                Report::Containers(ContainerPruneReport {
                    containers_deleted: report.containers_deleted,
                    space_reclaimed: report.space_reclaimed,
                })
            }),
        Kind::Networks => pruner
            .prune_networks(&backends, filters, cancel)
            .map(|report| {
                Report::Networks(NetworkPruneReport {
                    networks_deleted: report.networks_deleted,
                })
            }),
    };
    result.map_err(|err| removals.failure(kind, err))
}

/// A state file's error: another prune holding its lock is the daemon's conflict, as dockerd
/// answers a second prune; anything else is pruner's own.
fn state_failure(err: FileError) -> Failure {
    match err {
        FileError::Busy => Failure::Daemon(err.to_string()),
        err => Failure::Other(err.into()),
    }
}

/// 128 + the signal's number when a signal cancelled the prune, else 0.
fn exit_code(termination: Option<&Termination>) -> u8 {
    termination.and_then(Termination::exit_code).unwrap_or(0)
}

/// The prune component: `--plugin`'s, or the built-in one.
fn component(plugin: Option<&Path>) -> anyhow::Result<PruneComponent> {
    let Some(path) = plugin else {
        return PruneComponent::builtin();
    };
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read the plugin {}", path.display()))?;
    PruneComponent::from_bytes(&bytes)
        .with_context(|| format!("cannot load the plugin {}", path.display()))
}

//! `pruner`: docker's `container prune` and `network prune`, decided by the prune component.
//!
//! The command line itself (flags, help, prompt, output, exit codes) is `pruner-cli-core`,
//! shared with the wasm front end; this binary supplies the daemon, pruned by the component in
//! the wasmtime host: the `--state` file, or else a real Docker Engine (`-H/--host`,
//! `$DOCKER_HOST`, the default socket). Its own commands write completion scripts and man pages.

mod args;
mod engine;
mod logging;
mod plugin;
mod removals;
mod signals;
mod tools;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, FixedOffset};
use pruner::clock::{Clock, FixedClock, SystemClock};
use pruner::state_file::StateFile;
use pruner::{Backends, Filters, Pruner};
use pruner_cli_core::args::PruneArgs;
use pruner_cli_core::{
    Action, ContainerPruneReport, Daemon, Failure, Interrupted, Kind, NetworkPruneReport, Report,
};
use pruner_state::file::{self, FileError};

use args::{NativeFlags, Tool};
use engine::Engine;
use removals::Removals;
use signals::{PromptWatch, Termination};

fn main() -> ExitCode {
    if let Some(code) = pruner::compile_helper::serve_if_asked() {
        return code;
    }
    let invocation = match pruner_cli_core::parse::<NativeFlags, Tool>() {
        Ok(invocation) => invocation,
        Err(code) => return ExitCode::from(code),
    };
    logging::init(invocation.extra.log_level);
    ExitCode::from(match invocation.action {
        Action::Prune(kind, args) => pruner_cli_core::run(kind, &args, &invocation.extra, connect),
        Action::Tool(tool) => tools::run(tool),
    })
}

/// The daemon a run prunes, and the watch on its prompt.
struct NativeDaemon {
    daemon: Opened,
    /// Ctrl-C and SIGTERM at the prompt, watched from the prompt until the prune starts.
    prompt: Option<PromptWatch>,
}

/// `--state`'s daemon, or the Docker Engine.
enum Opened {
    /// `--state FILE`.
    StateFile(StateFileDaemon),
    /// A Docker Engine.
    Engine(EngineDaemon),
}

impl NativeDaemon {
    fn new(daemon: Opened) -> NativeDaemon {
        NativeDaemon {
            daemon,
            prompt: None,
        }
    }
}

impl Daemon for NativeDaemon {
    fn prune(&mut self, kind: Kind, filters: &Filters) -> Result<Report, Failure> {
        // The prune watches the signals from now on.
        self.prompt = None;
        match &mut self.daemon {
            Opened::StateFile(daemon) => daemon.prune(kind, filters),
            Opened::Engine(daemon) => daemon.prune(kind, filters),
        }
    }

    fn prompting(&mut self, interrupted: Interrupted) -> Result<(), Failure> {
        let watch = PromptWatch::watch(interrupted)
            .context("cannot watch for Ctrl-C")
            .map_err(Failure::Other)?;
        self.prompt = Some(watch);
        Ok(())
    }

    fn exit_code(&self) -> u8 {
        match &self.daemon {
            Opened::StateFile(daemon) => daemon.exit_code(),
            Opened::Engine(daemon) => daemon.exit_code(),
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
        return Ok(NativeDaemon::new(Opened::Engine(EngineDaemon {
            engine: Engine::new(extra.connect_options(), extra.events.as_deref(), now)?,
            plugin: extra.plugin.clone(),
            termination: None,
        })));
    };
    for (flag, given) in [
        ("-H/--host", extra.host.is_some()),
        ("--context", extra.context.is_some()),
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
    Ok(NativeDaemon::new(Opened::StateFile(StateFileDaemon {
        path: path.clone(),
        clock,
        plugin: extra.plugin.clone(),
        termination: None,
    })))
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
        let mut state = StateFile::load(&self.path, self.clock.clone()).map_err(state_failure)?;
        let backends = Backends::from_daemon(state.daemon()).with_clock(self.clock.clone());
        let result = prune(
            &backends,
            self.plugin.as_deref(),
            &mut self.termination,
            kind,
            filters,
        );
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
        prune(
            backends,
            self.plugin.as_deref(),
            &mut self.termination,
            kind,
            filters,
        )
    }

    /// 128 + the signal's number when a signal cancelled the prune.
    fn exit_code(&self) -> u8 {
        exit_code(self.termination.as_ref())
    }
}

/// One prune against `backends` by `plugin`'s component (or the built-in one), cancelled by
/// Ctrl-C or SIGTERM (watched from now on, in `termination`).
fn prune(
    backends: &Backends,
    plugin: Option<&Path>,
    termination: &mut Option<Termination>,
    kind: Kind,
    filters: &Filters,
) -> Result<Report, Failure> {
    let (watched, cancel) = Termination::watch()
        .context("cannot watch for Ctrl-C")
        .map_err(Failure::Other)?;
    *termination = Some(watched);
    let component = plugin::component(plugin, &cancel);
    if cancel.is_cancelled() {
        // A signal while loading: nothing was pruned yet, so exit at once, as the signal would.
        std::process::exit(exit_code(termination.as_ref()).into());
    }
    let pruner = Pruner::new(component.map_err(Failure::Other)?);
    let (backends, removals) = Removals::noting(backends);
    let result = match kind {
        Kind::Containers => pruner
            .prune_containers(&backends, filters, &cancel)
            .map(|report| {
                Report::Containers(ContainerPruneReport {
                    containers_deleted: report.containers_deleted,
                    space_reclaimed: report.space_reclaimed,
                })
            }),
        Kind::Networks => pruner
            .prune_networks(&backends, filters, &cancel)
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

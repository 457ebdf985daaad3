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
mod policies;
mod preview;
mod progress;
mod removals;
mod serve;
mod signals;
mod tools;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, FixedOffset};
use pruner_cli_core::args::PruneArgs;
use pruner_cli_core::{Action, Daemon, Failure, Interrupted, Kind, Report};
use pruner_runtime::clock::{Clock, FixedClock, SystemClock};
use pruner_runtime::plan::BackendIdentity;
use pruner_runtime::state_file::StateFile;
use pruner_runtime::{Backends, Cancellation, Filters, Policies, Pruner};
use pruner_state::file::{self, FileError};

use args::{NativeFlags, Tool};
use engine::Engine;
use preview::Preview;
use removals::Removals;
use signals::{PromptWatch, Termination};

fn main() -> ExitCode {
    if let Some(code) = pruner_runtime::compile_helper::serve_if_asked() {
        return code;
    }
    let invocation = match pruner_cli_core::parse::<NativeFlags, Tool>() {
        Ok(invocation) => invocation,
        Err(code) => return ExitCode::from(code),
    };
    // The endpoint logs a line per prune, at INFO; a prune run only warnings.
    let serving = matches!(invocation.action, Action::Tool(Tool::Serve(_)));
    logging::init(invocation.extra.log_level, serving);
    ExitCode::from(match invocation.action {
        Action::Prune(kind, args) => pruner_cli_core::run(kind, &args, &invocation.extra, connect),
        Action::Tool(tool) => tools::run(tool, &invocation.extra),
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
    /// `--state FILE` (boxed, as the engine's, so that neither variant weighs on the other).
    StateFile(Box<StateFileDaemon>),
    /// A Docker Engine.
    Engine(Box<EngineDaemon>),
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
    fn prepare(&mut self, kind: Kind) -> Result<(), Failure> {
        match &mut self.daemon {
            Opened::StateFile(daemon) => daemon.prepare(kind),
            Opened::Engine(daemon) => daemon.prepare(kind),
        }
    }

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

/// Loads the `--policy` chain, then opens `--state`, or else the Docker Engine, with the
/// daemon's clock: `--now`, or else the system clock in the local zone for a state file, the
/// engine's own for an engine.
fn connect(
    kind: Kind,
    args: &PruneArgs,
    extra: &NativeFlags,
    now: Option<DateTime<FixedOffset>>,
) -> Result<NativeDaemon, Failure> {
    let preview = Preview::new(args)?;
    let policies = policies::load(kind, &args.policies)?;
    let Some(path) = &args.state else {
        return Ok(NativeDaemon::new(Opened::Engine(Box::new(EngineDaemon {
            engine: Engine::new(extra.connect_options(), extra.events.as_deref(), now)?,
            plugin: extra.plugin.clone(),
            policies,
            termination: None,
            preview,
        }))));
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
    let canonical = std::fs::canonicalize(path)
        .with_context(|| format!("cannot resolve the state file {}", path.display()))
        .map_err(Failure::Other)?;
    Ok(NativeDaemon::new(Opened::StateFile(Box::new(
        StateFileDaemon {
            path: path.clone(),
            clock,
            plugin: extra.plugin.clone(),
            policies,
            termination: None,
            preview,
            identity: BackendIdentity {
                kind: "state-file".to_string(),
                id: canonical.to_string_lossy().into_owned(),
            },
        },
    ))))
}

/// The daemon of a state file, pruned by the built-in component or `--plugin`'s,
/// narrowed by the `--policy` chain. The file is
/// checked before the prompt; it is locked and read when the prune starts, as dockerd takes its
/// prune guard, and written back and unlocked when it ends.
struct StateFileDaemon {
    path: PathBuf,
    clock: Arc<dyn Clock>,
    plugin: Option<PathBuf>,
    policies: Policies,
    /// The signals watched during the prune.
    termination: Option<Termination>,
    preview: Preview,
    /// The file in plans: `state-file` and its canonical path.
    identity: BackendIdentity,
}

impl Daemon for StateFileDaemon {
    fn prepare(&mut self, kind: Kind) -> Result<(), Failure> {
        let now = self.clock.now().to_utc();
        self.preview.prepare(kind, Some(&self.identity), now)
    }

    fn prune(&mut self, kind: Kind, filters: &Filters) -> Result<Report, Failure> {
        // Watched from before the file is read: a signal while a large file loads cancels the
        // prune before it removes anything.
        let cancel = watch(&mut self.termination)?;
        let mut state = StateFile::load(&self.path, self.clock.clone()).map_err(state_failure)?;
        let backends = Backends::from_daemon(state.daemon()).with_clock(self.clock.clone());
        let result = prune(
            &backends,
            self.plugin.as_deref(),
            &cancel,
            &self.termination,
            Asked {
                kind,
                filters,
                policies: &self.policies,
                preview: &self.preview,
                identity: Some(&self.identity),
            },
        );
        // Whatever the outcome, what was removed stays removed: keep the file in step.
        state.save().map_err(state_failure)?;
        // The process ends after this prune.
        drop(backends);
        state.close_for_exit();
        result
    }

    /// 128 + the signal's number when a signal cancelled the prune.
    fn exit_code(&self) -> u8 {
        exit_code(self.termination.as_ref())
    }
}

/// A Docker Engine, pruned by the built-in component or `--plugin`'s, narrowed by the
/// `--policy` chain.
struct EngineDaemon {
    engine: Engine,
    plugin: Option<PathBuf>,
    policies: Policies,
    /// The signals watched during the prune.
    termination: Option<Termination>,
    preview: Preview,
}

impl Daemon for EngineDaemon {
    /// `--apply` connects before the prompt, to check the plan against the engine.
    fn prepare(&mut self, kind: Kind) -> Result<(), Failure> {
        if !self.preview.needs_identity() {
            return Ok(());
        }
        let identity = self.engine.identity()?.clone();
        let now = self.engine.backends()?.clock.now().to_utc();
        self.preview.prepare(kind, Some(&identity), now)
    }

    fn prune(&mut self, kind: Kind, filters: &Filters) -> Result<Report, Failure> {
        let identity = match self.preview.needs_identity() {
            true => Some(self.engine.identity()?.clone()),
            false => None,
        };
        let backends = self.engine.backends()?;
        let cancel = watch(&mut self.termination)?;
        prune(
            backends,
            self.plugin.as_deref(),
            &cancel,
            &self.termination,
            Asked {
                kind,
                filters,
                policies: &self.policies,
                preview: &self.preview,
                identity: identity.as_ref(),
            },
        )
    }

    /// 128 + the signal's number when a signal cancelled the prune.
    fn exit_code(&self) -> u8 {
        exit_code(self.termination.as_ref())
    }
}

/// The prune a run asks for.
struct Asked<'a> {
    kind: Kind,
    filters: &'a Filters,
    /// The `--policy` chain that narrows the prune.
    policies: &'a Policies,
    preview: &'a Preview,
    /// The daemon in plans, when the preview needs it.
    identity: Option<&'a BackendIdentity>,
}

/// Watches for Ctrl-C and SIGTERM from now on (in `termination`); the cancellation they set.
fn watch(termination: &mut Option<Termination>) -> Result<Cancellation, Failure> {
    let (watched, cancel) = Termination::watch()
        .context("cannot watch for Ctrl-C")
        .map_err(Failure::Other)?;
    *termination = Some(watched);
    Ok(cancel)
}

/// One prune against `backends` by `plugin`'s component (or the built-in one), as `asked`,
/// cancelled by `cancel` (the signals `termination` watches).
fn prune(
    backends: &Backends,
    plugin: Option<&Path>,
    cancel: &Cancellation,
    termination: &Option<Termination>,
    asked: Asked<'_>,
) -> Result<Report, Failure> {
    let component = plugin::component(plugin, cancel);
    if cancel.is_cancelled() {
        // A signal while loading: nothing was pruned yet, so exit at once, as the signal would.
        std::process::exit(exit_code(termination.as_ref()).into());
    }
    let Asked {
        kind,
        policies,
        preview,
        identity,
        ..
    } = asked;
    let pruner = Pruner::new(component.map_err(Failure::Other)?).with_policies(policies.clone());
    let filters = preview.filters(asked.filters);
    let (mut backends, removals) = Removals::noting(backends);
    let (options, display) = preview.options(kind, &mut backends);
    let started = backends.clock.now().to_utc();
    let result = match kind {
        Kind::Containers => pruner
            .prune_containers_with(&backends, &filters, cancel, &options)
            .map(|pruned| (pruned.report.into(), pruned.removed, pruned.skipped)),
        Kind::Networks => pruner
            .prune_networks_with(&backends, &filters, cancel, &options)
            .map(|pruned| (pruned.report.into(), pruned.removed, pruned.skipped)),
    };
    if let Some(display) = display {
        display.finish();
    }
    let (report, removed, skipped) = result.map_err(|err| removals.failure(kind, err))?;
    let done = preview::Done {
        kind,
        backend: identity,
        started,
        filters: &filters,
        removed: &removed,
        skipped: &skipped,
        cancelled: cancel.is_cancelled(),
    };
    preview.finish(&done)?;
    Ok(report)
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

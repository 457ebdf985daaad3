//! `pruner`: docker's `container prune` and `network prune`, decided by the prune component.
//!
//! The command line itself (flags, prompt, output, exit codes) is `pruner-cli-core`, shared
//! with the wasm front end; this binary supplies the daemon, pruned by the component in the
//! wasmtime host: the `--state` file, or else a real Docker Engine (`-H/--host`, `$DOCKER_HOST`,
//! the default socket).

mod args;
mod engine;
mod policies;
mod signals;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, FixedOffset};
use pruner::clock::{Clock, FixedClock, SystemClock};
use pruner::state_file::StateFile;
use pruner::{Backends, Filters, Policies, PruneComponent, Pruner};
use pruner_cli_core::args::PruneArgs;
use pruner_cli_core::{ContainerPruneReport, Daemon, Failure, Kind, NetworkPruneReport, Report};

use args::NativeFlags;
use engine::Engine;
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

/// Loads the `--policy` chain, then opens `--state`, or else the Docker Engine, with the
/// daemon's clock: `--now`, or else the system clock in the local zone for a state file, the
/// engine's own for an engine.
fn connect(
    kind: Kind,
    args: &PruneArgs,
    extra: &NativeFlags,
    now: Option<DateTime<FixedOffset>>,
) -> Result<NativeDaemon, Failure> {
    let policies = policies::load(kind, &args.policies)?;
    let Some(path) = &args.state else {
        return Ok(NativeDaemon::Engine(EngineDaemon {
            engine: Engine::new(extra.host.as_deref(), extra.events.as_deref(), now),
            plugin: extra.plugin.clone(),
            policies,
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
    let state = StateFile::load(path, clock.clone()).map_err(Failure::Other)?;
    let backends = Backends::from_daemon(state.daemon()).with_clock(clock);
    Ok(NativeDaemon::StateFile(StateFileDaemon {
        state,
        backends,
        plugin: extra.plugin.clone(),
        policies,
        termination: None,
    }))
}

/// The daemon of a state file, pruned by the built-in component or `--plugin`'s, narrowed by
/// the `--policy` chain.
struct StateFileDaemon {
    state: StateFile,
    backends: Backends,
    plugin: Option<PathBuf>,
    policies: Policies,
    /// The signals watched during the prune.
    termination: Option<Termination>,
}

impl Daemon for StateFileDaemon {
    fn prune(&mut self, kind: Kind, filters: &Filters) -> Result<Report, Failure> {
        let before = self.state.daemon().snapshot();
        let result = prune(
            &self.backends,
            self.plugin.as_deref(),
            &self.policies,
            &mut self.termination,
            kind,
            filters,
        );
        // Whatever the outcome, what was removed stays removed: keep the file in step.
        if self.state.daemon().snapshot() != before {
            self.state.save().map_err(Failure::Other)?;
        }
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
}

impl Daemon for EngineDaemon {
    fn prune(&mut self, kind: Kind, filters: &Filters) -> Result<Report, Failure> {
        let backends = self.engine.backends()?;
        prune(
            backends,
            self.plugin.as_deref(),
            &self.policies,
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

/// One prune against `backends` by `plugin`'s component (or the built-in one), narrowed by
/// `policies`, cancelled by Ctrl-C or SIGTERM (watched from now on, in `termination`).
fn prune(
    backends: &Backends,
    plugin: Option<&Path>,
    policies: &Policies,
    termination: &mut Option<Termination>,
    kind: Kind,
    filters: &Filters,
) -> Result<Report, Failure> {
    let (watched, cancel) = Termination::watch()
        .context("cannot watch for Ctrl-C")
        .map_err(Failure::Other)?;
    *termination = Some(watched);
    let pruner =
        Pruner::new(component(plugin).map_err(Failure::Other)?).with_policies(policies.clone());
    let result = match kind {
        Kind::Containers => pruner
            .prune_containers(backends, filters, &cancel)
            .map(|report| {
                Report::Containers(ContainerPruneReport {
                    containers_deleted: report.containers_deleted,
                    space_reclaimed: report.space_reclaimed,
                })
            }),
        Kind::Networks => pruner
            .prune_networks(backends, filters, &cancel)
            .map(|report| {
                Report::Networks(NetworkPruneReport {
                    networks_deleted: report.networks_deleted,
                })
            }),
    };
    result.map_err(|err| Failure::Daemon(err.to_string()))
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

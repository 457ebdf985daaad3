//! `pruner`: docker's `container prune` and `network prune`, decided by the prune component.

mod args;
mod output;
mod prompt;

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chrono::DateTime;
use clap::Parser;
use pruner::bindings::ContainerPruneReport;
use pruner::clock::{Clock, FixedClock, SystemClock};
use pruner::state_file::StateFile;
use pruner::{Backends, Cancellation, Filters, PruneComponent, PruneError, Pruner};

use args::{Cli, Command, Format, Object, PruneArgs};

/// docker's exit code for a bad flag.
const EXIT_USAGE: u8 = 125;

/// Why a run failed, and so how it is reported.
enum Failure {
    /// A bad flag: reported like docker's flag errors, exit 125.
    Usage(String),
    /// The daemon refused or failed: `Error response from daemon: …`, exit 1.
    Daemon(PruneError),
    /// pruner itself could not run (state file, component), exit 1.
    Other(anyhow::Error),
}

/// Container or network prune.
#[derive(Clone, Copy)]
enum Kind {
    Containers,
    Networks,
}

impl Kind {
    fn command(self) -> &'static str {
        match self {
            Kind::Containers => "container",
            Kind::Networks => "network",
        }
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .init();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::from(EXIT_USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let (kind, args) = match cli.object {
        Object::Container {
            command: Command::Prune(args),
        } => (Kind::Containers, args),
        Object::Network {
            command: Command::Prune(args),
        } => (Kind::Networks, args),
    };
    match run(kind, &args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("{message}\nSee 'pruner {} prune --help'.", kind.command());
            ExitCode::from(EXIT_USAGE)
        }
        Err(Failure::Daemon(err)) => {
            eprintln!("Error response from daemon: {err}");
            ExitCode::FAILURE
        }
        Err(Failure::Other(err)) => {
            eprintln!("Error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(kind: Kind, args: &PruneArgs) -> Result<(), Failure> {
    let filters = filters(args)?;
    let clock = clock(args)?;
    let Some(path) = &args.state else {
        return Err(Failure::Other(anyhow::anyhow!(
            "no daemon to prune: pass --state FILE"
        )));
    };
    let state = StateFile::load(path, clock.clone()).map_err(Failure::Other)?;
    let backends = Backends::from_daemon(state.daemon()).with_clock(clock);
    let before = state.daemon().snapshot();

    if !args.force && !confirmed(kind)? {
        // docker/cli v24: declining is a success; container prune still reports nothing freed.
        if let Kind::Containers = kind {
            print!(
                "{}",
                output::container_text(&ContainerPruneReport {
                    containers_deleted: Vec::new(),
                    space_reclaimed: 0,
                })
            );
        }
        return Ok(());
    }

    let pruner = Pruner::new(PruneComponent::builtin().map_err(Failure::Other)?);
    let cancel = Cancellation::default();
    let result = match kind {
        Kind::Containers => pruner
            .prune_containers(&backends, &filters, &cancel)
            .map(|report| match args.format {
                Format::Text => output::container_text(&report),
                Format::Json => output::container_json(&report),
            }),
        Kind::Networks => pruner
            .prune_networks(&backends, &filters, &cancel)
            .map(|report| match args.format {
                Format::Text => output::network_text(&report),
                Format::Json => output::network_json(&report),
            }),
    };
    // Whatever the outcome, what was removed stays removed: keep the file in step.
    if state.daemon().snapshot() != before {
        state.save().map_err(Failure::Other)?;
    }
    print!("{}", result.map_err(Failure::Daemon)?);
    Ok(())
}

/// The filters of `--filters-json` and the `--filter` flags together.
fn filters(args: &PruneArgs) -> Result<Filters, Failure> {
    let mut filters = match &args.filters_json {
        Some(json) => Filters::from_json(json)
            .map_err(|err| Failure::Daemon(PruneError::InvalidParameter(err.to_string())))?,
        None => Filters::default(),
    };
    for flag in &args.filters {
        filters.add_cli_flag(flag).map_err(|err| {
            Failure::Usage(format!(
                "invalid argument {flag:?} for \"--filter\" flag: {err}"
            ))
        })?;
    }
    Ok(filters)
}

/// The daemon's clock: `--now`, or the system clock in the local zone.
fn clock(args: &PruneArgs) -> Result<Arc<dyn Clock>, Failure> {
    match &args.now {
        None => Ok(Arc::new(SystemClock)),
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map(|now| Arc::new(FixedClock(now)) as Arc<dyn Clock>)
            .map_err(|err| {
                Failure::Usage(format!(
                    "invalid argument {text:?} for \"--now\" flag: {err}"
                ))
            }),
    }
}

/// Asks docker's question for `kind`.
fn confirmed(kind: Kind) -> Result<bool, Failure> {
    let warning = match kind {
        Kind::Containers => prompt::CONTAINERS,
        Kind::Networks => prompt::NETWORKS,
    };
    prompt::confirm(warning)
        .context("cannot read the answer")
        .map_err(Failure::Other)
}

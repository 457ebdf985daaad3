//! One run of `pruner`: docker's flag checks, the daemon, the prompt, the prune, the output and
//! the exit code, in the order the docker CLI and dockerd take them.

use chrono::{DateTime, FixedOffset};
use clap::{Args, Parser};

use crate::args::{Cli, Command, Format, Object, PruneArgs};
use crate::filters::Filters;
use crate::prompt;
use crate::report::{ContainerPruneReport, Report};

/// docker's exit code for a bad flag.
const EXIT_USAGE: u8 = 125;
/// The exit code of a failed prune.
const EXIT_FAILURE: u8 = 1;

/// Container prune or network prune.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `pruner container prune`.
    Containers,
    /// `pruner network prune`.
    Networks,
}

impl Kind {
    /// The object command, as in `pruner container prune`.
    fn command(self) -> &'static str {
        match self {
            Kind::Containers => "container",
            Kind::Networks => "network",
        }
    }
}

/// Why a run failed, and so how it is reported.
#[derive(Debug)]
pub enum Failure {
    /// A bad flag: reported like docker's flag errors, exit 125.
    Usage(String),
    /// The daemon refused or failed, with its message: `Error response from daemon: …`, exit 1.
    Daemon(String),
    /// The daemon could not be reached (docker's `Cannot connect to the Docker daemon at …`):
    /// printed bare, as the docker CLI prints its client's errors, exit 1.
    Unreachable(String),
    /// pruner itself could not run (state file, component): `Error: …`, exit 1.
    Other(anyhow::Error),
}

/// The daemon a run prunes, as a front end opens it.
pub trait Daemon {
    /// Prunes `kind` with `filters` and returns the Engine API's report. What was removed stays
    /// removed even when the prune fails part way.
    fn prune(&mut self, kind: Kind, filters: &Filters) -> Result<Report, Failure>;

    /// The exit code once the report is printed: 0, unless the front end ends an interrupted
    /// prune otherwise (the native binary exits 128 + the signal's number).
    fn exit_code(&self) -> u8 {
        0
    }
}

/// Runs `pruner` with the process's arguments against the daemon `connect` opens (given the
/// prune's kind, the prune flags, `X`, the flags of this front end only, and the `--now`
/// instant), printing what the docker CLI prints; returns the exit code.
pub fn run<X: Args, D: Daemon>(
    connect: impl FnOnce(Kind, &PruneArgs, &X, Option<DateTime<FixedOffset>>) -> Result<D, Failure>,
) -> u8 {
    let cli = match Cli::<X>::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() { EXIT_USAGE } else { 0 };
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
    match prune(kind, &args, &cli.extra, connect) {
        Ok(code) => code,
        Err(Failure::Usage(message)) => {
            eprintln!("{message}\nSee 'pruner {} prune --help'.", kind.command());
            EXIT_USAGE
        }
        Err(Failure::Daemon(message)) => {
            eprintln!("Error response from daemon: {message}");
            EXIT_FAILURE
        }
        Err(Failure::Unreachable(message)) => {
            eprintln!("{message}");
            EXIT_FAILURE
        }
        Err(Failure::Other(err)) => {
            eprintln!("Error: {err:#}");
            EXIT_FAILURE
        }
    }
}

/// The run after the flags parsed: its exit code, or why it failed.
fn prune<X: Args, D: Daemon>(
    kind: Kind,
    args: &PruneArgs,
    extra: &X,
    connect: impl FnOnce(Kind, &PruneArgs, &X, Option<DateTime<FixedOffset>>) -> Result<D, Failure>,
) -> Result<u8, Failure> {
    let flags = flag_filters(args)?;
    let now = now(args)?;
    let mut daemon = connect(kind, args, extra, now)?;

    if !args.force && !confirmed(kind)? {
        // docker/cli v24: declining is a success; container prune still reports nothing freed.
        if kind == Kind::Containers {
            print!(
                "{}",
                Report::Containers(ContainerPruneReport::default()).text()
            );
        }
        return Ok(0);
    }

    // `--filters-json` is the Engine API's parameter: the daemon decodes it, so only once asked.
    let filters = filters(args, flags)?;
    let report = daemon.prune(kind, &filters)?;
    print!(
        "{}",
        match args.format {
            Format::Text => report.text(),
            Format::Json => report.json(),
        }
    );
    Ok(daemon.exit_code())
}

/// The filters of the `--filter` flags (docker/cli `FilterOpt.Set`): a bad one is a flag error.
fn flag_filters(args: &PruneArgs) -> Result<Filters, Failure> {
    let mut filters = Filters::default();
    for flag in &args.filters {
        filters.add_cli_flag(flag).map_err(|err| {
            Failure::Usage(format!(
                "invalid argument {flag:?} for \"--filter\" flag: {err}"
            ))
        })?;
    }
    Ok(filters)
}

/// The filters of `--filters-json` and the `--filter` flags together; JSON that does not decode
/// is the daemon's `invalid filter`.
fn filters(args: &PruneArgs, flags: Filters) -> Result<Filters, Failure> {
    let mut filters = match &args.filters_json {
        Some(json) => Filters::from_json(json).map_err(|err| Failure::Daemon(err.to_string()))?,
        None => Filters::default(),
    };
    for (key, values) in flags {
        for value in values {
            filters.add(&key, &value);
        }
    }
    Ok(filters)
}

/// The daemon's clock and zone from `--now` (RFC 3339 with offset), if given.
fn now(args: &PruneArgs) -> Result<Option<DateTime<FixedOffset>>, Failure> {
    args.now
        .as_deref()
        .map(|text| {
            DateTime::parse_from_rfc3339(text).map_err(|err| {
                Failure::Usage(format!(
                    "invalid argument {text:?} for \"--now\" flag: {err}"
                ))
            })
        })
        .transpose()
}

/// Asks docker's question for `kind`.
fn confirmed(kind: Kind) -> Result<bool, Failure> {
    let warning = match kind {
        Kind::Containers => prompt::CONTAINERS,
        Kind::Networks => prompt::NETWORKS,
    };
    prompt::confirm(warning)
        .map_err(|err| Failure::Other(anyhow::Error::new(err).context("cannot read the answer")))
}

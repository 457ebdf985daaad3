//! One run of `pruner`: docker's flag checks, the daemon, the prompt, the prune, the output and
//! the exit code, in the order the docker CLI and dockerd take them.

use chrono::{DateTime, FixedOffset};
use clap::{Args, Parser};

use crate::args::{Cli, Command, Format, Object, PruneArgs};
use crate::filters::Filters;
use crate::prompt;
use crate::report::{ContainerPruneReport, NetworkPruneReport, Report};

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
    /// The daemon failed part way, with its message, after removing what `removed` lists
    /// (which stays removed, as in Docker): docker's error line, then what was removed on
    /// stderr, exit 1. See [`Failure::after_removing`].
    Partial {
        /// The daemon's message.
        message: String,
        /// What the prune removed before it failed.
        removed: Report,
    },
    /// The daemon could not be reached (docker's `Cannot connect to the Docker daemon at …`):
    /// printed bare, as the docker CLI prints its client's errors, exit 1.
    Unreachable(String),
    /// pruner itself could not run (state file, component): `Error: …`, exit 1.
    Other(anyhow::Error),
}

/// What a prune removed, in order, as its backends saw it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Removals {
    /// The removed containers' IDs.
    pub containers: Vec<String>,
    /// The bytes of their read-write layers (of those of known size).
    pub space_reclaimed: u64,
    /// The removed networks' names.
    pub networks: Vec<String>,
}

impl Failure {
    /// The daemon's error `message` for a `kind` prune that made `removals` first: a
    /// [`Failure::Partial`], or a plain [`Failure::Daemon`] if it removed nothing.
    pub fn after_removing(kind: Kind, message: String, removals: Removals) -> Failure {
        let removed = match kind {
            Kind::Containers if !removals.containers.is_empty() => {
                Report::Containers(ContainerPruneReport {
                    containers_deleted: removals.containers,
                    space_reclaimed: removals.space_reclaimed,
                })
            }
            Kind::Networks if !removals.networks.is_empty() => {
                Report::Networks(NetworkPruneReport {
                    networks_deleted: removals.networks,
                })
            }
            _ => return Failure::Daemon(message),
        };
        Failure::Partial { message, removed }
    }
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
/// prune flags, `X`, the flags of this front end only, and the `--now` instant), printing what
/// the docker CLI prints; returns the exit code.
pub fn run<X: Args, D: Daemon>(
    connect: impl FnOnce(&PruneArgs, &X, Option<DateTime<FixedOffset>>) -> Result<D, Failure>,
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
        Err(Failure::Partial { message, removed }) => {
            eprint!(
                "Error response from daemon: {message}\nRemoved before the error (it stays \
                 removed):\n{}",
                removed.text()
            );
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
    connect: impl FnOnce(&PruneArgs, &X, Option<DateTime<FixedOffset>>) -> Result<D, Failure>,
) -> Result<u8, Failure> {
    let flags = flag_filters(args)?;
    let now = now(args)?;
    let mut daemon = connect(args, extra, now)?;

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

#[cfg(test)]
mod tests {
    use super::*;

    fn removals(containers: &[&str], networks: &[&str]) -> Removals {
        Removals {
            containers: containers.iter().map(|s| s.to_string()).collect(),
            space_reclaimed: 10,
            networks: networks.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn a_failure_after_removals_of_its_kind_carries_their_report() {
        let failure =
            Failure::after_removing(Kind::Containers, "boom".to_string(), removals(&["c1"], &[]));
        let Failure::Partial { message, removed } = failure else {
            panic!("not partial: {failure:?}");
        };
        assert_eq!(message, "boom");
        assert_eq!(
            removed.text(),
            "Deleted Containers:\nc1\n\nTotal reclaimed space: 10B\n"
        );
        let failure =
            Failure::after_removing(Kind::Networks, "boom".to_string(), removals(&[], &["n1"]));
        assert!(
            matches!(&failure, Failure::Partial { removed, .. } if removed.text() == "Deleted Networks:\nn1\n\n"),
            "{failure:?}"
        );
    }

    #[test]
    fn a_failure_that_removed_nothing_is_the_daemons_plain_error() {
        for kind in [Kind::Containers, Kind::Networks] {
            let failure = Failure::after_removing(kind, "boom".to_string(), removals(&[], &[]));
            assert!(
                matches!(&failure, Failure::Daemon(m) if m == "boom"),
                "{failure:?}"
            );
        }
    }
}

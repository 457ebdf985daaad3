//! One prune run of `pruner`: docker's flag checks, the daemon, the prompt, the prune, the
//! output and the exit code, in the order the docker CLI and dockerd take them.

use std::io::Write;

use chrono::{DateTime, FixedOffset};
use pruner_state::Removals;
use pruner_state::escape::escape;

use crate::args::{Format, PruneArgs};
use crate::filters::Filters;
use crate::parse::{EXIT_USAGE, flag_error_text};
use crate::preview::PreviewArgs;
use crate::prompt;
use crate::report::{ContainerPruneReport, NetworkPruneReport, Report};

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
    pub fn command(self) -> &'static str {
        match self {
            Kind::Containers => "container",
            Kind::Networks => "network",
        }
    }

    /// The report of a prune that removed nothing.
    fn empty_report(self) -> Report {
        match self {
            Kind::Containers => Report::Containers(ContainerPruneReport::default()),
            Kind::Networks => Report::Networks(NetworkPruneReport::default()),
        }
    }
}

/// Why a run failed, and so how it is reported.
#[derive(Debug)]
pub enum Failure {
    /// A bad flag: reported like docker's flag errors (the usage follows), exit 125.
    Usage(String),
    /// The daemon refused or failed, with its message: `Error response from daemon: …`, exit 1.
    Daemon(String),
    /// The client's own error, printed bare as the docker CLI prints them (`Cannot connect to the
    /// Docker daemon at …`, `Failed to initialize: …`), exit 1.
    Client(String),
    /// The daemon failed part way, with its message, after removing what `removed` lists
    /// (which stays removed, as in Docker): docker's error line, then what was removed on
    /// stderr, exit 1. See [`Failure::after_removing`].
    Partial {
        /// The daemon's message.
        message: String,
        /// What the prune removed before it failed.
        removed: Report,
    },
    /// pruner itself could not run (state file, component): `Error: …`, exit 1.
    Other(anyhow::Error),
}

/// What a run prints when a signal interrupts its prompt: docker 28 ends the line and exits 0,
/// pruning nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interrupted {
    /// For stdout: nothing, or with `--format json` the empty report.
    pub stdout: String,
    /// For stderr: the newline that ends the prompt's line with `--format json`.
    pub stderr: String,
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
    /// Checks, before the prompt, that a `kind` prune can run as asked (e.g. that `--apply`'s
    /// plan applies to this daemon).
    fn prepare(&mut self, _kind: Kind) -> Result<(), Failure> {
        Ok(())
    }

    /// Prunes `kind` with `filters` and returns the Engine API's report. What was removed stays
    /// removed even when the prune fails part way.
    fn prune(&mut self, kind: Kind, filters: &Filters) -> Result<Report, Failure>;

    /// The prompt is about to be shown. A front end that can be interrupted there (Ctrl-C,
    /// SIGTERM) prints `interrupted` and exits 0 on such a signal until the prune starts.
    fn prompting(&mut self, interrupted: Interrupted) -> Result<(), Failure> {
        let _ = interrupted;
        Ok(())
    }

    /// The exit code once the report is printed: 0, unless the front end ends an interrupted
    /// prune otherwise (the native binary exits 128 + the signal's number).
    fn exit_code(&self) -> u8 {
        0
    }
}

/// Runs the prune of `kind` with `args` against the daemon `connect` opens (given the prune
/// kind, the prune flags, `extra`, the flags of this front end only, and the `--now` instant), printing what the
/// docker CLI prints; returns the exit code. An error is printed on one line, its control
/// characters escaped ([`escape`]); the report on stdout is printed as docker prints it.
pub fn run<X, D: Daemon>(
    kind: Kind,
    args: &PruneArgs,
    extra: &X,
    connect: impl FnOnce(Kind, &PruneArgs, &X, Option<DateTime<FixedOffset>>) -> Result<D, Failure>,
) -> u8 {
    match prune(kind, args, extra, connect) {
        Ok(code) => code,
        Err(Failure::Usage(message)) => {
            let name = format!("pruner {} prune", kind.command());
            eprint!(
                "{}",
                flag_error_text(&name, &format!("{name} [OPTIONS]"), &escape(&message))
            );
            EXIT_USAGE
        }
        Err(Failure::Daemon(message)) => {
            eprintln!("Error response from daemon: {}", escape(&message));
            EXIT_FAILURE
        }
        Err(Failure::Client(message)) => {
            eprintln!("{}", escape(&message));
            EXIT_FAILURE
        }
        Err(Failure::Partial { message, removed }) => {
            eprintln!("Error response from daemon: {}", escape(&message));
            eprintln!("Removed before the error (it stays removed):");
            for line in removed.text().lines() {
                eprintln!("{}", escape(line));
            }
            EXIT_FAILURE
        }
        Err(Failure::Other(err)) => {
            eprintln!("Error: {}", escape(&format!("{err:#}")));
            EXIT_FAILURE
        }
    }
}

/// The run after the flags parsed: its exit code, or why it failed.
fn prune<X, D: Daemon>(
    kind: Kind,
    args: &PruneArgs,
    extra: &X,
    connect: impl FnOnce(Kind, &PruneArgs, &X, Option<DateTime<FixedOffset>>) -> Result<D, Failure>,
) -> Result<u8, Failure> {
    let filters = filters(args)?;
    let now = now(args)?;
    PreviewArgs::check(args).map_err(Failure::Usage)?;
    let mut daemon = connect(kind, args, extra, now)?;
    daemon.prepare(kind)?;

    // A preview removes nothing, so there is nothing to confirm.
    let previews = args.preview.previews();
    if !args.force && !previews && !confirmed(kind, args.format, &mut daemon)? {
        // docker 28: declining is a success that prints nothing; JSON still gets its document.
        if args.format == Format::Json {
            print!("{}", kind.empty_report().json());
        }
        return Ok(0);
    }

    let report = daemon.prune(kind, &filters)?;
    print!(
        "{}",
        match (args.format, previews) {
            (Format::Text, false) => report.text(),
            (Format::Json, false) => report.json(),
            (Format::Text, true) => report.dry_run_text(),
            (Format::Json, true) => report.dry_run_json(),
        }
    );
    Ok(daemon.exit_code())
}

/// The filters of `--filters-json` and the `--filter` flags (docker/cli `FilterOpt.Set`)
/// together; a bad one is a flag error, reported before the prompt.
fn filters(args: &PruneArgs) -> Result<Filters, Failure> {
    let mut filters = match &args.filters_json {
        Some(json) => Filters::from_json(json).map_err(|_| {
            Failure::Usage(format!(
                "invalid argument {json:?} for \"--filters-json\" flag: {}",
                json_mistake(json)
            ))
        })?,
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

/// What is wrong with a `--filters-json` value the Engine API would refuse: where it stops
/// being JSON, or else that its shape is neither of the two the API takes.
fn json_mistake(json: &str) -> String {
    match serde_json::from_str::<serde::de::IgnoredAny>(json) {
        Err(err) => format!("not JSON: {err}"),
        Ok(_) => "expected the Engine API's filters, {\"key\":{\"value\":true}} or \
                  {\"key\":[\"value\"]}"
            .to_string(),
    }
}

/// The daemon's clock and zone from `--now` (RFC 3339 with offset), if given.
fn now(args: &PruneArgs) -> Result<Option<DateTime<FixedOffset>>, Failure> {
    args.now
        .as_deref()
        .map(|text| {
            DateTime::parse_from_rfc3339(text).map_err(|_| {
                Failure::Usage(format!(
                    "invalid argument {text:?} for \"--now\" flag: expected an RFC 3339 time \
                     with an offset, e.g. 2026-11-29T10:00:00Z or 2026-11-29T10:00:00+01:00"
                ))
            })
        })
        .transpose()
}

/// Asks docker's question for `kind`: on stdout, or on stderr when stdout carries JSON.
fn confirmed<D: Daemon>(kind: Kind, format: Format, daemon: &mut D) -> Result<bool, Failure> {
    let warning = match kind {
        Kind::Containers => prompt::CONTAINERS,
        Kind::Networks => prompt::NETWORKS,
    };
    let interrupted = match format {
        Format::Text => Interrupted {
            stdout: "\n".to_string(),
            stderr: String::new(),
        },
        Format::Json => Interrupted {
            stdout: kind.empty_report().json(),
            stderr: "\n".to_string(),
        },
    };
    daemon.prompting(interrupted)?;
    let answer = match format {
        Format::Text => prompt::confirm(warning, &mut std::io::stdout().lock()),
        Format::Json => prompt::confirm(warning, &mut std::io::stderr().lock()),
    };
    let _ = std::io::stdout().flush();
    answer.map_err(|err| Failure::Other(anyhow::Error::new(err).context("cannot read the answer")))
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

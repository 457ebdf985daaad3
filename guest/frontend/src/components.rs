//! The thin wit-bindgen layer: the daemon of a run is the prune component over the backend
//! component's state file, reached through the front end's imports.

#![allow(
    unsafe_code,
    reason = "wit-bindgen's generated glue: the canonical ABI's exports and lifting"
)]

use std::io::Write;

use anyhow::anyhow;
use chrono::{DateTime, FixedOffset};
use pruner_cli_core::args::{NoExtraFlags, PruneArgs};
use pruner_cli_core::preview::ProgressFlag;
use pruner_cli_core::{
    ContainerPruneReport, Daemon, Failure, Filters, Kind, NetworkPruneReport, Removals, Report,
};

wit_bindgen::generate!({
    path: "../../wit",
    world: "cli",
    with: { "wasi:cli/exit@0.2.12": generate },
});

use pruner::api::{prune, state_file, types};
use wasi::cli::exit::exit_with_code;

/// The composed daemon: the backend serving the `--state` file, pruned by the prune component.
pub struct Composed;

/// Opens `--state` in the backend (which checks it) and sets its clock to `--now`, if given.
/// Policies need the native pruner, which runs them in its sandbox.
pub fn connect(
    _: Kind,
    args: &PruneArgs,
    _: &NoExtraFlags,
    now: Option<DateTime<FixedOffset>>,
) -> Result<Composed, Failure> {
    if !args.policies.is_empty() {
        return Err(Failure::Usage(
            "--policy needs the native pruner, which runs policies in its sandbox".to_string(),
        ));
    }
    let Some(path) = &args.state else {
        return Err(Failure::Other(anyhow!(
            "no daemon to prune: pass --state FILE"
        )));
    };
    let preview = &args.preview;
    if preview.plan.is_some() || preview.apply.is_some() {
        return Err(Failure::Other(anyhow!(
            "--plan and --apply need the native pruner: without its host, nothing here can \
             check a plan"
        )));
    }
    if preview.progress == ProgressFlag::Plain {
        return Err(Failure::Other(anyhow!(
            "--progress plain needs the native pruner: here the prune is a single call, with \
             no progress to report"
        )));
    }
    state_file::open(&path.to_string_lossy()).map_err(|err| Failure::Other(anyhow!(err)))?;
    if preview.dry_run {
        state_file::withhold_changes();
    }
    if let Some(now) = now {
        let instant = types::Timestamp {
            seconds: now.timestamp(),
            nanoseconds: now.timestamp_subsec_nanos(),
        };
        state_file::set_clock(instant, now.offset().local_minus_utc())
            .map_err(|err| Failure::Other(anyhow!(err)))?;
    }
    Ok(Composed)
}

impl Daemon for Composed {
    /// Locks the state file in the backend, prunes, and unlocks it, which writes back what was
    /// removed, even when the prune failed part way.
    fn prune(&mut self, kind: Kind, filters: &Filters) -> Result<Report, Failure> {
        state_file::lock().map_err(|err| match err {
            types::Error::Conflict(m) => Failure::Daemon(m),
            err => Failure::Other(anyhow!(message(err))),
        })?;
        let filters: Vec<types::Filter> = filters
            .iter()
            .map(|(key, values)| types::Filter {
                key: key.clone(),
                values: values.iter().cloned().collect(),
            })
            .collect();
        let report = match kind {
            Kind::Containers => prune::containers(&filters).map(|report| {
                Report::Containers(ContainerPruneReport {
                    containers_deleted: report.containers_deleted,
                    space_reclaimed: report.space_reclaimed,
                })
            }),
            Kind::Networks => prune::networks(&filters).map(|report| {
                Report::Networks(NetworkPruneReport {
                    networks_deleted: report.networks_deleted,
                })
            }),
        };
        let removals = state_file::unlock().map_err(|err| Failure::Other(anyhow!(err)))?;
        report.map_err(|err| {
            let removals = Removals {
                containers: removals.containers,
                space_reclaimed: removals.space_reclaimed,
                networks: removals.networks,
            };
            Failure::after_removing(kind, message(err), removals)
        })
    }
}

/// Docker's message text of a daemon error.
fn message(err: types::Error) -> String {
    match err {
        types::Error::InvalidParameter(m)
        | types::Error::Conflict(m)
        | types::Error::NotFound(m)
        | types::Error::Forbidden(m)
        | types::Error::System(m) => m,
    }
}

/// Ends the program with exit code `code` (`wasi:cli/exit`'s `exit` can only say 0 or 1).
pub fn exit(code: u8) -> ! {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    exit_with_code(code);
    unreachable!("wasi:cli/exit.exit-with-code returned")
}

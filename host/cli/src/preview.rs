//! The native CLI's previews, over the library's prune options ([`pruner_runtime::preview`]):
//! `--dry-run`, `--plan FILE` (a dry run that saves what it would remove), `--apply FILE` (a
//! prune narrowed to the plan) and `--progress`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, TimeDelta, Utc};
use pruner_cli_core::Failure;
use pruner_cli_core::Kind;
use pruner_cli_core::args::{Format, PruneArgs};
use pruner_cli_core::preview::ProgressFlag;
use pruner_runtime::Filters;
use pruner_runtime::backend::Backends;
use pruner_runtime::invariants::PruneKind;
use pruner_runtime::plan::{BackendIdentity, Plan, PlannedObject};
use pruner_runtime::preview::{Mode, PruneOptions, Skipped};

use crate::progress::{Display, Form};

/// `--plan-max-age` when not given.
const DEFAULT_MAX_AGE: TimeDelta = TimeDelta::hours(1);

/// What a run does besides docker's prune.
pub struct Preview {
    action: Action,
    progress: Option<Form>,
}

/// The run's action.
enum Action {
    /// A prune.
    Remove,
    /// `--dry-run`.
    DryRun,
    /// `--plan FILE`.
    Plan(PathBuf),
    /// `--apply FILE`; the plan once read and checked.
    Apply {
        path: PathBuf,
        max_age: TimeDelta,
        plan: Option<Arc<Plan>>,
    },
}

impl Preview {
    /// The preview `args` ask for (`PreviewArgs::check` has ruled out conflicts).
    pub fn new(args: &PruneArgs) -> Result<Preview, Failure> {
        let preview = &args.preview;
        let action = if let Some(path) = &preview.apply {
            Action::Apply {
                path: path.clone(),
                max_age: preview
                    .plan_max_age
                    .as_deref()
                    .map(max_age)
                    .transpose()?
                    .unwrap_or(DEFAULT_MAX_AGE),
                plan: None,
            }
        } else if let Some(path) = &preview.plan {
            Action::Plan(path.clone())
        } else if preview.dry_run {
            Action::DryRun
        } else {
            Action::Remove
        };
        let progress = match preview.progress {
            ProgressFlag::Auto => (std::io::stderr().is_terminal() && args.format == Format::Text)
                .then_some(Form::Terminal),
            // Never with `--format json`, even when asked for: its output is for scripts.
            ProgressFlag::Plain => (args.format == Format::Text).then_some(Form::Plain),
            ProgressFlag::None => None,
        };
        Ok(Preview { action, progress })
    }

    /// Whether the run needs the daemon's identity: to write a plan or check one.
    pub fn needs_identity(&self) -> bool {
        matches!(self.action, Action::Plan(_) | Action::Apply { .. })
    }

    /// Before the prompt: reads `--apply`'s plan and checks that it plans a `kind` prune on
    /// `backend` and is not older than `--plan-max-age` at the daemon's time `now`.
    pub fn prepare(
        &mut self,
        kind: Kind,
        backend: Option<&BackendIdentity>,
        now: DateTime<Utc>,
    ) -> Result<(), Failure> {
        let Action::Apply {
            path,
            max_age,
            plan,
        } = &mut self.action
        else {
            return Ok(());
        };
        let backend = backend.expect("the daemon's identity, for --apply");
        let read = Plan::read(path).and_then(|read| {
            read.check(prune_kind(kind), backend, now, *max_age)?;
            Ok(read)
        });
        let read = read
            .with_context(|| format!("cannot apply the plan {}", path.display()))
            .map_err(Failure::Other)?;
        *plan = Some(Arc::new(read));
        Ok(())
    }

    /// The filters of the prune: `--apply`'s plan's, else `given`.
    pub fn filters(&self, given: &Filters) -> Filters {
        match &self.action {
            Action::Apply {
                plan: Some(plan), ..
            } => plan.filters.clone(),
            _ => given.clone(),
        }
    }

    /// The options of a `kind` prune against `backends`, with its progress display if any
    /// (which `backends`' warnings then go through).
    pub fn options(
        &self,
        kind: Kind,
        backends: &mut Backends,
    ) -> (PruneOptions, Option<Arc<Display>>) {
        let mode = match &self.action {
            Action::Remove => Mode::Remove,
            Action::DryRun | Action::Plan(_) => Mode::DryRun,
            Action::Apply { plan, .. } => {
                Mode::Apply(plan.clone().expect("the plan, read by prepare"))
            }
        };
        let display = self.progress.map(|form| {
            let dry_run = matches!(mode, Mode::DryRun);
            let display = Arc::new(Display::new(form, kind, dry_run, backends.log.clone()));
            backends.log = display.clone();
            display
        });
        let options = PruneOptions {
            mode,
            progress: display.as_ref().map(Display::callback),
        };
        (options, display)
    }

    /// After the prune: writes `--plan`'s plan of what it would remove (unless it was
    /// cancelled), or reports on stderr each planned object `--apply` skipped.
    pub fn finish(&self, done: &Done<'_>) -> Result<(), Failure> {
        match &self.action {
            Action::Plan(path) if done.cancelled => {
                eprintln!(
                    "The prune was cancelled: no plan written to {}",
                    path.display()
                );
            }
            Action::Plan(path) => {
                let backend = done.backend.expect("the daemon's identity, for --plan");
                let kind = prune_kind(done.kind);
                Plan::new(
                    kind,
                    backend.clone(),
                    done.started,
                    done.filters,
                    done.removed,
                )
                .write(path)
                .with_context(|| format!("cannot write the plan {}", path.display()))
                .map_err(Failure::Other)?;
                eprintln!("Plan written to {}", path.display());
            }
            Action::Apply { .. } => {
                for Skipped { object, reason } in done.skipped {
                    eprintln!(
                        "Skipped {} {} ({}): {reason}",
                        object.kind(),
                        object.id(),
                        object.name()
                    );
                }
            }
            Action::Remove | Action::DryRun => {}
        }
        Ok(())
    }
}

/// A finished prune, as [`Preview::finish`] needs it.
pub struct Done<'a> {
    /// The prune.
    pub kind: Kind,
    /// The daemon in plans, for `--plan`.
    pub backend: Option<&'a BackendIdentity>,
    /// The daemon's time when the prune started.
    pub started: DateTime<Utc>,
    /// The filters it ran with.
    pub filters: &'a Filters,
    /// What it removed (would remove, in a dry run).
    pub removed: &'a [PlannedObject],
    /// The planned objects an apply skipped.
    pub skipped: &'a [Skipped],
    /// Whether it was cancelled.
    pub cancelled: bool,
}

/// `--plan-max-age`: a Go duration, not negative.
fn max_age(text: &str) -> Result<TimeDelta, Failure> {
    let invalid = |why: String| {
        Failure::Usage(format!(
            "invalid argument {text:?} for \"--plan-max-age\" flag: {why}"
        ))
    };
    let nanos = pruner_guest::duration::parse_duration(text).map_err(invalid)?;
    if nanos < 0 {
        return Err(invalid("a maximum age cannot be negative".to_string()));
    }
    Ok(TimeDelta::nanoseconds(nanos))
}

/// The library's name of a prune.
fn prune_kind(kind: Kind) -> PruneKind {
    match kind {
        Kind::Containers => PruneKind::Containers,
        Kind::Networks => PruneKind::Networks,
    }
}

//! pruner's own prune flags, beyond docker's: a dry run, plans (`--plan`, `--apply`) and
//! progress. Which combinations make sense is checked here; what they do is the front end's.

use std::path::PathBuf;

use clap::{ArgAction, Args, ValueEnum};

use crate::args::{PruneArgs, parse_bool};

/// The preview flags of `prune`, in docker's help style (pflag value types, no final period).
#[derive(Debug, Args)]
pub struct PreviewArgs {
    /// Show what the prune would remove and the space it would reclaim; remove nothing
    // pflag's bool, as `--force`: `--dry-run`, `--dry-run=false`.
    #[arg(
        long,
        action = ArgAction::Set,
        num_args = 0..=1,
        require_equals = true,
        default_value = "false",
        default_missing_value = "true",
        value_parser = parse_bool,
        value_name = "bool"
    )]
    pub dry_run: bool,

    /// Write what the prune would remove to this file, a plan for --apply (a dry run: nothing is removed)
    #[arg(long, value_name = "file")]
    pub plan: Option<PathBuf>,

    /// Remove only what the plan in this file lists, is still as planned and the rules still select (with the plan's filters)
    #[arg(long, value_name = "file")]
    pub apply: Option<PathBuf>,

    /// The oldest plan --apply accepts, as a Go duration (e.g. 30m, 2h); default 1h
    #[arg(long, value_name = "duration")]
    pub plan_max_age: Option<String>,

    /// Progress on stderr: auto (on a terminal, with text output), plain (a line per step, for logs), none
    #[arg(
        long,
        value_enum,
        value_name = "string",
        default_value = "auto",
        hide_possible_values = true
    )]
    pub progress: ProgressFlag,
}

/// When to show progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProgressFlag {
    /// A line redrawn in place, when stderr is a terminal and the output is text.
    Auto,
    /// A line per step, whatever stderr is.
    Plain,
    /// Never.
    None,
}

impl PreviewArgs {
    /// Whether the run only previews (`--dry-run`, `--plan`): no prompt, nothing removed.
    pub fn previews(&self) -> bool {
        self.dry_run || self.plan.is_some()
    }

    /// The flags `args` combines that cannot go together, as docker's `conflicting options`.
    pub fn check(args: &PruneArgs) -> Result<(), String> {
        let preview = &args.preview;
        let apply = preview.apply.is_some();
        let conflicts = [
            ("--plan", preview.plan.is_some() && apply),
            ("--dry-run", preview.dry_run && apply),
            ("--filter", !args.filters.is_empty() && apply),
            ("--filters-json", args.filters_json.is_some() && apply),
        ];
        if let Some((flag, _)) = conflicts.iter().find(|(_, conflict)| *conflict) {
            return Err(format!("conflicting options: {flag} and --apply"));
        }
        if preview.plan_max_age.is_some() && !apply {
            return Err("--plan-max-age needs --apply".to_string());
        }
        Ok(())
    }
}

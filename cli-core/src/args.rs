//! The command line, shaped like the docker CLI's `container prune` and `network prune`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::policy_args::PolicyFlags;

/// Docker's container prune and network prune, run as a sandboxed WebAssembly component.
#[derive(Debug, Parser)]
// `bin_name`: usage and errors say `pruner` whatever the program is called (under wasmtime the
// first argument is the component's file name).
#[command(name = "pruner", bin_name = "pruner", version)]
pub struct Cli<X: Args> {
    /// The flags of one front end only (the native binary's engine and plugin flags;
    /// [`NoExtraFlags`] for none). Declared `global`, they go before the object, as docker's
    /// `-H` does, or after `prune`.
    #[command(flatten)]
    pub extra: X,

    /// What to prune.
    #[command(subcommand)]
    pub object: Object,
}

/// The object kinds pruner prunes.
#[derive(Debug, Subcommand)]
pub enum Object {
    /// Manage containers.
    Container {
        /// The container command.
        #[command(subcommand)]
        command: Command,
    },
    /// Manage networks.
    Network {
        /// The network command.
        #[command(subcommand)]
        command: Command,
    },
}

/// The commands of an object kind.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Remove the stopped containers, or the networks not used by at least one container.
    Prune(PruneArgs),
}

/// The flags of `prune`: docker's and pruner's state-file flags.
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Do not prompt for confirmation.
    #[arg(short, long)]
    pub force: bool,

    /// Provide filter values (e.g. "until=<timestamp>"); repeatable.
    #[arg(long = "filter", value_name = "filter")]
    pub filters: Vec<String>,

    /// The Engine API's `filters` parameter as JSON, e.g. '{"label":{"a":true}}'.
    #[arg(long, value_name = "JSON")]
    pub filters_json: Option<String>,

    /// Print the Engine API's prune report as JSON instead of docker's text.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,

    /// Prune the daemon state held in this JSON file (rewritten atomically).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,

    /// The daemon's clock and zone for this run (RFC 3339 with offset); default: now, local zone.
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,

    /// The prune policies, `--policy` and `--policy-opt` (see `policy_args`).
    #[command(flatten)]
    pub policies: PolicyFlags,
}

/// No flags beyond the shared ones.
#[derive(Debug, Args)]
pub struct NoExtraFlags {}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// docker's text output.
    Text,
    /// The Engine API's JSON report.
    Json,
}

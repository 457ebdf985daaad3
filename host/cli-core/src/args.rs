//! The command line, shaped like the docker CLI's `container prune` and `network prune`: the
//! same commands, descriptions and flags (pflag's forms included: `--force=false`, `-f=true`),
//! plus pruner's own flags. Help, usage and flag errors are printed in docker's words by
//! [`crate::parse()`], from these definitions; completion scripts and man pages come from them too.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

use crate::policy_args::PolicyFlags;
use crate::preview::PreviewArgs;

/// Docker's container prune and network prune, decided by a sandboxed WebAssembly component.
#[derive(Debug, Parser)]
// `bin_name`: usage and errors say `pruner` whatever the program is called (under wasmtime the
// first argument is the component's file name). Help and version are docker's (`-h/--help`,
// `-v/--version`), printed by `crate::parse`; pflag lets a flag be repeated (the last wins).
#[command(
    name = "pruner",
    bin_name = "pruner",
    version,
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true,
    args_override_self = true
)]
pub struct Cli<X: Args, T: Subcommand> {
    /// Print usage
    #[arg(short, long, global = true, action = ArgAction::SetTrue, hide = true)]
    pub help: bool,

    /// Print version information and quit
    #[arg(short = 'v', long, action = ArgAction::SetTrue)]
    pub version: bool,

    /// The flags of one front end only (the native binary's engine, logging and plugin flags;
    /// [`NoExtraFlags`] for none). Declared `global`, they go before the object, as docker's
    /// `-H` does, or after `prune`.
    #[command(flatten)]
    pub extra: X,

    /// What to do; without it, the help is printed.
    #[command(subcommand)]
    pub object: Object<T>,
}

/// pruner's commands: the object kinds it prunes, and the front end's own commands, `T`
/// ([`NoTools`] for none).
#[derive(Debug, Subcommand)]
pub enum Object<T: Subcommand> {
    /// Manage containers
    #[command(args_override_self = true)]
    Container {
        /// The container command; without one, the help is printed.
        #[command(subcommand)]
        command: ContainerCommand,
    },
    /// Manage networks
    #[command(args_override_self = true)]
    Network {
        /// The network command; without one, the help is printed.
        #[command(subcommand)]
        command: NetworkCommand,
    },
    /// A command of the front end's own.
    #[command(flatten)]
    Tool(T),
}

/// `pruner container …`.
#[derive(Debug, Subcommand)]
pub enum ContainerCommand {
    /// Remove all stopped containers
    #[command(args_override_self = true)]
    Prune(PruneArgs),
}

/// `pruner network …`.
#[derive(Debug, Subcommand)]
pub enum NetworkCommand {
    /// Remove all unused networks
    #[command(args_override_self = true)]
    Prune(PruneArgs),
}

/// The flags of `prune`: docker's and pruner's state-file and output flags.
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Do not prompt for confirmation
    // pflag's bool: `-f`, `--force`, `--force=false`, `-f=true` (strconv.ParseBool's words).
    #[arg(
        short,
        long,
        action = ArgAction::Set,
        num_args = 0..=1,
        require_equals = true,
        default_value = "false",
        default_missing_value = "true",
        value_parser = parse_bool,
        value_name = "bool"
    )]
    pub force: bool,

    /// The `--filter key=value` flags, in the order given.
    // docker's help text word for word, as an attribute: rustdoc would read its `<timestamp>`
    // as HTML.
    #[arg(
        long = "filter",
        value_name = "filter",
        help = "Provide filter values (e.g. \"until=<timestamp>\")"
    )]
    pub filters: Vec<String>,

    /// The Engine API's filters parameter as JSON, e.g. '{"label":{"a":true}}'
    #[arg(long, value_name = "json")]
    pub filters_json: Option<String>,

    /// Print the report as docker's text or the Engine API's JSON (text, json)
    #[arg(
        long,
        value_enum,
        default_value = "text",
        value_name = "string",
        hide_possible_values = true
    )]
    pub format: Format,

    /// Prune the daemon state held in this JSON file (rewritten atomically)
    #[arg(long, value_name = "file")]
    pub state: Option<PathBuf>,

    /// The daemon's clock and zone, RFC 3339 with an offset (e.g. 2026-11-29T10:00:00+01:00); default: now, local zone
    #[arg(long, value_name = "time")]
    pub now: Option<String>,

    /// The prune policies, `--policy` and `--policy-opt` (see `policy_args`).
    #[command(flatten)]
    pub policies: PolicyFlags,

    /// pruner's preview flags: --dry-run, --plan, --apply, --plan-max-age, --progress.
    #[command(flatten)]
    pub preview: PreviewArgs,

    /// Arguments after the command, which prune does not take: kept so that, as in docker, a bad
    /// flag anywhere is reported before them.
    #[arg(hide = true)]
    pub arguments: Vec<String>,
}

/// No flags beyond the shared ones.
#[derive(Debug, Args)]
pub struct NoExtraFlags {}

/// No commands beyond `container` and `network`.
#[derive(Debug, Subcommand)]
pub enum NoTools {}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// docker's text output.
    Text,
    /// The Engine API's JSON report.
    Json,
}

/// Go's `strconv.ParseBool`, as pflag reads a bool flag's value; the error is Go's text.
pub fn parse_bool(text: &str) -> Result<bool, String> {
    match text {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => Err(format!(
            "strconv.ParseBool: parsing {text:?}: invalid syntax"
        )),
    }
}

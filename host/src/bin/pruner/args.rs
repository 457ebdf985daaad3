//! The flags and commands only the native binary has (the plugin, the Docker Engine, logging,
//! completion scripts and man pages). The rest of the command line (docker's flags, the
//! state-file flags) is `pruner-cli-core`'s, shared with the wasm front end.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

/// The flags of the native binary only. They are global: accepted before the object, where
/// docker takes `-H`, or after `prune`.
#[derive(Debug, Args)]
pub struct NativeFlags {
    /// Prune with this policy component (any component of pruner's world, run in the sandbox)
    /// instead of the built-in one
    #[arg(long, value_name = "file", global = true)]
    pub plugin: Option<PathBuf>,

    /// Daemon socket to connect to when no --state is given (default: $DOCKER_HOST, else unix:///var/run/docker.sock)
    #[arg(short = 'H', long, value_name = "host", global = true)]
    pub host: Option<String>,

    /// Append pruner's own prune events to this file as JSON lines (Docker's event shape); Docker Engine only
    #[arg(long, value_name = "file", global = true)]
    pub events: Option<PathBuf>,

    /// Set the logging level ("debug", "info", "warn", "error", "fatal"); default: $PRUNER_LOG, else $RUST_LOG, else "warn"
    #[arg(
        short = 'l',
        long,
        value_name = "string",
        global = true,
        value_enum,
        hide_possible_values = true
    )]
    pub log_level: Option<LogLevel>,
}

/// docker's logging levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    /// Everything, the prune events included.
    Debug,
    /// Progress.
    Info,
    /// Warnings and errors (the default).
    Warn,
    /// Errors only.
    Error,
    /// As docker: errors only.
    Fatal,
}

/// The commands of the native binary only.
#[derive(Debug, Subcommand)]
pub enum Tool {
    /// Generate the autocompletion script for the specified shell
    Completion {
        /// The shell.
        #[command(subcommand)]
        shell: Shell,
    },
    /// Write pruner's man pages (section 1) into a directory
    Man {
        /// The directory to write pruner.1, pruner-container-prune.1, … into (created if missing)
        #[arg(long, value_name = "dir", required = true)]
        dir: PathBuf,
    },
}

/// The shells `pruner completion` writes a script for.
#[derive(Clone, Copy, Debug, Subcommand)]
pub enum Shell {
    /// Generate the autocompletion script for bash
    Bash,
    /// Generate the autocompletion script for fish
    Fish,
    /// Generate the autocompletion script for powershell
    Powershell,
    /// Generate the autocompletion script for zsh
    Zsh,
}

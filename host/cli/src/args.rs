//! The flags and commands only the native binary has (the plugin, the Docker Engine, logging,
//! completion scripts and man pages). The rest of the command line (docker's flags, the
//! state-file flags) is `pruner-cli-core`'s, shared with the wasm front end.

use std::path::PathBuf;

use clap::{ArgAction, Args, Subcommand, ValueEnum};
use pruner_cli_core::policy_args::PolicyFlags;
use pruner_docker::ConnectOptions;

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

    /// Name of the context to use to connect to the daemon (overrides DOCKER_HOST env var and default context set with "docker context use")
    #[arg(short = 'c', long, value_name = "string", global = true)]
    pub context: Option<String>,

    /// Use TLS; implied by --tlsverify (pruner always verifies the daemon's certificate)
    #[arg(
        long,
        global = true,
        action = ArgAction::Set,
        num_args = 0..=1,
        require_equals = true,
        default_value = "false",
        default_missing_value = "true",
        value_parser = pruner_cli_core::args::parse_bool,
        value_name = "bool"
    )]
    pub tls: bool,

    /// Use TLS and verify the remote
    #[arg(
        long,
        global = true,
        action = ArgAction::Set,
        num_args = 0..=1,
        require_equals = true,
        default_value = "false",
        default_missing_value = "true",
        value_parser = pruner_cli_core::args::parse_bool,
        value_name = "bool"
    )]
    pub tlsverify: bool,

    /// Trust certs signed only by this CA (default: $DOCKER_CERT_PATH/ca.pem, else ~/.docker/ca.pem)
    #[arg(long, value_name = "string", global = true)]
    pub tlscacert: Option<PathBuf>,

    /// Path to TLS certificate file (default: cert.pem beside ca.pem)
    #[arg(long, value_name = "string", global = true)]
    pub tlscert: Option<PathBuf>,

    /// Path to TLS key file (default: key.pem beside ca.pem)
    #[arg(long, value_name = "string", global = true)]
    pub tlskey: Option<PathBuf>,

    /// Append pruner's own prune events to this file as JSON lines (Docker's event shape); Docker Engine only
    #[arg(long, value_name = "file", global = true)]
    pub events: Option<PathBuf>,

    /// Set the logging level ("debug", "info", "warn", "error", "fatal"); default: $PRUNER_LOG, else $RUST_LOG, else "warn" ("info" for serve)
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

impl NativeFlags {
    /// The docker CLI's connection flags among these.
    pub fn connect_options(&self) -> ConnectOptions {
        ConnectOptions {
            host: self.host.clone(),
            context: self.context.clone(),
            tls: self.tls,
            tls_verify: self.tlsverify,
            tls_ca_cert: self.tlscacert.clone(),
            tls_cert: self.tlscert.clone(),
            tls_key: self.tlskey.clone(),
        }
    }
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
    /// Serve the Engine API in front of the engine, its prunes decided by pruner
    Serve(ServeArgs),
    /// Write pruner's man pages (section 1) into a directory
    Man {
        /// The directory to write pruner.1, pruner-container-prune.1, … into (created if missing)
        #[arg(long, value_name = "dir", required = true)]
        dir: PathBuf,
    },
}

/// `pruner serve`'s own flags; the engine (`-H`, `--context`), `--plugin`, `--events` and
/// `--log-level` are the global ones.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where to listen: unix:///path/to/socket (mode 0660) or tcp://127.0.0.1:port
    #[arg(
        long,
        value_name = "address",
        default_value = "unix:///var/run/pruner.sock"
    )]
    pub listen: String,

    /// Accept a tcp:// address that is not loopback: whoever reaches it controls the engine
    #[arg(long)]
    pub allow_remote: bool,

    /// `--policy` and `--policy-opt`, as the prune commands take them; each policy applies to
    /// the prunes whose kind it accepts.
    #[command(flatten)]
    pub policies: PolicyFlags,
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

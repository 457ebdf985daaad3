//! The flags only the native binary has (the plugin, the Docker Engine). The rest of the command
//! line (docker's flags, the state-file flags) is `pruner-cli-core`'s, shared with the wasm
//! front end.

use std::path::PathBuf;

use clap::Args;

/// The flags of the native binary only. They are global: accepted before the object, where
/// docker takes `-H`, or after `prune`.
#[derive(Debug, Args)]
pub struct NativeFlags {
    /// Prune with this policy component (any component of pruner's world, run in the sandbox)
    /// instead of the built-in one. It is read and compiled within limits that
    /// PRUNER_PLUGIN_MAX_BYTES, PRUNER_PLUGIN_COMPILE_SECONDS and PRUNER_PLUGIN_COMPILE_MEMORY
    /// change (default 32 MiB, 30 s of CPU time, 1 GiB).
    #[arg(long, value_name = "FILE.wasm", global = true)]
    pub plugin: Option<PathBuf>,

    /// The Docker Engine to prune when no --state is given (e.g. unix:///var/run/docker.sock,
    /// tcp://10.0.0.2:2375); default: $DOCKER_HOST, else unix:///var/run/docker.sock.
    #[arg(short = 'H', long, value_name = "URL", global = true)]
    pub host: Option<String>,

    /// Append pruner's own prune events to this file as JSON lines (Docker's event shape)
    /// instead of logging them; Docker Engine only (with --state they go into the state file).
    #[arg(long, value_name = "FILE", global = true)]
    pub events: Option<PathBuf>,
}

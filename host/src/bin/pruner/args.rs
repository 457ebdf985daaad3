//! The flags only the native binary has (the plugin, the Docker Engine). The rest of the command
//! line (docker's flags, the state-file flags) is `pruner-cli-core`'s, shared with the wasm
//! front end.

use std::path::PathBuf;

use clap::Args;

/// `pruner container prune` / `pruner network prune` flags of the native binary only.
#[derive(Debug, Args)]
pub struct NativeFlags {
    /// Prune with this policy component (any component of pruner's world, run in the sandbox)
    /// instead of the built-in one.
    #[arg(long, value_name = "FILE.wasm")]
    pub plugin: Option<PathBuf>,

    /// The Docker Engine to prune when no --state is given (e.g. unix:///var/run/docker.sock,
    /// tcp://10.0.0.2:2375); default: $DOCKER_HOST, else unix:///var/run/docker.sock.
    #[arg(short = 'H', long, value_name = "URL")]
    pub host: Option<String>,

    /// Append pruner's own prune events to this file as JSON lines (Docker's event shape)
    /// instead of logging them; Docker Engine only (with --state they go into the state file).
    #[arg(long, value_name = "FILE", conflicts_with = "state")]
    pub events: Option<PathBuf>,
}

//! The `pruner` command line, shared by the native binary and the wasm front end so that both
//! take docker's flags, ask docker's question and print docker's output identically: each
//! supplies only the [`Daemon`] a run prunes, and may add flags and commands of its own.

pub mod args;
mod help;
pub mod parse;
pub mod policy_args;
pub mod preview;
mod prompt;
pub mod run;

pub use parse::{Action, Invocation, command, parse};
pub use pruner_model::{ContainerPruneReport, NetworkPruneReport, Report};
pub use pruner_model::{Filters, filters, humansize, report};
pub use pruner_state::Removals;
pub use run::{Daemon, Failure, Interrupted, Kind, run};

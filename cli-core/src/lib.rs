//! The `pruner` command line, shared by the native binary and the wasm front end so that both
//! take docker's flags, ask docker's question and print docker's output identically: each
//! supplies only the [`Daemon`] a run prunes.

pub mod args;
pub mod filters;
pub mod humansize;
pub mod policy_args;
mod prompt;
pub mod report;
pub mod run;

pub use filters::Filters;
pub use report::{ContainerPruneReport, NetworkPruneReport, Report};
pub use run::{Daemon, Failure, Kind, run};

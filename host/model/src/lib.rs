//! pruner's vocabulary shared by the host's crates, without the command line's or an engine
//! client's dependencies: Docker's prune filters ([`Filters`]) as the Engine API and the CLI
//! give them, the prune reports ([`Report`]) and how docker prints them, and Docker's
//! human-readable sizes ([`humansize`]).

pub mod filters;
pub mod humansize;
pub mod report;

pub use filters::Filters;
pub use report::{ContainerPruneReport, NetworkPruneReport, Report};

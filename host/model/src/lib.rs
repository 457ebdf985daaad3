//! pruner's vocabulary shared by the host's crates, without the command line's or an engine
//! client's dependencies: Docker's prune filters ([`Filters`]) with the forms the Engine API
//! and the CLI give them in, the prune reports ([`Report`]) and how docker prints them, and
//! Docker's human-readable sizes ([`humansize`]). Filters and reports are the prune rules' own
//! types (`pruner-guest`), defined once.

pub mod humansize;
pub mod report;

pub use pruner_guest::filters::{self, Filters};
pub use report::{ContainerPruneReport, NetworkPruneReport, Report};

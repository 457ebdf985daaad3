//! pruner's host: the wasmtime embedding a daemon links to run Docker's container prune and
//! network prune as a sandboxed component.
//!
//! Build the wasmtime [`Engines`] once, compile a [`PruneComponent`] for them once, make a
//! [`Pruner`] per daemon, then call [`Pruner::prune_containers`] or [`Pruner::prune_networks`]
//! with the daemon's [`Backends`]; each call gets a fresh instance. Nothing is process-wide:
//! two engines of different settings can run side by side. `examples/embed.rs` is a complete
//! program.

pub mod backend;
pub mod bindings;
pub mod cache;
pub mod cancel;
pub mod clock;
pub mod compile_helper;
pub mod component;
pub mod engines;
pub mod error;
pub mod events;
mod export;
pub mod fault;
pub mod guard;
mod host_state;
pub mod invariants;
mod limiter;
pub mod limits;
pub mod load;
pub mod load_error;
pub mod memory;
mod meter;
mod packed;
pub mod plan;
pub mod policy;
pub mod preview;
pub mod pruner;
mod removals;
mod returned;
pub mod sandbox;
pub mod state;
pub mod state_file;
mod stderr;
mod ticker;
mod warnings;
mod wasi;

pub use pruner_guest::error::DockerError;
pub use pruner_model::{filters, humansize};

pub use backend::Backends;
pub use cancel::Cancellation;
pub use component::PruneComponent;
pub use engines::{Allocation, Engines, EnginesBuilder};
pub use error::PruneError;
pub use fault::PluginFault;
pub use filters::Filters;
pub use limits::Limits;
pub use load::{LoadError, LoadLimits, Loader};
pub use policy::{Policies, Policy, PolicyComponent, PolicyError};
pub use preview::{Mode, Progress, PruneOptions, Pruned};
pub use pruner::Pruner;

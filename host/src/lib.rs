//! pruner's host: the wasmtime embedding a daemon links to run Docker's container prune and
//! network prune as a sandboxed component.
//!
//! Compile a [`PruneComponent`] once, make a [`Pruner`] per daemon, then call [`Pruner::prune_containers`] or
//! [`Pruner::prune_networks`] with the daemon's [`Backends`]; each call gets a fresh instance.

pub mod backend;
pub mod bindings;
pub mod cache;
pub mod cancel;
pub mod clock;
pub mod component;
pub mod error;
pub mod events;
pub mod filters;
pub mod guard;
mod host_state;
pub mod humansize;
pub mod memory;
pub mod pruner;
pub mod state;
pub mod state_file;

pub use backend::Backends;
pub use cancel::Cancellation;
pub use component::{Limits, PruneComponent};
pub use error::PruneError;
pub use filters::Filters;
pub use pruner::Pruner;

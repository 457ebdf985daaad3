//! Docker's container prune and network prune rules (moby `daemon/prune.go`), in plain Rust,
//! and the model they work on, which every pruner crate shares: Docker's objects and reports
//! ([`model`]), error classes ([`error`]) and filters ([`filters`]).
//!
//! The same code runs natively and, through the thin glue in `component`, as a `wasm32-wasip2`
//! component whose imports are the daemon's backends.
//!
//! On wasm32 the crate is `no_std` (with `alloc`): the component then needs nothing from WASI,
//! only pruner's own imports, which keeps it small and quick to instantiate. Without the
//! `component` feature it is only the rules' code, which the policy SDK reuses.

#![cfg_attr(all(target_arch = "wasm32", feature = "component"), no_std)]

extern crate alloc;

#[cfg(all(target_arch = "wasm32", feature = "arena"))]
mod arena;
#[cfg(all(target_arch = "wasm32", feature = "component"))]
mod component;
pub mod containers;
pub mod daemon;
pub mod duration;
pub mod error;
pub mod filters;
mod go_time;
pub mod labels;
pub mod model;
pub mod networks;
pub mod timestamp;
pub mod until;

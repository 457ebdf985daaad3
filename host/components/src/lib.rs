//! pruner's wasm components, built for `wasm32-wasip2` by this crate's build script (see
//! `build.rs`), so that `cargo build` needs no other step: the prune component and the shipped
//! policies, which the embedding library loads, and with the `compositions` feature, the
//! compositions for the plain wasmtime CLI.
//!
//! The compositions are also copied to `components/` in cargo's target directory
//! (`target/components/pruner-cli.wasm` and `target/components/pruner-backend.wasm` by default)
//! for running them with the `wasmtime` CLI.

/// The prune component (`guest/`, WIT world `pruner`): the prune rules, importing the daemon.
pub const PRUNE_COMPONENT: &[u8] = include_bytes!(env!("PRUNER_PRUNE_WASM"));

/// `pruner-cli.wasm`: the command-line front end composed with the prune component and the
/// state-file backend; a `wasi:cli/run` program for `wasmtime run`.
#[cfg(feature = "compositions")]
pub const CLI_COMPONENT_PATH: &str = env!("PRUNER_CLI_WASM");

/// `pruner-backend.wasm`: the prune component composed with the state-file backend alone; its
/// `pruner:api/prune` export is what `wasmtime run --invoke` calls.
#[cfg(feature = "compositions")]
pub const BACKEND_COMPONENT_PATH: &str = env!("PRUNER_BACKEND_WASM");

/// The prune policies shipped with pruner (`guest/policies/`, WIT world `prune-policy`), as
/// `(name, component bytes)`, sorted by name.
pub const POLICIES: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/policies.rs"));

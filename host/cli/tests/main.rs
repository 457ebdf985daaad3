//! The `pruner` binary and the sandbox end to end, as one test binary (linking wasmtime once),
//! one module per suite:
//! - `cli`: the command line on state files, against docker's texts;
//! - `engine_cli`: the command line and `pruner serve` against a real engine, side by side with
//!   the docker CLI (needs an engine; see the module);
//! - `wasmtime_cli`: the composed components under the plain `wasmtime` CLI (needs it);
//! - `hostile`: the hostile fixtures, loading limits and the compile cache;
//! - `signals`: Ctrl-C and SIGTERM during a prune;
//! - `filters_conformance`: Docker's filter vectors through the host;
//! - `world`: the frozen contract's fingerprint, and a 0.1.0 plugin still running.

mod cli;
mod engine_cli;
mod filters_conformance;
#[path = "hostile/main.rs"]
mod hostile;
mod signals;
mod wasmtime_cli;
mod world;

//! Embedding pruner in a daemon of your own, the README's "Embedding" section as a program that
//! is built with the tests: the built-in prune rules, then a plugin written by others, each
//! pruning an in-memory daemon that holds the bundled example.
//!
//! `cargo run -p pruner-runtime --example embed [PLUGIN.wasm]`

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use chrono::DateTime;
use pruner_runtime::clock::FixedClock;
use pruner_runtime::compile_helper::{self, CompileHelper};
use pruner_runtime::memory::MemoryDaemon;
use pruner_runtime::{Backends, Cancellation, Engines, Filters, Loader, PruneComponent, Pruner};

fn main() -> anyhow::Result<ExitCode> {
    // This binary is also the compile helper of the plugins it loads (see below).
    if let Some(code) = compile_helper::serve_if_asked() {
        return Ok(code);
    }

    // Your daemon: here the bundled example in memory, at the example's time.
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/state.json");
    let state = pruner_state::file::read(&example)?;
    let clock = Arc::new(FixedClock(DateTime::parse_from_rfc3339(
        "2026-11-27T12:00:00Z",
    )?));
    let daemon = Arc::new(MemoryDaemon::new(state, clock.clone()));
    let backends = Backends::from_daemon(daemon).with_clock(clock); // your ContainerStore, NetworkController, …

    let mut filters = Filters::new();
    filters.add("label", "env=dev");
    let cancel = Cancellation::default();

    // The wasmtime engines, built once; every component is compiled for them.
    let engines = Engines::builder().build();
    // Docker's rules: compile once, one `Pruner` per daemon (it owns the "already running" guard).
    let pruner = Pruner::new(PruneComponent::builtin(&engines)?);
    let report = pruner.prune_containers(&backends, &filters, &cancel)?;
    println!(
        "built-in rules removed {:?}, reclaiming {} bytes",
        report.containers_deleted, report.space_reclaimed
    );

    // A plugin written by others: read and compiled within the load limits by a child process,
    // this very binary, whose `main` starts with `compile_helper::serve_if_asked()`.
    if let Some(path) = std::env::args_os().nth(1) {
        let loader = Loader::untrusted(&engines, CompileHelper::current_exe()?);
        let plugin = loader.load(&loader.read(Path::new(&path), &cancel)?, &cancel)?;
        let report = Pruner::new(plugin).prune_containers(&backends, &filters, &cancel)?;
        println!("the plugin removed {:?}", report.containers_deleted);
    }
    Ok(ExitCode::SUCCESS)
}

//! What a plugin may import, and what those imports give it.
//!
//! A plugin may import pruner's own interfaces (`pruner:api/*`) and the WASI interfaces that
//! Rust's standard library pulls into any component: `wasi:io` (error, poll, streams),
//! `wasi:cli` (environment, exit, stdin, stdout, stderr and the terminal interfaces) and
//! `wasi:random/insecure-seed` (hash map seeds). Those are linked one by one (never all of
//! WASI) to a context that gives nothing: no environment variables, arguments or working
//! directory, an empty stdin, stdout discarded, stderr kept only to explain a trap, no
//! terminal. Clocks, random numbers, environment variables and a directory are linked only if
//! the embedder grants them ([`Grant`]); sockets never are. A component importing anything
//! else is refused before it is instantiated, with an error naming each such import
//! ([`ForbiddenImports`]).

use std::fmt;
use std::path::PathBuf;

use wasmtime::component::{Component, HasData, Linker, ResourceTable};
use wasmtime::{Engine, Result};
use wasmtime_wasi::cli::{WasiCli, WasiCliView};
use wasmtime_wasi::clocks::{WasiClocks, WasiClocksView};
use wasmtime_wasi::filesystem::{WasiFilesystem, WasiFilesystemView};
use wasmtime_wasi::p2::bindings::{cli, clocks, filesystem, random, sync};
use wasmtime_wasi::random::{WasiRandom, WasiRandomView};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder};

use crate::host_state::HostState;
use crate::stderr::CapturedStderr;

/// pruner's own interfaces.
const PRUNER_INTERFACES: &str = "pruner:api/";

/// The WASI interfaces every plugin may import (any 0.2 version).
pub const WASI_INTERFACES: [&str; 14] = [
    "wasi:io/error",
    "wasi:io/poll",
    "wasi:io/streams",
    "wasi:cli/environment",
    "wasi:cli/exit",
    "wasi:cli/stdin",
    "wasi:cli/stdout",
    "wasi:cli/stderr",
    "wasi:cli/terminal-input",
    "wasi:cli/terminal-output",
    "wasi:cli/terminal-stdin",
    "wasi:cli/terminal-stdout",
    "wasi:cli/terminal-stderr",
    "wasi:random/insecure-seed",
];

/// Something more the embedder lets plugins have.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Grant {
    /// `wasi:clocks/wall-clock` and `wasi:clocks/monotonic-clock`: the host's clocks. (The
    /// daemon's clock is always there through `pruner:api/daemon`.)
    Clocks,
    /// `wasi:random/random` and `wasi:random/insecure`: the host's random numbers.
    Random,
    /// These variables in `wasi:cli/environment`, which is otherwise empty.
    Environment(Vec<(String, String)>),
    /// `wasi:filesystem` (and the wall clock its types use) with one host directory,
    /// read-only, at a path of the plugin's.
    Directory {
        /// The host directory.
        host: PathBuf,
        /// Where the plugin sees it, e.g. `/policy`.
        guest: String,
    },
}

impl Grant {
    /// The interfaces this grant adds.
    fn interfaces(&self) -> &'static [&'static str] {
        match self {
            Grant::Clocks => &["wasi:clocks/wall-clock", "wasi:clocks/monotonic-clock"],
            Grant::Random => &["wasi:random/random", "wasi:random/insecure"],
            Grant::Environment(_) => &[],
            Grant::Directory { .. } => &[
                "wasi:filesystem/types",
                "wasi:filesystem/preopens",
                "wasi:clocks/wall-clock",
            ],
        }
    }
}

/// A component that imports what pruner does not grant; it is never instantiated.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ForbiddenImports(pub Vec<String>);

impl fmt::Display for ForbiddenImports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self.0.iter().map(|name| format!("`{name}`")).collect();
        write!(
            f,
            "the prune plugin imports {}, which pruner does not grant (a plugin may import \
             pruner:api's interfaces, wasi:io, wasi:cli's environment, exit, standard streams \
             and terminals, and wasi:random/insecure-seed)",
            names.join(", ")
        )
    }
}

/// Refuses `component` if it imports anything neither always allowed nor in `grants`.
pub fn check_imports(
    engine: &Engine,
    component: &Component,
    grants: &[Grant],
) -> std::result::Result<(), ForbiddenImports> {
    let forbidden: Vec<String> = component
        .component_type()
        .imports(engine)
        .map(|(name, _)| name)
        .filter(|name| !is_allowed(name, grants))
        .map(str::to_string)
        .collect();
    if forbidden.is_empty() {
        Ok(())
    } else {
        Err(ForbiddenImports(forbidden))
    }
}

/// Whether `component` imports any WASI interface, and so needs a WASI context per prune.
pub fn imports_wasi(engine: &Engine, component: &Component) -> bool {
    component
        .component_type()
        .imports(engine)
        .any(|(name, _)| name.starts_with("wasi:"))
}

/// Whether a component may import `import`, given `grants`.
pub(crate) fn is_allowed(import: &str, grants: &[Grant]) -> bool {
    if import.starts_with(PRUNER_INTERFACES) {
        return true;
    }
    let Some((interface, version)) = import.split_once('@') else {
        return false;
    };
    version.starts_with("0.2.")
        && (WASI_INTERFACES.contains(&interface)
            || grants
                .iter()
                .any(|grant| grant.interfaces().contains(&interface)))
}

/// Links the always-allowed WASI interfaces and those of `grants`, and nothing else.
pub fn link_wasi(linker: &mut Linker<HostState>, grants: &[Grant]) -> Result<()> {
    let l = linker;
    sync::io::error::add_to_linker::<HostState, Table>(l, HostState::table)?;
    sync::io::poll::add_to_linker::<HostState, Table>(l, HostState::table)?;
    sync::io::streams::add_to_linker::<HostState, Table>(l, HostState::table)?;
    cli::environment::add_to_linker::<HostState, WasiCli>(l, HostState::cli)?;
    cli::exit::add_to_linker::<HostState, WasiCli>(l, HostState::cli)?;
    cli::stdin::add_to_linker::<HostState, WasiCli>(l, HostState::cli)?;
    cli::stdout::add_to_linker::<HostState, WasiCli>(l, HostState::cli)?;
    cli::stderr::add_to_linker::<HostState, WasiCli>(l, HostState::cli)?;
    cli::terminal_input::add_to_linker::<HostState, WasiCli>(l, HostState::cli)?;
    cli::terminal_output::add_to_linker::<HostState, WasiCli>(l, HostState::cli)?;
    cli::terminal_stdin::add_to_linker::<HostState, WasiCli>(l, HostState::cli)?;
    cli::terminal_stdout::add_to_linker::<HostState, WasiCli>(l, HostState::cli)?;
    cli::terminal_stderr::add_to_linker::<HostState, WasiCli>(l, HostState::cli)?;
    random::insecure_seed::add_to_linker::<HostState, WasiRandom>(l, HostState::random)?;

    let granted = |interface| {
        grants
            .iter()
            .any(|grant| grant.interfaces().contains(&interface))
    };
    if granted("wasi:clocks/wall-clock") {
        clocks::wall_clock::add_to_linker::<HostState, WasiClocks>(l, HostState::clocks)?;
    }
    if granted("wasi:clocks/monotonic-clock") {
        clocks::monotonic_clock::add_to_linker::<HostState, WasiClocks>(l, HostState::clocks)?;
    }
    if granted("wasi:random/random") {
        random::random::add_to_linker::<HostState, WasiRandom>(l, HostState::random)?;
        random::insecure::add_to_linker::<HostState, WasiRandom>(l, HostState::random)?;
    }
    if granted("wasi:filesystem/types") {
        sync::filesystem::types::add_to_linker::<HostState, WasiFilesystem>(
            l,
            HostState::filesystem,
        )?;
        filesystem::preopens::add_to_linker::<HostState, WasiFilesystem>(l, HostState::filesystem)?;
    }
    Ok(())
}

/// The WASI context of one prune: nothing, but what `grants` add, and `stderr` captured.
pub fn wasi_context(grants: &[Grant], stderr: CapturedStderr) -> Result<WasiCtx> {
    let mut builder = WasiCtxBuilder::new();
    builder.stderr(stderr);
    for grant in grants {
        match grant {
            Grant::Environment(variables) => {
                builder.envs(variables);
            }
            Grant::Directory { host, guest } => {
                builder.preopened_dir(host, guest, FsPerms::ReadOnly)?;
            }
            Grant::Clocks | Grant::Random => {}
        }
    }
    Ok(builder.build())
}

/// The resource table, as `wasi:io` reaches it.
struct Table;

impl HasData for Table {
    type Data<'a> = &'a mut ResourceTable;
}

//! What a plugin may import, and what those imports give it.
//!
//! A plugin may import pruner's own interfaces (`pruner:api/*`) and the WASI interfaces that
//! Rust's standard library pulls into any component: `wasi:io` (error, poll, streams),
//! `wasi:cli` (environment, exit, stdin, stdout, stderr and the terminal interfaces) and
//! `wasi:random/insecure-seed` (hash map seeds). Those are linked one by one (never all of
//! WASI) to pruner's own WASI (`host/runtime/src/wasi`), which gives nothing: no environment
//! variables, arguments or working directory, an empty stdin, stdout discarded, stderr kept
//! only to explain a trap, no terminal. Clocks, random numbers and environment variables are
//! linked only if the embedder grants them ([`Grant`]); files and sockets never are. A
//! component importing anything else is refused before it is instantiated, with an error
//! naming each such import ([`ForbiddenImports`]).

use std::fmt;

use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Result};

use crate::wasi::{self, HasWasi, Linked};

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
}

impl Grant {
    /// The interfaces this grant adds.
    fn interfaces(&self) -> &'static [&'static str] {
        match self {
            Grant::Clocks => &["wasi:clocks/wall-clock", "wasi:clocks/monotonic-clock"],
            Grant::Random => &["wasi:random/random", "wasi:random/insecure"],
            Grant::Environment(_) => &[],
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
pub(crate) fn link_wasi<T: HasWasi>(linker: &mut Linker<T>, grants: &[Grant]) -> Result<()> {
    let linked = Linked {
        clocks: grants.contains(&Grant::Clocks),
        random: grants.contains(&Grant::Random),
    };
    wasi::link(linker, linked)
}

/// The environment variables `grants` give a plugin.
pub(crate) fn environment(grants: &[Grant]) -> Vec<(String, String)> {
    grants
        .iter()
        .flat_map(|grant| match grant {
            Grant::Environment(variables) => variables.as_slice(),
            Grant::Clocks | Grant::Random => &[],
        })
        .cloned()
        .collect()
}

//! How a plugin can be at fault: a limit it crossed, a trap, or a host rule it broke.

use std::fmt;
use std::time::Duration;

use wasmtime::Trap;
use wasmtime_wasi::I32Exit;

use crate::error::PruneError;
use crate::host_state::HostState;
use crate::invariants::Violation;

/// Why the prune component, not the daemon, made a prune fail. `Display` completes
/// "prune plugin …" (or "the built-in prune component …", see
/// [`PruneError::Builtin`](crate::PruneError::Builtin)), e.g. `exceeded its CPU time limit (10s)`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PluginFault {
    /// It ran longer than [`Limits::cpu_time`](crate::Limits::cpu_time).
    #[error("exceeded its CPU time limit ({0:?})")]
    CpuTime(Duration),
    /// It ran longer than [`Limits::wall_time`](crate::Limits::wall_time), waiting for the
    /// backends included.
    #[error("exceeded its wall-clock time limit ({0:?})")]
    WallTime(Duration),
    /// It used up [`Limits::fuel`](crate::Limits::fuel).
    #[error("exceeded its fuel limit ({0} units)")]
    Fuel(u64),
    /// It grew a linear memory past [`Limits::memory_bytes`](crate::Limits::memory_bytes).
    #[error("exceeded its memory limit ({0} bytes)")]
    Memory(usize),
    /// It grew a table past [`Limits::table_elements`](crate::Limits::table_elements).
    #[error("exceeded its table limit ({0} elements)")]
    TableElements(usize),
    /// It overflowed its WebAssembly stack (deep or endless recursion).
    #[error("exceeded its stack limit")]
    Stack,
    /// It called the backends more than [`Limits::backend_calls`](crate::Limits::backend_calls).
    #[error("exceeded its backend call limit ({0} calls)")]
    BackendCalls(u64),
    /// Its report had more entries than [`Limits::report_entries`](crate::Limits::report_entries).
    #[error("exceeded its report size limit ({limit} entries; it returned {returned})")]
    ReportEntries {
        /// The limit.
        limit: usize,
        /// The number of entries it returned.
        returned: usize,
    },
    /// Its report's strings were longer than [`Limits::report_bytes`](crate::Limits::report_bytes).
    #[error("exceeded its report size limit ({0} bytes)")]
    ReportBytes(usize),
    /// It handed the host a string longer than
    /// [`Limits::message_bytes`](crate::Limits::message_bytes) (grown by what it may quote of
    /// the host's texts); the limit in force.
    #[error("exceeded its message size limit ({0} bytes)")]
    MessageBytes(usize),
    /// It trapped (a panic, `unreachable`, an out-of-bounds access, `exit`…).
    #[error("trapped: {0}")]
    Trap(Trapped),
    /// It asked for something the host never does, whatever the plugin (see
    /// [`invariants`](crate::invariants)). The host refused on the spot.
    #[error("broke a host rule: {0}")]
    Violation(Violation),
}

/// A trap, with what the plugin wrote to its standard error just before (a panic message).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trapped {
    /// wasmtime's description of the trap, e.g. "wasm `unreachable` instruction executed".
    pub trap: String,
    /// The plugin's standard error, lines joined with spaces; empty if it wrote nothing.
    pub stderr: String,
}

impl fmt::Display for Trapped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.trap)?;
        if !self.stderr.is_empty() {
            write!(f, "; its stderr: {}", self.stderr)?;
        }
        Ok(())
    }
}

/// The error of a prune whose instantiation or call failed with `err`: the first host rule the
/// plugin broke if it broke one, else the limit or trap behind `err`. An error that is neither
/// (wasmtime refusing the component for another reason) is [`PruneError::Component`].
pub(crate) fn classify(err: wasmtime::Error, state: &HostState) -> PruneError {
    if let Some(violation) = state.ledger().violation() {
        return PruneError::Plugin(PluginFault::Violation(violation.clone()));
    }
    if let Some(fault) = err.downcast_ref::<PluginFault>() {
        return PruneError::Plugin(fault.clone());
    }
    let limits = state.meter().limits();
    let fault = match err.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => PluginFault::Fuel(limits.fuel.unwrap_or(u64::MAX)),
        Some(Trap::StackOverflow) => PluginFault::Stack,
        Some(Trap::Interrupt) => PluginFault::CpuTime(limits.cpu_time),
        Some(trap) => PluginFault::Trap(Trapped {
            trap: trap
                .to_string()
                .trim_start_matches("wasm trap: ")
                .to_string(),
            stderr: state.stderr().text(),
        }),
        None => match err.downcast_ref::<I32Exit>() {
            Some(I32Exit(code)) => PluginFault::Trap(Trapped {
                trap: format!("exited with status {code}"),
                stderr: state.stderr().text(),
            }),
            None => return PruneError::Component(format!("{err:#}")),
        },
    };
    PruneError::Plugin(fault)
}

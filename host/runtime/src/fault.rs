//! How a plugin can be at fault: a limit it crossed, a trap, a value that breaks the canonical
//! ABI, or a host rule it broke. Each is one line starting `prune plugin`, with what the plugin
//! supplied in it escaped.

use std::fmt;
use std::time::Duration;

use pruner_state::escape::escape;
use wasmtime::{PoolConcurrencyLimitError, Trap};

use crate::error::PruneError;
use crate::host_state::HostState;
use crate::invariants::Violation;
use crate::wasi::Exit;

/// Why the prune component, not the daemon, made a prune fail. `Display` completes
/// "prune plugin …" (or "the built-in prune component …", see
/// [`crate::PruneError::Builtin`]), e.g. `exceeded its CPU time limit (10s)`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
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
    /// It handed the host more than wasmtime copies out of a component in one call
    /// ([`HOST_CALL_COPY_BYTES`]), e.g. a string of hundreds of megabytes.
    #[error("exceeded the host-call copy limit ({0} bytes in one call)")]
    HostCallCopy(usize),
    /// It trapped (a panic, `unreachable`, an out-of-bounds access, `exit`…), in its own code
    /// or in code the host ran for an import (its `cabi_realloc`).
    #[error("trapped: {0}")]
    Trap(Trapped),
    /// A value crossing the boundary broke the canonical ABI: a string that is not UTF-8, a
    /// list or string out of its memory's bounds, a discriminant no case has, a `cabi_realloc`
    /// result out of bounds or misaligned. The text is wasmtime's.
    #[error("broke the canonical ABI: {}", escape(.0))]
    CanonicalAbi(String),
    /// It asked for something the host never does, whatever the plugin (see
    /// [`invariants`](crate::invariants)). The host refused on the spot.
    #[error("broke a host rule: {0}")]
    Violation(Violation),
}

/// The most a component hands the host in one call: wasmtime's default host-call fuel, which
/// pruner keeps (it bounds the copy before the host sees the value; the host's own limits such
/// as [`Limits::message_bytes`](crate::Limits::message_bytes) apply after).
pub const HOST_CALL_COPY_BYTES: usize = 128 << 20;

/// The beginning of wasmtime's text for a call past [`HOST_CALL_COPY_BYTES`].
const HOST_CALL_COPY_TEXT: &str = "too much data is being copied between the host and the guest";

/// A trap, with what the plugin wrote to its standard error just before (a panic message).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trapped {
    /// wasmtime's description of the trap, e.g. "wasm `unreachable` instruction executed".
    pub trap: String,
    /// The plugin's standard error, lines joined with spaces; empty if it wrote nothing. It is
    /// shown escaped.
    pub stderr: String,
}

impl fmt::Display for Trapped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.trap)?;
        if !self.stderr.is_empty() {
            write!(f, "; its stderr: {}", escape(&self.stderr))?;
        }
        Ok(())
    }
}

/// The error of a prune whose instantiation or call failed with `err`: the first host rule the
/// plugin broke if it broke one, else the limit, trap or canonical-ABI fault behind `err`. Only
/// the host's own failures (no instance slot free, memory the host could not allocate) are
/// [`PruneError::Component`].
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
        None => match err.downcast_ref::<Exit>() {
            Some(Exit(code)) => PluginFault::Trap(Trapped {
                trap: format!("exited with status {code}"),
                stderr: state.stderr().text(),
            }),
            None if is_host_failure(&err) => return PruneError::Component(format!("{err:#}")),
            None => abi_fault(&err),
        },
    };
    PruneError::Plugin(fault)
}

/// Whether `err` is the host's failure, not the component's: the instance pool is full, or the
/// host ran out of memory.
fn is_host_failure(err: &wasmtime::Error) -> bool {
    err.downcast_ref::<PoolConcurrencyLimitError>().is_some()
        || err.downcast_ref::<wasmtime::OutOfMemory>().is_some()
}

/// The fault behind a call that wasmtime refused without a trap: lifting or lowering a value
/// failed. Its text is the root cause alone, without the wasm backtrace wasmtime adds.
fn abi_fault(err: &wasmtime::Error) -> PluginFault {
    let cause = err.root_cause().to_string();
    if cause.starts_with(HOST_CALL_COPY_TEXT) {
        PluginFault::HostCallCopy(HOST_CALL_COPY_BYTES)
    } else {
        PluginFault::CanonicalAbi(cause)
    }
}

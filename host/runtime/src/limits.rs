//! What one prune may consume. Every limit has a safe default; crossing one ends that prune with
//! [`PruneError::Plugin`](crate::PruneError::Plugin) naming the limit
//! ([`PruneError::Builtin`](crate::PruneError::Builtin) for the built-in component), and the
//! next prune runs as usual.

use std::time::Duration;

/// How many times over a string the plugin hands the host may quote the longest text the host
/// supplied: twice (Go's `time.ParseError` quotes the value it could not parse twice), each
/// byte escaped as `\xNN`.
pub const ECHO_FACTOR: usize = 8;

/// Resource limits for one prune: one instantiation of the component and one call of it.
///
/// The defaults leave the built-in component room for daemons far larger than real ones (a
/// hundred thousand containers use under a tenth of each; the wall-clock limit, ten minutes, is
/// some 20,000 removals by a real dockerd at its 30 ms each) while bounding what a hostile
/// plugin can take from the daemon.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Maximum size of each of the component's linear memories, in bytes.
    pub memory_bytes: usize,
    /// Maximum number of elements of each of the component's tables.
    pub table_elements: usize,
    /// CPU time of the component's own code, from instantiation to the end of the call. The
    /// host's imports are not the component's time: neither the backends' work (a slow state
    /// file) nor waiting for a remote daemon counts. Checked at every epoch tick (10 ms), where
    /// the component is charged, for the time since the last tick, the thread's CPU time but
    /// never more than the wall time it spent outside the imports.
    pub cpu_time: Duration,
    /// Wall-clock time of the prune, from instantiation to the end of the call, waiting for the
    /// backends (a remote daemon) included. Checked at every epoch tick and before and after
    /// every backend call.
    pub wall_time: Duration,
    /// Fuel (about one unit per WebAssembly instruction), for limits that must not depend on
    /// the machine's speed; `None` leaves the CPU time limit alone in charge. Metering fuel
    /// costs about a third more instructions, so a prune with a fuel limit runs the component
    /// compiled for a second, fuel-metering engine (compiled the first time one is asked for).
    pub fuel: Option<u64>,
    /// Backend calls: each call of an import counts one, and a `list` one more per object it
    /// returns, since its cost grows with them.
    pub backend_calls: u64,
    /// Entries (container IDs or network names) of the report the plugin returns.
    pub report_entries: usize,
    /// Bytes of all the strings of the report the plugin returns.
    pub report_bytes: usize,
    /// Bytes of any one string the plugin hands the host: an ID to remove, a warning, an event
    /// field, the message of an error it returns. A string may also quote what the host handed
    /// the component in this prune: the limit grows by [`ECHO_FACTOR`] times the longest text
    /// the host supplied so far (a filter, a listed ID, name or label, a backend's error).
    pub message_bytes: usize,
    /// Warnings logged per prune; those past this or [`warning_bytes`](Self::warning_bytes)
    /// are suppressed, and one more line says how many were.
    pub warnings: usize,
    /// Bytes of the warnings logged per prune, counted as written (escaped).
    pub warning_bytes: usize,
}

impl Limits {
    /// The limits of pruner's own built-in component, trusted code whose bounds are not there to
    /// stop an attacker but to keep a bug from taking the daemon down: room for any daemon the
    /// host can list (a million containers and more, and hours of removals on a busy engine).
    /// The limits of what the component hands the host (messages, warnings) stay the default's.
    /// [`Pruner::new`](crate::Pruner::new) gives them to the built-in component.
    pub fn trusted() -> Limits {
        Limits {
            memory_bytes: 4 << 30,
            cpu_time: Duration::from_secs(60 * 60),
            wall_time: Duration::from_secs(7 * 24 * 60 * 60),
            backend_calls: u64::MAX,
            report_entries: usize::MAX,
            report_bytes: usize::MAX,
            ..Limits::default()
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 256 << 20,
            table_elements: 100_000,
            cpu_time: Duration::from_secs(10),
            wall_time: Duration::from_secs(600),
            fuel: None,
            backend_calls: 1_000_000,
            report_entries: 1_000_000,
            report_bytes: 64 << 20,
            message_bytes: 64 << 10,
            warnings: 1_000,
            warning_bytes: 1 << 20,
        }
    }
}

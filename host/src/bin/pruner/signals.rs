//! Ctrl-C (SIGINT) and SIGTERM during a prune. The first one cancels the prune through the
//! component's cancellation import: the prune stops at its next check and returns what it
//! removed so far, without its `prune` event, and pruner prints that partial report and exits
//! like a process the signal ended, 128 + the signal's number (130 for Ctrl-C, 143 for
//! SIGTERM). A second one exits at once with that code, saving nothing. The handlers are only
//! installed once the prompt is answered: a signal at the prompt ends pruner as it ends docker
//! v24's CLI, before anything is pruned.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use pruner::Cancellation;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::flag;

/// The signals that cancel a prune.
const TERMINATION: [i32; 2] = [SIGINT, SIGTERM];

/// The termination signals, watched for the rest of the process.
pub struct Termination {
    received: Arc<AtomicUsize>,
}

impl Termination {
    /// Installs the handlers; the returned cancellation is cancelled by the first signal.
    pub fn watch() -> io::Result<(Termination, Cancellation)> {
        let cancelled = Arc::new(AtomicBool::new(false));
        let received = Arc::new(AtomicUsize::new(0));
        for signal in TERMINATION {
            // Registered first, so it sees the flag still unset on the first signal.
            flag::register_conditional_shutdown(signal, 128 + signal, Arc::clone(&cancelled))?;
            flag::register_usize(
                signal,
                Arc::clone(&received),
                signal.unsigned_abs() as usize,
            )?;
            flag::register(signal, Arc::clone(&cancelled))?;
        }
        Ok((Termination { received }, Cancellation::from_flag(cancelled)))
    }

    /// The exit code after the signal received, if one was: 128 + its number.
    pub fn exit_code(&self) -> Option<u8> {
        match self.received.load(Ordering::Acquire) {
            0 => None,
            signal => u8::try_from(128 + signal).ok(),
        }
    }
}

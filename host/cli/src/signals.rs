//! Ctrl-C (SIGINT) and SIGTERM during a prune. The first one cancels the prune through the
//! component's cancellation import: the prune stops at its next check and returns what it
//! removed so far, without its `prune` event, and pruner prints that partial report and exits
//! like a process the signal ended, 128 + the signal's number (130 for Ctrl-C, 143 for
//! SIGTERM). A second one exits at once with that code, saving nothing. The handlers are only
//! installed once the prompt is answered; a signal at the prompt ends pruner as it ends docker
//! 28's CLI, before anything is pruned ([`PromptWatch`]).

#![allow(
    unsafe_code,
    reason = "a signal handler that writes and exits with async-signal-safe calls only"
)]

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use pruner_cli_core::Interrupted;
use pruner_runtime::Cancellation;
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

/// Ctrl-C and SIGTERM while the prompt waits for an answer: as docker 28, pruner ends the
/// prompt's line, prunes nothing and exits 0. Watched until dropped, when the prune takes the
/// signals over.
pub struct PromptWatch {
    handlers: Vec<signal_hook::SigId>,
}

impl PromptWatch {
    /// Installs the handlers, which print `interrupted` and exit 0.
    pub fn watch(interrupted: Interrupted) -> io::Result<PromptWatch> {
        let mut handlers = Vec::new();
        let stdout = Arc::new(interrupted.stdout.into_bytes());
        let stderr = Arc::new(interrupted.stderr.into_bytes());
        for signal in TERMINATION {
            let (stdout, stderr) = (Arc::clone(&stdout), Arc::clone(&stderr));
            // SAFETY: the handler only calls `write` and `_exit`, both async-signal-safe, on
            // buffers allocated before it was installed.
            let id = unsafe {
                signal_hook::low_level::register(signal, move || {
                    write_all(libc::STDOUT_FILENO, &stdout);
                    write_all(libc::STDERR_FILENO, &stderr);
                    signal_hook::low_level::exit(0);
                })
            }?;
            handlers.push(id);
        }
        Ok(PromptWatch { handlers })
    }
}

impl Drop for PromptWatch {
    fn drop(&mut self) {
        for id in self.handlers.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}

/// Writes `bytes` to the file descriptor `fd` with `write(2)` alone (async-signal-safe).
fn write_all(fd: libc::c_int, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: `bytes` is a live buffer of `bytes.len()` bytes.
        let written = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        if written <= 0 {
            return;
        }
        bytes = &bytes[written.unsigned_abs()..];
    }
}

//! The daemon-wide "one prune at a time" guard shared by container and network prune
//! (moby's `pruneRunning` flag).

use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::PruneError;
use pruner_guest::error::DockerError;

/// Docker's text for a prune that finds another one running.
pub const PRUNE_RUNNING: &str = "a prune operation is already running";

/// The guard: at most one container or network prune runs at any time.
#[derive(Debug, Default)]
pub struct PruneGuard {
    running: AtomicBool,
}

/// Proof that the guard is held; dropping it releases the guard on every path.
#[derive(Debug)]
pub struct Held<'a> {
    guard: &'a PruneGuard,
}

impl PruneGuard {
    /// Takes the guard, or fails with Docker's conflict when a prune is already running.
    pub fn acquire(&self) -> Result<Held<'_>, PruneError> {
        self.running
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .map(|_| Held { guard: self })
            .map_err(|_| PruneError::Daemon(DockerError::Conflict(PRUNE_RUNNING.to_string())))
    }

    /// Whether a prune holds the guard now.
    pub fn is_held(&self) -> bool {
        self.running.load(Ordering::Acquire)
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.guard.running.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_prune_is_refused_until_the_first_one_ends() {
        let guard = PruneGuard::default();
        let held = guard.acquire().expect("free");
        assert_eq!(
            guard.acquire().unwrap_err(),
            PruneError::Daemon(DockerError::Conflict(PRUNE_RUNNING.to_string()))
        );
        drop(held);
        assert!(!guard.is_held());
        assert!(guard.acquire().is_ok());
    }
}

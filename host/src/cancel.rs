//! Cancellation of a running prune (Docker's request context): once cancelled, the component
//! stops at its next check and returns what it removed so far, without an event.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A cancellation flag shared between the caller and the prune it started.
#[derive(Clone, Debug, Default)]
pub struct Cancellation(Arc<AtomicBool>);

impl Cancellation {
    /// A cancellation that is cancelled once `flag` is set, e.g. by a signal handler.
    pub fn from_flag(flag: Arc<AtomicBool>) -> Cancellation {
        Cancellation(flag)
    }

    /// Cancels the prune.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Release);
    }

    /// Whether the prune was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

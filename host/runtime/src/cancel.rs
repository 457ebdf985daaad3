//! Cancellation of a running prune (Docker's request context): once cancelled, the component
//! stops at its next check and returns what it removed so far, without an event. A component
//! that does not check is interrupted at an epoch tick after [`GRACE`], and the prune returns
//! what the host saw removed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The component's own time (outside the host's imports) a cancelled prune has to return by
/// itself before it is interrupted. The built-in component checks before every removal, a few
/// microseconds apart, so it always returns by itself, and a removal under way finishes as
/// Docker's does; a plugin that never checks is stopped this long after the cancellation.
pub const GRACE: Duration = Duration::from_millis(200);

/// The error that interrupts a cancelled prune whose component did not return within [`GRACE`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the prune was cancelled and did not stop by itself")]
pub(crate) struct Interrupted;

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

/// The host's side of a cancellation during one prune. Removals stop once the prune is
/// cancelled, whether or not the plugin checks, except the one removal the plugin started
/// after a check that told it to go on: like Docker's, a removal in progress does not watch
/// the request's context, so a signal between the check and the removal lets it finish.
#[derive(Debug)]
pub(crate) struct CancelGate {
    cancel: Cancellation,
    /// The plugin's last check found the prune not cancelled, and it removed nothing since.
    cleared: bool,
    /// The component's own time when an epoch tick first found the prune cancelled.
    seen: Option<Duration>,
}

impl CancelGate {
    /// The gate of a prune cancelled through `cancel`.
    pub(crate) fn new(cancel: Cancellation) -> CancelGate {
        CancelGate {
            cancel,
            cleared: false,
            seen: None,
        }
    }

    /// At an epoch tick, when the component has run for `own_time` (its time outside the
    /// host's imports, read only once the prune is cancelled): fails once the prune has been
    /// cancelled for [`GRACE`] of that time.
    pub(crate) fn interrupt(
        &mut self,
        own_time: impl FnOnce() -> Duration,
    ) -> Result<(), Interrupted> {
        if !self.cancel.is_cancelled() {
            return Ok(());
        }
        let now = own_time();
        let seen = *self.seen.get_or_insert(now);
        if now.saturating_sub(seen) >= GRACE {
            return Err(Interrupted);
        }
        Ok(())
    }

    /// The plugin's check: whether the prune is cancelled.
    pub(crate) fn check(&mut self) -> bool {
        let cancelled = self.cancel.is_cancelled();
        self.cleared = !cancelled;
        cancelled
    }

    /// Whether the prune was cancelled, without counting as the plugin's check.
    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Whether the plugin may remove one object now: the prune is not cancelled, or this is
    /// the removal its last check cleared.
    pub(crate) fn admit_removal(&mut self) -> bool {
        let admitted = self.cleared || !self.cancel.is_cancelled();
        self.cleared = false;
        admitted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_removal_cleared_before_the_cancellation_still_runs() {
        let cancel = Cancellation::default();
        let mut gate = CancelGate::new(cancel.clone());
        assert!(!gate.check());
        cancel.cancel();
        assert!(gate.admit_removal());
        assert!(!gate.admit_removal());
    }

    #[test]
    fn no_removal_runs_after_a_check_that_saw_the_cancellation() {
        let cancel = Cancellation::default();
        let mut gate = CancelGate::new(cancel.clone());
        cancel.cancel();
        assert!(gate.check());
        assert!(!gate.admit_removal());
    }

    #[test]
    fn a_cancelled_prune_is_interrupted_after_the_grace_of_the_component_s_own_time() {
        let cancel = Cancellation::default();
        let mut gate = CancelGate::new(cancel.clone());
        let at = |ms| move || Duration::from_millis(ms);
        assert_eq!(gate.interrupt(at(5_000)), Ok(()));
        cancel.cancel();
        assert_eq!(gate.interrupt(at(5_010)), Ok(()));
        assert_eq!(gate.interrupt(at(5_209)), Ok(()));
        assert_eq!(gate.interrupt(at(5_210)), Err(Interrupted));
    }

    #[test]
    fn a_plugin_that_never_checks_removes_nothing_after_the_cancellation() {
        let cancel = Cancellation::default();
        let mut gate = CancelGate::new(cancel.clone());
        assert!(gate.admit_removal());
        cancel.cancel();
        assert!(!gate.admit_removal());
    }
}

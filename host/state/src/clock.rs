//! The daemon's clock and zone, which stamps its events.

use chrono::{DateTime, FixedOffset, Local};

/// A source of the daemon's current time in its local zone.
pub trait Clock: Send + Sync {
    /// The current instant with the zone offset in force at it.
    fn now(&self) -> DateTime<FixedOffset>;
}

/// The system clock in the system's local zone. On WASI, which has no time zones, that is the
/// wall clock in UTC.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<FixedOffset> {
        Local::now().fixed_offset()
    }
}

/// A clock stopped at one instant and zone (`pruner --now`, tests).
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(pub DateTime<FixedOffset>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<FixedOffset> {
        self.0
    }
}

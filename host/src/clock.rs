//! The daemon's clock and zone, as the prune component reads them.

use chrono::{DateTime, FixedOffset, Local};

use crate::bindings::{ClockReading, Timestamp};

/// A source of the daemon's current time in its local zone.
pub trait Clock: Send + Sync {
    /// The current instant with the zone offset in force at it.
    fn now(&self) -> DateTime<FixedOffset>;
}

/// The system clock in the system's local zone.
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

/// Converts a zoned time to the component's clock reading.
pub fn reading(now: DateTime<FixedOffset>) -> ClockReading {
    ClockReading {
        now: timestamp(now),
        utc_offset_seconds: now.offset().local_minus_utc(),
    }
}

/// Converts a zoned time to the component's timestamp.
pub fn timestamp<Tz: chrono::TimeZone>(time: DateTime<Tz>) -> Timestamp {
    Timestamp {
        seconds: time.timestamp(),
        nanoseconds: time.timestamp_subsec_nanos(),
    }
}

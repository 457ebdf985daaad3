//! The daemon's clock and zone, as the prune component reads them. The clocks themselves are
//! `pruner-state`'s, shared with the backend component.

pub use pruner_state::clock::{Clock, FixedClock, SystemClock};

use chrono::{DateTime, FixedOffset};

use crate::bindings::{ClockReading, Timestamp};

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

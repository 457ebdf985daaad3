//! The `until` filter's values: `parse_duration`, `get_timestamp`, `parse_timestamps` and
//! `until` never panic, whatever the value and the daemon's clock and zone; and what
//! `get_timestamp` returns, `parse_timestamps` reads (moby feeds one into the other).

#![no_main]

use libfuzzer_sys::fuzz_target;
use pruner_guest::duration::parse_duration;
use pruner_guest::model::{Instant, Reference};
use pruner_guest::timestamp::{get_timestamp, parse_timestamps, until};

fuzz_target!(|input: (i64, u32, i32, &str)| {
    let (seconds, nanos, offset, value) = input;
    let reference = Reference {
        now: Instant {
            seconds,
            nanos: nanos % 1_000_000_000,
        },
        // Real zones are within a day of UTC.
        utc_offset_seconds: offset % 86_400,
    };
    let _ = parse_duration(value);
    let _ = parse_timestamps(value, seconds);
    let _ = until(value, reference);
    if let Ok(timestamp) = get_timestamp(value, reference) {
        assert!(
            parse_timestamps(&timestamp, 0).is_ok(),
            "get_timestamp({value:?}) = {timestamp:?}, which parse_timestamps refuses"
        );
    }
});

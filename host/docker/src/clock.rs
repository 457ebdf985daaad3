//! The daemon's clock: Docker resolves `until` against the daemon's `time.Now()` in the daemon's
//! local zone, which may differ from pruner's (another TZ, another machine).

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};

use pruner_runtime::clock::Clock;

/// The clock and zone of a Docker daemon, derived from `docker info`'s `SystemTime` (the
/// daemon's `time.Now()` in its local zone, RFC 3339 with nanoseconds).
///
/// The zone offset is the one in force when pruner connected. For an engine on this machine the
/// instant is this machine's clock; for a remote one it is this machine's clock corrected by the
/// difference seen when connecting (to within the exchange's round trip).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DaemonClock {
    offset: FixedOffset,
    skew: TimeDelta,
}

impl DaemonClock {
    /// The clock of a daemon whose `SystemTime` read `system_time` in an exchange that started at
    /// `sent` and ended at `received` (this machine's clock); `same_machine` engines share this
    /// machine's clock, so only their zone is taken.
    pub fn from_system_time(
        system_time: &str,
        sent: DateTime<Utc>,
        received: DateTime<Utc>,
        same_machine: bool,
    ) -> Result<DaemonClock, String> {
        let daemon_now = DateTime::parse_from_rfc3339(system_time).map_err(|err| {
            format!("the Docker daemon reports an unreadable SystemTime {system_time:?}: {err}")
        })?;
        let skew = if same_machine {
            TimeDelta::zero()
        } else {
            let midpoint = sent + (received - sent) / 2;
            daemon_now.to_utc() - midpoint
        };
        Ok(DaemonClock {
            offset: *daemon_now.offset(),
            skew,
        })
    }

    /// The daemon's UTC offset.
    pub fn offset(&self) -> FixedOffset {
        self.offset
    }
}

impl Clock for DaemonClock {
    fn now(&self) -> DateTime<FixedOffset> {
        (Utc::now() + self.skew).with_timezone(&self.offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn the_daemons_zone_comes_from_its_system_time() {
        let clock = DaemonClock::from_system_time(
            "2026-11-27T23:40:00.123456789+05:30",
            utc("2026-11-27T18:10:00Z"),
            utc("2026-11-27T18:10:00Z"),
            true,
        )
        .unwrap();
        assert_eq!(clock.offset(), FixedOffset::east_opt(19_800).unwrap());
        assert_eq!(clock.skew, TimeDelta::zero());
        assert_eq!(clock.now().offset().local_minus_utc(), 19_800);
    }

    #[test]
    fn a_remote_daemons_clock_is_corrected_by_the_skew_at_the_midpoint() {
        let clock = DaemonClock::from_system_time(
            "2026-11-27T18:10:05Z",
            utc("2026-11-27T18:10:00Z"),
            utc("2026-11-27T18:10:02Z"),
            false,
        )
        .unwrap();
        assert_eq!(clock.skew, TimeDelta::seconds(4));
    }

    #[test]
    fn an_unreadable_system_time_is_an_error() {
        let now = Utc::now();
        assert_eq!(
            DaemonClock::from_system_time("", now, now, true).unwrap_err(),
            "the Docker daemon reports an unreadable SystemTime \"\": premature end of input"
        );
    }
}

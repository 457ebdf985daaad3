//! What one prune has consumed so far, against its [`Limits`]: the component's own CPU time,
//! wall-clock time, backend calls and the size of the strings the plugin hands over.
//!
//! The host's imports are not the component's time. Reading the thread's CPU clock costs a
//! system call (about 1 µs), too much around every import, so the imports are timed with the
//! wall clock (vDSO) and the CPU clock is read once per epoch tick: for the time since the last
//! tick, the component is charged the thread's CPU time, but never more than the wall time it
//! spent outside the imports. Both are at least its own CPU time, so it is never undercharged:
//! time an import spent waiting is no credit.

#![allow(unsafe_code, reason = "the thread CPU clock (clock_gettime)")]

use std::time::{Duration, Instant};

use crate::fault::PluginFault;
use crate::limits::{ECHO_FACTOR, Limits};

/// The consumption of one prune.
#[derive(Debug)]
pub struct Meter {
    limits: Limits,
    /// When the prune started.
    started: Instant,
    /// Wall time spent in the host's imports so far.
    in_host: Duration,
    /// The component's CPU time, as charged up to the last reading.
    charged: Duration,
    /// The clocks at the last reading.
    last: Reading,
    backend_calls: u64,
    /// The length of the longest text the host handed the component so far.
    longest_supplied: usize,
}

/// The clocks at one moment of the prune.
#[derive(Debug)]
struct Reading {
    /// The thread's CPU time.
    cpu: Duration,
    /// The wall clock.
    at: Instant,
    /// [`Meter::in_host`] then.
    in_host: Duration,
}

impl Meter {
    /// Starts metering a prune on the current thread.
    pub fn start(limits: Limits) -> Meter {
        let now = Instant::now();
        Meter {
            limits,
            started: now,
            in_host: Duration::ZERO,
            charged: Duration::ZERO,
            last: Reading {
                cpu: thread_cpu_time(),
                at: now,
                in_host: Duration::ZERO,
            },
            backend_calls: 0,
            longest_supplied: 0,
        }
    }

    /// The limits metered against.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Charges the component for its time since the last check (see the module's notes); fails
    /// once that is more than the CPU time limit, or the prune has run longer than the
    /// wall-clock limit. Called at every epoch tick.
    pub fn check_time(&mut self) -> Result<(), PluginFault> {
        let now = Instant::now();
        let cpu = thread_cpu_time();
        let own_wall = now
            .saturating_duration_since(self.last.at)
            .saturating_sub(self.in_host.saturating_sub(self.last.in_host));
        self.charged += cpu.saturating_sub(self.last.cpu).min(own_wall);
        self.last = Reading {
            cpu,
            at: now,
            in_host: self.in_host,
        };
        if self.charged > self.limits.cpu_time {
            return Err(PluginFault::CpuTime(self.limits.cpu_time));
        }
        self.check_wall_time(now)
    }

    /// The wall time the component has spent outside the host's imports so far.
    pub fn own_time(&self) -> Duration {
        self.started.elapsed().saturating_sub(self.in_host)
    }

    /// Marks the start of the host's work for an import; fails if the prune is already past its
    /// wall-clock limit. Returns the mark for [`Meter::leave_host`].
    pub fn enter_host(&self) -> Result<Instant, PluginFault> {
        let now = Instant::now();
        self.check_wall_time(now)?;
        Ok(now)
    }

    /// Marks the end of the host's work begun at `entered`: that time is not the component's.
    /// Fails if the prune is now past its wall-clock limit (the backend was slow).
    pub fn leave_host(&mut self, entered: Instant) -> Result<(), PluginFault> {
        let now = Instant::now();
        self.in_host += now.saturating_duration_since(entered);
        self.check_wall_time(now)
    }

    fn check_wall_time(&self, now: Instant) -> Result<(), PluginFault> {
        if now.saturating_duration_since(self.started) > self.limits.wall_time {
            return Err(PluginFault::WallTime(self.limits.wall_time));
        }
        Ok(())
    }

    /// Counts `calls` backend calls; fails once there were more than the limit.
    pub fn charge_calls(&mut self, calls: u64) -> Result<(), PluginFault> {
        self.backend_calls = self.backend_calls.saturating_add(calls);
        if self.backend_calls > self.limits.backend_calls {
            return Err(PluginFault::BackendCalls(self.limits.backend_calls));
        }
        Ok(())
    }

    /// Notes a text of `len` bytes the host handed the component: the plugin may quote it.
    pub fn supplied(&mut self, len: usize) {
        self.longest_supplied = self.longest_supplied.max(len);
    }

    /// Fails if `text`, a string from the plugin, is longer than the message limit: the
    /// configured one, plus [`ECHO_FACTOR`] times the longest text the host supplied.
    pub fn check_message(&self, text: &str) -> Result<(), PluginFault> {
        let limit = self
            .limits
            .message_bytes
            .saturating_add(self.longest_supplied.saturating_mul(ECHO_FACTOR));
        if text.len() > limit {
            return Err(PluginFault::MessageBytes(limit));
        }
        Ok(())
    }
}

/// The CPU time the current thread has used (`CLOCK_THREAD_CPUTIME_ID`).
#[cfg(unix)]
fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec; the clock exists on every unix pruner
    // supports, and on failure `now` simply stays zero.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    Duration::new(
        u64::try_from(now.tv_sec).unwrap_or(0),
        u32::try_from(now.tv_nsec).unwrap_or(0),
    )
}

/// Elsewhere, time since the first reading: wall time stands in for CPU time.
#[cfg(not(unix))]
fn thread_cpu_time() -> Duration {
    use std::sync::LazyLock;
    static ORIGIN: LazyLock<Instant> = LazyLock::new(Instant::now);
    ORIGIN.elapsed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_may_quote_the_longest_text_the_host_supplied_eight_times_over() {
        let mut meter = Meter::start(Limits {
            message_bytes: 100,
            ..Limits::default()
        });
        assert_eq!(meter.check_message(&"x".repeat(100)), Ok(()));
        assert_eq!(
            meter.check_message(&"x".repeat(101)),
            Err(PluginFault::MessageBytes(100))
        );

        meter.supplied(1_000);
        meter.supplied(10);
        assert_eq!(meter.check_message(&"x".repeat(8_100)), Ok(()));
        assert_eq!(
            meter.check_message(&"x".repeat(8_101)),
            Err(PluginFault::MessageBytes(8_100))
        );
    }
}

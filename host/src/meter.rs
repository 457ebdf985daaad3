//! What one prune has consumed so far, against its [`Limits`]: CPU time, backend calls and the
//! size of the strings the plugin hands over.

use std::time::Duration;

use crate::fault::PluginFault;
use crate::limits::Limits;

/// The consumption of one prune.
#[derive(Debug)]
pub struct Meter {
    limits: Limits,
    cpu_at_start: Duration,
    backend_calls: u64,
}

impl Meter {
    /// Starts metering a prune on the current thread.
    pub fn start(limits: Limits) -> Meter {
        Meter {
            limits,
            cpu_at_start: thread_cpu_time(),
            backend_calls: 0,
        }
    }

    /// The limits metered against.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Fails once the thread has used more CPU time than the limit since [`Meter::start`].
    pub fn check_cpu_time(&self) -> Result<(), PluginFault> {
        if thread_cpu_time().saturating_sub(self.cpu_at_start) > self.limits.cpu_time {
            return Err(PluginFault::CpuTime(self.limits.cpu_time));
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

    /// Fails if `text`, a string from the plugin, is longer than the message limit.
    pub fn check_message(&self, text: &str) -> Result<(), PluginFault> {
        if text.len() > self.limits.message_bytes {
            return Err(PluginFault::MessageBytes(self.limits.message_bytes));
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
    use std::time::Instant;
    static ORIGIN: LazyLock<Instant> = LazyLock::new(Instant::now);
    ORIGIN.elapsed()
}

//! The warnings of one prune on their way to the daemon's log: each escaped onto one line
//! ([`escape`]), at most [`Limits::warnings`] of them and [`Limits::warning_bytes`] bytes. From
//! the first warning past either bound on, warnings are only counted, and when the prune ends
//! (its store is dropped, whatever the outcome) one more line says how many were suppressed.

use std::sync::Arc;

use pruner_state::escape::escape;

use crate::backend::WarningLog;
use crate::limits::Limits;

/// The warnings of one prune.
pub struct Warnings {
    log: Arc<dyn WarningLog>,
    max_count: usize,
    max_bytes: usize,
    written: usize,
    written_bytes: usize,
    suppressed: u64,
}

impl Warnings {
    /// The warnings of a prune within `limits`, logged to `log`.
    pub fn new(log: Arc<dyn WarningLog>, limits: &Limits) -> Warnings {
        Warnings {
            log,
            max_count: limits.warnings,
            max_bytes: limits.warning_bytes,
            written: 0,
            written_bytes: 0,
            suppressed: 0,
        }
    }

    /// Logs `message`, escaped, if it fits within the bounds and none was suppressed before it;
    /// else counts it.
    pub fn warn(&mut self, message: &str) {
        if self.suppressed == 0 && self.written < self.max_count {
            let line = escape(message);
            let bytes = self.written_bytes.saturating_add(line.len());
            if bytes <= self.max_bytes {
                self.written += 1;
                self.written_bytes = bytes;
                self.log.warn(&line);
                return;
            }
        }
        self.suppressed += 1;
    }
}

impl Drop for Warnings {
    /// Says how many warnings were suppressed, if any were.
    fn drop(&mut self) {
        if self.suppressed == 0 {
            return;
        }
        let noun = if self.suppressed == 1 {
            "warning"
        } else {
            "warnings"
        };
        self.log.warn(&format!(
            "{} more {noun} suppressed (a prune logs at most {} warnings, {} bytes)",
            self.suppressed, self.max_count, self.max_bytes
        ));
    }
}

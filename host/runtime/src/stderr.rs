//! The plugin's standard error, kept (its first [`CAPACITY`] bytes) so that a trap can say what
//! the plugin printed before it, such as a panic message. Standard output is discarded.

use std::sync::{Arc, Mutex, PoisonError};

/// How much of the plugin's standard error is kept; the rest is dropped silently.
pub const CAPACITY: usize = 1024;

/// The captured standard error of one prune; clones share it.
#[derive(Clone, Debug, Default)]
pub struct CapturedStderr(Arc<Mutex<Vec<u8>>>);

impl CapturedStderr {
    /// What the plugin wrote, lines trimmed and joined with spaces.
    pub fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Keeps what of `bytes` fits.
    pub(crate) fn append(&self, bytes: &[u8]) {
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let room = CAPACITY.saturating_sub(kept.len());
        kept.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }
}

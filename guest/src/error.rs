//! Docker's error classes (moby `errdefs`) with Docker's message texts.

use alloc::string::String;
use core::fmt;

/// An error of the prune rules or of a backend, classed as Docker classes it: pruner's one
/// definition of Docker's error classes. The WIT's `error` variant is its image at the wasm
/// edge, converted on each side (`component` here, `pruner_runtime::bindings` on the host).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DockerError {
    /// Bad input (HTTP 400).
    InvalidParameter(String),
    /// Conflicts with the daemon's state (HTTP 409).
    Conflict(String),
    /// No such object (HTTP 404).
    NotFound(String),
    /// Refused (HTTP 403).
    Forbidden(String),
    /// Anything else (HTTP 500).
    System(String),
}

impl DockerError {
    /// The HTTP status the Engine API answers this class with (moby's `httpstatus`).
    pub fn status_code(&self) -> u16 {
        match self {
            DockerError::InvalidParameter(_) => 400,
            DockerError::Forbidden(_) => 403,
            DockerError::NotFound(_) => 404,
            DockerError::Conflict(_) => 409,
            DockerError::System(_) => 500,
        }
    }

    /// Docker's message text.
    pub fn message(&self) -> &str {
        match self {
            DockerError::InvalidParameter(m)
            | DockerError::Conflict(m)
            | DockerError::NotFound(m)
            | DockerError::Forbidden(m)
            | DockerError::System(m) => m,
        }
    }
}

impl fmt::Display for DockerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for DockerError {}

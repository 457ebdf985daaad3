//! Docker's error classes (moby `errdefs`) with Docker's message texts.

use alloc::string::String;
use core::fmt;

/// An error of the prune rules or of a backend, classed as Docker classes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
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

impl Error {
    /// Docker's message text.
    pub fn message(&self) -> &str {
        match self {
            Error::InvalidParameter(m)
            | Error::Conflict(m)
            | Error::NotFound(m)
            | Error::Forbidden(m)
            | Error::System(m) => m,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for Error {}

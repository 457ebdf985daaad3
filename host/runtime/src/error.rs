//! Why a prune failed: Docker's error classes, or a component that misbehaved. The texts keep
//! what the daemon, a backend or a plugin said unchanged; their `Display` escapes it
//! ([`escape`]), so that an error is always one line that cannot drive a terminal.

use pruner_state::escape::escape;

use crate::bindings;
use crate::fault::PluginFault;
use crate::policy::PolicyError;

/// A failed prune. The Docker classes carry Docker's message text unchanged; `Display` shows it
/// escaped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PruneError {
    /// Bad input (HTTP 400), e.g. `invalid filter 'dangling'`.
    #[error("{}", escape(.0))]
    InvalidParameter(String),
    /// Conflicts with the daemon's state (HTTP 409), e.g. `a prune operation is already running`.
    #[error("{}", escape(.0))]
    Conflict(String),
    /// No such object (HTTP 404).
    #[error("{}", escape(.0))]
    NotFound(String),
    /// Refused (HTTP 403).
    #[error("{}", escape(.0))]
    Forbidden(String),
    /// The daemon or a backend failed (HTTP 500).
    #[error("{}", escape(.0))]
    System(String),
    /// The prune plugin was at fault: it crossed a limit, trapped or broke a host rule. The
    /// host refused what it must and serves the next prune as usual.
    #[error("prune plugin {0}")]
    Plugin(PluginFault),
    /// The built-in component crossed a limit (a daemon larger than the [`Limits`] allow for).
    /// It is pruner's own, trusted code, so it is never called a plugin.
    ///
    /// [`Limits`]: crate::Limits
    #[error("the built-in prune component {0}")]
    Builtin(PluginFault),
    /// wasmtime could not run the component for a reason that is not one of the plugin's
    /// faults (e.g. the host could not provide a granted directory).
    #[error("prune component failed: {}", escape(.0))]
    Component(String),
    /// A prune policy was at fault (see [`policy`](crate::policy)); nothing was removed.
    #[error("{0}")]
    Policy(PolicyError),
}

impl PruneError {
    /// The HTTP status the Engine API answers this error with.
    pub fn status_code(&self) -> u16 {
        match self {
            PruneError::InvalidParameter(_) => 400,
            PruneError::Conflict(_) => 409,
            PruneError::NotFound(_) => 404,
            PruneError::Forbidden(_) => 403,
            PruneError::System(_)
            | PruneError::Plugin(_)
            | PruneError::Builtin(_)
            | PruneError::Component(_)
            | PruneError::Policy(_) => 500,
        }
    }
}

impl From<bindings::Error> for PruneError {
    fn from(err: bindings::Error) -> Self {
        match err {
            bindings::Error::InvalidParameter(m) => PruneError::InvalidParameter(m),
            bindings::Error::Conflict(m) => PruneError::Conflict(m),
            bindings::Error::NotFound(m) => PruneError::NotFound(m),
            bindings::Error::Forbidden(m) => PruneError::Forbidden(m),
            bindings::Error::System(m) => PruneError::System(m),
        }
    }
}

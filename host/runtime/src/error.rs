//! Why a prune failed: Docker's error, raised by the daemon or returned by the component, or
//! a component that misbehaved. The texts keep what the daemon, a backend or a plugin said
//! unchanged; their `Display` escapes it ([`escape`]), so that an error is always one line
//! that cannot drive a terminal.

use pruner_state::escape::escape;

use crate::fault::PluginFault;
use crate::policy::PolicyError;
use pruner_guest::error::DockerError;

/// A failed prune, blamed where it arose: the daemon, the prune component's own answer, the
/// component's misbehaviour, or a policy. Docker's errors carry Docker's message text
/// unchanged; `Display` shows it escaped, the same whoever raised it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PruneError {
    /// The daemon raised it: a backend (or the host for it, e.g. `a prune operation is already
    /// running`) answered with this error, and the component passed it on unchanged.
    #[error("{}", escape(.0.message()))]
    Daemon(DockerError),
    /// The prune component returned it of its own: for the built-in component, Docker's rules
    /// refusing their input (e.g. `invalid filter 'dangling'`); for a plugin, whatever it chose
    /// to answer, which no backend raised.
    #[error("{}", escape(.0.message()))]
    Returned(DockerError),
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
            PruneError::Daemon(err) | PruneError::Returned(err) => err.status_code(),
            PruneError::Plugin(_)
            | PruneError::Builtin(_)
            | PruneError::Component(_)
            | PruneError::Policy(_) => 500,
        }
    }
}

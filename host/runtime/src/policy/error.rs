//! Why a policy could not be loaded, refused its options, or made a prune fail.

use crate::fault::PluginFault;

/// A policy that cannot be loaded: an unknown name, or a component that is not a policy or
/// imports what pruner does not grant.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// No shipped policy has this name.
    #[error("no policy is named {0:?} (pruner ships {names}); give a policy file as FILE.wasm", names = super::shipped_names())]
    Unknown(String),
    /// The component is not a prune policy, or asks for more than pruner grants.
    #[error("{name} is not a prune policy: {reason}")]
    Invalid {
        /// The policy as given.
        name: String,
        /// Why.
        reason: String,
    },
}

/// What a policy did wrong. `Display` completes "prune policy `<name>` …".
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyFault {
    /// It refused its options for this prune (its `check`): the user's usage error.
    #[error("refused its options: {0}")]
    Options(String),
    /// It crossed a limit or trapped, as a prune plugin can.
    #[error("{0}")]
    Sandbox(PluginFault),
    /// It kept an object it was not given.
    #[error("broke a host rule: it kept {kind} {id}, which it was not given")]
    UnknownObject {
        /// `container` or `network`.
        kind: &'static str,
        /// The ID it named.
        id: String,
    },
    /// It answered through the SDK's packed transport with words that name no object or no
    /// reason: a policy that implements the transport itself, which it should not.
    #[error("broke pruner's packed transport: {0}")]
    Transport(String),
    /// It returned an error instead of its decisions.
    #[error("failed: {0}")]
    Failed(String),
    /// wasmtime could not run it, for a reason that is not its fault.
    #[error("could not run: {0}")]
    Component(String),
}

/// A policy made a prune fail, or refused its options; nothing was removed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("prune policy {policy} {fault}")]
pub struct PolicyError {
    /// The policy's name: a shipped policy's, or the file as given.
    pub policy: String,
    /// What it did.
    pub fault: PolicyFault,
}

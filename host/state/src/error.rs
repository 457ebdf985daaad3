//! The errors a daemon's state answers with: Docker's classes (moby `errdefs`) and texts.

/// A refused or failed operation on the daemon's state; `Display` is Docker's text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The operation conflicts with the object's state (HTTP 409), e.g. removing a running
    /// container.
    #[error("{0}")]
    Conflict(String),
    /// No such object (HTTP 404).
    #[error("{0}")]
    NotFound(String),
    /// The daemon refuses the operation (HTTP 403), e.g. removing a predefined network.
    #[error("{0}")]
    Forbidden(String),
    /// Anything else the daemon failed at (HTTP 500), e.g. an injected failure.
    #[error("{0}")]
    System(String),
}

//! A container's status word (`created`, `running`, …), as the state file and Docker store it.

use std::fmt;

/// A container's state, as `docker ps` and the Engine API's `State` report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerState {
    /// Created, never started.
    Created,
    /// Running.
    Running,
    /// Paused.
    Paused,
    /// Restarting.
    Restarting,
    /// Being removed.
    Removing,
    /// Stopped.
    Exited,
    /// A failed removal left it dead.
    Dead,
}

impl ContainerState {
    /// Docker's status word, e.g. `exited`.
    pub fn word(self) -> &'static str {
        match self {
            ContainerState::Created => "created",
            ContainerState::Running => "running",
            ContainerState::Paused => "paused",
            ContainerState::Restarting => "restarting",
            ContainerState::Removing => "removing",
            ContainerState::Exited => "exited",
            ContainerState::Dead => "dead",
        }
    }

    /// The state a status word names; the error text lists the accepted words.
    pub fn from_word(word: &str) -> Result<ContainerState, String> {
        match word {
            "created" => Ok(ContainerState::Created),
            "running" => Ok(ContainerState::Running),
            "paused" => Ok(ContainerState::Paused),
            "restarting" => Ok(ContainerState::Restarting),
            "removing" => Ok(ContainerState::Removing),
            "exited" => Ok(ContainerState::Exited),
            "dead" => Ok(ContainerState::Dead),
            _ => Err(format!(
                "unknown container state {word:?} (expected one of created, running, paused, \
                 restarting, removing, exited, dead)"
            )),
        }
    }
}

/// The type a [`State`](crate::State) stores container states as: [`ContainerState`] itself, or
/// an embedder's own enum of the same seven states that converts both ways (the wasmtime host
/// stores the enum its WIT bindings generate, so its records carry the bindings' type).
pub trait StatusWord:
    Copy + PartialEq + fmt::Debug + From<ContainerState> + Into<ContainerState>
{
}

impl<T> StatusWord for T where
    T: Copy + PartialEq + fmt::Debug + From<ContainerState> + Into<ContainerState>
{
}

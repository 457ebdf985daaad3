//! A container's status word (`created`, `running`, …), as the state file stores it: the
//! model's [`ContainerState`], or an embedder's enum of the same states.

use std::fmt;

pub use pruner_guest::model::ContainerState;

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

//! The daemon state the in-memory backend holds and the state file stores: `pruner-state`'s
//! schema (shared with the backend component), with container states held as the WIT
//! bindings' [`ContainerState`].

use crate::bindings::ContainerState;

pub use pruner_state::{ClusterNetworkRecord, ClusterRecord, Failures, NetworkRecord};

/// Everything the daemon has that prune looks at.
pub type State = pruner_state::State<ContainerState>;

/// One container.
pub type ContainerRecord = pruner_state::ContainerRecord<ContainerState>;

impl From<pruner_state::ContainerState> for ContainerState {
    fn from(state: pruner_state::ContainerState) -> Self {
        use pruner_state::ContainerState as Plain;
        match state {
            Plain::Created => ContainerState::Created,
            Plain::Running => ContainerState::Running,
            Plain::Paused => ContainerState::Paused,
            Plain::Restarting => ContainerState::Restarting,
            Plain::Removing => ContainerState::Removing,
            Plain::Exited => ContainerState::Exited,
            Plain::Dead => ContainerState::Dead,
        }
    }
}

impl From<ContainerState> for pruner_state::ContainerState {
    fn from(state: ContainerState) -> Self {
        use pruner_state::ContainerState as Plain;
        match state {
            ContainerState::Created => Plain::Created,
            ContainerState::Running => Plain::Running,
            ContainerState::Paused => Plain::Paused,
            ContainerState::Restarting => Plain::Restarting,
            ContainerState::Removing => Plain::Removing,
            ContainerState::Exited => Plain::Exited,
            ContainerState::Dead => Plain::Dead,
        }
    }
}

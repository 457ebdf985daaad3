//! The daemon state the in-memory backend holds and the state file stores: `pruner-state`'s
//! schema (shared with the backend component), with container states held as the WIT
//! bindings' [`ContainerState`].

use crate::bindings::ContainerState;

pub use pruner_state::{ClusterNetworkRecord, ClusterRecord, Failures, NetworkRecord};

/// Everything the daemon has that prune looks at.
pub type State = pruner_state::State<ContainerState>;

/// One container.
pub type ContainerRecord = pruner_state::ContainerRecord<ContainerState>;

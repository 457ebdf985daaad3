//! What a daemon refuses, in Docker's words, defined once: the state-file and in-memory
//! backends ([`rules`](crate::rules)), the host rules that hold whatever a plugin asks, and the
//! benchmarks' daemon answer with these.

use crate::DockerError;
use crate::status::ContainerState;

/// Network names Docker creates itself and refuses to remove (moby `IsPredefined`).
pub const PREDEFINED_NETWORKS: [&str; 4] = ["bridge", "host", "none", "default"];

/// An unknown container ID.
pub fn no_such_container(id: &str) -> DockerError {
    DockerError::NotFound(format!("No such container: {id}"))
}

/// An unknown network ID.
pub fn no_such_network(id: &str) -> DockerError {
    DockerError::NotFound(format!("network {id} not found"))
}

/// `ContainerRm` without force refusing container `id` in `state`: running, paused and
/// restarting containers are refused; a container already being removed is
/// [`removal_in_progress`].
pub fn active_container(state: ContainerState, id: &str) -> Option<DockerError> {
    let text = match state {
        ContainerState::Running => format!(
            "You cannot remove a running container {id}. Stop the container before attempting \
             removal or force remove"
        ),
        ContainerState::Paused => format!(
            "You cannot remove a paused container {id}. Unpause and then stop the container \
             before attempting removal or force remove"
        ),
        ContainerState::Restarting => format!(
            "You cannot remove a restarting container {id}. Stop the container before \
             attempting removal or force remove"
        ),
        ContainerState::Created
        | ContainerState::Removing
        | ContainerState::Exited
        | ContainerState::Dead => return None,
    };
    Some(DockerError::Conflict(text))
}

/// A second removal of container `id` while the first is under way.
pub fn removal_in_progress(id: &str) -> DockerError {
    DockerError::Conflict(format!("removal of container {id} is already in progress"))
}

/// One of Docker's [`PREDEFINED_NETWORKS`], `name`.
pub fn predefined_network(name: &str) -> DockerError {
    DockerError::Forbidden(format!(
        "{name} is a pre-defined network and cannot be removed"
    ))
}

/// A local network with endpoints attached.
pub fn network_in_use(name: &str, id: &str) -> DockerError {
    DockerError::Forbidden(format!(
        "error while removing network: network {name} id {id} has active endpoints"
    ))
}

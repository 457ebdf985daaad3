//! The objects a policy is shown: containers or networks, with their facts, read from the
//! contract's records once.

use pruner_guest::model::{self, ContainerState, Instant, Label};
use pruner_guest::{labels, networks};

use crate::bindings::exports::pruner::policy::policy as wit;

/// One object of the daemon: a container, or a local or swarm network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Object {
    /// The container or network ID.
    pub id: String,
    /// A container's first name (empty if it has none), or a network's name.
    pub name: String,
    /// Its labels.
    pub labels: Vec<Label>,
    /// When it was created.
    pub created: Instant,
    /// What only containers, or only networks, have.
    pub facts: Facts,
    /// Whether Docker's prune may remove it at all, filters aside.
    prunable: bool,
}

/// The facts of one kind of object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Facts {
    /// A container's.
    Container {
        /// All its names.
        names: Vec<String>,
        /// The image it was created from, as given; `None` when the daemon does not say.
        image: Option<String>,
        /// Its state.
        state: ContainerState,
        /// When it last exited; `None` when it never ran to an end or the daemon does not say.
        finished: Option<Instant>,
    },
    /// A network's.
    Network {
        /// A swarm network (else a local one).
        swarm: bool,
        /// A `--config-only` network.
        config_only: bool,
        /// Endpoints attached (a local network's).
        endpoints: u32,
        /// The swarm's ingress network.
        ingress: bool,
    },
}

impl Object {
    /// Whether Docker's prune may remove this object at all, whatever the filters: a
    /// container that is not running, paused or restarting; a network that is not predefined,
    /// config-only, in use by endpoints or the swarm's ingress. Prune never removes the
    /// others, so a policy counting what it keeps usually counts only these.
    pub fn is_prunable(&self) -> bool {
        self.prunable
    }

    /// The value of the label `key`, if the object has it.
    pub fn label(&self, key: &str) -> Option<&str> {
        labels::label_value(&self.labels, key)
    }

    /// A container's image, if known (always `None` for a network).
    pub fn image(&self) -> Option<&str> {
        match &self.facts {
            Facts::Container { image, .. } => image.as_deref(),
            Facts::Network { .. } => None,
        }
    }

    /// The object described by the contract's container record.
    pub(crate) fn from_container(container: wit::Container) -> Object {
        let state = state(container.state);
        Object {
            name: container.names.first().cloned().unwrap_or_default(),
            id: container.id,
            labels: labels_from_wit(container.labels),
            created: instant(container.created),
            prunable: !state.is_running(),
            facts: Facts::Container {
                names: container.names,
                image: container.image,
                state,
                finished: container.finished.map(instant),
            },
        }
    }

    /// The object described by the contract's network record; whether prune may remove it is
    /// the built-in rules' own test.
    pub(crate) fn from_network(network: wit::Network) -> Object {
        let facts = Facts::Network {
            swarm: network.scope == wit::NetworkScope::Swarm,
            config_only: network.config_only,
            endpoints: network.endpoints,
            ingress: network.ingress,
        };
        let created = instant(network.created);
        let labels = labels_from_wit(network.labels);
        let (id, name, labels, prunable) = match network.scope {
            wit::NetworkScope::Local => {
                let local = model::Network {
                    id: network.id,
                    name: network.name,
                    created,
                    labels,
                    config_only: network.config_only,
                    endpoints: network.endpoints,
                };
                let prunable = networks::is_prunable_local_network(&local);
                (local.id, local.name, local.labels, prunable)
            }
            wit::NetworkScope::Swarm => {
                let swarm = model::ClusterNetwork {
                    id: network.id,
                    name: network.name,
                    created,
                    labels,
                    ingress: network.ingress,
                };
                let prunable = networks::is_prunable_cluster_network(&swarm);
                (swarm.id, swarm.name, swarm.labels, prunable)
            }
        };
        Object {
            id,
            name,
            labels,
            created,
            facts,
            prunable,
        }
    }
}

/// The contract's timestamp as the rules' instant.
pub(crate) fn instant(time: wit::Timestamp) -> Instant {
    Instant::from_unix(time.seconds, i64::from(time.nanoseconds))
}

fn labels_from_wit(labels: Vec<wit::Label>) -> Vec<Label> {
    labels
        .into_iter()
        .map(|label| Label {
            key: label.key,
            value: label.value,
        })
        .collect()
}

fn state(state: wit::ContainerState) -> ContainerState {
    match state {
        wit::ContainerState::Created => ContainerState::Created,
        wit::ContainerState::Running => ContainerState::Running,
        wit::ContainerState::Paused => ContainerState::Paused,
        wit::ContainerState::Restarting => ContainerState::Restarting,
        wit::ContainerState::Removing => ContainerState::Removing,
        wit::ContainerState::Exited => ContainerState::Exited,
        wit::ContainerState::Dead => ContainerState::Dead,
    }
}

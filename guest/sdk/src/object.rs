//! The objects a policy is shown: containers or networks, with their facts, read from the
//! contract's records once.

use pruner_guest::model::{self, ContainerState, Instant, Label};
use pruner_guest::{labels, networks};

use crate::bindings::exports::pruner::policy::policy as wit;
use crate::transport::exports::pruner::policy_transport::packed;

/// The words of one container in the packed listing's `containers`.
const CONTAINER_WORDS: usize = 15;
/// The flag of a container whose image is known, above its state's byte.
const IMAGE_KNOWN: u32 = 1 << 8;
/// The flag of a container whose exit time is known.
const FINISHED_KNOWN: u32 = 1 << 9;
/// The states in the contract's order: the packed listing's state numbers.
const STATES: [ContainerState; 7] = [
    ContainerState::Created,
    ContainerState::Running,
    ContainerState::Paused,
    ContainerState::Restarting,
    ContainerState::Removing,
    ContainerState::Exited,
    ContainerState::Dead,
];

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
        Object::container(
            container.id,
            container.names,
            container.image,
            labels_from_wit(container.labels),
            instant(container.created),
            state(container.state),
            container.finished.map(instant),
        )
    }

    /// The containers of the packed transport's listing, each as [`Object::from_container`]
    /// makes it from the contract's record; `None` if the listing is malformed (a span or a
    /// range outside it, a state out of range).
    pub(crate) fn unpack(listing: &packed::ContainerListing) -> Option<Vec<Object>> {
        let text = |words: &[u32]| {
            let start = usize::try_from(words[0]).ok()?;
            let end = start.checked_add(usize::try_from(words[1]).ok()?)?;
            listing.text.get(start..end).map(str::to_string)
        };
        fn table(table: &[u32], each: usize, first: u32, count: u32) -> Option<&[u32]> {
            let first = usize::try_from(first).ok()?.checked_mul(each)?;
            let len = usize::try_from(count).ok()?.checked_mul(each)?;
            table.get(first..first.checked_add(len)?)
        }
        let time = |words: &[u32]| {
            let seconds = u64::from(words[0]) | u64::from(words[1]) << 32;
            Instant::from_unix(seconds as i64, i64::from(words[2]))
        };
        let containers = listing.containers.chunks_exact(CONTAINER_WORDS);
        if !containers.remainder().is_empty() {
            return None;
        }
        // Each list at its final size at once: the arena cannot grow a list in place once
        // something else is allocated after it, and would copy it at every doubling.
        let mut objects = Vec::with_capacity(containers.len());
        for c in containers {
            let names = table(&listing.names, 2, c[2], c[3])?;
            let mut name_list = Vec::with_capacity(names.len() / 2);
            for name in names.chunks_exact(2) {
                name_list.push(text(name)?);
            }
            let labels = table(&listing.labels, 4, c[4], c[5])?;
            let mut label_list = Vec::with_capacity(labels.len() / 4);
            for label in labels.chunks_exact(4) {
                label_list.push(Label {
                    key: text(&label[..2])?,
                    value: text(&label[2..])?,
                });
            }
            let flags = c[11];
            let image = match flags & IMAGE_KNOWN {
                0 => None,
                _ => Some(text(&c[6..8])?),
            };
            let finished = (flags & FINISHED_KNOWN != 0).then(|| time(&c[12..15]));
            objects.push(Object::container(
                text(&c[0..2])?,
                name_list,
                image,
                label_list,
                time(&c[8..11]),
                *STATES.get(usize::from(flags as u8))?,
                finished,
            ));
        }
        Some(objects)
    }

    /// A container with these facts.
    fn container(
        id: String,
        names: Vec<String>,
        image: Option<String>,
        labels: Vec<Label>,
        created: Instant,
        state: ContainerState,
        finished: Option<Instant>,
    ) -> Object {
        Object {
            name: names.first().cloned().unwrap_or_default(),
            id,
            labels,
            created,
            prunable: !state.is_running(),
            facts: Facts::Container {
                names,
                image,
                state,
                finished,
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
    // The generated enum numbers the states in the contract's order, as `STATES` lists them.
    STATES[state as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words of a timestamp: the seconds' low and high word, the nanoseconds.
    fn time(seconds: i64, nanoseconds: u32) -> [u32; 3] {
        let seconds = seconds as u64;
        [seconds as u32, (seconds >> 32) as u32, nanoseconds]
    }

    /// Two containers, packed: one with every fact (a time before 1970 among them), one with
    /// none but a label with a non-ASCII key and an empty value.
    fn listing() -> packed::ContainerListing {
        let mut containers = vec![0, 2, 0, 2, 0, 1, 10, 9];
        containers.extend(time(-5, 7));
        containers.push(5 | IMAGE_KNOWN | FINISHED_KNOWN);
        containers.extend(time(10, 0));
        containers.extend([21, 2, 2, 0, 1, 1, 0, 0]);
        containers.extend(time(1, 2));
        containers.extend([0, 0, 0, 0]);
        packed::ContainerListing {
            text: "a1webweb-2busybox:1kvb2ünï".to_string(),
            containers,
            names: vec![2, 3, 5, 5],
            labels: vec![19, 1, 20, 1, 23, 5, 28, 0],
        }
    }

    fn label(key: &str, value: &str) -> wit::Label {
        wit::Label {
            key: key.to_string(),
            value: value.to_string(),
        }
    }

    #[test]
    fn a_packed_listing_unpacks_to_the_objects_of_the_contract_s_records() {
        let records = [
            wit::Container {
                id: "a1".to_string(),
                names: vec!["web".to_string(), "web-2".to_string()],
                image: Some("busybox:1".to_string()),
                labels: vec![label("k", "v")],
                created: wit::Timestamp {
                    seconds: -5,
                    nanoseconds: 7,
                },
                state: wit::ContainerState::Exited,
                finished: Some(wit::Timestamp {
                    seconds: 10,
                    nanoseconds: 0,
                }),
            },
            wit::Container {
                id: "b2".to_string(),
                names: Vec::new(),
                image: None,
                labels: vec![label("ünï", "")],
                created: wit::Timestamp {
                    seconds: 1,
                    nanoseconds: 2,
                },
                state: wit::ContainerState::Created,
                finished: None,
            },
        ];
        let expected: Vec<Object> = records.into_iter().map(Object::from_container).collect();

        assert_eq!(Object::unpack(&listing()), Some(expected));
    }

    #[test]
    fn a_malformed_packed_listing_is_refused() {
        let malformed = |edit: fn(&mut packed::ContainerListing)| {
            let mut listing = listing();
            edit(&mut listing);
            Object::unpack(&listing)
        };
        assert_eq!(
            malformed(|l| l.containers[1] = 99),
            None,
            "an ID past the text"
        );
        assert_eq!(malformed(|l| l.containers[26] = 7), None, "no state 7");
        assert_eq!(
            malformed(|l| l.containers[5] = 3),
            None,
            "labels past the table"
        );
        assert_eq!(
            malformed(|l| l.labels[4] = 24),
            None,
            "a key inside a character"
        );
        assert_eq!(
            malformed(|l| l.containers.truncate(29)),
            None,
            "a container cut short"
        );
        assert_eq!(
            malformed(|l| l.containers.truncate(0)),
            Some(Vec::new()),
            "no containers"
        );
    }
}

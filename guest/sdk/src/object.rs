//! The objects a policy is shown: containers or networks, with their facts, borrowed from the
//! listing the host handed over, so that showing a policy a hundred thousand objects copies no
//! string of them.

use pruner_guest::labels::{self, KeyValue};
use pruner_guest::model::{ContainerState, Instant};
use pruner_guest::networks;

use crate::bindings::exports::pruner::policy::policy as wit;
use crate::transport::exports::pruner::policy_transport::packed;

/// The words of one container in the packed listing's `containers`.
const CONTAINER_WORDS: usize = 15;
/// The flag of a container whose image is known, above its state's byte.
const IMAGE_KNOWN: u32 = 1 << 8;
/// The flag of a container whose exit time is known.
const FINISHED_KNOWN: u32 = 1 << 9;

/// One label of an object: key and value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Label<'a> {
    /// The label key.
    pub key: &'a str,
    /// The label value, possibly empty.
    pub value: &'a str,
}

impl KeyValue for Label<'_> {
    fn key(&self) -> &str {
        self.key
    }

    fn value(&self) -> &str {
        self.value
    }
}

/// One object of the daemon: a container, or a local or swarm network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Object<'a> {
    /// The container or network ID.
    pub id: &'a str,
    /// A container's first name (empty if it has none), or a network's name.
    pub name: &'a str,
    /// Its labels.
    pub labels: &'a [Label<'a>],
    /// When it was created.
    pub created: Instant,
    /// What only containers, or only networks, have.
    pub facts: Facts<'a>,
    /// Whether Docker's prune may remove it at all, filters aside.
    prunable: bool,
    /// Its index in the listing, by which the SDK names it to the host when it is kept.
    pub(crate) at: u32,
}

/// The facts of one kind of object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Facts<'a> {
    /// A container's.
    Container {
        /// All its names.
        names: &'a [&'a str],
        /// The image it was created from, as given; `None` when the daemon does not say.
        image: Option<&'a str>,
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

impl<'a> Object<'a> {
    /// Whether Docker's prune may remove this object at all, whatever the filters: a
    /// container that is not running, paused or restarting; a network that is not predefined,
    /// config-only, in use by endpoints or the swarm's ingress. Prune never removes the
    /// others, so a policy counting what it keeps usually counts only these.
    pub fn is_prunable(&self) -> bool {
        self.prunable
    }

    /// The value of the label `key`, if the object has it.
    pub fn label(&self, key: &str) -> Option<&'a str> {
        labels::label_value(self.labels, key)
    }

    /// A container's image, if known (always `None` for a network).
    pub fn image(&self) -> Option<&'a str> {
        match self.facts {
            Facts::Container { image, .. } => image,
            Facts::Network { .. } => None,
        }
    }

    /// This object, at index `at` of the listing.
    fn placed(self, at: usize) -> Object<'a> {
        // The listing's objects are counted in `u32`: its tables' words and indexes are.
        Object {
            at: at as u32,
            ..self
        }
    }

    /// A container with these facts, at the listing's first index until it is
    /// [`placed`](Object::placed).
    fn container(
        id: &'a str,
        names: &'a [&'a str],
        image: Option<&'a str>,
        labels: &'a [Label<'a>],
        created: Instant,
        state: ContainerState,
        finished: Option<Instant>,
    ) -> Object<'a> {
        Object {
            id,
            name: names.first().copied().unwrap_or_default(),
            labels,
            created,
            prunable: !state.is_running(),
            at: 0,
            facts: Facts::Container {
                names,
                image,
                state,
                finished,
            },
        }
    }
}

/// Every name and label of a listing, in one list each, which its objects borrow slices of:
/// two allocations for the whole listing instead of one or more for every object.
#[derive(Debug, Default)]
pub(crate) struct Strings<'a> {
    names: Vec<&'a str>,
    labels: Vec<Label<'a>>,
}

impl<'a> Strings<'a> {
    /// The names and labels of the packed transport's listing; `None` if one of their spans is
    /// outside the text, or not on a character's boundaries.
    pub(crate) fn unpack(listing: &'a packed::ContainerListing) -> Option<Strings<'a>> {
        let (names, rest) = listing.names.as_chunks::<2>();
        let (labels, more) = listing.labels.as_chunks::<4>();
        if !rest.is_empty() || !more.is_empty() {
            return None;
        }
        // Each list at its final size at once: the arena cannot grow a list in place once
        // something else is allocated after it, and would copy it at every doubling.
        let mut strings = Strings {
            names: Vec::with_capacity(names.len()),
            labels: Vec::with_capacity(labels.len()),
        };
        for name in names {
            strings.names.push(span(&listing.text, name)?);
        }
        for [key_at, key_len, value_at, value_len] in labels {
            strings.labels.push(Label {
                key: span(&listing.text, &[*key_at, *key_len])?,
                value: span(&listing.text, &[*value_at, *value_len])?,
            });
        }
        Some(strings)
    }

    /// The containers of the packed transport's listing, as [`Strings::containers`] makes
    /// them from the contract's records; `None` if the listing is malformed (a span or a range
    /// outside it, a state out of range).
    pub(crate) fn packed_containers(
        &'a self,
        listing: &'a packed::ContainerListing,
    ) -> Option<Vec<Object<'a>>> {
        let time = |words: &[u32]| {
            let seconds = u64::from(words[0]) | u64::from(words[1]) << 32;
            Instant::from_unix(seconds as i64, i64::from(words[2]))
        };
        let (containers, rest) = listing.containers.as_chunks::<CONTAINER_WORDS>();
        if !rest.is_empty() {
            return None;
        }
        let mut objects = Vec::with_capacity(containers.len());
        for (at, c) in containers.iter().enumerate() {
            let flags = c[11];
            let image = match flags & IMAGE_KNOWN {
                0 => None,
                _ => Some(span(&listing.text, &c[6..8])?),
            };
            objects.push(
                Object::container(
                    span(&listing.text, &c[0..2])?,
                    self.names.get(range(c[2], c[3])?)?,
                    image,
                    self.labels.get(range(c[4], c[5])?)?,
                    time(&c[8..11]),
                    *ContainerState::ALL.get(usize::from(flags as u8))?,
                    (flags & FINISHED_KNOWN != 0).then(|| time(&c[12..15])),
                )
                .placed(at),
            );
        }
        Some(objects)
    }

    /// The names and labels of the contract's container records.
    pub(crate) fn of_containers(records: &'a [wit::Container]) -> Strings<'a> {
        let mut names = Vec::with_capacity(records.iter().map(|c| c.names.len()).sum());
        names.extend(records.iter().flat_map(|c| &c.names).map(String::as_str));
        let mut labels = Vec::with_capacity(records.iter().map(|c| c.labels.len()).sum());
        labels.extend(records.iter().flat_map(|c| &c.labels).map(borrow));
        Strings { names, labels }
    }

    /// The objects described by the contract's container `records`, whose names and labels
    /// these are ([`Strings::of_containers`]).
    pub(crate) fn containers(&'a self, records: &'a [wit::Container]) -> Vec<Object<'a>> {
        let (mut names, mut labels) = (&self.names[..], &self.labels[..]);
        let mut objects = Vec::with_capacity(records.len());
        for (at, record) in records.iter().enumerate() {
            let (its_names, rest) = names.split_at(record.names.len());
            names = rest;
            let (its_labels, rest) = labels.split_at(record.labels.len());
            labels = rest;
            objects.push(
                Object::container(
                    &record.id,
                    its_names,
                    record.image.as_deref(),
                    its_labels,
                    instant(record.created),
                    state(record.state),
                    record.finished.map(instant),
                )
                .placed(at),
            );
        }
        objects
    }

    /// The labels of the contract's network records.
    pub(crate) fn of_networks(records: &'a [wit::Network]) -> Strings<'a> {
        let mut labels = Vec::with_capacity(records.iter().map(|n| n.labels.len()).sum());
        labels.extend(records.iter().flat_map(|n| &n.labels).map(borrow));
        Strings {
            names: Vec::new(),
            labels,
        }
    }

    /// The objects described by the contract's network `records`, whose labels these are
    /// ([`Strings::of_networks`]); whether prune may remove each is the built-in rules' own
    /// test.
    pub(crate) fn networks(&'a self, records: &'a [wit::Network]) -> Vec<Object<'a>> {
        let mut labels = &self.labels[..];
        let mut objects = Vec::with_capacity(records.len());
        for (at, network) in records.iter().enumerate() {
            let (its_labels, rest) = labels.split_at(network.labels.len());
            labels = rest;
            let swarm = network.scope == wit::NetworkScope::Swarm;
            let prunable = match swarm {
                false => networks::is_prunable_local(
                    &network.name,
                    network.config_only,
                    network.endpoints,
                ),
                true => networks::is_prunable_cluster(network.ingress),
            };
            objects.push(
                Object {
                    id: &network.id,
                    name: &network.name,
                    labels: its_labels,
                    created: instant(network.created),
                    facts: Facts::Network {
                        swarm,
                        config_only: network.config_only,
                        endpoints: network.endpoints,
                        ingress: network.ingress,
                    },
                    prunable,
                    at: 0,
                }
                .placed(at),
            );
        }
        objects
    }
}

/// The text of a span's two words (the offset of its first byte and its length) in `text`.
fn span<'a>(text: &'a str, words: &[u32]) -> Option<&'a str> {
    let start = usize::try_from(words[0]).ok()?;
    let end = start.checked_add(usize::try_from(words[1]).ok()?)?;
    text.get(start..end)
}

/// The indexes of `count` entries from `first`.
fn range(first: u32, count: u32) -> Option<core::ops::Range<usize>> {
    let first = usize::try_from(first).ok()?;
    Some(first..first.checked_add(usize::try_from(count).ok()?)?)
}

/// A contract's label, borrowed.
fn borrow(label: &wit::Label) -> Label<'_> {
    Label {
        key: &label.key,
        value: &label.value,
    }
}

/// The contract's timestamp as the rules' instant.
pub(crate) fn instant(time: wit::Timestamp) -> Instant {
    Instant::from_unix(time.seconds, i64::from(time.nanoseconds))
}

fn state(state: wit::ContainerState) -> ContainerState {
    // The generated enum numbers the states in the contract's order, as `ContainerState::ALL`
    // lists them.
    ContainerState::ALL[state as usize]
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
        let strings = Strings::of_containers(&records);
        let expected = strings.containers(&records);
        let listing = listing();
        let unpacked = Strings::unpack(&listing).expect("the names and labels unpack");

        assert_eq!(unpacked.packed_containers(&listing), Some(expected));
    }

    #[test]
    fn a_malformed_packed_listing_is_refused() {
        let malformed = |edit: fn(&mut packed::ContainerListing)| {
            let mut listing = listing();
            edit(&mut listing);
            let strings = Strings::unpack(&listing)?;
            strings
                .packed_containers(&listing)
                .map(|objects| objects.len())
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
            Some(0),
            "no containers"
        );
    }
}

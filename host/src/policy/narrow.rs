//! Narrowing a prune: the daemon's objects are listed once, shown to every policy of the
//! chain, and the backends the prune component then runs against list only what no policy
//! kept. Removal, layer sizes, events, the clock are the daemon's own.
//!
//! A listing is served once as decided; should the component list again, the daemon is
//! listed afresh and the kept IDs are hidden from that listing too. A listing that failed
//! fails every time, so the component fails as Docker's prune would, and no listing the
//! policies did not see is ever served. For network prune the local networks are listed
//! before the swarm's are pruned (Docker lists them after), since the policies decide on all
//! networks at once.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use super::bindings::{self as wit, ClockReading, NetworkScope};
use super::{Kept, Policy, PolicyError, PolicyFault};
use crate::backend::{Backends, Cluster, ContainerFacts, ContainerStore, NetworkController};
use crate::bindings::{
    ClusterNetwork, Container, ContainerState, Error, Label, Network, Timestamp,
};
use crate::limits::Limits;

/// What the policies of a chain decided on the objects of one kind.
struct Decided {
    /// Whether some policy kept the object at that index of the listing.
    hidden: Vec<bool>,
    /// What each policy kept, in chain order, then listing order.
    kept: Vec<Kept>,
}

impl Decided {
    /// Asks every policy of `chain` through `ask` about `objects` (each object's ID and
    /// name, in listing order), refusing any ID it was not given.
    fn by(
        chain: &[Policy],
        kind: &'static str,
        objects: &[(&str, &str)],
        ask: impl Fn(&Policy) -> Result<Vec<wit::Kept>, PolicyError>,
    ) -> Result<Decided, PolicyError> {
        let index: HashMap<&str, usize> = objects
            .iter()
            .enumerate()
            .map(|(at, (id, _))| (*id, at))
            .collect();
        let mut decided = Decided {
            hidden: vec![false; objects.len()],
            kept: Vec::new(),
        };
        for policy in chain {
            let mut kept_here: Vec<(usize, Kept)> = Vec::new();
            for wit::Kept { id, reason } in ask(policy)? {
                let Some(&at) = index.get(id.as_str()) else {
                    return Err(policy.error(PolicyFault::UnknownObject { kind, id }));
                };
                let kept = Kept {
                    policy: policy.name().to_string(),
                    kind,
                    name: objects[at].1.to_string(),
                    id,
                    reason,
                };
                kept_here.push((at, kept));
            }
            // In listing order, each object once (the first reason given).
            kept_here.sort_by_key(|(at, _)| *at);
            kept_here.dedup_by_key(|(at, _)| *at);
            for (at, kept) in kept_here {
                decided.hidden[at] = true;
                decided.kept.push(kept);
            }
        }
        Ok(decided)
    }

    /// The IDs some policy kept.
    fn hidden_ids(&self) -> HashSet<String> {
        self.kept.iter().map(|kept| kept.id.clone()).collect()
    }
}

/// Container prune's backends narrowed by `chain`, and what the policies kept.
pub(super) fn containers(
    chain: &[Policy],
    backends: &Backends,
    limits: Limits,
) -> Result<(Backends, Vec<Kept>), PolicyError> {
    let listed = match backends.containers.list_with_facts() {
        Ok(listed) => listed,
        Err(err) => return Ok((with_containers(backends, Listing::failed(err)), Vec::new())),
    };
    let clock = clock_reading(backends);
    let records: Vec<wit::Container> = listed.into_iter().map(container_record).collect();
    let objects: Vec<(&str, &str)> = records
        .iter()
        .map(|c| (c.id.as_str(), c.names.first().map_or("", String::as_str)))
        .collect();
    let decided = Decided::by(chain, "container", &objects, |policy| {
        policy.containers(clock, &records, limits)
    })?;
    drop(objects);
    let hidden_ids = decided.hidden_ids();
    let shown = keep_shown(records, &decided.hidden, container_from_record);
    let listing = Listing::decided(shown, hidden_ids);
    Ok((with_containers(backends, listing), decided.kept))
}

/// Network prune's backends narrowed by `chain`, and what the policies kept.
pub(super) fn networks(
    chain: &[Policy],
    backends: &Backends,
    limits: Limits,
) -> Result<(Backends, Vec<Kept>), PolicyError> {
    let local = backends.networks.list();
    let manager = backends.cluster.is_manager();
    let swarm = manager.then(|| backends.cluster.list());
    let mut records: Vec<wit::Network> = Vec::new();
    if let Ok(local) = &local {
        records.extend(local.iter().map(local_record));
    }
    if let Some(Ok(swarm)) = &swarm {
        records.extend(swarm.iter().map(swarm_record));
    }
    let clock = clock_reading(backends);
    let objects: Vec<(&str, &str)> = records
        .iter()
        .map(|n| (n.id.as_str(), n.name.as_str()))
        .collect();
    let decided = Decided::by(chain, "network", &objects, |policy| {
        policy.networks(clock, &records, limits)
    })?;
    let hidden_ids = decided.hidden_ids();
    let local_count = local.as_ref().map_or(0, Vec::len);
    let (local_hidden, swarm_hidden) = decided.hidden.split_at(local_count);
    let local = match local {
        Ok(local) => Listing::decided(
            keep_shown(local, local_hidden, |network| network),
            hidden_ids.clone(),
        ),
        Err(err) => Listing::failed(err),
    };
    let swarm = match swarm {
        Some(Ok(swarm)) => Listing::decided(
            keep_shown(swarm, swarm_hidden, |network| network),
            hidden_ids,
        ),
        Some(Err(err)) => Listing::failed(err),
        // Not a manager: prune does not list the swarm's networks, and none were shown.
        None => Listing::decided(Vec::new(), hidden_ids),
    };
    let narrowed = Backends {
        networks: Arc::new(NarrowedNetworks {
            inner: backends.networks.clone(),
            listing: local,
        }),
        cluster: Arc::new(NarrowedCluster {
            inner: backends.cluster.clone(),
            manager,
            listing: swarm,
        }),
        ..backends.clone()
    };
    Ok((narrowed, decided.kept))
}

/// The objects of `listed` no policy kept (`hidden[i]` for the i-th), made with `make`.
fn keep_shown<T, U>(listed: Vec<T>, hidden: &[bool], make: impl Fn(T) -> U) -> Vec<U> {
    listed
        .into_iter()
        .zip(hidden)
        .filter(|(_, hidden)| !**hidden)
        .map(|(object, _)| make(object))
        .collect()
}

fn with_containers(backends: &Backends, listing: Listing<Container>) -> Backends {
    Backends {
        containers: Arc::new(NarrowedContainers {
            inner: backends.containers.clone(),
            listing,
        }),
        ..backends.clone()
    }
}

/// A decided listing: served once as it is, then listed afresh without the kept IDs.
struct Listing<T> {
    first: Mutex<Option<Vec<T>>>,
    hidden: Result<HashSet<String>, Error>,
}

impl<T: Identified> Listing<T> {
    fn decided(shown: Vec<T>, hidden: HashSet<String>) -> Listing<T> {
        Listing {
            first: Mutex::new(Some(shown)),
            hidden: Ok(hidden),
        }
    }

    fn failed(err: Error) -> Listing<T> {
        Listing {
            first: Mutex::new(None),
            hidden: Err(err),
        }
    }

    /// The listing: the decided one the first time, then `relist`'s without the kept IDs.
    fn serve(&self, relist: impl FnOnce() -> Result<Vec<T>, Error>) -> Result<Vec<T>, Error> {
        let hidden = self.hidden.as_ref().map_err(Clone::clone)?;
        let first = self
            .first
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match first {
            Some(shown) => Ok(shown),
            None => Ok(relist()?
                .into_iter()
                .filter(|object| !hidden.contains(object.id()))
                .collect()),
        }
    }
}

/// An object with an ID.
trait Identified {
    fn id(&self) -> &str;
}

impl Identified for Container {
    fn id(&self) -> &str {
        &self.id
    }
}

impl Identified for Network {
    fn id(&self) -> &str {
        &self.id
    }
}

impl Identified for ClusterNetwork {
    fn id(&self) -> &str {
        &self.id
    }
}

/// The container store with the kept containers hidden.
struct NarrowedContainers {
    inner: Arc<dyn ContainerStore>,
    listing: Listing<Container>,
}

impl ContainerStore for NarrowedContainers {
    fn list(&self) -> Result<Vec<Container>, Error> {
        self.listing.serve(|| self.inner.list())
    }

    fn layer_size(&self, id: &str) -> Result<i64, Error> {
        self.inner.layer_size(id)
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        self.inner.remove(id)
    }
}

/// The local networks with the kept ones hidden.
struct NarrowedNetworks {
    inner: Arc<dyn NetworkController>,
    listing: Listing<Network>,
}

impl NetworkController for NarrowedNetworks {
    fn list(&self) -> Result<Vec<Network>, Error> {
        self.listing.serve(|| self.inner.list())
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        self.inner.remove(id)
    }
}

/// The swarm with the kept networks hidden, and whether this node is a manager as it was
/// when the policies decided.
struct NarrowedCluster {
    inner: Arc<dyn Cluster>,
    manager: bool,
    listing: Listing<ClusterNetwork>,
}

impl Cluster for NarrowedCluster {
    fn is_manager(&self) -> bool {
        self.manager
    }

    fn list(&self) -> Result<Vec<ClusterNetwork>, Error> {
        self.listing.serve(|| self.inner.list())
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        self.inner.remove(id)
    }
}

fn clock_reading(backends: &Backends) -> ClockReading {
    let reading = crate::clock::reading(backends.clock.now());
    ClockReading {
        now: timestamp_record(reading.now),
        utc_offset_seconds: reading.utc_offset_seconds,
    }
}

fn timestamp_record(time: Timestamp) -> wit::Timestamp {
    wit::Timestamp {
        seconds: time.seconds,
        nanoseconds: time.nanoseconds,
    }
}

fn labels_record(labels: &[Label]) -> Vec<wit::Label> {
    labels
        .iter()
        .map(|label| wit::Label {
            key: label.key.clone(),
            value: label.value.clone(),
        })
        .collect()
}

/// A container as the policies see it; its strings move, to come back for the listing.
fn container_record(facts: ContainerFacts) -> wit::Container {
    let ContainerFacts {
        container,
        image,
        finished,
    } = facts;
    wit::Container {
        id: container.id,
        names: container.names,
        image,
        labels: container
            .labels
            .into_iter()
            .map(|Label { key, value }| wit::Label { key, value })
            .collect(),
        created: timestamp_record(container.created),
        state: match container.state {
            ContainerState::Created => wit::ContainerState::Created,
            ContainerState::Running => wit::ContainerState::Running,
            ContainerState::Paused => wit::ContainerState::Paused,
            ContainerState::Restarting => wit::ContainerState::Restarting,
            ContainerState::Removing => wit::ContainerState::Removing,
            ContainerState::Exited => wit::ContainerState::Exited,
            ContainerState::Dead => wit::ContainerState::Dead,
        },
        finished: finished.map(timestamp_record),
    }
}

/// The listed container a record was made from.
fn container_from_record(record: wit::Container) -> Container {
    Container {
        id: record.id,
        names: record.names,
        created: Timestamp {
            seconds: record.created.seconds,
            nanoseconds: record.created.nanoseconds,
        },
        state: match record.state {
            wit::ContainerState::Created => ContainerState::Created,
            wit::ContainerState::Running => ContainerState::Running,
            wit::ContainerState::Paused => ContainerState::Paused,
            wit::ContainerState::Restarting => ContainerState::Restarting,
            wit::ContainerState::Removing => ContainerState::Removing,
            wit::ContainerState::Exited => ContainerState::Exited,
            wit::ContainerState::Dead => ContainerState::Dead,
        },
        labels: record
            .labels
            .into_iter()
            .map(|wit::Label { key, value }| Label { key, value })
            .collect(),
    }
}

fn local_record(network: &Network) -> wit::Network {
    wit::Network {
        id: network.id.clone(),
        name: network.name.clone(),
        scope: NetworkScope::Local,
        labels: labels_record(&network.labels),
        created: timestamp_record(network.created),
        config_only: network.config_only,
        endpoints: network.endpoints,
        ingress: false,
    }
}

fn swarm_record(network: &ClusterNetwork) -> wit::Network {
    wit::Network {
        id: network.id.clone(),
        name: network.name.clone(),
        scope: NetworkScope::Swarm,
        labels: labels_record(&network.labels),
        created: timestamp_record(network.created),
        config_only: false,
        endpoints: 0,
        ingress: network.ingress,
    }
}

//! The daemon's objects as the backends serve them: a [`State`] indexed by ID, so that finding
//! or removing one object takes the same time whatever the daemon's size.
//!
//! A removal only marks the object's place in its list; the list is compacted once, when the
//! state is wanted whole ([`IndexedState::state`], e.g. to write the file).

use std::collections::HashMap;

use crate::events::EventMessage;
use crate::state::{ClusterNetworkRecord, ContainerRecord, NetworkRecord, State};
use crate::status::ContainerState;

/// A [`State`] whose containers, local networks and swarm networks are each indexed by ID.
#[derive(Clone, Debug)]
pub struct IndexedState<S = ContainerState> {
    state: State<S>,
    containers: Index,
    networks: Index,
    cluster_networks: Index,
    changes: u64,
}

/// An ID that a list of the state holds more than once; no daemon has two objects of a kind
/// with one ID. A local and a swarm network may share one: Docker lists a swarm network that
/// this node has instantiated among its local networks too, with the same ID.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind} ID {id} appears more than once")]
pub struct DuplicateId {
    /// `container`, `network` or `cluster network`.
    pub kind: &'static str,
    /// The ID.
    pub id: String,
}

impl<S> IndexedState<S> {
    /// Indexes `state`, refusing a list that holds an ID twice.
    pub fn new(state: State<S>) -> Result<IndexedState<S>, DuplicateId> {
        let (indexed, duplicate) = IndexedState::index(state);
        match duplicate {
            Some(duplicate) => Err(duplicate),
            None => Ok(indexed),
        }
    }

    /// Indexes `state`; the first duplicate ID found, if any. Of the objects sharing an ID, the
    /// first one is the one found by that ID.
    fn index(state: State<S>) -> (IndexedState<S>, Option<DuplicateId>) {
        let duplicate = |kind| move |id| DuplicateId { kind, id };
        let (containers, c) = Index::new(state.containers.iter().map(|c| &c.id));
        let (networks, n) = Index::new(state.networks.iter().map(|n| &n.id));
        let (cluster_networks, s) = Index::new(state.cluster.networks.iter().map(|n| &n.id));
        let first = (c.map(duplicate("container")))
            .or(n.map(duplicate("network")))
            .or(s.map(duplicate("cluster network")));
        let indexed = IndexedState {
            state,
            containers,
            networks,
            cluster_networks,
            changes: 0,
        };
        (indexed, first)
    }

    /// The state as a whole, without the removed objects.
    pub fn state(&mut self) -> &State<S> {
        self.containers
            .compact(&mut self.state.containers, |c| &c.id);
        self.networks.compact(&mut self.state.networks, |n| &n.id);
        self.cluster_networks
            .compact(&mut self.state.cluster.networks, |n| &n.id);
        &self.state
    }

    /// How many changes (removals and events) were made since the state was indexed.
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// The containers, in the state's order.
    pub fn containers(&self) -> impl Iterator<Item = &ContainerRecord<S>> {
        self.containers.live(&self.state.containers)
    }

    /// How many containers there are.
    pub fn container_count(&self) -> usize {
        self.containers.positions.len()
    }

    /// The container `id`.
    pub fn container(&self, id: &str) -> Option<&ContainerRecord<S>> {
        Some(&self.state.containers[*self.containers.positions.get(id)?])
    }

    /// The local networks, in the state's order.
    pub fn networks(&self) -> impl Iterator<Item = &NetworkRecord> {
        self.networks.live(&self.state.networks)
    }

    /// The local network `id`.
    pub fn network(&self, id: &str) -> Option<&NetworkRecord> {
        Some(&self.state.networks[*self.networks.positions.get(id)?])
    }

    /// The swarm networks, in the state's order, whoever asks (see
    /// [`cluster_networks`](IndexedState::cluster_networks) for a daemon's answer).
    pub fn swarm_networks(&self) -> impl Iterator<Item = &ClusterNetworkRecord> {
        self.cluster_networks.live(&self.state.cluster.networks)
    }

    /// The swarm network `id`.
    pub fn cluster_network(&self, id: &str) -> Option<&ClusterNetworkRecord> {
        Some(&self.state.cluster.networks[*self.cluster_networks.positions.get(id)?])
    }

    /// Whether this node is a swarm manager.
    pub fn is_manager(&self) -> bool {
        self.state.cluster.manager
    }

    /// The injected failure of listing the swarm's networks, if any.
    pub(crate) fn cluster_list_failure(&self) -> Option<&str> {
        self.state.cluster.fail.list.as_deref()
    }

    /// Appends `event` to the daemon's events.
    pub fn log(&mut self, event: EventMessage) {
        self.state.events.push(event);
        self.changes += 1;
    }

    /// Removes container `id` from the index and returns its record, to be dropped; `None`
    /// when there is no such container. Docker's rules are [`IndexedState::remove_container`]'s;
    /// this is the bare removal, which a dry run makes in memory.
    pub fn take_container(&mut self, id: &str) -> Option<&mut ContainerRecord<S>> {
        let position = self.containers.remove(id)?;
        self.changes += 1;
        Some(&mut self.state.containers[position])
    }

    /// Removes local network `id` from the index and returns its record, to be dropped.
    pub fn take_network(&mut self, id: &str) -> Option<&mut NetworkRecord> {
        let position = self.networks.remove(id)?;
        self.changes += 1;
        Some(&mut self.state.networks[position])
    }

    /// Removes swarm network `id` from the index; whether there was one.
    pub fn take_cluster_network(&mut self, id: &str) -> bool {
        let removed = self.cluster_networks.remove(id).is_some();
        self.changes += u64::from(removed);
        removed
    }
}

/// Indexes a state leniently: of the objects of a list sharing an ID (which state files may not
/// have: [`IndexedState::new`] refuses them), only the first is found by that ID.
impl<S> From<State<S>> for IndexedState<S> {
    fn from(state: State<S>) -> IndexedState<S> {
        IndexedState::index(state).0
    }
}

/// The index of one list: the position of each present object by ID, and which positions hold
/// removed objects.
#[derive(Clone, Debug, Default)]
struct Index {
    positions: HashMap<String, usize>,
    removed: Vec<bool>,
}

impl Index {
    /// Indexes the IDs of a list, in order; the first ID seen twice, if any.
    fn new<'a>(ids: impl ExactSizeIterator<Item = &'a String>) -> (Index, Option<String>) {
        let mut index = Index {
            positions: HashMap::with_capacity(ids.len()),
            removed: vec![false; ids.len()],
        };
        let mut duplicate = None;
        for (position, id) in ids.enumerate() {
            if index.positions.contains_key(id.as_str()) {
                duplicate.get_or_insert_with(|| id.clone());
            } else {
                index.positions.insert(id.clone(), position);
            }
        }
        (index, duplicate)
    }

    /// The records not removed.
    fn live<'a, T>(&'a self, records: &'a [T]) -> impl Iterator<Item = &'a T> {
        records
            .iter()
            .zip(&self.removed)
            .filter_map(|(record, removed)| (!removed).then_some(record))
    }

    /// Marks `id` removed; its position, if it was there.
    fn remove(&mut self, id: &str) -> Option<usize> {
        let position = self.positions.remove(id)?;
        self.removed[position] = true;
        Some(position)
    }

    /// Drops the removed records from `records` and indexes the rest again.
    fn compact<T>(&mut self, records: &mut Vec<T>, id: impl Fn(&T) -> &String) {
        if !self.removed.contains(&true) {
            return;
        }
        let mut removed = self.removed.iter();
        records.retain(|_| !removed.next().copied().unwrap_or(false));
        *self = Index::new(records.iter().map(id)).0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{ClusterNetworkRecord, ContainerRecord, NetworkRecord};

    fn container(id: &str) -> ContainerRecord {
        ContainerRecord {
            id: id.to_string(),
            name: format!("name-{id}"),
            created: "2026-11-20T10:00:00Z".parse().unwrap(),
            state: ContainerState::Exited,
            image: String::new(),
            finished: None,
            labels: Default::default(),
            size_rw: 1,
            fail: Default::default(),
        }
    }

    fn network(id: &str) -> NetworkRecord {
        NetworkRecord {
            id: id.to_string(),
            name: format!("net-{id}"),
            created: "2026-11-20T10:00:00Z".parse().unwrap(),
            driver: "bridge".to_string(),
            labels: Default::default(),
            config_only: false,
            endpoints: 0,
            fail: Default::default(),
        }
    }

    fn cluster_network(id: &str) -> ClusterNetworkRecord {
        ClusterNetworkRecord {
            id: id.to_string(),
            name: format!("ov-{id}"),
            created: "2026-11-20T10:00:00Z".parse().unwrap(),
            labels: Default::default(),
            ingress: false,
            services: Vec::new(),
            fail: Default::default(),
        }
    }

    fn ids<'a>(records: impl Iterator<Item = &'a ContainerRecord>) -> Vec<&'a str> {
        records.map(|c| c.id.as_str()).collect()
    }

    #[test]
    fn a_list_holding_an_id_twice_is_refused_naming_the_first_such_id() {
        let mut state = State {
            containers: vec![container("a"), container("b"), container("a")],
            ..State::default()
        };
        assert_eq!(
            IndexedState::new(state.clone()).unwrap_err().to_string(),
            "container ID a appears more than once"
        );
        state.containers.pop();
        state.networks = vec![network("n"), network("n")];
        assert_eq!(
            IndexedState::new(state.clone()).unwrap_err(),
            DuplicateId {
                kind: "network",
                id: "n".to_string()
            }
        );
        state.networks.pop();
        state.cluster.networks = vec![cluster_network("o"), cluster_network("o")];
        assert_eq!(
            IndexedState::new(state.clone()).unwrap_err().to_string(),
            "cluster network ID o appears more than once"
        );
    }

    #[test]
    fn a_swarm_network_instantiated_locally_shares_its_id_with_the_local_one() {
        let mut state: State = State {
            networks: vec![network("ov")],
            ..State::default()
        };
        state.cluster.networks = vec![cluster_network("ov")];
        let indexed = IndexedState::new(state).expect("as in Docker");
        assert_eq!(indexed.network("ov").unwrap().name, "net-ov");
        assert_eq!(indexed.cluster_network("ov").unwrap().name, "ov-ov");
    }

    #[test]
    fn removed_objects_are_gone_from_lookups_and_listings_and_the_compacted_state() {
        let state: State = State {
            containers: ["a", "b", "c", "d"].map(container).to_vec(),
            ..State::default()
        };
        let mut indexed = IndexedState::new(state).unwrap();
        assert!(indexed.take_container("b").is_some());
        assert!(indexed.take_container("d").is_some());
        assert!(indexed.take_container("b").is_none());
        assert_eq!(ids(indexed.containers()), ["a", "c"]);
        assert_eq!(indexed.container_count(), 2);
        assert!(indexed.container("b").is_none());
        assert_eq!(indexed.changes(), 2);
        assert_eq!(ids(indexed.state().containers.iter()), ["a", "c"]);
        // Indexed again after compaction: lookups and removals go on as before.
        assert_eq!(indexed.container("c").unwrap().name, "name-c");
        assert!(indexed.take_container("a").is_some());
        assert_eq!(ids(indexed.state().containers.iter()), ["c"]);
    }

    #[test]
    fn a_lenient_index_finds_the_first_of_two_objects_sharing_an_id() {
        let mut second = container("a");
        second.name = "second".to_string();
        let state: State = State {
            containers: vec![container("a"), second],
            ..State::default()
        };
        let mut indexed = IndexedState::from(state);
        assert_eq!(indexed.container("a").unwrap().name, "name-a");
        assert!(indexed.take_container("a").is_some());
        assert!(indexed.take_container("a").is_none());
        assert_eq!(ids(indexed.containers()), ["a"]);
    }

    #[test]
    fn removing_every_other_of_twenty_thousand_containers_leaves_exactly_the_rest() {
        let ids: Vec<String> = (0..20_000).map(|n| format!("{n:064x}")).collect();
        let state: State = State {
            containers: ids.iter().map(|id| container(id)).collect(),
            ..State::default()
        };
        let mut indexed = IndexedState::new(state).unwrap();
        // Newest first, as prune goes: from the end of the file.
        for id in ids.iter().rev().step_by(2) {
            assert!(indexed.take_container(id).is_some(), "{id}");
        }
        let kept: Vec<&String> = ids.iter().rev().skip(1).step_by(2).rev().collect();
        assert_eq!(indexed.container_count(), 10_000);
        let left: Vec<&String> = indexed.state().containers.iter().map(|c| &c.id).collect();
        assert_eq!(left, kept);
        assert_eq!(indexed.changes(), 10_000);
    }
}

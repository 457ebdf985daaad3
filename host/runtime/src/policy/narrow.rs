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

use std::cell::OnceCell;
use std::collections::HashSet;

use foldhash::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::answer::{Answer, Which};
use super::bindings::{self as wit, ClockReading, ContainerView, NetworkScope, NetworkView};
use super::transport::{self, ContainerListing};
use super::{Kept, Policy, PolicyError, PolicyFault};
use crate::backend::{Backends, Cluster, ContainerFacts, ContainerStore, NetworkController};
use crate::bindings::{ClusterNetwork, Container, Error, Network};

/// What the policies of a chain decided on the objects of one kind.
struct Decided {
    /// Whether some policy kept the object at that index of the listing.
    hidden: Vec<bool>,
    /// What each policy kept, in chain order, then listing order.
    kept: Arc<[Kept]>,
}

impl Decided {
    /// Asks every policy of `chain` through `ask` about the `count` objects of a listing (`id`
    /// and `name` give the ID and name of the object at an index), refusing any ID a policy
    /// named that the listing does not have. An object kept by its index hides that object;
    /// an ID named hides every object with it, and only then is the listing walked, against
    /// the IDs named. Only the objects kept are named: a few allocations for each, none for
    /// the others.
    fn by<'a>(
        chain: &[Policy],
        kind: &'static str,
        ask: impl Fn(&Policy) -> Result<Answer, PolicyError>,
        count: usize,
        id: impl Fn(usize) -> &'a str,
        name: impl Fn(usize) -> &'a str,
    ) -> Result<Decided, PolicyError> {
        let answers = chain.iter().map(ask).collect::<Result<Vec<_>, _>>()?;
        // Every ID named, and the indexes of the listing's objects with it.
        let mut named: HashMap<&str, Vec<usize>> = HashMap::default();
        for id in answers.iter().flat_map(Answer::named) {
            named.insert(id, Vec::new());
        }
        if !named.is_empty() {
            for at in 0..count {
                if let Some(found) = named.get_mut(id(at)) {
                    found.push(at);
                }
            }
        }
        for (policy, answer) in chain.iter().zip(&answers) {
            if let Some(unknown) = answer.named().find(|id| named[id].is_empty()) {
                let id = unknown.to_string();
                return Err(policy.error(PolicyFault::UnknownObject { kind, id }));
            }
        }
        let mut hidden = vec![false; count];
        let mut kept = Vec::new();
        for (policy, answer) in chain.iter().zip(&answers) {
            // The index of every object the policy kept, with its reason.
            let mut objects: Vec<(usize, &str)> = Vec::new();
            for (which, reason) in answer.kept() {
                match which {
                    Which::Shown(at) => objects.push((*at, reason)),
                    Which::Named(id) => {
                        objects.extend(named[id.as_str()].iter().map(|&at| (at, reason)))
                    }
                }
            }
            // In listing order, with the first reason given for each (the sort is stable).
            objects.sort_by_key(|&(at, _)| at);
            objects.dedup_by_key(|&mut (at, _)| at);
            for (at, reason) in objects {
                hidden[at] = true;
                kept.push(Kept {
                    policy: policy.name().to_string(),
                    kind,
                    id: id(at).to_string(),
                    name: name(at).to_string(),
                    reason: reason.to_string(),
                });
            }
        }
        Ok(Decided {
            hidden,
            kept: kept.into(),
        })
    }
}

/// Container prune's backends narrowed by `chain`, and what the policies kept.
pub(super) fn containers(
    chain: &[Policy],
    backends: &Backends,
) -> Result<(Backends, Arc<[Kept]>), PolicyError> {
    let listed = match backends.containers.list_with_facts() {
        Ok(listed) => listed,
        Err(err) => {
            return Ok((
                with_containers(backends, Listing::failed(err)),
                Arc::new([]),
            ));
        }
    };
    let clock = clock_reading(backends);
    let shown = ShownContainers::new(&listed);
    let ask = |policy: &Policy| policy.containers(clock, &shown);
    let name = |at: usize| {
        listed[at]
            .container
            .names
            .first()
            .map_or("", String::as_str)
    };
    let id = |at: usize| listed[at].container.id.as_str();
    let decided = Decided::by(chain, "container", ask, listed.len(), id, name)?;
    drop(shown);
    let shown = keep_shown(listed, &decided.hidden, |facts| facts.container);
    let listing = Listing::decided(shown, decided.kept.clone());
    Ok((with_containers(backends, listing), decided.kept))
}

/// The listed containers in the forms the policies are shown them, each made once, when a
/// policy first needs it: the contract's records, and the SDK's packed listing.
pub(super) struct ShownContainers<'a> {
    listed: &'a [ContainerFacts],
    views: OnceCell<Vec<ContainerView<'a>>>,
    packed: OnceCell<Option<ContainerListing>>,
}

impl<'a> ShownContainers<'a> {
    fn new(listed: &'a [ContainerFacts]) -> ShownContainers<'a> {
        ShownContainers {
            listed,
            views: OnceCell::new(),
            packed: OnceCell::new(),
        }
    }

    /// How many containers there are.
    pub(super) fn len(&self) -> usize {
        self.listed.len()
    }

    /// The ID of the container at index `at`.
    pub(super) fn id(&self, at: usize) -> &'a str {
        &self.listed[at].container.id
    }

    /// The containers as the contract's records.
    pub(super) fn views(&self) -> &[ContainerView<'a>] {
        self.views
            .get_or_init(|| self.listed.iter().map(container_view).collect())
    }

    /// The containers packed; `None` if they outgrow the packed form's 32-bit offsets.
    pub(super) fn packed(&self) -> Option<&ContainerListing> {
        self.packed
            .get_or_init(|| transport::pack(self.listed))
            .as_ref()
    }
}

/// Network prune's backends narrowed by `chain`, and what the policies kept.
pub(super) fn networks(
    chain: &[Policy],
    backends: &Backends,
) -> Result<(Backends, Arc<[Kept]>), PolicyError> {
    let local = backends.networks.list();
    let manager = backends.cluster.is_manager();
    let swarm = manager.then(|| backends.cluster.list());
    let no_local = Vec::new();
    let no_swarm = Vec::new();
    let local_listed = local.as_ref().unwrap_or(&no_local);
    let swarm_listed = match &swarm {
        Some(Ok(swarm)) => swarm,
        _ => &no_swarm,
    };
    let views: Vec<NetworkView<'_>> = local_listed
        .iter()
        .map(local_view)
        .chain(swarm_listed.iter().map(swarm_view))
        .collect();
    let clock = clock_reading(backends);
    let ask = |policy: &Policy| policy.networks(clock, &views);
    let id = |at: usize| views[at].id;
    let name = |at: usize| views[at].name;
    let decided = Decided::by(chain, "network", ask, views.len(), id, name)?;
    drop(views);
    let hidden_ids = decided.kept.clone();
    let (local_hidden, swarm_hidden) = decided.hidden.split_at(local_listed.len());
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
    /// What the policies kept.
    hidden: Result<Arc<[Kept]>, Error>,
}

impl<T: Identified> Listing<T> {
    fn decided(shown: Vec<T>, hidden: Arc<[Kept]>) -> Listing<T> {
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
            None => {
                let hidden: HashSet<&str> = hidden.iter().map(|kept| kept.id.as_str()).collect();
                Ok(relist()?
                    .into_iter()
                    .filter(|object| !hidden.contains(object.id()))
                    .collect())
            }
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

/// The daemon's clock as the policies read it.
fn clock_reading(backends: &Backends) -> ClockReading {
    let reading = crate::clock::reading(backends.clock.now());
    ClockReading {
        now: wit::PolicyTimestamp {
            seconds: reading.now.seconds,
            nanoseconds: reading.now.nanoseconds,
        },
        utc_offset_seconds: reading.utc_offset_seconds,
    }
}

/// A container as the policies see it, borrowed.
fn container_view(facts: &ContainerFacts) -> ContainerView<'_> {
    let container = &facts.container;
    ContainerView {
        id: &container.id,
        names: &container.names,
        image: facts.image.as_deref(),
        labels: &container.labels,
        created: container.created,
        state: container.state,
        finished: facts.finished,
    }
}

fn local_view(network: &Network) -> NetworkView<'_> {
    NetworkView {
        id: &network.id,
        name: &network.name,
        scope: NetworkScope::Local,
        labels: &network.labels,
        created: network.created,
        config_only: network.config_only,
        endpoints: network.endpoints,
        ingress: false,
    }
}

fn swarm_view(network: &ClusterNetwork) -> NetworkView<'_> {
    NetworkView {
        id: &network.id,
        name: &network.name,
        scope: NetworkScope::Swarm,
        labels: &network.labels,
        created: network.created,
        config_only: false,
        endpoints: 0,
        ingress: network.ingress,
    }
}

//! The engine's networks: the local ones (`pruner:api/network-controller`) and the swarm's
//! (`pruner:api/cluster`).
//!
//! What dockerd's prune walks locally is libnetwork's store: the local-scope networks and the
//! swarm networks instantiated on this node (`ingress` with its `ingress-sbox` endpoint, an
//! overlay with a task's endpoint or its `lb-` endpoint). `GET /networks` shows a swarm network
//! as the cluster sees it (swarm creation time, no endpoints), so each swarm network is also
//! inspected: the engine answers with its local instance when there is one (`Containers` is an
//! object then; `null` for the cluster's view), with the local creation time and endpoints.
//!
//! The Engine API can only remove a swarm network from the whole swarm (`DELETE` goes to the
//! cluster for swarm scope), where dockerd's local walk would delete just this node's instance.
//! Such an instance always carries an endpoint while it exists, so prune skips it before removal;
//! should it be caught without one, its removal is refused with a forbidden error (prune logs
//! it as a warning and goes on) instead of removing the network from the swarm.

use std::collections::HashMap;
use std::sync::Mutex;

use bollard::Docker;
use bollard::models::{Network as NetworkSummary, NetworkInspect};
use bollard::query_parameters::{InspectNetworkOptions, ListNetworksOptions};
use chrono::DateTime;
use pruner_state::escape::escape;
use tokio::task::JoinSet;

use super::DockerDaemon;
use super::containers::labels;
use super::errors::{is_not_found, to_error};
use pruner_runtime::backend::{Cluster, NetworkController};
use pruner_runtime::bindings::{ClusterNetwork, Error, Network, Timestamp};
use pruner_runtime::clock;

/// The label swarmkit puts on the swarm's own predefined networks.
const SWARM_PREDEFINED_LABEL: &str = "com.docker.swarm.predefined";

/// How many inspects are in flight at once while listing.
const INSPECT_CONCURRENCY: usize = 16;

/// The swarm networks the last local list found instantiated on this node, by ID, with their
/// names.
#[derive(Debug, Default)]
pub(super) struct SwarmLocal(Mutex<HashMap<String, String>>);

impl SwarmLocal {
    fn replace(&self, networks: HashMap<String, String>) {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = networks;
    }

    fn name(&self, id: &str) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(id)
            .cloned()
    }
}

impl NetworkController for DockerDaemon {
    fn list(&self) -> Result<Vec<Network>, Error> {
        let (networks, swarm_local) = self.block_on(list_local(self.client.clone()))??;
        self.swarm_local.replace(swarm_local);
        Ok(networks)
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        if let Some(name) = self.swarm_local.name(id) {
            return Err(Error::Forbidden(format!(
                "network {name} id {id} is the local instance of a swarm network: the Engine API \
                 can only remove it from the whole swarm"
            )));
        }
        self.block_on(self.client.remove_network(id))?
            .map_err(to_error)
    }
}

impl Cluster for DockerDaemon {
    /// `docker info`'s `Swarm.ControlAvailable` (an active manager). An engine that cannot say
    /// is taken as no manager, with a warning.
    fn is_manager(&self) -> bool {
        match self.block_on(self.client.info()) {
            Ok(Ok(info)) => info
                .swarm
                .and_then(|swarm| swarm.control_available)
                .unwrap_or(false),
            Ok(Err(err)) => {
                let err = err.to_string();
                tracing::warn!(
                    "cannot tell whether this node is a swarm manager: {}",
                    escape(&err)
                );
                false
            }
            Err(err) => {
                tracing::warn!("cannot tell whether this node is a swarm manager: {err:?}");
                false
            }
        }
    }

    /// The swarm-scoped networks of `GET /networks` (on a manager, the cluster's own list),
    /// without the swarm's predefined ones.
    fn list(&self) -> Result<Vec<ClusterNetwork>, Error> {
        let networks = self
            .block_on(self.client.list_networks(None::<ListNetworksOptions>))?
            .map_err(to_error)?;
        networks
            .into_iter()
            .filter(|network| is_swarm(network.scope.as_deref()))
            .filter(|network| !is_swarm_predefined(network.labels.as_ref()))
            .map(cluster_network)
            .collect()
    }

    /// `DELETE /networks/{id}`, which the engine hands to the cluster for a swarm network.
    fn remove(&self, id: &str) -> Result<(), Error> {
        self.block_on(self.client.remove_network(id))?
            .map_err(to_error)
    }
}

/// The networks of the engine's own store with their endpoints, and the swarm networks among
/// them (ID → name).
async fn list_local(client: Docker) -> Result<(Vec<Network>, HashMap<String, String>), Error> {
    let listed = client
        .list_networks(None::<ListNetworksOptions>)
        .await
        .map_err(to_error)?;

    let mut pending = listed.into_iter();
    let mut inspects = JoinSet::new();
    let spawn = |inspects: &mut JoinSet<_>, listed: NetworkSummary| {
        let client = client.clone();
        inspects.spawn(async move {
            let id = listed.id.clone().unwrap_or_default();
            let result = client
                .inspect_network(&id, None::<InspectNetworkOptions>)
                .await;
            (listed, result)
        });
    };
    for listed in pending.by_ref().take(INSPECT_CONCURRENCY) {
        spawn(&mut inspects, listed);
    }
    let mut networks = Vec::new();
    let mut swarm_local = HashMap::new();
    while let Some(joined) = inspects.join_next().await {
        let (listed, result) =
            joined.map_err(|err| Error::System(format!("inspecting networks failed: {err}")))?;
        match result {
            Ok(inspect) => {
                if let Some(network) = local_network(&listed, inspect)? {
                    if is_swarm(listed.scope.as_deref()) {
                        swarm_local.insert(network.id.clone(), network.name.clone());
                    }
                    networks.push(network);
                }
            }
            // Removed since the list.
            Err(err) if is_not_found(&err) => {}
            Err(err) => return Err(to_error(err)),
        }
        if let Some(next) = pending.next() {
            spawn(&mut inspects, next);
        }
    }
    Ok((networks, swarm_local))
}

/// The local network behind an inspect, or `None` for a swarm network this node has not
/// instantiated (the engine then answers with the cluster's view, whose `Containers` is `null`).
fn local_network(
    listed: &NetworkSummary,
    inspect: NetworkInspect,
) -> Result<Option<Network>, Error> {
    let Some(endpoints) = inspect.containers else {
        if is_swarm(listed.scope.as_deref()) {
            return Ok(None);
        }
        return local_network(
            listed,
            NetworkInspect {
                containers: Some(HashMap::new()),
                ..inspect
            },
        );
    };
    let id = inspect.id.or_else(|| listed.id.clone()).unwrap_or_default();
    Ok(Some(Network {
        name: inspect.name.unwrap_or_default(),
        created: created(&id, inspect.created.as_deref())?,
        labels: labels(inspect.labels),
        config_only: inspect.config_only.unwrap_or(false),
        endpoints: u32::try_from(endpoints.len()).unwrap_or(u32::MAX),
        id,
    }))
}

/// A swarm network as the cluster lists it.
fn cluster_network(listed: NetworkSummary) -> Result<ClusterNetwork, Error> {
    let id = listed.id.unwrap_or_default();
    Ok(ClusterNetwork {
        name: listed.name.unwrap_or_default(),
        created: created(&id, listed.created.as_deref())?,
        labels: labels(listed.labels),
        ingress: listed.ingress.unwrap_or(false),
        id,
    })
}

/// Whether a network's scope is the swarm's.
fn is_swarm(scope: Option<&str>) -> bool {
    scope == Some("swarm")
}

/// Whether a swarm network is one of the swarm's predefined ones (swarmkit's `bridge`, `host`).
fn is_swarm_predefined(labels: Option<&HashMap<String, String>>) -> bool {
    labels
        .and_then(|labels| labels.get(SWARM_PREDEFINED_LABEL))
        .is_some_and(|value| value == "true")
}

/// A network's creation time (RFC 3339 with nanoseconds).
fn created(id: &str, text: Option<&str>) -> Result<Timestamp, Error> {
    let text = text.unwrap_or_default();
    DateTime::parse_from_rfc3339(text)
        .map(clock::timestamp)
        .map_err(|err| {
            Error::System(format!(
                "network {id} has an unreadable creation time {text:?}: {err}"
            ))
        })
}

#[cfg(test)]
mod tests {
    use bollard::models::EndpointResource;

    use super::*;

    fn summary(scope: &str) -> NetworkSummary {
        NetworkSummary {
            id: Some("n1".to_string()),
            name: Some("ov1".to_string()),
            scope: Some(scope.to_string()),
            created: Some("2026-11-27T18:27:30.785760082Z".to_string()),
            ..Default::default()
        }
    }

    fn inspect(containers: Option<&[&str]>) -> NetworkInspect {
        NetworkInspect {
            id: Some("n1".to_string()),
            name: Some("ov1".to_string()),
            created: Some("2026-11-27T18:27:31.040553864Z".to_string()),
            containers: containers.map(|keys| {
                keys.iter()
                    .map(|key| (key.to_string(), EndpointResource::default()))
                    .collect()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn a_swarm_network_instantiated_here_is_local_with_its_endpoints_and_local_creation_time() {
        let network = local_network(&summary("swarm"), inspect(Some(&["abc", "lb-ov1"])))
            .unwrap()
            .unwrap();
        assert_eq!(network.endpoints, 2);
        assert_eq!(network.created.nanoseconds, 40_553_864);
    }

    #[test]
    fn a_swarm_network_not_instantiated_here_is_not_local() {
        assert_eq!(
            local_network(&summary("swarm"), inspect(None)).unwrap(),
            None
        );
    }

    #[test]
    fn a_local_network_without_endpoints_has_none() {
        let network = local_network(&summary("local"), inspect(Some(&[])))
            .unwrap()
            .unwrap();
        assert_eq!(network.endpoints, 0);
        let network = local_network(&summary("local"), inspect(None))
            .unwrap()
            .unwrap();
        assert_eq!(network.endpoints, 0);
    }

    #[test]
    fn the_swarms_predefined_networks_are_recognised_by_their_label() {
        let labels = HashMap::from([(SWARM_PREDEFINED_LABEL.to_string(), "true".to_string())]);
        assert!(is_swarm_predefined(Some(&labels)));
        assert!(!is_swarm_predefined(Some(&HashMap::new())));
        assert!(!is_swarm_predefined(None));
    }

    #[test]
    fn the_cluster_view_keeps_the_swarm_creation_time_and_the_ingress_flag() {
        let network = cluster_network(NetworkSummary {
            ingress: Some(true),
            ..summary("swarm")
        })
        .unwrap();
        assert_eq!(network.created.nanoseconds, 785_760_082);
        assert!(network.ingress);
        assert_eq!(network.name, "ov1");
    }
}

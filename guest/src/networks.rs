//! Network prune (moby `daemon.NetworksPrune`): swarm networks first, then local ones.

use std::sync::LazyLock;

use regex::Regex;

use crate::daemon::Daemon;
use crate::error::Error;
use crate::filters::Filters;
use crate::model::{Event, Label, NetworkPruneReport};
use crate::until::{is_newer, until_from_filters};

/// The filter keys network prune accepts.
pub const ACCEPTED_FILTERS: [&str; 3] = ["label", "label!", "until"];

/// Names of the networks Docker creates itself; never pruned.
const PREDEFINED_NETWORKS: [&str; 4] = ["bridge", "host", "none", "default"];

/// swarmkit's "in use" failure; a network in use by something is skipped without a warning.
static NETWORK_IS_IN_USE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"network ([[:alnum:]]+) is in use").expect("valid regex"));

/// Removes the unused networks that match `filters` and logs the `network prune` event. The
/// caller holds the daemon's prune guard.
///
/// Cluster errors are ignored (local networks are still pruned); removal failures are logged as
/// warnings; a cancelled request returns what was removed so far, without an event.
pub fn prune_networks(
    daemon: &mut impl Daemon,
    filters: &Filters,
) -> Result<NetworkPruneReport, Error> {
    filters.validate(&ACCEPTED_FILTERS)?;
    until_from_filters(filters, daemon.now())?;

    let mut report = NetworkPruneReport::default();
    if let Ok(cluster) = prune_cluster_networks(daemon, filters) {
        report.networks_deleted = cluster;
    }
    let local = prune_local_networks(daemon, filters)?;
    report.networks_deleted.extend(local);

    if daemon.cancelled() {
        return Ok(report);
    }
    daemon.log_event(Event {
        kind: "network",
        action: "prune",
        actor_id: String::new(),
        attributes: vec![Label {
            key: "reclaimed".to_string(),
            value: "0".to_string(),
        }],
    });
    Ok(report)
}

/// Prunes swarm networks when this node is a manager; returns the removed names.
fn prune_cluster_networks(
    daemon: &mut impl Daemon,
    filters: &Filters,
) -> Result<Vec<String>, Error> {
    let until = until_from_filters(filters, daemon.now()).unwrap_or(None);
    let mut deleted = Vec::new();
    if !daemon.is_manager() {
        return Ok(deleted);
    }
    for network in daemon.list_cluster_networks()? {
        if daemon.cancelled() {
            return Ok(deleted);
        }
        if network.ingress
            || is_newer(network.created, until)
            || !filters.match_prune_labels(&network.labels)
        {
            continue;
        }
        if let Err(err) = daemon.remove_cluster_network(&network.id) {
            if !is_in_use(err.message(), &network.id) {
                daemon.warn(&format!(
                    "could not remove cluster network {}: {err}",
                    network.name
                ));
            }
            continue;
        }
        deleted.push(network.name);
    }
    Ok(deleted)
}

/// Prunes local networks without endpoints; returns the removed names.
fn prune_local_networks(daemon: &mut impl Daemon, filters: &Filters) -> Result<Vec<String>, Error> {
    let until = until_from_filters(filters, daemon.now()).unwrap_or(None);
    let mut deleted = Vec::new();
    for network in daemon.list_networks()? {
        if daemon.cancelled() {
            break;
        }
        if network.config_only
            || is_newer(network.created, until)
            || !filters.match_prune_labels(&network.labels)
            || PREDEFINED_NETWORKS.contains(&network.name.as_str())
            || network.endpoints > 0
        {
            continue;
        }
        if let Err(err) = daemon.remove_network(&network.id) {
            daemon.warn(&format!(
                "could not remove local network {}: {err}",
                network.name
            ));
            continue;
        }
        deleted.push(network.name);
    }
    Ok(deleted)
}

/// Whether `message` says that the network `id` itself is in use (leftmost match, as Go's
/// `FindStringSubmatch`).
fn is_in_use(message: &str, id: &str) -> bool {
    NETWORK_IS_IN_USE
        .captures(message)
        .is_some_and(|captures| &captures[1] == id)
}

//! Network prune (moby `daemon.NetworksPrune`): swarm networks first, then local ones.

use crate::daemon::Daemon;
use crate::error::DockerError;
use crate::filters::Filters;
use crate::labels::PruneLabels;
use crate::model::{ClusterNetwork, Event, Label, Network, NetworkPruneReport};
use crate::until::{is_newer, until_from_filters};
use alloc::{format, string::String, string::ToString, vec, vec::Vec};

/// The filter keys network prune accepts.
pub const ACCEPTED_FILTERS: [&str; 3] = ["label", "label!", "until"];

/// Names of the networks Docker creates itself; never pruned.
const PREDEFINED_NETWORKS: [&str; 4] = ["bridge", "host", "none", "default"];

/// Removes the unused networks that match `filters` and logs the `network prune` event. The
/// caller holds the daemon's prune guard.
///
/// Cluster errors are ignored (local networks are still pruned); removal failures are logged as
/// warnings; a cancelled request returns what was removed so far, without an event.
pub fn prune_networks(
    daemon: &mut impl Daemon,
    filters: &Filters,
) -> Result<NetworkPruneReport, DockerError> {
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
) -> Result<Vec<String>, DockerError> {
    let until = until_from_filters(filters, daemon.now()).unwrap_or(None);
    let labels = PruneLabels::new(filters);
    let mut deleted = Vec::new();
    if !daemon.is_manager() {
        return Ok(deleted);
    }
    for network in daemon.list_cluster_networks()? {
        if daemon.cancelled() {
            return Ok(deleted);
        }
        if !is_prunable_cluster_network(&network)
            || is_newer(network.created, until)
            || !labels.matches(&network.labels)
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
fn prune_local_networks(
    daemon: &mut impl Daemon,
    filters: &Filters,
) -> Result<Vec<String>, DockerError> {
    let until = until_from_filters(filters, daemon.now()).unwrap_or(None);
    let labels = PruneLabels::new(filters);
    let mut deleted = Vec::new();
    for network in daemon.list_networks()? {
        if daemon.cancelled() {
            break;
        }
        if !is_prunable_local_network(&network)
            || is_newer(network.created, until)
            || !labels.matches(&network.labels)
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

/// Whether network prune may remove the local network, whatever the filters: not a
/// config-only network, not one of Docker's predefined ones, no endpoints attached.
pub fn is_prunable_local_network(network: &Network) -> bool {
    is_prunable_local(&network.name, network.config_only, network.endpoints)
}

/// [`is_prunable_local_network`] from the facts it reads: the local network's name, whether it
/// is config-only, and its endpoints.
pub fn is_prunable_local(name: &str, config_only: bool, endpoints: u32) -> bool {
    !config_only && !PREDEFINED_NETWORKS.contains(&name) && endpoints == 0
}

/// Whether network prune may remove the swarm network, whatever the filters: not the swarm's
/// ingress network.
pub fn is_prunable_cluster_network(network: &ClusterNetwork) -> bool {
    is_prunable_cluster(network.ingress)
}

/// [`is_prunable_cluster_network`] from the fact it reads: whether the swarm network is the
/// ingress network.
pub fn is_prunable_cluster(ingress: bool) -> bool {
    !ingress
}

/// Whether `message` says that the network `id` itself is in use: Docker's regular expression
/// `network ([[:alnum:]]+) is in use`, leftmost match, with the captured ID equal to `id`.
///
/// The pattern is matched by hand: the ASCII run after `network ` is maximal and must be
/// followed by ` is in use`, so no backtracking can produce another match at the same start.
/// (The `regex` crate would triple the component's size for this one pattern.)
fn is_in_use(message: &str, id: &str) -> bool {
    const PREFIX: &str = "network ";
    const SUFFIX: &str = " is in use";
    message
        .match_indices(PREFIX)
        .find_map(|(start, _)| {
            let rest = &message[start + PREFIX.len()..];
            let run = rest
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(rest.len());
            (run > 0 && rest[run..].starts_with(SUFFIX)).then(|| &rest[..run])
        })
        .is_some_and(|captured| captured == id)
}

#[cfg(test)]
mod tests {
    use super::is_in_use;

    #[test]
    fn swarmkit_in_use_errors_for_this_network_match() {
        assert!(is_in_use(
            "network abc123 is in use by service xyz",
            "abc123"
        ));
        assert!(is_in_use(
            "rpc error: code = FailedPrecondition desc = network abc is in use by task t1",
            "abc"
        ));
    }

    #[test]
    fn in_use_errors_for_another_network_do_not_match() {
        assert!(!is_in_use("network abc123 is in use by service xyz", "abc"));
        assert!(!is_in_use("network abc is in use", "abc123"));
    }

    #[test]
    fn only_the_leftmost_match_counts() {
        let message = "network aaa is in use; network bbb is in use";
        assert!(is_in_use(message, "aaa"));
        assert!(!is_in_use(message, "bbb"));
    }

    #[test]
    fn a_prefix_without_the_suffix_is_skipped_for_a_later_match() {
        let message = "network x-y failed; network bbb is in use";
        assert!(is_in_use(message, "bbb"));
        assert!(!is_in_use("network  is in use", ""));
        assert!(!is_in_use("network ab_c is in use", "ab_c"));
        assert!(!is_in_use("other failure", "abc"));
    }
}

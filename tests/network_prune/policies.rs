//! Network prune narrowed by the shipped policies: local and swarm networks alike.

use pruner_runtime::PolicyError;
use pruner_runtime::invariants::PruneKind;
use pruner_runtime::policy::PolicyFault;
use pruner_runtime::state::{ClusterNetworkRecord, NetworkRecord};
use pruner_tests::cluster_network;
use pruner_tests::policies::policy;

use super::{
    labelled_cluster_network, labelled_network, manager, network_destroyed, network_pruned,
    predefined, report, with_endpoints,
};

/// A policy's line for the network `name`.
fn kept(policy: &str, name: &str, reason: &str) -> String {
    format!("policy {policy} kept network {name}: {reason}")
}

/// The local network `name` created at `created` with the label `team=<team>`.
fn team_network(name: &str, created: &str, team: &str) -> NetworkRecord {
    NetworkRecord {
        created: pruner_tests::time(created),
        ..labelled_network(name, &[&format!("team={team}")])
    }
}

/// The swarm network `name` created at `created` with the label `team=<team>`.
fn team_swarm_network(name: &str, created: &str, team: &str) -> ClusterNetworkRecord {
    ClusterNetworkRecord {
        created: pruner_tests::time(created),
        ..labelled_cluster_network(name, &[&format!("team={team}")])
    }
}

#[test]
fn protect_keeps_local_and_swarm_networks_with_its_label() {
    let mut networks = predefined();
    networks.push(labelled_network("pinned", &["keep=yes"]));
    networks.push(labelled_network("scratch", &[]));
    let mut daemon = manager(
        networks,
        vec![
            labelled_cluster_network("pinned-overlay", &["keep=yes"]),
            labelled_cluster_network("overlay", &["keep=no"]),
        ],
    );
    let log = daemon.narrow_by(vec![policy("protect", &[("label", "keep=yes")])]);

    assert_eq!(
        daemon.prune_networks(&[]),
        Ok(report(&["overlay", "scratch"]))
    );
    assert_eq!(
        daemon.network_names(),
        ["bridge", "host", "none", "default", "pinned"]
    );
    assert_eq!(daemon.cluster_network_names(), ["pinned-overlay"]);
    assert_eq!(
        log.lines(),
        [
            kept("protect", "pinned", "label keep=yes"),
            kept("protect", "pinned-overlay", "label keep=yes"),
        ]
    );
    assert_eq!(
        daemon.events(),
        [network_destroyed("scratch"), network_pruned()]
    );
}

#[test]
fn keep_recent_counts_only_the_networks_prune_may_remove() {
    let mut networks = predefined();
    networks.extend([
        team_network("a-old", "2026-11-20T10:00:00Z", "a"),
        team_network("a-new", "2026-11-22T10:00:00Z", "a"),
        with_endpoints(team_network("a-used", "2026-11-26T10:00:00Z", "a"), 2),
        team_network("b-only", "2026-11-21T10:00:00Z", "b"),
    ]);
    let mut ingress = cluster_network("ingress", "2026-11-26T10:00:00Z");
    ingress.ingress = true;
    let mut daemon = manager(
        networks,
        vec![
            team_swarm_network("a-swarm", "2026-11-23T10:00:00Z", "a"),
            team_swarm_network("b-swarm-old", "2026-11-19T10:00:00Z", "b"),
            ingress,
        ],
    );
    let log = daemon.narrow_by(vec![policy(
        "keep-recent",
        &[("keep", "1"), ("group-by", "label:team")],
    )]);

    assert_eq!(
        daemon.prune_networks(&[]),
        Ok(report(&["b-swarm-old", "a-old", "a-new"]))
    );
    assert_eq!(
        daemon.network_names(),
        ["bridge", "host", "none", "default", "a-used", "b-only"]
    );
    assert_eq!(daemon.cluster_network_names(), ["a-swarm", "ingress"]);
    assert_eq!(
        log.lines(),
        [
            kept("keep-recent", "b-only", "the newest with team=b"),
            kept("keep-recent", "a-swarm", "the newest with team=a"),
        ]
    );
}

#[test]
fn policies_that_do_not_apply_to_networks_say_so_before_anything_is_touched() {
    let refused = |name: &str, options: &[(&str, &str)], message: &str| {
        assert_eq!(
            policy(name, options).check(PruneKind::Networks),
            Err(PolicyError {
                policy: name.to_string(),
                fault: PolicyFault::Options(message.to_string()),
            })
        );
    };
    refused(
        "exited-before",
        &[("until", "24h")],
        "exited-before applies to container prune only",
    );
    refused(
        "keep-recent",
        &[("keep", "1"), ("group-by", "image")],
        "group-by=image does not apply to networks, which have no image",
    );
}

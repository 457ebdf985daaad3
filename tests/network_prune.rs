//! Network prune through the real component (SPEC §0, §4, §5.3, §6.11–6.17; scenarios A1, A4,
//! E4, E5, F13–F15).

use std::collections::BTreeMap;

use pruner_runtime::bindings::NetworkPruneReport;
use pruner_runtime::events::{Actor, EventMessage};
use pruner_runtime::state::{ClusterNetworkRecord, ClusterRecord, NetworkRecord, State};
use pruner_runtime::{DockerError, Filters, PruneError};
use pruner_tests::{
    NOW, TestDaemon, cluster_network, destroyed, filters, json_filters, labels, network, pruned,
    time,
};

#[path = "network_prune/policies.rs"]
mod policies;

/// The prune event of network prune: `reclaimed` is always 0.
fn network_pruned() -> pruner_tests::EventSummary {
    pruned("network", 0)
}

/// The `destroy` event of the local network `name` (ID `net<name>`).
fn network_destroyed(name: &str) -> pruner_tests::EventSummary {
    destroyed("network", &format!("net{name}"))
}

/// The report naming `names`, in this order.
fn report(names: &[&str]) -> NetworkPruneReport {
    NetworkPruneReport {
        networks_deleted: names.iter().map(|name| name.to_string()).collect(),
    }
}

/// The networks Docker creates itself, all without endpoints.
fn predefined() -> Vec<NetworkRecord> {
    ["bridge", "host", "none", "default"]
        .iter()
        .map(|name| network(name, "2026-01-01T00:00:00Z"))
        .collect()
}

/// A daemon with the local networks `networks` and no swarm.
fn local(networks: Vec<NetworkRecord>) -> TestDaemon {
    TestDaemon::new(State {
        networks,
        ..State::default()
    })
}

/// A swarm manager with the local networks `networks` and the swarm networks `cluster`.
fn manager(networks: Vec<NetworkRecord>, cluster: Vec<ClusterNetworkRecord>) -> TestDaemon {
    TestDaemon::new(State {
        networks,
        cluster: ClusterRecord {
            manager: true,
            networks: cluster,
            ..ClusterRecord::default()
        },
        ..State::default()
    })
}

fn labelled_network(name: &str, items: &[&str]) -> NetworkRecord {
    NetworkRecord {
        labels: labels(items),
        ..network(name, "2026-11-27T08:00:00Z")
    }
}

fn labelled_cluster_network(name: &str, items: &[&str]) -> ClusterNetworkRecord {
    ClusterNetworkRecord {
        labels: labels(items),
        ..cluster_network(name, "2026-11-27T08:00:00Z")
    }
}

fn with_endpoints(record: NetworkRecord, endpoints: u32) -> NetworkRecord {
    NetworkRecord {
        endpoints,
        ..record
    }
}

fn used_by(record: ClusterNetworkRecord, service: &str) -> ClusterNetworkRecord {
    ClusterNetworkRecord {
        services: vec![service.to_string()],
        ..record
    }
}

fn no_warnings() -> Vec<String> {
    Vec::new()
}

/// A network prune with `filters` fails with `expected` and changes nothing on either side: no
/// event, no warning.
fn assert_rejected(filters: &Filters, expected: PruneError) {
    let daemon = manager(
        vec![network("n1", "2026-11-20T00:00:00Z")],
        vec![cluster_network("c1", "2026-11-20T00:00:00Z")],
    );
    assert_eq!(daemon.prune_networks_with(filters), Err(expected));
    assert_eq!(daemon.network_names(), ["n1"]);
    assert_eq!(daemon.cluster_network_names(), ["c1"]);
    assert_eq!(daemon.events(), []);
    assert_eq!(daemon.warnings(), no_warnings());
}

fn invalid(message: &str) -> PruneError {
    PruneError::Returned(DockerError::InvalidParameter(message.to_string()))
}

// --- local networks --------------------------------------------------------------------------

#[test]
fn unused_local_networks_are_pruned_in_store_order_with_a_destroy_event_each() {
    let daemon = local(vec![
        network("zeta", "2026-11-27T08:00:00Z"),
        network("alpha", "2026-11-27T09:00:00Z"),
    ]);

    assert_eq!(daemon.prune_networks(&[]), Ok(report(&["zeta", "alpha"])));
    assert_eq!(daemon.network_names(), Vec::<String>::new());
    assert_eq!(
        daemon.events(),
        [
            network_destroyed("zeta"),
            network_destroyed("alpha"),
            network_pruned()
        ]
    );
    assert_eq!(daemon.warnings(), no_warnings());
}

#[test]
fn predefined_networks_are_never_pruned_whatever_the_filters() {
    let daemon = local(predefined());

    assert_eq!(daemon.prune_networks(&[]), Ok(report(&[])));
    assert_eq!(daemon.prune_networks(&["until=-1h"]), Ok(report(&[])));
    assert_eq!(daemon.prune_networks(&["label!=x"]), Ok(report(&[])));
    assert_eq!(
        daemon.network_names(),
        ["bridge", "host", "none", "default"]
    );
    assert_eq!(daemon.warnings(), no_warnings());
    assert_eq!(
        daemon.events(),
        [network_pruned(), network_pruned(), network_pruned()]
    );
}

#[test]
fn names_close_to_the_predefined_ones_are_pruned() {
    let daemon = local(vec![
        network("Bridge", "2026-11-27T08:00:00Z"),
        network("bridge2", "2026-11-27T08:00:00Z"),
        network("container:web", "2026-11-27T08:00:00Z"),
    ]);

    assert_eq!(
        daemon.prune_networks(&[]),
        Ok(report(&["Bridge", "bridge2", "container:web"]))
    );
}

#[test]
fn config_only_networks_are_never_pruned_whatever_the_filters() {
    let template = NetworkRecord {
        config_only: true,
        ..labelled_network("template", &["tier=web"])
    };
    let daemon = local(vec![template, network("unused", "2026-11-27T08:00:00Z")]);

    assert_eq!(
        daemon.prune_networks(&["label=tier=web", "until=-1h"]),
        Ok(report(&[]))
    );
    assert_eq!(daemon.prune_networks(&[]), Ok(report(&["unused"])));
    assert_eq!(daemon.network_names(), ["template"]);
    assert_eq!(daemon.warnings(), no_warnings());
}

#[test]
fn networks_with_endpoints_are_kept_without_a_warning() {
    // F13/F14: a network of a running container has an endpoint; one of a stopped container
    // has none and is pruned.
    let daemon = local(vec![
        with_endpoints(network("running", "2026-11-27T08:00:00Z"), 1),
        with_endpoints(network("busy", "2026-11-27T08:00:00Z"), 12),
        network("stopped", "2026-11-27T08:00:00Z"),
    ]);

    assert_eq!(daemon.prune_networks(&[]), Ok(report(&["stopped"])));
    assert_eq!(daemon.network_names(), ["running", "busy"]);
    assert_eq!(daemon.warnings(), no_warnings());
}

#[test]
fn a_local_removal_failure_is_warned_about_and_the_prune_goes_on() {
    let mut stuck = network("stuck", "2026-11-27T08:00:00Z");
    stuck.fail.remove = Some("error while removing network: device busy".to_string());
    let daemon = local(vec![
        network("first", "2026-11-27T08:00:00Z"),
        stuck,
        network("last", "2026-11-27T08:00:00Z"),
    ]);

    assert_eq!(daemon.prune_networks(&[]), Ok(report(&["first", "last"])));
    assert_eq!(
        daemon.warnings(),
        ["could not remove local network stuck: error while removing network: device busy"]
    );
    assert_eq!(daemon.network_names(), ["stuck"]);
    assert_eq!(
        daemon.events(),
        [
            network_destroyed("first"),
            network_destroyed("last"),
            network_pruned()
        ]
    );
}

#[test]
fn networks_sharing_a_name_are_each_reported_by_name() {
    let mut twin = network("dup", "2026-11-27T08:00:00Z");
    twin.id = "netdup2".to_string();
    let daemon = local(vec![network("dup", "2026-11-27T08:00:00Z"), twin]);

    assert_eq!(daemon.prune_networks(&[]), Ok(report(&["dup", "dup"])));
    assert_eq!(
        daemon.events(),
        [
            network_destroyed("dup"),
            destroyed("network", "netdup2"),
            network_pruned()
        ]
    );
}

// --- cluster networks ------------------------------------------------------------------------

#[test]
fn cluster_networks_come_first_in_the_report() {
    let daemon = manager(
        vec![network("local1", "2026-11-27T08:00:00Z")],
        vec![
            cluster_network("swarm1", "2026-11-27T08:00:00Z"),
            cluster_network("swarm2", "2026-11-27T08:00:00Z"),
        ],
    );

    assert_eq!(
        daemon.prune_networks(&[]),
        Ok(report(&["swarm1", "swarm2", "local1"]))
    );
    assert_eq!(daemon.cluster_network_names(), Vec::<String>::new());
    assert_eq!(daemon.network_names(), Vec::<String>::new());
    // The swarm removes its networks itself: only the local one has a destroy event here.
    assert_eq!(
        daemon.events(),
        [network_destroyed("local1"), network_pruned()]
    );
}

#[test]
fn cluster_networks_are_pruned_only_on_a_manager() {
    let mut daemon = manager(
        vec![network("local1", "2026-11-27T08:00:00Z")],
        vec![cluster_network("swarm1", "2026-11-27T08:00:00Z")],
    );
    daemon.change(|state| state.cluster.manager = false);

    assert_eq!(daemon.prune_networks(&[]), Ok(report(&["local1"])));
    assert_eq!(daemon.cluster_network_names(), ["swarm1"]);
    assert_eq!(daemon.warnings(), no_warnings());
}

#[test]
fn the_ingress_network_is_never_pruned() {
    let ingress = ClusterNetworkRecord {
        ingress: true,
        ..cluster_network("ingress", "2026-01-01T00:00:00Z")
    };
    let daemon = manager(
        vec![],
        vec![ingress, cluster_network("other", "2026-11-27T08:00:00Z")],
    );

    assert_eq!(
        daemon.prune_networks(&["until=-1h"]),
        Ok(report(&["other"]))
    );
    assert_eq!(daemon.cluster_network_names(), ["ingress"]);
    assert_eq!(daemon.warnings(), no_warnings());
}

#[test]
fn a_cluster_network_in_use_by_a_service_is_skipped_without_a_warning() {
    let daemon = manager(
        vec![],
        vec![
            used_by(cluster_network("used", "2026-11-27T08:00:00Z"), "svc1"),
            cluster_network("unused", "2026-11-27T08:00:00Z"),
        ],
    );

    assert_eq!(daemon.prune_networks(&[]), Ok(report(&["unused"])));
    assert_eq!(daemon.cluster_network_names(), ["used"]);
    assert_eq!(daemon.warnings(), no_warnings());
    assert_eq!(daemon.events(), [network_pruned()]);
}

#[test]
fn another_cluster_removal_error_is_warned_about_and_the_prune_goes_on() {
    let mut broken = cluster_network("broken", "2026-11-27T08:00:00Z");
    broken.fail.remove = Some("rpc error: code = Unavailable desc = raft is down".to_string());
    let daemon = manager(
        vec![network("local1", "2026-11-27T08:00:00Z")],
        vec![broken, cluster_network("fine", "2026-11-27T08:00:00Z")],
    );

    assert_eq!(daemon.prune_networks(&[]), Ok(report(&["fine", "local1"])));
    assert_eq!(
        daemon.warnings(),
        [
            "could not remove cluster network broken: rpc error: code = Unavailable desc = raft \
             is down"
        ]
    );
    assert_eq!(daemon.cluster_network_names(), ["broken"]);
}

#[test]
fn an_in_use_error_naming_another_network_is_warned_about() {
    // The in-use text only silences the failure when it names the network itself (SPEC §6.12).
    let mut other = cluster_network("n5", "2026-11-27T08:00:00Z");
    other.fail.remove = Some("network ovlsomething is in use by service svc9".to_string());
    let mut itself = cluster_network("n6", "2026-11-27T08:00:00Z");
    itself.fail.remove = Some("network ovln6 is in use by task t1".to_string());
    let daemon = manager(vec![], vec![other, itself]);

    assert_eq!(daemon.prune_networks(&[]), Ok(report(&[])));
    assert_eq!(
        daemon.warnings(),
        ["could not remove cluster network n5: network ovlsomething is in use by service svc9"]
    );
    assert_eq!(daemon.cluster_network_names(), ["n5", "n6"]);
}

#[test]
fn a_cluster_list_failure_is_ignored_and_local_networks_are_still_pruned() {
    let mut daemon = manager(
        vec![network("local1", "2026-11-27T08:00:00Z")],
        vec![cluster_network("swarm1", "2026-11-27T08:00:00Z")],
    );
    daemon.change(|state| {
        state.cluster.fail.list = Some("rpc error: code = DeadlineExceeded".to_string())
    });

    assert_eq!(daemon.prune_networks(&[]), Ok(report(&["local1"])));
    assert_eq!(daemon.cluster_network_names(), ["swarm1"]);
    assert_eq!(daemon.warnings(), no_warnings());
    assert_eq!(
        daemon.events(),
        [network_destroyed("local1"), network_pruned()]
    );
}

// --- events ----------------------------------------------------------------------------------

#[test]
fn the_network_prune_event_reclaims_zero_and_has_no_deprecated_fields() {
    let daemon = local(vec![with_endpoints(
        network("busy", "2026-11-27T08:00:00Z"),
        1,
    )]);

    assert_eq!(daemon.prune_networks(&[]), Ok(report(&[])));

    let now = time(NOW);
    assert_eq!(
        daemon.event_messages(),
        [EventMessage {
            status: String::new(),
            id: String::new(),
            from: String::new(),
            kind: "network".to_string(),
            action: "prune".to_string(),
            actor: Actor {
                id: String::new(),
                attributes: BTreeMap::from([("reclaimed".to_string(), "0".to_string())]),
            },
            scope: "local".to_string(),
            time: now.timestamp(),
            time_nano: now.timestamp_nanos_opt().unwrap(),
        }]
    );
}

// --- filters on both sides -------------------------------------------------------------------

fn labelled_daemon() -> TestDaemon {
    manager(
        vec![
            labelled_network("n-foo", &["foo=1"]),
            labelled_network("n-bar", &["bar"]),
            labelled_network("n-none", &[]),
        ],
        vec![
            labelled_cluster_network("c-foo", &["foo=1"]),
            labelled_cluster_network("c-bar", &["bar"]),
            labelled_cluster_network("c-none", &[]),
        ],
    )
}

#[test]
fn label_filters_select_local_and_cluster_networks_alike() {
    let daemon = labelled_daemon();

    assert_eq!(
        daemon.prune_networks(&["label=foo"]),
        Ok(report(&["c-foo", "n-foo"]))
    );
    assert_eq!(daemon.prune_networks(&["label=bar=x"]), Ok(report(&[])));
    assert_eq!(daemon.network_names(), ["n-bar", "n-none"]);
    assert_eq!(daemon.cluster_network_names(), ["c-bar", "c-none"]);
}

#[test]
fn label_not_filters_spare_local_and_cluster_networks_alike() {
    let daemon = labelled_daemon();

    assert_eq!(
        daemon.prune_networks(&["label!=foo=1"]),
        Ok(report(&["c-bar", "c-none", "n-bar", "n-none"]))
    );
    assert_eq!(daemon.network_names(), ["n-foo"]);
    assert_eq!(daemon.cluster_network_names(), ["c-foo"]);
}

#[test]
fn until_prunes_local_and_cluster_networks_created_up_to_that_instant() {
    let at = "2026-11-27T10:00:00Z";
    let after = "2026-11-27T10:00:00.000000001Z";
    let daemon = manager(
        vec![network("n-at", at), network("n-after", after)],
        vec![
            cluster_network("c-at", at),
            cluster_network("c-after", after),
        ],
    );

    assert_eq!(
        daemon.prune_networks(&["until=2026-11-27T10:00:00Z"]),
        Ok(report(&["c-at", "n-at"]))
    );
    assert_eq!(daemon.network_names(), ["n-after"]);
    assert_eq!(daemon.cluster_network_names(), ["c-after"]);
}

#[test]
fn a_local_time_until_is_read_in_the_daemon_zone_on_both_sides() {
    let state = State {
        networks: vec![
            network("n-old", "2026-11-27T07:59:59Z"),
            network("n-new", "2026-11-27T08:00:01Z"),
        ],
        cluster: ClusterRecord {
            manager: true,
            networks: vec![
                cluster_network("c-old", "2026-11-27T07:59:59Z"),
                cluster_network("c-new", "2026-11-27T08:00:01Z"),
            ],
            ..ClusterRecord::default()
        },
        ..State::default()
    };
    let daemon = TestDaemon::at(state, "2026-11-27T12:00:00+03:00");

    assert_eq!(
        daemon.prune_networks(&["until=2026-11-27T11:00"]),
        Ok(report(&["c-old", "n-old"]))
    );
}

// --- invalid filters -------------------------------------------------------------------------

#[test]
fn an_unknown_filter_key_is_rejected_and_nothing_is_removed() {
    assert_rejected(
        &filters("dangling", &["true"]),
        invalid("invalid filter 'dangling'"),
    );
    assert_rejected(
        &filters("driver", &["bridge"]),
        invalid("invalid filter 'driver'"),
    );
}

#[test]
fn two_until_values_are_rejected_and_nothing_is_removed() {
    assert_rejected(
        &filters("until", &["2026-11-27T10:00:00", "2h"]),
        invalid("more than one until filter specified"),
    );
}

#[test]
fn a_bad_until_is_rejected_and_nothing_is_removed() {
    assert_rejected(
        &filters("until", &["foo"]),
        invalid(r#"failed to parse value as time or duration: "foo""#),
    );
    assert_rejected(
        &filters("until", &["2006-02-29"]),
        invalid(r#"parsing time "2006-02-29": day out of range"#),
    );
}

#[test]
fn an_until_key_without_values_is_rejected_and_nothing_is_removed() {
    assert_rejected(
        &json_filters(r#"{"until":[]}"#),
        invalid("until filter specified without a value"),
    );
}

// --- scenarios -------------------------------------------------------------------------------

#[test]
fn scenario_a1_unused_local_and_overlay_networks_go_and_used_ones_stay_until_freed() {
    // moby DockerSwarmSuite.TestPruneNetwork: n1 has the running container `testprune`, n3 is
    // used by the service `testprunesvc`.
    let ingress = ClusterNetworkRecord {
        ingress: true,
        ..cluster_network("ingress", "2026-11-27T07:00:00Z")
    };
    let mut networks = predefined();
    networks.truncate(3);
    networks.push(with_endpoints(
        network("ingress", "2026-11-27T07:00:00Z"),
        1,
    ));
    networks.push(with_endpoints(network("n1", "2026-11-27T08:00:00Z"), 1));
    networks.push(network("n2", "2026-11-27T08:01:00Z"));
    let mut daemon = manager(
        networks,
        vec![
            ingress,
            used_by(
                cluster_network("n3", "2026-11-27T08:02:00Z"),
                "testprunesvc",
            ),
            cluster_network("n4", "2026-11-27T08:03:00Z"),
        ],
    );

    assert_eq!(daemon.prune_networks(&[]), Ok(report(&["n4", "n2"])));
    assert_eq!(
        daemon.network_names(),
        ["bridge", "host", "none", "ingress", "n1"]
    );
    assert_eq!(daemon.cluster_network_names(), ["ingress", "n3"]);
    assert_eq!(daemon.warnings(), no_warnings());

    // `docker rm -f testprune`, `docker service rm testprunesvc`.
    daemon.change(|state| {
        for network in &mut state.networks {
            if network.name == "n1" {
                network.endpoints = 0;
            }
        }
        for network in &mut state.cluster.networks {
            network.services.clear();
        }
    });

    assert_eq!(daemon.prune_networks(&[]), Ok(report(&["n3", "n1"])));
    assert_eq!(
        daemon.network_names(),
        ["bridge", "host", "none", "ingress"]
    );
    assert_eq!(daemon.cluster_network_names(), ["ingress"]);
    assert_eq!(daemon.warnings(), no_warnings());
    assert_eq!(
        daemon.events(),
        [
            network_destroyed("n2"),
            network_pruned(),
            network_destroyed("n1"),
            network_pruned()
        ]
    );
}

#[test]
fn scenario_a4_label_filters_prune_local_networks_step_by_step() {
    let mut networks = predefined();
    networks.truncate(3);
    networks.push(labelled_network("n1", &["foo"]));
    networks.push(labelled_network("n2", &["bar"]));
    networks.push(labelled_network("n3", &[]));
    let daemon = local(networks);

    assert_eq!(daemon.prune_networks(&["label=foo"]), Ok(report(&["n1"])));
    assert_eq!(daemon.prune_networks(&["label!=bar"]), Ok(report(&["n3"])));
    assert_eq!(daemon.prune_networks(&[]), Ok(report(&["n2"])));
    assert_eq!(daemon.network_names(), ["bridge", "host", "none"]);
    assert_eq!(
        daemon.events(),
        [
            network_destroyed("n1"),
            network_pruned(),
            network_destroyed("n3"),
            network_pruned(),
            network_destroyed("n2"),
            network_pruned()
        ]
    );
}

#[test]
fn scenario_e4_network_prune_removes_the_unused_custom_networks() {
    let mut networks = predefined();
    networks.truncate(3);
    networks.push(network("n1", "2026-11-27T08:00:00Z"));
    networks.push(network("n2", "2026-11-27T09:00:00Z"));
    let daemon = local(networks);

    assert_eq!(daemon.prune_networks(&[]), Ok(report(&["n1", "n2"])));
    assert_eq!(daemon.network_names(), ["bridge", "host", "none"]);
}

#[test]
fn scenario_e5_until_five_minutes_removes_the_network_created_a_day_ago() {
    let mut networks = predefined();
    networks.truncate(3);
    networks.push(network("foo-1-day-ago", "2026-11-26T12:00:00Z"));
    networks.push(network("foo-1-min-ago", "2026-11-27T11:59:00Z"));
    let daemon = local(networks);

    assert_eq!(
        daemon.prune_networks(&["until=5m"]),
        Ok(report(&["foo-1-day-ago"]))
    );
    assert_eq!(
        daemon.network_names(),
        ["bridge", "host", "none", "foo-1-min-ago"]
    );
    assert_eq!(
        daemon.events(),
        [network_destroyed("foo-1-day-ago"), network_pruned()]
    );
}

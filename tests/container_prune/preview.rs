//! Dry runs, plans and progress through the library (`Pruner::prune_*_with`), for both prunes:
//! a dry run reports what the real prune then removes and changes nothing, an apply removes
//! only what its plan lists and the rules still select, and the progress callback sees every
//! listing and removal.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use pruner_runtime::bindings::{ContainerState, NetworkPruneReport};
use pruner_runtime::invariants::PruneKind;
use pruner_runtime::plan::{
    BackendIdentity, Plan, PlannedContainer, PlannedNetwork, PlannedObject, Scope,
};
use pruner_runtime::preview::{Mode, Progress, PruneOptions, Pruned, SkipReason, Skipped};
use pruner_runtime::state::{ClusterRecord, State};
use pruner_runtime::{Cancellation, Filters};
use pruner_tests::{TestDaemon, cli_filters, cluster_network, container, id, network, time};

use super::{daemon, exited, labelled, report, sized};

/// A dry run.
fn dry_run() -> PruneOptions {
    PruneOptions {
        mode: Mode::DryRun,
        progress: None,
    }
}

/// Applying `plan`.
fn applying(plan: Plan) -> PruneOptions {
    PruneOptions {
        mode: Mode::Apply(Arc::new(plan)),
        progress: None,
    }
}

fn containers_with(
    daemon: &TestDaemon,
    filters: &Filters,
    options: &PruneOptions,
) -> Pruned<pruner_runtime::bindings::ContainerPruneReport> {
    daemon
        .pruner
        .prune_containers_with(&daemon.backends, filters, &Cancellation::default(), options)
        .expect("the prune succeeds")
}

fn networks_with(daemon: &TestDaemon, options: &PruneOptions) -> Pruned<NetworkPruneReport> {
    daemon
        .pruner
        .prune_networks_with(
            &daemon.backends,
            &Filters::new(),
            &Cancellation::default(),
            options,
        )
        .expect("the prune succeeds")
}

/// The facts a plan records of the container `name` (exited, as [`exited`] makes it).
fn planned(name: &str, created: &str) -> PlannedObject {
    PlannedObject::Container(PlannedContainer {
        id: id(name),
        name: name.to_string(),
        created: time(created),
        state: ContainerState::Exited,
    })
}

/// The daemon of the apply tests: three old `env=dev` containers, one running.
fn dev_daemon() -> TestDaemon {
    daemon(vec![
        sized(
            labelled(exited("one", "2026-11-20T10:00:00Z"), &["env=dev"]),
            10,
        ),
        sized(
            labelled(exited("two", "2026-11-21T10:00:00Z"), &["env=dev"]),
            200,
        ),
        labelled(
            container("web", ContainerState::Running, "2026-11-19T10:00:00Z"),
            &["env=dev"],
        ),
        labelled(exited("prod", "2026-11-19T10:00:00Z"), &["env=prod"]),
    ])
}

fn backend() -> BackendIdentity {
    BackendIdentity {
        kind: "memory".to_string(),
        id: "test".to_string(),
    }
}

/// A plan of the `env=dev` container prune of [`dev_daemon`], from its dry run.
fn dev_plan(daemon: &TestDaemon) -> Plan {
    let filters = cli_filters(&["label=env=dev"]);
    let preview = containers_with(daemon, &filters, &dry_run());
    let created: DateTime<Utc> = time("2026-11-27T12:00:00Z");
    Plan::new(
        PruneKind::Containers,
        backend(),
        created,
        &filters,
        &preview.removed,
    )
}

#[test]
fn a_container_dry_run_reports_what_the_prune_that_follows_removes_and_changes_nothing() {
    let daemon = daemon(vec![
        sized(exited("old", "2026-11-20T10:00:00Z"), 1_000),
        container("web", ContainerState::Running, "2026-11-20T10:00:00Z"),
        sized(
            container("new", ContainerState::Created, "2026-11-27T11:00:00Z"),
            24,
        ),
    ]);
    let before = daemon.state();

    let preview = containers_with(&daemon, &Filters::new(), &dry_run());

    assert_eq!(preview.report, report(&["new", "old"], 1_024));
    assert_eq!(
        preview.removed,
        [
            PlannedObject::Container(PlannedContainer {
                id: id("new"),
                name: "new".to_string(),
                created: time("2026-11-27T11:00:00Z"),
                state: ContainerState::Created,
            }),
            planned("old", "2026-11-20T10:00:00Z"),
        ]
    );
    assert_eq!(preview.skipped, []);
    assert_eq!(daemon.state(), before, "nothing removed, no event logged");

    assert_eq!(daemon.prune_containers(&[]), Ok(preview.report));
    assert_eq!(daemon.container_names(), ["web"]);
}

#[test]
fn a_network_dry_run_lists_swarm_then_local_networks_and_changes_nothing() {
    let daemon = TestDaemon::new(State {
        networks: vec![
            network("bridge", "2026-01-01T00:00:00Z"),
            network("n1", "2026-11-20T10:00:00Z"),
        ],
        cluster: ClusterRecord {
            manager: true,
            networks: vec![cluster_network("ov1", "2026-11-20T10:00:00Z")],
            ..ClusterRecord::default()
        },
        ..State::default()
    });
    let before = daemon.state();

    let preview = networks_with(&daemon, &dry_run());

    let expected = NetworkPruneReport {
        networks_deleted: vec!["ov1".to_string(), "n1".to_string()],
    };
    assert_eq!(preview.report, expected);
    let scoped = |id: &str, name: &str, scope| {
        PlannedObject::Network(PlannedNetwork {
            id: id.to_string(),
            name: name.to_string(),
            created: time("2026-11-20T10:00:00Z"),
            scope,
        })
    };
    assert_eq!(
        preview.removed,
        [
            scoped("ovlov1", "ov1", Scope::Swarm),
            scoped("netn1", "n1", Scope::Local)
        ]
    );
    assert_eq!(daemon.state(), before);
    assert_eq!(daemon.prune_networks(&[]), Ok(expected));
}

#[test]
fn a_dry_run_cannot_know_what_the_backend_would_refuse_at_removal_time() {
    let mut stuck = exited("stuck", "2026-11-20T10:00:00Z");
    stuck.fail.remove = Some("device or resource busy".to_string());
    let daemon = daemon(vec![stuck]);

    let preview = containers_with(&daemon, &Filters::new(), &dry_run());

    // The host never asks the backend, so the removal it would refuse is listed...
    assert_eq!(preview.report, report(&["stuck"], 0));
    // ...where the real prune warns and keeps it.
    assert_eq!(daemon.prune_containers(&[]), Ok(report(&[], 0)));
    assert_eq!(
        daemon.warnings(),
        [format!(
            "failed to prune container {}: device or resource busy",
            id("stuck")
        )]
    );
}

#[test]
fn an_apply_removes_the_planned_containers_still_stopped_and_nothing_new() {
    let mut daemon = dev_daemon();
    let plan = dev_plan(&daemon);
    assert_eq!(
        plan.containers
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["two", "one"]
    );
    // Between plan and apply, `two` starts and a new `env=dev` container stops.
    daemon.change(|state: &mut State| {
        state.containers[1].state = ContainerState::Running;
        state.containers.push(labelled(
            exited("late", "2026-11-27T11:00:00Z"),
            &["env=dev"],
        ));
    });

    let applied = containers_with(&daemon, &plan.filters.clone(), &applying(plan));

    assert_eq!(applied.report, report(&["one"], 10));
    assert_eq!(applied.removed, [planned("one", "2026-11-20T10:00:00Z")]);
    assert_eq!(
        applied.skipped,
        [Skipped {
            object: planned("two", "2026-11-21T10:00:00Z"),
            reason: SkipReason::Active(ContainerState::Running),
        }]
    );
    assert_eq!(daemon.container_names(), ["two", "web", "prod", "late"]);
    // The rules asked for `late`; the host refused it, which is not the plugin's fault.
    assert_eq!(
        daemon.warnings(),
        [format!(
            "failed to prune container {late}: container {late} is not in the plan being applied",
            late = id("late")
        )]
    );
}

#[test]
fn a_plan_edited_to_add_objects_still_removes_only_what_the_rules_select() {
    let daemon = dev_daemon();
    let mut plan = dev_plan(&daemon);
    // `prod` does not match the plan's `label=env=dev`; `web` is running.
    plan.containers.push(PlannedContainer {
        id: id("prod"),
        name: "prod".to_string(),
        created: time("2026-11-19T10:00:00Z"),
        state: ContainerState::Exited,
    });
    plan.containers.push(PlannedContainer {
        id: id("web"),
        name: "web".to_string(),
        created: time("2026-11-19T10:00:00Z"),
        state: ContainerState::Exited,
    });

    let applied = containers_with(&daemon, &plan.filters.clone(), &applying(plan));

    assert_eq!(applied.report, report(&["two", "one"], 210));
    let skipped: Vec<(String, String)> = applied
        .skipped
        .iter()
        .map(|s| (s.object.name().to_string(), s.reason.to_string()))
        .collect();
    assert_eq!(
        skipped,
        [
            (
                "prod".to_string(),
                "the rules no longer select it".to_string()
            ),
            ("web".to_string(), "it is running now".to_string()),
        ]
    );
    assert_eq!(daemon.container_names(), ["web", "prod"]);
}

#[test]
fn the_progress_callback_sees_the_listing_and_every_removal() {
    let daemon = daemon(vec![
        sized(exited("a", "2026-11-20T10:00:00Z"), 1_000),
        container("web", ContainerState::Running, "2026-11-20T10:00:00Z"),
        sized(exited("b", "2026-11-21T10:00:00Z"), 24),
        exited("new", "2026-11-27T11:59:00Z"),
    ]);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let options = PruneOptions {
        mode: Mode::Remove,
        progress: Some(Arc::new(move |progress: &Progress| {
            record.lock().unwrap().push((
                progress.candidates,
                progress.done,
                progress.removed,
                progress.space_reclaimed,
            ));
        })),
    };

    let pruned = containers_with(&daemon, &cli_filters(&["until=1h"]), &options);

    assert_eq!(pruned.report, report(&["b", "a"], 1_024));
    // Three candidates (not `web`); `until` leaves `new`.
    assert_eq!(
        *seen.lock().unwrap(),
        [(3, 0, 0, 0), (3, 1, 1, 24), (3, 2, 2, 1_024)]
    );
    assert_eq!(pruned.removed, [], "a prune keeps no facts");
}

//! Container prune narrowed by the shipped policies: what each keeps, and why, on state
//! files; chaining; options refused before anything is touched.

use pruner_runtime::Policy;
use pruner_runtime::PolicyError;
use pruner_runtime::bindings::ContainerState;
use pruner_runtime::invariants::PruneKind;
use pruner_runtime::policy::PolicyFault;
use pruner_runtime::state::ContainerRecord;
use pruner_tests::policies::{contract_policy, policy};
use pruner_tests::{TestDaemon, container, destroyed, id, pruned, time};

use super::{daemon, exited, labelled, report, sized};

/// The same container created from `image`.
fn from_image(record: ContainerRecord, image: &str) -> ContainerRecord {
    ContainerRecord {
        image: image.to_string(),
        ..record
    }
}

/// The same container, which exited at `finished`.
fn finished(record: ContainerRecord, finished: &str) -> ContainerRecord {
    ContainerRecord {
        finished: Some(time(finished)),
        ..record
    }
}

/// A policy's line for the container `name`.
fn kept(policy: &str, name: &str, reason: &str) -> String {
    format!(
        "policy {policy} kept container {} ({name}): {reason}",
        id(name)
    )
}

/// Two compose projects and a container of neither: `shop` has three stopped containers and
/// a running one, `blog` two stopped ones.
fn projects() -> TestDaemon {
    let project = |record, project: &str| {
        labelled(record, &[&format!("com.docker.compose.project={project}")])
    };
    daemon(vec![
        project(exited("shop-1", "2026-11-20T10:00:00Z"), "shop"),
        project(exited("shop-2", "2026-11-21T10:00:00Z"), "shop"),
        project(exited("shop-3", "2026-11-22T10:00:00Z"), "shop"),
        project(
            container("shop-4", ContainerState::Running, "2026-11-23T10:00:00Z"),
            "shop",
        ),
        project(exited("blog-1", "2026-11-20T10:00:00Z"), "blog"),
        project(exited("blog-2", "2026-11-24T10:00:00Z"), "blog"),
        exited("loose", "2026-11-25T10:00:00Z"),
    ])
}

#[test]
fn keep_recent_keeps_the_newest_stopped_containers_of_each_label_group() {
    let mut daemon = projects();
    let log = daemon.narrow_by(vec![policy(
        "keep-recent",
        &[
            ("keep", "2"),
            ("group-by", "label:com.docker.compose.project"),
        ],
    )]);

    assert_eq!(daemon.prune_containers(&[]), Ok(report(&["shop-1"], 0)));
    assert_eq!(
        daemon.container_names(),
        ["shop-2", "shop-3", "shop-4", "blog-1", "blog-2", "loose"]
    );
    let two = "one of the 2 newest";
    assert_eq!(
        log.lines(),
        [
            kept(
                "keep-recent",
                "shop-2",
                &format!("{two} with com.docker.compose.project=shop")
            ),
            kept(
                "keep-recent",
                "shop-3",
                &format!("{two} with com.docker.compose.project=shop")
            ),
            kept(
                "keep-recent",
                "blog-1",
                &format!("{two} with com.docker.compose.project=blog")
            ),
            kept(
                "keep-recent",
                "blog-2",
                &format!("{two} with com.docker.compose.project=blog")
            ),
            kept(
                "keep-recent",
                "loose",
                &format!("{two} without the label com.docker.compose.project")
            ),
        ]
    );
    assert_eq!(
        daemon.events(),
        [
            destroyed("container", &id("shop-1")),
            pruned("container", 0)
        ]
    );
}

#[test]
fn keep_recent_groups_all_containers_by_default_and_by_image_when_asked() {
    let mut daemon = projects();
    let log = daemon.narrow_by(vec![policy("keep-recent", &[("keep", "1")])]);
    assert_eq!(
        daemon.prune_containers(&[]),
        Ok(report(
            &["blog-2", "shop-3", "shop-2", "shop-1", "blog-1"],
            0
        ))
    );
    assert_eq!(log.lines(), [kept("keep-recent", "loose", "the newest")]);

    let mut daemon = super::daemon(vec![
        from_image(exited("a-old", "2026-11-20T10:00:00Z"), "alpine"),
        from_image(exited("a-new", "2026-11-21T10:00:00Z"), "alpine"),
        from_image(exited("b-old", "2026-11-20T10:00:00Z"), "busybox"),
        from_image(exited("unknown", "2026-11-20T10:00:00Z"), ""),
    ]);
    let log = daemon.narrow_by(vec![policy(
        "keep-recent",
        &[("keep", "1"), ("group-by", "image")],
    )]);
    assert_eq!(daemon.prune_containers(&[]), Ok(report(&["a-old"], 0)));
    assert_eq!(
        log.lines(),
        [
            kept("keep-recent", "a-new", "the newest of image alpine"),
            kept("keep-recent", "b-old", "the newest of image busybox"),
            kept("keep-recent", "unknown", "the newest of an unknown image"),
        ]
    );
}

#[test]
fn keep_recent_with_keep_zero_keeps_nothing() {
    let mut daemon = projects();
    let log = daemon.narrow_by(vec![policy("keep-recent", &[("keep", "0")])]);
    assert_eq!(
        daemon
            .prune_containers(&[])
            .unwrap()
            .containers_deleted
            .len(),
        6
    );
    assert_eq!(log.lines(), Vec::<String>::new());
}

#[test]
fn protect_keeps_the_stopped_containers_with_any_of_its_labels() {
    let mut daemon = daemon(vec![
        sized(
            labelled(exited("pinned", "2026-11-20T10:00:00Z"), &["keep"]),
            10,
        ),
        sized(
            labelled(exited("prod", "2026-11-21T10:00:00Z"), &["env=prod"]),
            20,
        ),
        sized(
            labelled(exited("dev", "2026-11-22T10:00:00Z"), &["env=dev"]),
            40,
        ),
        labelled(
            container("running", ContainerState::Running, "2026-11-23T10:00:00Z"),
            &["keep"],
        ),
    ]);
    let log = daemon.narrow_by(vec![policy(
        "protect",
        &[("label", "keep"), ("label", "env=prod")],
    )]);

    assert_eq!(daemon.prune_containers(&[]), Ok(report(&["dev"], 40)));
    assert_eq!(daemon.container_names(), ["pinned", "prod", "running"]);
    // The running container is never pruned: the policy does not claim it.
    assert_eq!(
        log.lines(),
        [
            kept("protect", "pinned", "label keep"),
            kept("protect", "prod", "label env=prod"),
        ]
    );
    assert_eq!(
        daemon.events(),
        [destroyed("container", &id("dev")), pruned("container", 40)]
    );
}

#[test]
fn docker_s_filters_still_apply_to_what_the_policies_let_go() {
    let mut daemon = daemon(vec![
        labelled(
            exited("dev-pinned", "2026-11-20T10:00:00Z"),
            &["env=dev", "keep"],
        ),
        labelled(exited("dev", "2026-11-21T10:00:00Z"), &["env=dev"]),
        labelled(exited("prod", "2026-11-22T10:00:00Z"), &["env=prod"]),
    ]);
    daemon.narrow_by(vec![policy("protect", &[("label", "keep")])]);
    assert_eq!(
        daemon.prune_containers(&["label=env=dev"]),
        Ok(report(&["dev"], 0))
    );
    assert_eq!(daemon.container_names(), ["dev-pinned", "prod"]);
}

/// Containers around the cut-off of `until=24h` at the tests' clock (2026-11-26T12:00Z).
fn exits() -> TestDaemon {
    daemon(vec![
        finished(
            exited("exited-late", "2026-11-10T10:00:00Z"),
            "2026-11-27T09:00:00Z",
        ),
        finished(
            exited("exited-early", "2026-11-10T10:00:00Z"),
            "2026-11-25T09:00:00Z",
        ),
        container(
            "created-late",
            ContainerState::Created,
            "2026-11-27T10:00:00Z",
        ),
        container(
            "created-early",
            ContainerState::Created,
            "2026-11-20T10:00:00Z",
        ),
        exited("exit-unknown", "2026-11-10T10:00:00Z"),
        finished(
            container("dead", ContainerState::Dead, "2026-10-01T10:00:00Z"),
            "2026-11-01T00:00:00.5Z",
        ),
    ])
}

#[test]
fn exited_before_measures_from_the_exit_and_from_creation_for_never_started_containers() {
    let mut daemon = exits();
    let log = daemon.narrow_by(vec![policy("exited-before", &[("until", "24h")])]);

    assert_eq!(
        daemon.prune_containers(&[]),
        Ok(report(&["created-early", "exited-early", "dead"], 0))
    );
    assert_eq!(
        log.lines(),
        [
            kept(
                "exited-before",
                "exited-late",
                "exited 2026-11-27T09:00:00Z, after 2026-11-26T12:00:00Z"
            ),
            kept(
                "exited-before",
                "created-late",
                "created 2026-11-27T10:00:00Z, after 2026-11-26T12:00:00Z"
            ),
            kept("exited-before", "exit-unknown", "its exit time is unknown"),
        ]
    );
}

#[test]
fn exited_before_takes_docker_s_until_forms() {
    for until in [
        "1795694400",
        "2026-11-26T12:00:00Z",
        "2026-11-26T13:00:00+01:00",
    ] {
        let mut daemon = exits();
        daemon.narrow_by(vec![policy("exited-before", &[("until", until)])]);
        assert_eq!(
            daemon.prune_containers(&[]),
            Ok(report(&["created-early", "exited-early", "dead"], 0)),
            "until={until}"
        );
    }
    // Without the policy, Docker's own `until` measures from creation.
    let daemon = exits();
    assert_eq!(
        daemon.prune_containers(&["until=24h"]),
        Ok(report(
            &[
                "created-early",
                "exited-late",
                "exited-early",
                "exit-unknown",
                "dead"
            ],
            0
        ))
    );
}

#[test]
fn chained_policies_prune_only_what_every_one_lets_go() {
    let mut daemon = daemon(vec![
        labelled(exited("old-pinned", "2026-11-20T10:00:00Z"), &["keep"]),
        exited("old", "2026-11-21T10:00:00Z"),
        exited("new", "2026-11-22T10:00:00Z"),
        labelled(exited("new-pinned", "2026-11-23T10:00:00Z"), &["keep"]),
    ]);
    let log = daemon.narrow_by(vec![
        policy("protect", &[("label", "keep")]),
        policy("keep-recent", &[("keep", "2")]),
    ]);

    assert_eq!(daemon.prune_containers(&[]), Ok(report(&["old"], 0)));
    assert_eq!(
        daemon.container_names(),
        ["old-pinned", "new", "new-pinned"]
    );
    assert_eq!(
        log.lines(),
        [
            kept("protect", "old-pinned", "label keep"),
            kept("protect", "new-pinned", "label keep"),
            kept("keep-recent", "new", "one of the 2 newest"),
            kept("keep-recent", "new-pinned", "one of the 2 newest"),
        ]
    );
}

/// Containers with every fact a policy reads, in its corner cases: several images and none
/// known, exit times and none, empty and non-ASCII label values, every state.
fn assorted() -> TestDaemon {
    let mut records = Vec::new();
    for (i, state) in [
        ContainerState::Exited,
        ContainerState::Created,
        ContainerState::Dead,
        ContainerState::Running,
        ContainerState::Paused,
        ContainerState::Exited,
        ContainerState::Removing,
        ContainerState::Exited,
    ]
    .into_iter()
    .enumerate()
    {
        let name = format!("c{i}-ünï");
        let record = container(&name, state, &format!("2026-11-2{i}T10:00:00Z"));
        let labels = [
            vec!["com.docker.compose.project=shop"],
            vec!["com.docker.compose.project=blög", "keep"],
            vec!["env=", "com.docker.compose.project=shop"],
            vec![],
        ];
        let record = labelled(record, &labels[i % 4]);
        let record = from_image(record, ["busybox", "nginx:1.27", "", "ünï/image"][i % 4]);
        let record = match i % 3 {
            0 => finished(record, &format!("2026-11-2{}T0{i}:30:00.25Z", i.min(6))),
            _ => record,
        };
        records.push(sized(record, 10 * i as i64));
    }
    daemon(records)
}

#[test]
fn the_sdk_s_packed_transport_and_the_contract_decide_alike() {
    let cases: [(&str, &[(&str, &str)]); 6] = [
        (
            "keep-recent",
            &[
                ("keep", "1"),
                ("group-by", "label:com.docker.compose.project"),
            ],
        ),
        ("keep-recent", &[("keep", "1"), ("group-by", "image")]),
        ("keep-recent", &[("keep", "3")]),
        ("protect", &[("label", "env="), ("label", "keep")]),
        ("exited-before", &[("until", "24h")]),
        ("exited-before", &[("until", "2026-11-24T00:00:00")]),
    ];
    for (name, options) in cases {
        let decided = |policy: Policy| {
            let mut daemon = assorted();
            let log = daemon.narrow_by(vec![policy]);
            let report = daemon.prune_containers(&[]);
            (report, daemon.container_names(), log.lines())
        };
        let packed = decided(policy(name, options));
        let contract = decided(contract_policy(name, options));
        assert_eq!(packed, contract, "{name} {options:?}");
        assert!(!packed.2.is_empty(), "{name} {options:?} keeps something");
    }
}

#[test]
fn options_a_policy_refuses_are_errors_naming_the_policy() {
    let refused = |name: &str, options: &[(&str, &str)], message: &str| {
        assert_eq!(
            policy(name, options).check(PruneKind::Containers),
            Err(PolicyError {
                policy: name.to_string(),
                fault: PolicyFault::Options(message.to_string()),
            }),
            "{name} {options:?}"
        );
    };
    refused(
        "keep-recent",
        &[],
        "keep-recent needs keep=N, how many of the newest to keep in each group",
    );
    refused(
        "keep-recent",
        &[("keep", "-1")],
        "keep must be a whole number, not \"-1\"",
    );
    refused(
        "keep-recent",
        &[("keep", "1"), ("group-by", "label:")],
        "group-by must be all, image or label:KEY, not \"label:\"",
    );
    refused(
        "keep-recent",
        &[("keep", "1"), ("keep", "2")],
        "keep is given 2 times (keep=1, keep=2); give it once",
    );
    refused(
        "protect",
        &[("keep", "2")],
        "unknown option \"keep\"; this policy takes label",
    );
    refused("protect", &[], "protect needs label=KEY or label=KEY=VALUE");
    refused(
        "exited-before",
        &[("until", "soon")],
        "until=soon: failed to parse value as time or duration: \"soon\"",
    );
    refused(
        "exited-before",
        &[("until", "2026-13-01")],
        "until=2026-13-01: parsing time \"2026-13-01\": month out of range",
    );
    assert_eq!(
        policy("keep-recent", &[("keep", "3"), ("group-by", "image")]).check(PruneKind::Containers),
        Ok(())
    );
}

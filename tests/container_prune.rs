//! Container prune through the real component (SPEC §0, §1.3–1.5, §2, §5.3, §6; scenarios A2,
//! A3, E2, E3, F11, F16–F19).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use pruner_runtime::bindings::{ContainerPruneReport, ContainerState};
use pruner_runtime::events::{Actor, EventMessage};
use pruner_runtime::state::{ContainerRecord, State};
use pruner_runtime::{DockerError, Filters, PruneError};
use pruner_tests::{
    NOW, TestDaemon, container, destroyed, filters, id, json_filters, labels, pruned, time,
};

#[path = "container_prune/policies.rs"]
mod policies;

/// An exited container named `name`, created at `created`.
fn exited(name: &str, created: &str) -> ContainerRecord {
    container(name, ContainerState::Exited, created)
}

/// The same container with the labels `items` (`key=value` or bare `key`).
fn labelled(record: ContainerRecord, items: &[&str]) -> ContainerRecord {
    ContainerRecord {
        labels: labels(items),
        ..record
    }
}

/// The same container with a read-write layer of `size` bytes.
fn sized(record: ContainerRecord, size: i64) -> ContainerRecord {
    ContainerRecord {
        size_rw: size,
        ..record
    }
}

/// A daemon holding `containers`, with the clock at [`NOW`].
fn daemon(containers: Vec<ContainerRecord>) -> TestDaemon {
    TestDaemon::new(with_containers(containers))
}

fn with_containers(containers: Vec<ContainerRecord>) -> State {
    State {
        containers,
        ..State::default()
    }
}

/// The report of a prune that removed the containers `names` (in this order) and reclaimed
/// `space` bytes.
fn report(names: &[&str], space: u64) -> ContainerPruneReport {
    ContainerPruneReport {
        containers_deleted: names.iter().map(|name| id(name)).collect(),
        space_reclaimed: space,
    }
}

/// RFC 3339 with nanoseconds, the way the fixtures take times.
fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// Three exited containers created one nanosecond before `boundary` (`before`), at it (`at`)
/// and one nanosecond after it (`after`).
fn around(boundary: &str) -> Vec<ContainerRecord> {
    let boundary = time(boundary);
    vec![
        exited("before", &rfc3339(boundary - Duration::nanoseconds(1))),
        exited("at", &rfc3339(boundary)),
        exited("after", &rfc3339(boundary + Duration::nanoseconds(1))),
    ]
}

/// With the daemon clock at `now`, `until=<until>` resolves to `boundary`: the containers
/// created up to it are pruned, the one created a nanosecond later is kept.
fn assert_until_boundary(now: &str, until: &str, boundary: &str) {
    let daemon = TestDaemon::at(with_containers(around(boundary)), now);
    assert_eq!(
        daemon.prune_containers_with(&filters("until", &[until])),
        Ok(report(&["at", "before"], 0)),
        "until={until} with the daemon clock at {now}"
    );
    assert_eq!(daemon.container_names(), ["after"], "until={until}");
}

/// A prune with `filters` fails with `expected` and changes nothing: every container stays,
/// no event, no warning.
fn assert_rejected(filters: &Filters, expected: PruneError) {
    let daemon = daemon(vec![
        exited("old", "2026-11-20T12:00:00Z"),
        container("new", ContainerState::Created, "2026-11-27T11:00:00Z"),
    ]);
    assert_eq!(daemon.prune_containers_with(filters), Err(expected));
    assert_eq!(daemon.container_names(), ["old", "new"]);
    assert_eq!(daemon.events(), []);
    assert_eq!(daemon.warnings(), Vec::<String>::new());
}

fn invalid(message: &str) -> PruneError {
    PruneError::Returned(DockerError::InvalidParameter(message.to_string()))
}

// --- which containers ------------------------------------------------------------------------

#[test]
fn created_exited_and_dead_containers_are_pruned_newest_first() {
    let daemon = daemon(vec![
        container("dead", ContainerState::Dead, "2026-11-27T09:00:00Z"),
        container("created", ContainerState::Created, "2026-11-27T11:00:00Z"),
        exited("exited", "2026-11-27T10:00:00Z"),
    ]);

    let report_ = daemon.prune_containers(&[]);

    assert_eq!(report_, Ok(report(&["created", "exited", "dead"], 0)));
    assert_eq!(daemon.container_names(), Vec::<String>::new());
    assert_eq!(daemon.warnings(), Vec::<String>::new());
}

#[test]
fn running_paused_and_restarting_containers_are_never_pruned() {
    let daemon = daemon(vec![
        container("running", ContainerState::Running, "2020-01-01T00:00:00Z"),
        container("paused", ContainerState::Paused, "2020-01-01T00:00:00Z"),
        container(
            "restarting",
            ContainerState::Restarting,
            "2020-01-01T00:00:00Z",
        ),
        exited("exited", "2020-01-01T00:00:00Z"),
    ]);

    // Even with filters that select every one of them.
    let report_ = daemon.prune_containers(&["until=-1h"]);

    assert_eq!(report_, Ok(report(&["exited"], 0)));
    assert_eq!(
        daemon.container_names(),
        ["running", "paused", "restarting"]
    );
    // Skipped, not attempted: no warning about them.
    assert_eq!(daemon.warnings(), Vec::<String>::new());
}

#[test]
fn a_container_being_removed_is_warned_about_and_left_out_of_the_report() {
    let daemon = daemon(vec![
        sized(
            container("removing", ContainerState::Removing, "2026-11-27T11:00:00Z"),
            500,
        ),
        sized(exited("exited", "2026-11-27T10:00:00Z"), 7),
    ]);

    let report_ = daemon.prune_containers(&[]);

    assert_eq!(report_, Ok(report(&["exited"], 7)));
    let removing = id("removing");
    assert_eq!(
        daemon.warnings(),
        [format!(
            "failed to prune container {removing}: removal of container {removing} is already \
             in progress"
        )]
    );
    assert_eq!(daemon.container_names(), ["removing"]);
    assert_eq!(
        daemon.events(),
        [
            destroyed("container", &id("exited")),
            pruned("container", 7)
        ]
    );
}

#[test]
fn a_removal_failure_is_warned_about_and_the_prune_goes_on() {
    let busy = "driver \"overlay2\" failed to remove root filesystem: device or resource busy";
    let mut stuck = sized(exited("stuck", "2026-11-27T10:00:00Z"), 1_000);
    stuck.fail.remove = Some(busy.to_string());
    let daemon = daemon(vec![
        sized(exited("old", "2026-11-27T09:00:00Z"), 20),
        stuck,
        sized(exited("new", "2026-11-27T11:00:00Z"), 300),
    ]);

    let report_ = daemon.prune_containers(&[]);

    // The failed container's size is not counted.
    assert_eq!(report_, Ok(report(&["new", "old"], 320)));
    assert_eq!(
        daemon.warnings(),
        [format!("failed to prune container {}: {busy}", id("stuck"))]
    );
    assert_eq!(daemon.container_names(), ["stuck"]);
    assert_eq!(
        daemon.events(),
        [
            destroyed("container", &id("new")),
            destroyed("container", &id("old")),
            pruned("container", 320),
        ]
    );
}

#[test]
fn containers_created_at_the_same_instant_are_all_pruned() {
    let daemon = daemon(vec![
        exited("twin1", "2026-11-27T10:00:00Z"),
        exited("twin2", "2026-11-27T10:00:00Z"),
        exited("newer", "2026-11-27T10:00:00.000000001Z"),
    ]);

    let mut deleted = daemon.prune_containers(&[]).unwrap().containers_deleted;

    // Docker's sort is not stable: only the newest-first order between distinct instants holds.
    assert_eq!(deleted.remove(0), id("newer"));
    deleted.sort();
    assert_eq!(deleted, [id("twin1"), id("twin2")]);
    assert_eq!(daemon.container_names(), Vec::<String>::new());
}

// --- space reclaimed -------------------------------------------------------------------------

#[test]
fn space_reclaimed_sums_only_the_positive_layer_sizes() {
    let daemon = daemon(vec![
        sized(exited("big", "2026-11-27T08:00:00Z"), 1_048_576),
        sized(exited("empty", "2026-11-27T09:00:00Z"), 0),
        sized(exited("unknown", "2026-11-27T10:00:00Z"), -1),
        sized(exited("very-negative", "2026-11-27T10:30:00Z"), i64::MIN),
        sized(exited("small", "2026-11-27T11:00:00Z"), 212),
    ]);

    let report_ = daemon.prune_containers(&[]);

    assert_eq!(
        report_,
        Ok(report(
            &["small", "very-negative", "unknown", "empty", "big"],
            1_048_788
        ))
    );
    assert_eq!(
        daemon.events().last(),
        Some(&pruned("container", 1_048_788))
    );
}

#[test]
fn a_layer_size_failure_aborts_the_prune_with_that_error_and_no_prune_event() {
    let failure = "failed to get snapshot usage: snapshot does not exist";
    let mut broken = sized(exited("broken", "2026-11-27T10:00:00Z"), 50);
    broken.fail.size = Some(failure.to_string());
    let daemon = daemon(vec![
        sized(exited("old", "2026-11-27T09:00:00Z"), 10),
        broken,
        sized(exited("new", "2026-11-27T11:00:00Z"), 30),
    ]);

    let result = daemon.prune_containers(&[]);

    assert_eq!(
        result,
        Err(PruneError::Daemon(DockerError::System(failure.to_string())))
    );
    // `new` was removed before the failure and stays removed; `old` was never reached.
    assert_eq!(daemon.container_names(), ["old", "broken"]);
    assert_eq!(daemon.events(), [destroyed("container", &id("new"))]);
    assert_eq!(daemon.warnings(), Vec::<String>::new());
}

// --- events ----------------------------------------------------------------------------------

#[test]
fn the_prune_event_is_logged_even_when_nothing_was_removed() {
    let daemon = daemon(vec![container(
        "web",
        ContainerState::Running,
        "2026-11-27T10:00:00Z",
    )]);

    assert_eq!(daemon.prune_containers(&[]), Ok(report(&[], 0)));
    assert_eq!(daemon.events(), [pruned("container", 0)]);
}

#[test]
fn each_removed_container_gets_a_destroy_event_before_the_prune_event() {
    let daemon = daemon(vec![
        sized(
            labelled(exited("db", "2026-11-27T10:00:00Z"), &["tier=data"]),
            4_000,
        ),
        sized(exited("web", "2026-11-27T11:00:00Z"), 96),
    ]);

    daemon.prune_containers(&[]).unwrap();

    let now = time(NOW).fixed_offset();
    let destroy = |name: &str, attributes: &[(&str, &str)]| {
        EventMessage::local(
            "container",
            "destroy",
            Actor {
                id: id(name),
                attributes: attributes
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            },
            now,
        )
    };
    let prune = EventMessage {
        status: "prune".to_string(),
        id: String::new(),
        from: String::new(),
        kind: "container".to_string(),
        action: "prune".to_string(),
        actor: Actor {
            id: String::new(),
            attributes: BTreeMap::from([("reclaimed".to_string(), "4096".to_string())]),
        },
        scope: "local".to_string(),
        time: now.timestamp(),
        time_nano: now.timestamp_nanos_opt().unwrap(),
    };
    assert_eq!(
        daemon.event_messages(),
        [
            destroy("web", &[("image", "busybox"), ("name", "web")]),
            destroy(
                "db",
                &[("image", "busybox"), ("name", "db"), ("tier", "data")]
            ),
            prune,
        ]
    );
}

// --- label filters ---------------------------------------------------------------------------

/// The containers of F16/F17 and A3: labels as their names say.
fn label_daemon() -> TestDaemon {
    daemon(vec![
        labelled(exited("a", "2026-11-27T08:00:00Z"), &["a"]),
        labelled(exited("b", "2026-11-27T08:01:00Z"), &["b"]),
        labelled(exited("ab", "2026-11-27T08:02:00Z"), &["a", "b"]),
        exited("none", "2026-11-27T08:03:00Z"),
        labelled(exited("x1", "2026-11-27T08:04:00Z"), &["x=1"]),
        labelled(exited("x2", "2026-11-27T08:05:00Z"), &["x=2"]),
        labelled(exited("xempty", "2026-11-27T08:06:00Z"), &["x="]),
    ])
}

#[test]
fn a_label_key_filter_prunes_containers_with_that_label_whatever_its_value() {
    let daemon = label_daemon();

    let report_ = daemon.prune_containers(&["label=x"]);

    assert_eq!(report_, Ok(report(&["xempty", "x2", "x1"], 0)));
    assert_eq!(daemon.container_names(), ["a", "b", "ab", "none"]);
}

#[test]
fn a_label_key_value_filter_needs_that_exact_value_even_an_empty_one() {
    let daemon = label_daemon();
    assert_eq!(
        daemon.prune_containers(&["label=x="]),
        Ok(report(&["xempty"], 0))
    );
    assert_eq!(
        daemon.prune_containers(&["label=x=1"]),
        Ok(report(&["x1"], 0))
    );
    assert_eq!(daemon.container_names(), ["a", "b", "ab", "none", "x2"]);
}

#[test]
fn several_label_filters_must_all_match() {
    let daemon = label_daemon();

    let report_ = daemon.prune_containers(&["label=a", "label=b"]);

    assert_eq!(report_, Ok(report(&["ab"], 0)));
}

#[test]
fn a_label_not_filter_keeps_the_containers_with_that_label_and_prunes_unlabelled_ones() {
    let daemon = label_daemon();

    let report_ = daemon.prune_containers(&["label!=x=1"]);

    // F17: everything but x=1, including the container without labels.
    assert_eq!(
        report_,
        Ok(report(&["xempty", "x2", "none", "ab", "b", "a"], 0))
    );
    assert_eq!(daemon.container_names(), ["x1"]);
}

#[test]
fn several_label_not_values_keep_only_the_containers_carrying_all_of_them() {
    let daemon = label_daemon();

    // F16: Docker matches the label! values as a whole (NOT (a AND b)).
    let report_ = daemon.prune_containers(&["label!=a", "label!=b"]);

    assert_eq!(
        report_,
        Ok(report(&["xempty", "x2", "x1", "none", "b", "a"], 0))
    );
    assert_eq!(daemon.container_names(), ["ab"]);
}

#[test]
fn label_and_label_not_filters_combine() {
    let daemon = label_daemon();

    let report_ = daemon.prune_containers(&["label=a", "label!=b"]);

    assert_eq!(report_, Ok(report(&["a"], 0)));
    assert_eq!(
        daemon.container_names(),
        ["b", "ab", "none", "x1", "x2", "xempty"]
    );
}

#[test]
fn the_same_label_in_label_and_label_not_prunes_nothing() {
    let daemon = label_daemon();

    assert_eq!(
        daemon.prune_containers(&["label=a", "label!=a"]),
        Ok(report(&[], 0))
    );
    assert_eq!(daemon.container_names().len(), 7);
    assert_eq!(daemon.events(), [pruned("container", 0)]);
}

#[test]
fn a_label_not_key_with_an_empty_set_keeps_every_container() {
    let daemon = label_daemon();

    let report_ = daemon.prune_containers_with(&json_filters(r#"{"label!":{}}"#));

    assert_eq!(report_, Ok(report(&[], 0)));
    assert_eq!(daemon.container_names().len(), 7);
}

#[test]
fn a_label_key_with_an_empty_set_filters_nothing() {
    let daemon = label_daemon();

    let report_ = daemon.prune_containers_with(&json_filters(r#"{"label":[]}"#));

    assert_eq!(report_.unwrap().containers_deleted.len(), 7);
}

// --- until -----------------------------------------------------------------------------------

#[test]
fn until_prunes_a_container_created_at_that_instant_and_keeps_one_created_a_nanosecond_later() {
    assert_until_boundary(
        NOW,
        "2026-11-27T10:00:00.5Z",
        "2026-11-27T10:00:00.500000000Z",
    );
}

#[test]
fn a_duration_until_counts_back_from_the_daemon_clock_floored_to_the_second() {
    // 12:00:00.75 − 5m = 11:55:00.75, floored to 11:55:00 as Go's Unix() does.
    assert_until_boundary("2026-11-27T12:00:00.75Z", "5m", "2026-11-27T11:55:00Z");
    assert_until_boundary(NOW, "1h30m", "2026-11-27T10:30:00Z");
}

#[test]
fn a_negative_duration_until_is_in_the_future_and_prunes_every_stopped_container() {
    // F19: `-1h` is an hour after the daemon clock.
    let mut containers = around("2026-11-27T13:00:00Z");
    containers.push(exited("old", "2020-01-01T00:00:00Z"));
    containers.push(container(
        "up",
        ContainerState::Running,
        "2020-01-01T00:00:00Z",
    ));
    let daemon = daemon(containers);

    let report_ = daemon.prune_containers(&["until=-1h"]);

    assert_eq!(report_, Ok(report(&["at", "before", "old"], 0)));
    assert_eq!(daemon.container_names(), ["after", "up"]);
}

#[test]
fn a_unix_timestamp_until_takes_seconds_and_a_fraction() {
    assert_until_boundary(NOW, "1795780800.25", "2026-11-27T12:00:00.25Z");
    assert_until_boundary(NOW, "1795780800", "2026-11-27T12:00:00Z");
    assert_until_boundary(
        NOW,
        "1795780800.000000001",
        "2026-11-27T12:00:00.000000001Z",
    );
}

#[test]
fn an_rfc3339_until_with_an_offset_is_read_in_that_offset() {
    assert_until_boundary(NOW, "2026-11-27T13:00:00+02:00", "2026-11-27T11:00:00Z");
    assert_until_boundary(
        NOW,
        "2026-11-27T09:00:00.123-07:00",
        "2026-11-27T16:00:00.123Z",
    );
    assert_until_boundary(NOW, "2026-11-27Z", "2026-11-27T00:00:00Z");
    assert_until_boundary(NOW, "2026-11-27+01:00", "2026-11-26T23:00:00Z");
}

#[test]
fn a_date_until_without_a_zone_is_midnight_in_the_daemon_zone() {
    assert_until_boundary(
        "2026-11-27T12:00:00+02:00",
        "2026-11-27",
        "2026-11-26T22:00:00Z",
    );
    assert_until_boundary(NOW, "2026-11-27", "2026-11-27T00:00:00Z");
    // Three dashes mean a zone offset, not local time.
    assert_until_boundary(
        "2026-11-27T12:00:00+02:00",
        "2026-11-27-05:00",
        "2026-11-27T05:00:00Z",
    );
}

#[test]
fn local_time_untils_are_read_in_the_daemon_zone() {
    let now = "2026-11-27T05:00:00-07:00";
    assert_until_boundary(now, "2026-11-27T01:30:15", "2026-11-27T08:30:15Z");
    assert_until_boundary(now, "2026-11-27T01:30:15.25", "2026-11-27T08:30:15.25Z");
    assert_until_boundary(now, "2026-11-27T01:30", "2026-11-27T08:30:00Z");
    assert_until_boundary(now, "2026-11-27T01", "2026-11-27T08:00:00Z");
    // A zone in the value wins over the daemon's.
    assert_until_boundary(now, "2026-11-27T01:30:15Z", "2026-11-27T01:30:15Z");
}

#[test]
fn until_zero_is_the_epoch_and_prunes_nothing() {
    // F18: `0` is the Unix timestamp 0, not a zero duration.
    let daemon = daemon(vec![
        exited("old", "2000-01-01T00:00:00Z"),
        exited("new", "2026-11-27T11:59:59Z"),
    ]);

    assert_eq!(daemon.prune_containers(&["until=0"]), Ok(report(&[], 0)));
    assert_eq!(daemon.container_names(), ["old", "new"]);
    assert_eq!(daemon.events(), [pruned("container", 0)]);
}

#[test]
fn until_applies_together_with_the_label_filters() {
    let daemon = daemon(vec![
        labelled(exited("old-a", "2026-11-27T08:00:00Z"), &["a"]),
        labelled(exited("new-a", "2026-11-27T11:00:00Z"), &["a"]),
        exited("old", "2026-11-27T08:00:00Z"),
    ]);

    let report_ = daemon.prune_containers(&["until=2h", "label=a"]);

    assert_eq!(report_, Ok(report(&["old-a"], 0)));
    assert_eq!(daemon.container_names(), ["new-a", "old"]);
}

// --- invalid filters -------------------------------------------------------------------------

#[test]
fn an_unknown_filter_key_is_rejected_and_nothing_is_removed() {
    assert_rejected(
        &filters("dangling", &["true"]),
        invalid("invalid filter 'dangling'"),
    );
    assert_rejected(&filters("Label", &["a"]), invalid("invalid filter 'Label'"));
    assert_rejected(&filters("", &[""]), invalid("invalid filter"));
}

#[test]
fn two_until_values_are_rejected_and_nothing_is_removed() {
    assert_rejected(
        &filters("until", &["1h", "2h"]),
        invalid("more than one until filter specified"),
    );
}

#[test]
fn an_until_that_is_neither_time_nor_duration_is_rejected_and_nothing_is_removed() {
    assert_rejected(
        &filters("until", &["foo"]),
        invalid(r#"failed to parse value as time or duration: "foo""#),
    );
    assert_rejected(
        &filters("until", &[""]),
        invalid(r#"failed to parse value as time or duration: """#),
    );
}

#[test]
fn an_until_with_a_dash_is_rejected_with_gos_parse_error_and_nothing_is_removed() {
    assert_rejected(
        &filters("until", &["2006-13-01"]),
        invalid(r#"parsing time "2006-13-01": month out of range"#),
    );
    assert_rejected(
        &filters("until", &["-1"]),
        invalid(r#"parsing time "-1" as "2006-01-02": cannot parse "-1" as "2006""#),
    );
}

#[test]
fn an_until_key_without_values_is_rejected_and_nothing_is_removed() {
    // Docker indexes the empty set and drops the connection (SPEC §6.9); pruner answers 400.
    assert_rejected(
        &json_filters(r#"{"until":{}}"#),
        invalid("until filter specified without a value"),
    );
}

#[test]
fn filter_keys_are_validated_before_the_until_value_is_parsed() {
    let mut both = filters("until", &["foo"]);
    both.add("dangling", "true");
    assert_rejected(&both, invalid("invalid filter 'dangling'"));
}

// --- scenarios -------------------------------------------------------------------------------

#[test]
fn scenario_a2_until_a_unix_time_with_nanoseconds_prunes_only_the_older_container() {
    // moby TestPruneContainerUntil: c1, then T = daemon time as "<unix>.<9-digit ns>", then c2.
    let c1 = time("2026-11-27T11:59:58.123456789Z");
    let t = c1 + Duration::nanoseconds(250_000_000);
    let c2 = t + Duration::nanoseconds(1);
    let daemon = daemon(vec![exited("c1", &rfc3339(c1)), exited("c2", &rfc3339(c2))]);
    let until = format!("until={}.{:09}", t.timestamp(), t.timestamp_subsec_nanos());

    let report_ = daemon.prune_containers(&[&until]);

    assert_eq!(report_, Ok(report(&["c1"], 0)));
    assert_eq!(daemon.container_names(), ["c2"]);
}

#[test]
fn scenario_a3_label_and_label_not_prune_the_matching_containers() {
    // moby TestPruneContainerLabel, steps 2 and 3. Steps 1 and 4 prune with the config.json
    // `pruneFilters` the docker CLI merges into its flags; pruner has no such config, so they
    // are left out, and c4 (which step 1 would have removed) is still there in step 3.
    let daemon = daemon(vec![
        labelled(exited("c1", "2026-11-27T11:00:01Z"), &["foo"]),
        labelled(exited("c2", "2026-11-27T11:00:02Z"), &["bar"]),
        exited("c3", "2026-11-27T11:00:03Z"),
        labelled(exited("c4", "2026-11-27T11:00:04Z"), &["foobar"]),
    ]);

    assert_eq!(
        daemon.prune_containers(&["label=foo"]),
        Ok(report(&["c1"], 0))
    );
    assert_eq!(daemon.container_names(), ["c2", "c3", "c4"]);

    assert_eq!(
        daemon.prune_containers(&["label!=bar"]),
        Ok(report(&["c4", "c3"], 0))
    );
    assert_eq!(daemon.container_names(), ["c2"]);
    assert_eq!(
        daemon.events(),
        [
            destroyed("container", &id("c1")),
            pruned("container", 0),
            destroyed("container", &id("c4")),
            destroyed("container", &id("c3")),
            pruned("container", 0),
        ]
    );
}

#[test]
fn scenario_e2_until_five_minutes_removes_the_container_created_twelve_minutes_ago() {
    let daemon = daemon(vec![
        sized(exited("twelve-minutes-ago", "2026-11-27T11:48:00Z"), 212),
        sized(exited("forty-one-seconds-ago", "2026-11-27T11:59:19Z"), 99),
    ]);

    let report_ = daemon.prune_containers(&["until=5m"]);

    assert_eq!(report_, Ok(report(&["twelve-minutes-ago"], 212)));
    assert_eq!(daemon.container_names(), ["forty-one-seconds-ago"]);
    assert_eq!(
        daemon.events(),
        [
            destroyed("container", &id("twelve-minutes-ago")),
            pruned("container", 212),
        ]
    );
}

#[test]
fn scenario_e3_until_a_local_time_is_read_in_the_daemon_zone() {
    let state = with_containers(vec![
        exited("at-13-09-53", "2017-01-04T13:09:53+02:00"),
        exited("at-13-11-59", "2017-01-04T13:11:59+02:00"),
    ]);
    let daemon = TestDaemon::at(state.clone(), "2017-01-04T13:12:30+02:00");

    let report_ = daemon.prune_containers(&["until=2017-01-04T13:10:00"]);

    assert_eq!(report_, Ok(report(&["at-13-09-53"], 0)));
    assert_eq!(daemon.container_names(), ["at-13-11-59"]);

    // The same instants on a UTC daemon: 13:10 UTC is after both containers.
    let utc = TestDaemon::at(state, "2017-01-04T11:12:30Z");
    assert_eq!(
        utc.prune_containers(&["until=2017-01-04T13:10:00"]),
        Ok(report(&["at-13-11-59", "at-13-09-53"], 0))
    );
    assert_eq!(utc.container_names(), Vec::<String>::new());
}

// Dry runs, plans and progress through the library, for both prunes.
#[path = "container_prune/preview.rs"]
mod preview;

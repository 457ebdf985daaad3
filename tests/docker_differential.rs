//! Differential conformance against a real Docker Engine: for each scenario the same objects are
//! set up twice, dockerd's own `POST /containers/prune` / `POST /networks/prune` prunes one set
//! and pruner (the component, through its Docker backend) the other, with the same filters; the
//! reports, the errors and the prune events must agree (SPEC.md §9.1 lists the only differences
//! allowed against dockerd 20.10), and each scenario's expected outcome (SCENARIOS.md) is checked
//! exactly.
//!
//! The engine comes from `$DOCKER_HOST`; see `support/docker/mod.rs` for running and skipping.

#[path = "support/docker/mod.rs"]
mod docker;

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, SecondsFormat, TimeDelta, Timelike, Utc};
use docker::{ContainerSpec, Engine, Kind, NetworkSpec, Outcome, Request, Side, State, engine};

/// A set of short names.
fn names(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|item| item.to_string()).collect()
}

/// The daemon's clock reading, from `docker info` (its `SystemTime` is in its local zone).
fn daemon_now(engine: &Engine) -> DateTime<FixedOffset> {
    let info = engine.block_on(engine.client.info()).expect("docker info");
    DateTime::parse_from_rfc3339(&info.system_time.expect("SystemTime")).expect("RFC 3339")
}

/// The container prune event with `reclaimed`.
fn container_event(reclaimed: u64) -> docker::EventSummary {
    (
        "container".to_string(),
        "prune".to_string(),
        String::new(),
        Some(reclaimed.to_string()),
    )
}

/// The network prune event (`reclaimed` is always 0).
fn network_event() -> docker::EventSummary {
    (
        "network".to_string(),
        "prune".to_string(),
        String::new(),
        Some("0".to_string()),
    )
}

/// Waits until the wall clock is `margin` past a whole second.
fn past_a_second_boundary(margin: Duration) {
    let now = Utc::now();
    let to_next = 1_000_000_000 - u64::from(now.nanosecond() % 1_000_000_000);
    std::thread::sleep(Duration::from_nanos(to_next) + margin);
}

#[test]
fn f1_with_nothing_to_prune_both_answer_an_empty_container_report_and_log_the_event() {
    let Some(engine) = engine() else { return };
    let mut scenario = engine.scenario("F1");
    let differential = scenario.containers(&Request::flags(&[]));
    assert_eq!(differential.agreed(), &Outcome::containers(&[], 0));
    assert_eq!(differential.pruner_events, [container_event(0)]);
}

#[test]
fn f2_with_nothing_to_prune_both_answer_an_empty_network_report_and_log_the_event() {
    let Some(engine) = engine() else { return };
    let mut scenario = engine.scenario("F2");
    let differential = scenario.networks(&Request::flags(&[]));
    assert_eq!(differential.agreed(), &Outcome::networks(&[]));
    assert_eq!(differential.pruner_events, [network_event()]);
}

#[test]
fn f3_filters_that_are_not_json_are_refused_by_both() {
    let Some(engine) = engine() else { return };
    let mut scenario = engine.scenario("F3");
    scenario.each(|side| {
        side.container("c", ContainerSpec::new(State::Exited));
    });
    // dockerd 20.10 answers with encoding/json's text: 400 from container prune (its handler
    // wraps the error as an invalid parameter), 500 from network prune (it does not).
    let text = "invalid character 'a' looking for beginning of value";
    for (differential, status) in [
        (scenario.containers(&Request::json("anything")), 400),
        (scenario.networks(&Request::json("anything")), 500),
    ] {
        assert_eq!(
            differential.agreed(),
            &Outcome::refused(400, "invalid filter")
        );
        if engine.is_20_10() {
            assert_eq!(differential.docker, Outcome::refused(status, text));
        }
        assert_eq!(differential.pruner_events, []);
    }
    assert_eq!(scenario.docker.containers_left(), names(&["c"]));
    assert_eq!(scenario.pruner.containers_left(), names(&["c"]));
}

#[test]
fn f4_an_unknown_filter_key_is_refused_by_both() {
    let Some(engine) = engine() else { return };
    let mut scenario = engine.scenario("F4");
    let request = Request::json(r#"{"dangling":{"true":true},"label":{"{scope}":true}}"#);
    for differential in [scenario.containers(&request), scenario.networks(&request)] {
        assert_eq!(
            differential.agreed(),
            &Outcome::refused(400, "invalid filter 'dangling'")
        );
        if engine.is_20_10() {
            assert_eq!(
                differential.docker,
                Outcome::refused(400, "Invalid filter 'dangling'")
            );
        }
    }
}

#[test]
fn f5_two_until_values_are_refused_by_both() {
    let Some(engine) = engine() else { return };
    let mut scenario = engine.scenario("F5");
    let request = Request::json(r#"{"label":{"{scope}":true},"until":{"1h":true,"2h":true}}"#);
    for differential in [scenario.containers(&request), scenario.networks(&request)] {
        assert_eq!(
            differential.agreed(),
            &Outcome::refused(400, "more than one until filter specified")
        );
        // dockerd 20.10 answers the same text with 500 (SPEC.md §9.1.3).
        if engine.is_20_10() {
            assert_eq!(
                differential.docker,
                Outcome::refused(500, r#"more than one until filter specified"#)
            );
        }
    }
}

#[test]
fn f6_an_until_that_is_neither_time_nor_duration_is_refused_by_both() {
    let Some(engine) = engine() else { return };
    let mut scenario = engine.scenario("F6");
    let request = Request::json(r#"{"label":{"{scope}":true},"until":{"foo":true}}"#);
    for differential in [scenario.containers(&request), scenario.networks(&request)] {
        assert_eq!(
            differential.agreed(),
            &Outcome::refused(400, r#"failed to parse value as time or duration: "foo""#)
        );
        // dockerd 20.10 answers the same text with 500 (SPEC.md §9.1.3).
        if engine.is_20_10() {
            assert_eq!(
                differential.docker,
                Outcome::refused(500, r#"failed to parse value as time or duration: "foo""#)
            );
        }
    }
}

#[test]
fn f7_an_until_date_out_of_range_gets_gos_parse_error_from_both() {
    let Some(engine) = engine() else { return };
    let mut scenario = engine.scenario("F7");
    let request = Request::flags(&["until=2006-13-01"]);
    for differential in [scenario.containers(&request), scenario.networks(&request)] {
        assert_eq!(
            differential.agreed(),
            &Outcome::refused(400, r#"parsing time "2006-13-01": month out of range"#)
        );
        // dockerd 20.10 answers the same text with 500 (SPEC.md §9.1.3).
        if engine.is_20_10() {
            assert_eq!(
                differential.docker,
                Outcome::refused(500, r#"parsing time "2006-13-01": month out of range"#)
            );
        }
    }
}

#[test]
fn f8_the_legacy_list_form_of_filters_is_accepted_by_both() {
    let Some(engine) = engine() else { return };
    let mut scenario = engine.scenario("F8");
    scenario.each(|side| {
        side.container("c", ContainerSpec::new(State::Exited));
    });
    let kept = scenario.containers(&Request::json(r#"{"label":["{scope}"],"until":["1h"]}"#));
    assert_eq!(kept.agreed(), &Outcome::containers(&[], 0));
    let pruned = scenario.containers(&Request::json(r#"{"label":["{scope}"],"until":["-1h"]}"#));
    assert_eq!(pruned.agreed(), &Outcome::containers(&["c"], 0));
    assert_eq!(pruned.pruner_events, [container_event(0)]);
}

#[test]
fn f9_filters_mixing_both_json_forms_are_refused_by_both() {
    let Some(engine) = engine() else { return };
    let mut scenario = engine.scenario("F9");
    let request = Request::json(r#"{"label":{"{scope}":true},"until":["1h"]}"#);
    let text = "json: cannot unmarshal array into Go value of type map[string]bool";
    for (differential, status) in [
        (scenario.containers(&request), 400),
        (scenario.networks(&request), 500),
    ] {
        assert_eq!(
            differential.agreed(),
            &Outcome::refused(400, "invalid filter")
        );
        if engine.is_20_10() {
            assert_eq!(differential.docker, Outcome::refused(status, text));
        }
    }
}

#[test]
fn f10_an_empty_until_set_drops_dockerds_connection_and_gets_a_clear_error_from_pruner() {
    let Some(engine) = engine() else { return };
    let mut scenario = engine.scenario("F10");
    scenario.each(|side| {
        side.container("c", ContainerSpec::new(State::Exited));
    });
    let request = Request::json(r#"{"label":{"{scope}":true},"until":{}}"#);
    for differential in [scenario.containers(&request), scenario.networks(&request)] {
        // dockerd indexes the empty set and panics: the connection closes without an answer.
        assert!(
            matches!(differential.docker, Outcome::NoResponse(_)),
            "{differential}"
        );
        assert_eq!(
            differential.pruner,
            Outcome::refused(400, "until filter specified without a value")
        );
        assert_eq!(differential.docker_events, []);
        assert_eq!(differential.pruner_events, []);
    }
    // Both release their prune guard: the next prune runs.
    let after = scenario.containers(&Request::flags(&[]));
    assert_eq!(after.agreed(), &Outcome::containers(&["c"], 0));
}

#[test]
fn f11_only_created_and_exited_containers_are_pruned_never_running_paused_or_restarting_ones() {
    let Some(engine) = engine() else { return };
    let mut scenario = engine.scenario("F11");
    scenario.each(|side| {
        side.container("created", ContainerSpec::new(State::Created));
        side.container("exited", ContainerSpec::new(State::Exited).writes(1000));
        side.container("running", ContainerSpec::new(State::Running));
        side.container("paused", ContainerSpec::new(State::Paused));
        side.container("restarting", ContainerSpec::new(State::Restarting));
    });
    let differential = scenario.containers(&Request::flags(&[]));
    // The exited container wrote 1000 bytes into its read-write layer.
    assert_eq!(
        differential.agreed(),
        &Outcome::containers(&["created", "exited"], 1000)
    );
    assert_eq!(differential.pruner_events, [container_event(1000)]);
    let left = names(&["paused", "restarting", "running"]);
    assert_eq!(scenario.docker.containers_left(), left);
    assert_eq!(scenario.pruner.containers_left(), left);
}

#[test]
fn f12_a_pruned_container_leaves_its_anonymous_volume_behind() {
    let Some(engine) = engine() else { return };
    let mut scenario = engine.scenario("F12");
    scenario.each(|side| {
        side.container("c", ContainerSpec::new(State::Exited).anonymous_volume());
    });
    let differential = scenario.containers(&Request::flags(&[]));
    assert_eq!(differential.agreed(), &Outcome::containers(&["c"], 0));
    assert_eq!(scenario.docker.volumes_left(), 1);
    assert_eq!(scenario.pruner.volumes_left(), 1);
}

#[test]
fn f13_a_network_used_only_by_a_stopped_container_is_pruned() {
    let Some(engine) = engine() else { return };
    let mut scenario = engine.scenario("F13");
    scenario.each(|side| {
        side.network("stopped-net", NetworkSpec::bridge());
        side.container(
            "c",
            ContainerSpec::new(State::Exited).network("stopped-net"),
        );
    });
    let differential = scenario.networks(&Request::flags(&[]));
    assert_eq!(differential.agreed(), &Outcome::networks(&["stopped-net"]));
    assert_eq!(differential.pruner_events, [network_event()]);
}

#[test]
fn f14_a_network_attached_to_a_running_container_is_kept() {
    let Some(engine) = engine() else { return };
    let mut scenario = engine.scenario("F14");
    scenario.each(|side| {
        side.network("running-net", NetworkSpec::bridge());
        side.network("unused", NetworkSpec::bridge());
        side.container(
            "c",
            ContainerSpec::new(State::Running).network("running-net"),
        );
    });
    let differential = scenario.networks(&Request::flags(&[]));
    assert_eq!(differential.agreed(), &Outcome::networks(&["unused"]));
    assert_eq!(scenario.docker.networks_left(), names(&["running-net"]));
    assert_eq!(scenario.pruner.networks_left(), names(&["running-net"]));
}

#[test]
fn f15_a_config_only_network_is_kept_whatever_the_filters() {
    let Some(engine) = engine() else { return };
    let mut scenario = engine.scenario("F15");
    scenario.each(|side| {
        side.network("template", NetworkSpec::config_only().label("a", "1"));
    });
    for flags in [&[][..], &["until=-1h"], &["label=a=1"], &["label!=b"]] {
        let differential = scenario.networks(&Request::flags(flags));
        assert_eq!(differential.agreed(), &Outcome::networks(&[]), "{flags:?}");
    }
    assert_eq!(scenario.docker.networks_left(), names(&["template"]));
    assert_eq!(scenario.pruner.networks_left(), names(&["template"]));
}

#[test]
fn f16_several_label_not_filters_exclude_only_objects_carrying_all_of_them() {
    let Some(engine) = engine() else { return };
    let mut scenario = engine.scenario("F16");
    scenario.each(|side| {
        side.container("a", ContainerSpec::new(State::Exited).label("a", ""));
        side.container("b", ContainerSpec::new(State::Exited).label("b", ""));
        side.container(
            "ab",
            ContainerSpec::new(State::Exited)
                .label("a", "")
                .label("b", ""),
        );
        side.container("none", ContainerSpec::new(State::Exited));
    });
    let differential = scenario.containers(&Request::flags(&["label!=a", "label!=b"]));
    assert_eq!(
        differential.agreed(),
        &Outcome::containers(&["a", "b", "none"], 0)
    );
    assert_eq!(scenario.docker.containers_left(), names(&["ab"]));
    assert_eq!(scenario.pruner.containers_left(), names(&["ab"]));
}

#[test]
fn f17_label_filters_match_keys_values_and_empty_values_as_dockerd_does() {
    let Some(engine) = engine() else { return };
    let cases: [(&'static str, &str, &[&str]); 3] = [
        ("F17a", "label=x=", &["x-empty"]),
        ("F17b", "label=x", &["x1", "x2", "x-empty"]),
        ("F17c", "label!=x=1", &["x2", "x-empty", "none"]),
    ];
    for (id, flag, expected) in cases {
        let mut scenario = engine.scenario(id);
        scenario.each(|side| {
            side.container("x1", ContainerSpec::new(State::Exited).label("x", "1"));
            side.container("x2", ContainerSpec::new(State::Exited).label("x", "2"));
            side.container("x-empty", ContainerSpec::new(State::Exited).label("x", ""));
            side.container("none", ContainerSpec::new(State::Exited));
        });
        let differential = scenario.containers(&Request::flags(&[flag]));
        assert_eq!(
            differential.agreed(),
            &Outcome::containers(expected, 0),
            "{flag}"
        );
    }
}

#[test]
fn a4_label_filters_on_local_networks_prune_as_dockerd_does() {
    let Some(engine) = engine() else { return };
    let mut scenario = engine.scenario("A4");
    scenario.each(|side| {
        side.network("n1", NetworkSpec::bridge().label("foo", ""));
        side.network("n2", NetworkSpec::bridge().label("bar", ""));
        side.network("n3", NetworkSpec::bridge());
    });
    let steps: [(&[&str], &[&str]); 3] = [
        (&["label=foo"], &["n1"]),
        (&["label!=bar"], &["n3"]),
        (&[], &["n2"]),
    ];
    for (flags, expected) in steps {
        let differential = scenario.networks(&Request::flags(flags));
        assert_eq!(
            differential.agreed(),
            &Outcome::networks(expected),
            "{flags:?}"
        );
    }
}

#[test]
fn f18_until_zero_is_the_epoch_and_prunes_nothing() {
    let Some(engine) = engine() else { return };
    let mut scenario = engine.scenario("F18");
    scenario.each(|side| {
        side.container("c", ContainerSpec::new(State::Exited));
        side.network("n", NetworkSpec::bridge());
    });
    let request = Request::flags(&["until=0"]);
    assert_eq!(
        scenario.containers(&request).agreed(),
        &Outcome::containers(&[], 0)
    );
    assert_eq!(
        scenario.networks(&request).agreed(),
        &Outcome::networks(&[])
    );
}

#[test]
fn f19_a_negative_until_duration_prunes_every_stopped_container_and_unused_network() {
    let Some(engine) = engine() else { return };
    let mut scenario = engine.scenario("F19");
    scenario.each(|side| {
        side.container("created", ContainerSpec::new(State::Created));
        side.container("exited", ContainerSpec::new(State::Exited));
        side.container("running", ContainerSpec::new(State::Running));
        side.network("n", NetworkSpec::bridge());
    });
    let request = Request::flags(&["until=-1h"]);
    assert_eq!(
        scenario.containers(&request).agreed(),
        &Outcome::containers(&["created", "exited"], 0)
    );
    assert_eq!(
        scenario.networks(&request).agreed(),
        &Outcome::networks(&["n"])
    );
}

#[test]
fn f20_a_prune_started_while_another_runs_gets_the_conflict() {
    let Some(engine) = engine() else { return };
    let mut scenario = engine.scenario("F20");
    let many: Vec<String> = (0..40).map(|i| format!("c{i:02}")).collect();
    scenario.each(|side| {
        for name in &many {
            side.container(name, ContainerSpec::new(State::Created));
        }
    });
    let (first, docker_second, pruner_second) = scenario.concurrent();
    let all: Vec<&str> = many.iter().map(String::as_str).collect();
    assert_eq!(first.agreed(), &Outcome::containers(&all, 0));
    let conflict = Outcome::refused(409, "a prune operation is already running");
    assert_eq!(docker_second, conflict);
    assert_eq!(pruner_second, conflict);
}

#[test]
fn f21_an_until_with_ten_fractional_digits_is_refused_by_go_1_19_and_accepted_by_pruner() {
    let Some(engine) = engine() else { return };
    let mut scenario = engine.scenario("F21");
    scenario.each(|side| {
        side.container("c", ContainerSpec::new(State::Exited));
    });
    let differential =
        scenario.containers(&Request::flags(&["until=2006-01-02T15:04:05.1234567891Z"]));
    // Everything here was created after 2006: nothing is old enough.
    assert_eq!(differential.agreed(), &Outcome::containers(&[], 0));
    if engine.is_20_10() {
        assert_eq!(
            differential.docker,
            Outcome::refused(
                500,
                r#"parsing time "2006-01-02T15:04:05.1234567891Z" as "2006-01-02T15:04:05.999999999Z07:00": cannot parse "1Z" as "Z07:00""#
            )
        );
    }
}

#[test]
fn f22_labels_inherited_from_the_image_count_for_label_not() {
    let Some(engine) = engine() else { return };
    let mut scenario = engine.scenario("F22");
    scenario.each(|side| {
        let image = side.image("labelled", "LABEL pruner-test-image=yes");
        side.container("inherits", ContainerSpec::new(State::Exited).image(&image));
        side.container("plain", ContainerSpec::new(State::Exited));
    });
    let differential = scenario.containers(&Request::flags(&["label!=pruner-test-image"]));
    assert_eq!(differential.agreed(), &Outcome::containers(&["plain"], 0));
    assert_eq!(scenario.docker.containers_left(), names(&["inherits"]));
    assert_eq!(scenario.pruner.containers_left(), names(&["inherits"]));
}

#[test]
fn a2_until_a_unix_time_with_nanoseconds_splits_containers_created_in_the_same_second() {
    let Some(engine) = engine() else { return };
    let mut scenario = engine.scenario("A2");
    scenario.each(|side| {
        side.container("c1", ContainerSpec::new(State::Exited));
    });
    let now = daemon_now(&engine);
    let until = format!(
        "until={}.{:09}",
        now.timestamp(),
        now.timestamp_subsec_nanos()
    );
    scenario.each(|side| {
        side.container("c2", ContainerSpec::new(State::Created));
    });
    let differential = scenario.containers(&Request::flags(&[&until]));
    assert_eq!(differential.agreed(), &Outcome::containers(&["c1"], 0));
}

#[test]
fn until_equal_to_a_containers_creation_time_prunes_it() {
    let Some(engine) = engine() else { return };
    let mut scenario = engine.scenario("UNTILEQ");
    scenario.each(|side| {
        side.container("a", ContainerSpec::new(State::Created));
        side.container("b", ContainerSpec::new(State::Created));
        side.container("c", ContainerSpec::new(State::Created));
    });
    let differential = scenario
        .containers_with(|side| Request::Flags(vec![format!("until={}", side.created_unix("b"))]));
    assert_eq!(differential.agreed(), &Outcome::containers(&["a", "b"], 0));
}

#[test]
fn e2_e5_until_a_duration_keeps_containers_and_networks_younger_than_it() {
    let Some(engine) = engine() else { return };
    let mut scenario = engine.scenario("E2");
    // The new objects stay younger than 6 s through the prunes; the old ones are 10 s older.
    let forms = ["7s", "6.5s", "6s500ms", "+7000ms"];
    let create = |side: &mut docker::Side<'_>, age: &str| {
        for form in 0..forms.len() {
            let label = form.to_string();
            let spec = ContainerSpec::new(State::Created).label("form", &label);
            side.container(&format!("{age}{form}"), spec);
            let spec = NetworkSpec::bridge().label("form", &label);
            side.network(&format!("{age}-net{form}"), spec);
        }
    };
    scenario.each(|side| create(side, "old"));
    std::thread::sleep(Duration::from_secs(10));
    scenario.each(|side| create(side, "new"));
    for (form, duration) in forms.iter().enumerate() {
        let request = Request::Flags(vec![
            format!("until={duration}"),
            format!("label=form={form}"),
        ]);
        assert_eq!(
            scenario.containers(&request).agreed(),
            &Outcome::containers(&[&format!("old{form}")], 0),
            "until={duration}"
        );
        assert_eq!(
            scenario.networks(&request).agreed(),
            &Outcome::networks(&[&format!("old-net{form}")]),
            "until={duration}"
        );
    }
}

#[test]
fn e3_f25_until_in_the_daemons_local_time_and_every_rfc3339_form_split_old_from_new() {
    let Some(engine) = engine() else { return };
    let mut scenario = engine.scenario("E3");
    const FORMS: usize = 7;
    scenario.each(|side| {
        for form in 0..FORMS {
            let spec = ContainerSpec::new(State::Created).label("form", &form.to_string());
            side.container(&format!("old{form}"), spec);
        }
    });
    // A whole second of the daemon's clock after every old container, well before the new ones.
    past_a_second_boundary(Duration::from_millis(300));
    let boundary = daemon_now(&engine)
        .with_nanosecond(0)
        .expect("a whole second");
    std::thread::sleep(Duration::from_millis(1200));
    scenario.each(|side| {
        for form in 0..FORMS {
            let spec = ContainerSpec::new(State::Created).label("form", &form.to_string());
            side.container(&format!("new{form}"), spec);
        }
    });
    let utc = boundary.to_utc();
    let forms: [String; FORMS] = [
        // Local time in the daemon's zone (SCENARIOS.md E3, F25), whole and with a fraction.
        boundary.format("%Y-%m-%dT%H:%M:%S").to_string(),
        boundary.format("%Y-%m-%dT%H:%M:%S.123456789").to_string(),
        // RFC 3339 with the daemon's offset, with Z, with nanoseconds, and Unix seconds.
        boundary.to_rfc3339_opts(SecondsFormat::Secs, false),
        utc.to_rfc3339_opts(SecondsFormat::Secs, true),
        (utc + TimeDelta::milliseconds(250)).to_rfc3339_opts(SecondsFormat::Nanos, true),
        utc.timestamp().to_string(),
        format!("{}.5", utc.timestamp()),
    ];
    for (form, until) in forms.iter().enumerate() {
        let request = Request::Flags(vec![format!("until={until}"), format!("label=form={form}")]);
        let differential = scenario.containers(&request);
        let old = format!("old{form}");
        assert_eq!(
            differential.agreed(),
            &Outcome::containers(&[&old], 0),
            "until={until}"
        );
    }
}

#[test]
fn a1_on_a_swarm_manager_unused_local_and_overlay_networks_go_and_used_ones_stay() {
    let Some(engine) = engine() else { return };
    if !docker::swarm_manager_or_skip(&engine) {
        return;
    }
    let mut scenario = engine.scenario("A1");
    scenario.each(|side| {
        side.network("n1", NetworkSpec::bridge());
        side.container(
            "testprune",
            ContainerSpec::new(State::Running).network("n1"),
        );
        side.network("n2", NetworkSpec::bridge());
        side.network("n3", NetworkSpec::overlay());
        side.service("testprunesvc", "n3");
        side.network("n4", NetworkSpec::overlay());
    });
    let differential = scenario.networks(&Request::flags(&[]));
    assert_eq!(differential.agreed(), &Outcome::networks(&["n2", "n4"]));
    assert_eq!(scenario.docker.networks_left(), names(&["n1", "n3"]));
    assert_eq!(scenario.pruner.networks_left(), names(&["n1", "n3"]));

    scenario.each(|side| {
        side.remove_container("testprune");
        side.remove_service("testprunesvc");
    });
    let differential = scenario.networks(&Request::flags(&[]));
    assert_eq!(differential.agreed(), &Outcome::networks(&["n1", "n3"]));
    assert_eq!(differential.pruner_events, [network_event()]);
}

#[test]
fn unfiltered_prunes_on_a_swarm_manager_keep_ingress_docker_gwbridge_and_the_predefined_networks() {
    let Some(engine) = engine() else { return };
    if !docker::disposable_or_skip() || !docker::swarm_manager_or_skip(&engine) {
        return;
    }
    let mut scenario = engine.scenario("U1");
    let differential =
        scenario.in_turn(Kind::Networks, &Request::json(""), |side: &mut Side<'_>| {
            side.network("n1", NetworkSpec::bridge());
            side.container("running", ContainerSpec::new(State::Running).network("n1"));
            side.network("n2", NetworkSpec::bridge());
            side.network("n3", NetworkSpec::overlay());
            side.service("svc", "n3");
            side.network("n4", NetworkSpec::overlay());
            side.network("template", NetworkSpec::config_only());
        });
    // Nothing but the scenario's own unused networks: no "<not in the scenario: …>" name.
    assert_eq!(differential.agreed(), &Outcome::networks(&["n2", "n4"]));
    assert_eq!(differential.pruner_events, [network_event()]);

    let mut scenario = engine.scenario("U2");
    let differential = scenario.in_turn(Kind::Containers, &Request::json(""), |side| {
        side.container("created", ContainerSpec::new(State::Created));
        side.container("exited", ContainerSpec::new(State::Exited));
        side.container("running", ContainerSpec::new(State::Running));
    });
    assert_eq!(
        differential.agreed(),
        &Outcome::containers(&["created", "exited"], 0)
    );
}

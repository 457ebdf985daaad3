//! The conformance vectors (Docker's Go code run on each input) through the real component:
//! every `GetTimestamp` row of `timestamps.json` as an `until` filter of container prune, and
//! the prune label-matching and validation rows of `filters.json` through both prunes.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, FixedOffset, SecondsFormat, Utc};
use pruner_runtime::bindings::ContainerState;
use pruner_runtime::state::{
    ClusterNetworkRecord, ClusterRecord, ContainerRecord, NetworkRecord, State,
};
use pruner_runtime::{DockerError, Filters, PruneError};
use pruner_tests::{TestDaemon, cluster_network, container, id, network};
use serde_json::Value;

const TIMESTAMPS: &str = include_str!("conformance/timestamps.json");
const FILTERS: &str = include_str!("conformance/filters.json");
/// The go1.20 outcomes of the rows recorded under go1.19; shared with the guest's
/// `timestamps_conformance` test.
const GO120_OUTCOMES: &str = include_str!("conformance/go120_outcomes.json");

fn document(text: &str) -> Value {
    serde_json::from_str(text).expect("vectors are valid JSON")
}

fn text<'a>(row: &'a Value, field: &str) -> &'a str {
    row[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} is not a string in {row}"))
}

/// Fails with every problem found, one per line.
fn assert_no_problems(problems: &[String], rows: usize) {
    assert!(
        problems.is_empty(),
        "{} problems over {rows} rows:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

// --- timestamps ------------------------------------------------------------------------------

/// What a `GetTimestamp` row expects of prune: the `until` instant in Unix nanoseconds, or the
/// error text.
type Outcome = Result<i128, String>;

/// The row's outcome under moby-2023 (go1.20): the recorded one, or the go1.20 one for the rows
/// recorded under go1.19 that go1.20 changes (then the row must still record go1.19's error).
fn moby_2023_outcome(row: &Value, go120: &[Value]) -> Result<Outcome, String> {
    let input = text(row, "input");
    let recorded: Outcome = if row["error"].as_bool() == Some(true) {
        Err(text(row, "error_message").to_string())
    } else {
        Ok(nanos(text(row, "until_unix_nanos")))
    };
    let Some(changed) = go120.iter().find(|o| text(o, "input") == input) else {
        return Ok(recorded);
    };
    if recorded.as_ref().err().map(String::as_str) != Some(text(changed, "go119_error_message")) {
        return Err("the row no longer records go1.19's error: update go120_outcomes.json".into());
    }
    let outcome = &changed["go120"];
    Ok(match outcome["error_message"].as_str() {
        Some(message) => Err(message.to_string()),
        None => Ok(nanos(text(outcome, "until_unix_nanos"))),
    })
}

fn nanos(text: &str) -> i128 {
    text.parse()
        .unwrap_or_else(|_| panic!("{text:?} is not an integer"))
}

/// The instant `nanos` after the Unix epoch, if chrono can hold it.
fn instant(nanos: i128) -> Option<DateTime<Utc>> {
    let seconds = i64::try_from(nanos.div_euclid(1_000_000_000)).ok()?;
    let subsec = u32::try_from(nanos.rem_euclid(1_000_000_000)).ok()?;
    DateTime::from_timestamp(seconds, subsec)
}

/// The row's reference as the daemon clock: RFC 3339 with the row's zone offset.
fn reference(row: &Value) -> String {
    let seconds = row["reference_unix"].as_i64().expect("reference_unix");
    let subsec = row["reference_nanos"]
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .expect("reference_nanos");
    let offset = row["reference_zone_offset_s"]
        .as_i64()
        .and_then(|o| i32::try_from(o).ok())
        .and_then(FixedOffset::east_opt)
        .expect("reference_zone_offset_s");
    DateTime::from_timestamp(seconds, subsec)
        .expect("a representable reference")
        .with_timezone(&offset)
        .to_rfc3339_opts(SecondsFormat::Nanos, false)
}

fn exited_at(name: &str, created: DateTime<Utc>) -> ContainerRecord {
    container(
        name,
        ContainerState::Exited,
        &created.to_rfc3339_opts(SecondsFormat::Nanos, true),
    )
}

/// Prunes with `until=<input>` on a daemon whose clock is the row's reference; the problems
/// found, if any.
fn check_until_row(row: &Value, outcome: Outcome) -> Vec<String> {
    let now = reference(row);
    let until = pruner_tests::filters("until", &[text(row, "input")]);
    match outcome {
        Ok(until_nanos) => {
            let Some(at) = instant(until_nanos) else {
                // Beyond chrono's range: the value must at least be accepted.
                let daemon = TestDaemon::at(State::default(), &now);
                return match daemon.prune_containers_with(&until) {
                    Ok(_) => Vec::new(),
                    Err(err) => vec![format!("expected to be accepted, got {err:?}")],
                };
            };
            let one = Duration::nanoseconds(1);
            let daemon = TestDaemon::at(
                State {
                    containers: vec![
                        exited_at("before", at - one),
                        exited_at("at", at),
                        exited_at("after", at + one),
                    ],
                    ..State::default()
                },
                &now,
            );
            let mut problems = Vec::new();
            match daemon.prune_containers_with(&until) {
                Ok(report) if report.containers_deleted == [id("at"), id("before")] => {}
                other => problems.push(format!(
                    "until {until_nanos}: expected the containers created at and before it \
                     pruned, got {other:?}"
                )),
            }
            if daemon.container_names() != ["after"] {
                problems.push(format!("left {:?}", daemon.container_names()));
            }
            problems
        }
        Err(message) => {
            let daemon = TestDaemon::at(
                State {
                    containers: vec![exited_at("old", DateTime::UNIX_EPOCH)],
                    ..State::default()
                },
                &now,
            );
            let mut problems = Vec::new();
            let result = daemon.prune_containers_with(&until);
            if result
                != Err(PruneError::Returned(DockerError::InvalidParameter(
                    message.clone(),
                )))
            {
                problems.push(format!(
                    "expected InvalidParameter({message:?}), got {result:?}"
                ));
            }
            if daemon.container_names() != ["old"] || !daemon.events().is_empty() {
                problems.push("an invalid until removed something or logged an event".into());
            }
            problems
        }
    }
}

#[test]
fn every_get_timestamp_row_prunes_exactly_up_to_its_until_instant() {
    let rows = document(TIMESTAMPS);
    let go120 = document(GO120_OUTCOMES);
    let go120 = go120["rows"].as_array().expect("go120_outcomes.json rows");
    let rows: Vec<&Value> = rows
        .as_array()
        .expect("timestamps.json is an array")
        .iter()
        .filter(|row| row["function"] == "GetTimestamp")
        .collect();
    assert!(rows.len() >= 100, "only {} GetTimestamp rows", rows.len());

    let mut problems = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let found = match moby_2023_outcome(row, go120) {
            Ok(outcome) => check_until_row(row, outcome),
            Err(problem) => vec![problem],
        };
        for problem in found {
            problems.push(format!(
                "GetTimestamp row {index}, until={:?} at {}: {problem}",
                text(row, "input"),
                reference(row)
            ));
        }
    }
    for changed in go120 {
        let input = text(changed, "input");
        if !rows.iter().any(|row| text(row, "input") == input) {
            problems.push(format!(
                "go120_outcomes.json: no GetTimestamp row for {input:?}"
            ));
        }
    }
    assert_no_problems(&problems, rows.len());
}

// --- filters ---------------------------------------------------------------------------------

/// The rows of the table `name` of `filters.json`.
fn filter_rows(name: &str) -> Vec<Value> {
    document(FILTERS)[name]
        .as_array()
        .unwrap_or_else(|| panic!("filters.json has no table {name}"))
        .clone()
}

/// A row's filters: `filters` (the legacy lists form) or `filters_json` (the API text).
fn row_filters(row: &Value) -> Filters {
    let json = match row["filters_json"].as_str() {
        Some(json) => json.to_string(),
        None => row["filters"].to_string(),
    };
    Filters::from_json(&json).unwrap_or_else(|err| panic!("{json} does not decode: {err}"))
}

/// A row's labels.
fn row_labels(row: &Value) -> BTreeMap<String, String> {
    row["labels"]
        .as_object()
        .expect("labels")
        .iter()
        .map(|(key, value)| (key.clone(), value.as_str().expect("a string").to_string()))
        .collect()
}

/// A container, a local network and a swarm network carrying the row's labels, pruned with its
/// filters: each is pruned iff the row says `expected_prunable`.
fn check_labels_row(row: &Value) -> Vec<String> {
    let labels = row_labels(row);
    let prunable = row["expected_prunable"]
        .as_bool()
        .expect("expected_prunable");
    let filters = row_filters(row);
    let daemon = TestDaemon::new(State {
        containers: vec![ContainerRecord {
            labels: labels.clone(),
            ..container("subject", ContainerState::Exited, "2026-11-27T10:00:00Z")
        }],
        networks: vec![NetworkRecord {
            labels: labels.clone(),
            ..network("subject", "2026-11-27T10:00:00Z")
        }],
        cluster: ClusterRecord {
            manager: true,
            networks: vec![ClusterNetworkRecord {
                labels,
                ..cluster_network("swarm-subject", "2026-11-27T10:00:00Z")
            }],
            ..ClusterRecord::default()
        },
        ..State::default()
    });

    let mut problems = Vec::new();
    let containers = daemon
        .prune_containers_with(&filters)
        .map(|report| report.containers_deleted);
    let expected: Vec<String> = if prunable {
        vec![id("subject")]
    } else {
        Vec::new()
    };
    if containers != Ok(expected) {
        problems.push(format!(
            "container prune: expected prunable={prunable}, got {containers:?}"
        ));
    }
    let networks = daemon
        .prune_networks_with(&filters)
        .map(|report| report.networks_deleted);
    let expected: Vec<String> = if prunable {
        vec!["swarm-subject".to_string(), "subject".to_string()]
    } else {
        Vec::new()
    };
    if networks != Ok(expected) {
        problems.push(format!(
            "network prune: expected prunable={prunable}, got {networks:?}"
        ));
    }
    problems
}

fn check_label_table(name: &str) {
    let rows = filter_rows(name);
    assert!(!rows.is_empty(), "{name} has no rows");
    let mut problems = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        for problem in check_labels_row(row) {
            problems.push(format!(
                "{name} row {index} (filters {}, labels {}): {problem}",
                row.get("filters_json").unwrap_or(&row["filters"]),
                row["labels"]
            ));
        }
    }
    assert_no_problems(&problems, rows.len());
}

#[test]
fn every_match_labels_prune_row_decides_what_both_prunes_remove() {
    check_label_table("match_labels_prune");
}

#[test]
fn every_match_labels_prune_from_json_row_decides_what_both_prunes_remove() {
    check_label_table("match_labels_prune_from_json");
}

#[test]
fn every_validate_prune_set_row_is_enforced_by_both_prunes() {
    let rows = filter_rows("validate_prune_set");
    assert!(!rows.is_empty());
    let mut problems = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let filters = row_filters(row);
        let daemon = TestDaemon::new(State::default());
        let expected = if row["error"].as_bool() == Some(true) {
            Err(PruneError::Returned(DockerError::InvalidParameter(
                text(row, "error_message").to_string(),
            )))
        } else {
            Ok(())
        };
        let containers = daemon.prune_containers_with(&filters).map(|_| ());
        let networks = daemon.prune_networks_with(&filters).map(|_| ());
        if containers != expected || networks != expected {
            problems.push(format!(
                "validate_prune_set row {index} ({}): expected {expected:?}, got container \
                 prune {containers:?}, network prune {networks:?}",
                row["filters"]
            ));
        }
    }
    assert_no_problems(&problems, rows.len());
}

//! Runs the conformance vectors of `filters.json` (SPEC §1, §3: `from_json`,
//! `match_labels_prune_from_json` decoding, `cli_filter_flag`, `cli_filter_flag_error_as_printed`)
//! and `humansize.json` (SPEC §7) against the host's filters and `human_size`.
//!
//! The prunability of the `match_labels_prune_from_json` rows is checked by the guest crate's
//! `filters_conformance` test; here they must decode.

use std::collections::{BTreeMap, BTreeSet};

use pruner_runtime::filters::{FilterError, Filters};
use pruner_runtime::humansize::{human_size, human_size_f64};
use serde_json::Value;

const FILTERS: &str = include_str!("../../../tests/conformance/filters.json");
const HUMAN_SIZES: &str = include_str!("../../../tests/conformance/humansize.json");

/// Keys and value sets, as compared with the vectors.
type Fields = BTreeMap<String, BTreeSet<String>>;

/// A vectors document.
fn document(text: &str) -> Value {
    serde_json::from_str(text).expect("vectors are valid JSON")
}

/// The rows of a table of `filters.json`.
fn rows(name: &str) -> Vec<Value> {
    document(FILTERS)[name]
        .as_array()
        .unwrap_or_else(|| panic!("filters.json has no table {name}"))
        .clone()
}

/// A string field of a row.
fn text<'a>(row: &'a Value, field: &str) -> &'a str {
    row[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} is not a string in {row}"))
}

/// Whether a row expects an error.
fn expects_error(row: &Value) -> bool {
    row["error"].as_bool() == Some(true)
}

/// Our filters as plain maps.
fn fields_of(filters: &Filters) -> Fields {
    filters
        .iter()
        .map(|(key, values)| (key.clone(), values.clone()))
        .collect()
}

/// `from_json`'s `fields`: key → object of value → bool (the booleans are not kept).
fn fields_from_sets(value: &Value) -> Fields {
    let object = value.as_object().expect("fields is an object");
    object
        .iter()
        .map(|(key, set)| {
            let set = set.as_object().expect("a field is an object");
            (key.clone(), set.keys().cloned().collect())
        })
        .collect()
}

/// `cli_filter_flag`'s `expected_filters`: key → array of values.
fn fields_from_lists(value: &Value) -> Fields {
    let object = value.as_object().expect("expected_filters is an object");
    object
        .iter()
        .map(|(key, list)| {
            let list = list.as_array().expect("a filter is an array");
            let values = list
                .iter()
                .map(|v| v.as_str().expect("a string").to_owned());
            (key.clone(), values.collect())
        })
        .collect()
}

#[test]
fn from_json_rows() {
    let rows = rows("from_json");
    assert_eq!(rows.len(), 27);
    for row in &rows {
        let decoded = Filters::from_json(text(row, "input"));
        if expects_error(row) {
            let error = decoded.expect_err("an error");
            assert_eq!(error, FilterError::InvalidJson, "row {row}");
            assert_eq!(error.to_string(), text(row, "error_message"), "row {row}");
        } else {
            let filters = decoded.unwrap_or_else(|e| panic!("row {row}: {e}"));
            assert_eq!(
                fields_of(&filters),
                fields_from_sets(&row["fields"]),
                "row {row}"
            );
        }
    }
}

#[test]
fn match_labels_prune_from_json_rows_decode() {
    let rows = rows("match_labels_prune_from_json");
    assert_eq!(rows.len(), 4);
    let expected: [(&str, &[&str]); 4] = [
        ("label!", &[]),
        ("label", &[]),
        ("label", &["a"]),
        ("label", &[""]),
    ];
    for (row, (key, values)) in rows.iter().zip(expected) {
        let filters = Filters::from_json(text(row, "filters_json"))
            .unwrap_or_else(|e| panic!("row {row}: {e}"));
        let want: Fields = [(
            key.to_owned(),
            values.iter().map(|v| v.to_string()).collect(),
        )]
        .into();
        assert_eq!(fields_of(&filters), want, "row {row}");
    }
}

#[test]
fn cli_filter_flag_rows() {
    let rows = rows("cli_filter_flag");
    assert_eq!(rows.len(), 13);
    for row in &rows {
        let flags = row["flag_values"].as_array().expect("flag_values");
        let mut filters = Filters::new();
        let outcome: Result<(), FilterError> = flags
            .iter()
            .try_for_each(|flag| filters.add_cli_flag(flag.as_str().expect("a string")));
        if expects_error(row) {
            let error = outcome.expect_err("an error");
            assert_eq!(error.to_string(), text(row, "error_message"), "row {row}");
            continue;
        }
        outcome.unwrap_or_else(|e| panic!("row {row}: {e}"));
        assert_eq!(
            fields_of(&filters),
            fields_from_lists(&row["expected_filters"]),
            "row {row}"
        );
        let wire = text(row, "wire_json");
        let expected_wire = if wire.starts_with('{') { wire } else { "" };
        assert_eq!(filters.to_json(), expected_wire, "row {row}");
    }
}

#[test]
fn cli_filter_flag_error_as_printed() {
    let printed = document(FILTERS)["cli_filter_flag_error_as_printed"].clone();
    let flag = text(&printed, "input")
        .strip_prefix("--filter ")
        .expect("input is --filter VALUE");
    let error = Filters::new().add_cli_flag(flag).expect_err("an error");
    for stderr in ["stderr_cli_v20_10_to_v24", "stderr_cli_current_head"] {
        let first_line = text(&printed, stderr).lines().next().unwrap_or_default();
        let (_, ours) = first_line.split_once("flag: ").expect("pflag's wording");
        assert_eq!(error.to_string(), ours, "{stderr}");
    }
}

#[test]
fn humansize_rows() {
    let rows = document(HUMAN_SIZES);
    let rows = rows.as_array().expect("humansize.json is an array");
    assert_eq!(rows.len(), 39);
    for row in rows {
        let bytes = &row["bytes"];
        let got = match (bytes.as_u64(), bytes.as_f64(), bytes.as_str()) {
            (Some(integer), _, _) => human_size(integer),
            (None, Some(float), _) => human_size_f64(float),
            (None, None, Some(described)) => {
                let integer = described.split_whitespace().next().unwrap_or_default();
                human_size(integer.parse().expect("a u64 in the description"))
            }
            (None, None, None) => panic!("unexpected bytes in {row}"),
        };
        assert_eq!(got, text(row, "human_size"), "row {row}");
    }
}

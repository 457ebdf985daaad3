//! Runs the `filters.json` conformance vectors (SPEC §1, §3) against the guest's filter rules:
//! `match_kv_list`, `match_labels_prune`, `match_labels_prune_from_json`, `validate_prune_set` and
//! `validate_test_table`.

use pruner_guest::error::DockerError;
use pruner_guest::filters::Filters;
use pruner_guest::model::Label;
use serde_json::{Map, Value};

const VECTORS: &str = include_str!("../../tests/conformance/filters.json");

/// The rows of one table of `filters.json`.
fn rows(table: &str) -> Vec<Value> {
    let vectors: Value = serde_json::from_str(VECTORS).expect("filters.json is valid JSON");
    vectors[table]
        .as_array()
        .unwrap_or_else(|| panic!("filters.json has no table {table}"))
        .clone()
}

/// A string field of a row.
fn text<'a>(row: &'a Value, field: &str) -> &'a str {
    row[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} is not a string in {row}"))
}

/// A row's filters as written in the vectors: an object of string arrays.
fn filters(value: &Value) -> Filters {
    Filters::from_pairs(object(value).iter().map(|(key, values)| {
        let values = values.as_array().expect("filter values are an array");
        (
            key.as_str(),
            values
                .iter()
                .map(|v| v.as_str().expect("filter value is a string")),
        )
    }))
}

/// A row's labels: an object of strings, `null` meaning no labels.
fn labels(value: &Value) -> Vec<Label> {
    if value.is_null() {
        return Vec::new();
    }
    object(value)
        .iter()
        .map(|(key, value)| Label {
            key: key.clone(),
            value: value.as_str().expect("label value is a string").to_owned(),
        })
        .collect()
}

/// A JSON object of the vectors.
fn object(value: &Value) -> &Map<String, Value> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("{value} is not an object"))
}

/// A test-only decoder of the Engine API's `filters` parameter, enough for the
/// `match_labels_prune_from_json` rows: each key maps to an object (its member names are the
/// values, the booleans are ignored), an array (`null` members become ""), or `null` (no values).
/// The faithful decoder is the host's `Filters::from_json`, which checks the same inputs.
fn filters_from_json(text: &str) -> Filters {
    let document: Value = serde_json::from_str(text).expect("valid filters JSON");
    Filters::from_pairs(object(&document).iter().map(|(key, values)| {
        let values: Vec<String> = match values {
            Value::Object(set) => set.keys().cloned().collect(),
            Value::Array(list) => list
                .iter()
                .map(|v| v.as_str().unwrap_or_default().to_owned())
                .collect(),
            Value::Null => Vec::new(),
            other => panic!("unexpected filter values {other}"),
        };
        (key.as_str(), values)
    }))
}

/// `accepted` of a validate row.
fn accepted(row: &Value) -> Vec<&str> {
    row["accepted"]
        .as_array()
        .expect("accepted is an array")
        .iter()
        .map(|key| key.as_str().expect("accepted key is a string"))
        .collect()
}

/// Checks one `validate_*` row: the moby-2023 outcome.
fn check_validate_row(row: &Value) {
    let outcome = filters(&row["filters"]).validate(&accepted(row));
    if row["error"].as_bool() == Some(true) {
        let message = text(row, "error_message").to_owned();
        assert_eq!(
            outcome,
            Err(DockerError::InvalidParameter(message)),
            "row {row}"
        );
    } else {
        assert_eq!(outcome, Ok(()), "row {row}");
    }
}

#[test]
fn match_kv_list_rows() {
    let rows = rows("match_kv_list");
    assert_eq!(rows.len(), 22);
    for row in &rows {
        let got =
            filters(&row["filters"]).match_kv_list(text(row, "key"), &labels(&row["sources"]));
        assert_eq!(Some(got), row["expected"].as_bool(), "row {row}");
    }
}

#[test]
fn match_labels_prune_rows() {
    let rows = rows("match_labels_prune");
    assert_eq!(rows.len(), 26);
    for row in &rows {
        let got = filters(&row["filters"]).match_prune_labels(&labels(&row["labels"]));
        assert_eq!(Some(got), row["expected_prunable"].as_bool(), "row {row}");
    }
}

#[test]
fn match_labels_prune_from_json_rows() {
    let rows = rows("match_labels_prune_from_json");
    assert_eq!(rows.len(), 4);
    for row in &rows {
        let filters = filters_from_json(text(row, "filters_json"));
        let got = filters.match_prune_labels(&labels(&row["labels"]));
        assert_eq!(Some(got), row["expected_prunable"].as_bool(), "row {row}");
    }
}

#[test]
fn validate_prune_set_rows() {
    let rows = rows("validate_prune_set");
    assert_eq!(rows.len(), 4);
    rows.iter().for_each(check_validate_row);
}

#[test]
fn validate_test_table_rows() {
    let rows = rows("validate_test_table");
    assert_eq!(rows.len(), 2);
    rows.iter().for_each(check_validate_row);
}

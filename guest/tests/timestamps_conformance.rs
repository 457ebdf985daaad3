//! Every row of `tests/conformance/timestamps.json` (moby's `GetTimestamp`, `ParseTimestamps` and
//! Go's `time.ParseDuration`, run in Go) against the Rust port.

use std::sync::LazyLock;

use pruner_guest::duration::parse_duration;
use pruner_guest::model::{Instant, Reference};
use pruner_guest::timestamp::{get_timestamp, parse_timestamps, until};
use serde_json::Value;

const VECTORS: &str = include_str!("../../tests/conformance/timestamps.json");

#[test]
fn every_timestamp_vector_matches() {
    let rows: Vec<Value> = serde_json::from_str(VECTORS).expect("timestamps.json is a JSON array");
    let mut mismatches = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let function = row["function"].as_str().unwrap_or("?");
        let input = row["input"].as_str().unwrap_or("?");
        for problem in check_row(row) {
            mismatches.push(format!("row {index}, {function}({input:?}): {problem}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches over {} rows:\n{}",
        mismatches.len(),
        rows.len(),
        mismatches.join("\n")
    );
}

/// The differences between one row and the port, empty when they agree.
fn check_row(row: &Value) -> Vec<String> {
    let Some(input) = row["input"].as_str() else {
        return vec!["row has no string input".to_owned()];
    };
    match row["function"].as_str() {
        Some("GetTimestamp") => check_get_timestamp(row, input),
        Some("ParseTimestamps") => {
            let default = row["default_seconds"].as_i64().unwrap_or_default();
            let expected = expected(row, |value| {
                Some((value["seconds"].as_i64()?, value["nanoseconds"].as_i64()?))
            });
            compare("result", parse_timestamps(input, default), expected)
        }
        Some("time.ParseDuration") => {
            let expected = expected(row, |value| value["nanoseconds"].as_i64());
            compare("result", parse_duration(input), expected)
        }
        other => vec![format!("unknown function {other:?}")],
    }
}

/// The rows recorded under go1.19 whose outcome differs under go1.20.4, which moby-2023 is built
/// with and the port follows; see the file's `about`. The host's conformance test reads the same
/// file.
const GO120_OUTCOMES: &str = include_str!("../../tests/conformance/go120_outcomes.json");

/// One row of `go120_outcomes.json`.
struct Go120Outcome {
    input: String,
    /// The error text the `timestamps.json` row records: go1.19's.
    go119_error: String,
    /// go1.20's outcome: `GetTimestamp`'s string and the `until` instant in nanoseconds, or the
    /// error text.
    go120: Result<(String, i128), String>,
}

/// The rows of `go120_outcomes.json`, read once.
static GO120: LazyLock<Vec<Go120Outcome>> = LazyLock::new(go120_outcomes);

/// Reads the rows of `go120_outcomes.json`.
fn go120_outcomes() -> Vec<Go120Outcome> {
    let document: Value =
        serde_json::from_str(GO120_OUTCOMES).expect("go120_outcomes.json is valid JSON");
    let text = |value: &Value| value.as_str().map(str::to_owned);
    document["rows"]
        .as_array()
        .expect("go120_outcomes.json has rows")
        .iter()
        .map(|row| {
            let go120 = &row["go120"];
            let go120 = match text(&go120["error_message"]) {
                Some(message) => Err(message),
                None => Ok((
                    text(&go120["expected"]).expect("a go1.20 result"),
                    text(&go120["until_unix_nanos"])
                        .and_then(|nanos| nanos.parse().ok())
                        .expect("a go1.20 until instant"),
                )),
            };
            Go120Outcome {
                input: text(&row["input"]).expect("an input"),
                go119_error: text(&row["go119_error_message"]).expect("a go1.19 error"),
                go120,
            }
        })
        .collect()
}

/// A `GetTimestamp` row: the returned string or error, and the instant `until` derives (or its
/// error, the same as `GetTimestamp`'s).
fn check_get_timestamp(row: &Value, input: &str) -> Vec<String> {
    let (Some(seconds), Some(nanos), Some(offset)) = (
        row["reference_unix"].as_i64(),
        row["reference_nanos"]
            .as_u64()
            .and_then(|n| u32::try_from(n).ok()),
        row["reference_zone_offset_s"]
            .as_i64()
            .and_then(|o| i32::try_from(o).ok()),
    ) else {
        return vec!["row has no usable reference".to_owned()];
    };
    let reference = Reference {
        now: Instant { seconds, nanos },
        utc_offset_seconds: offset,
    };
    let mut problems = Vec::new();
    let recorded = expected(row, |value| value.as_str().map(str::to_owned));
    let (expected, expected_until) = match GO120.iter().find(|o| o.input == input) {
        Some(outcome) => {
            if recorded.as_ref().err() != Some(&outcome.go119_error) {
                problems.push(format!(
                    "the row no longer records go1.19's {:?}: update go120_outcomes.json",
                    outcome.go119_error
                ));
            }
            (
                outcome.go120.clone().map(|(text, _)| text),
                Some(outcome.go120.clone().map(|(_, nanos)| nanos)),
            )
        }
        None => {
            let until = match (&row["until_unix_nanos"], &recorded) {
                (Value::String(nanos), _) => match nanos.parse::<i128>() {
                    Ok(nanos) => Some(Ok(nanos)),
                    Err(_) => return vec![format!("bad until_unix_nanos {nanos:?}")],
                },
                (_, Err(message)) => Some(Err(message.clone())),
                (_, Ok(_)) => None,
            };
            (recorded, until)
        }
    };

    problems.extend(compare("result", get_timestamp(input, reference), expected));
    if let Some(expected_until) = expected_until {
        let until_nanos = until(input, reference)
            .map(|instant| i128::from(instant.seconds) * 1_000_000_000 + i128::from(instant.nanos));
        problems.extend(compare("until", until_nanos, expected_until));
    }
    problems
}

/// The row's outcome: `Err(error_message)` for an error row, else `Ok` of what `read` takes
/// from `expected` (an `Err` saying so if it cannot).
fn expected<T>(row: &Value, read: impl Fn(&Value) -> Option<T>) -> Result<T, String> {
    if row["error"].as_bool() == Some(true) {
        return Err(row["error_message"]
            .as_str()
            .unwrap_or("<no error_message>")
            .to_owned());
    }
    read(&row["expected"]).ok_or_else(|| format!("<unreadable expected {}>", row["expected"]))
}

/// A one-line description of the difference between `actual` and `expected`, if any.
fn compare<T: PartialEq + std::fmt::Debug>(
    what: &str,
    actual: Result<T, String>,
    expected: Result<T, String>,
) -> Vec<String> {
    if actual == expected {
        Vec::new()
    } else {
        vec![format!("{what}: expected {expected:?}, got {actual:?}")]
    }
}

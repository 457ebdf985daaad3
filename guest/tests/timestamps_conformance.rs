//! Every row of `tests/conformance/timestamps.json` (moby's `GetTimestamp`, `ParseTimestamps` and
//! Go's `time.ParseDuration`, run in Go) against the Rust port.

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

/// A row recorded under go1.19 (the vectors were generated with go1.19.8) whose outcome differs
/// under go1.20.4, which moby-2023 is built with and the port follows. go1.20 reports a failed
/// element from its start (golang/go commit 42d975e5, issue 56730) and accepts more than nine
/// fractional digits, truncating them (commit 4e9183cb, issue 54567).
struct Go120Outcome {
    input: &'static str,
    /// The error text the row records: go1.19's.
    go119_error: &'static str,
    /// go1.20's outcome: `GetTimestamp`'s string and the `until` instant in nanoseconds, or the
    /// error text.
    go120: Result<(&'static str, i128), &'static str>,
}

const GO120_OUTCOMES: [Go120Outcome; 4] = [
    Go120Outcome {
        input: "1h-30m",
        go119_error: r#"parsing time "1h-30m" as "2006-01-02": cannot parse "0m" as "2006""#,
        go120: Err(r#"parsing time "1h-30m" as "2006-01-02": cannot parse "1h-30m" as "2006""#),
    },
    Go120Outcome {
        input: "2006-01-02T15:04:05.1234567891Z",
        go119_error: r#"parsing time "2006-01-02T15:04:05.1234567891Z" as "2006-01-02T15:04:05.999999999Z07:00": cannot parse "1Z" as "Z07:00""#,
        go120: Ok(("1136214245.123456789", 1_136_214_245_123_456_789)),
    },
    Go120Outcome {
        input: "2006-01-02t15:04:05Z",
        go119_error: r#"parsing time "2006-01-02t15:04:05Z" as "2006-01-02Z07:00": cannot parse ":05Z" as "Z07:00""#,
        go120: Err(
            r#"parsing time "2006-01-02t15:04:05Z" as "2006-01-02Z07:00": cannot parse "t15:04:05Z" as "Z07:00""#,
        ),
    },
    Go120Outcome {
        input: "06-01-02",
        go119_error: r#"parsing time "06-01-02" as "2006-01-02": cannot parse "1-02" as "2006""#,
        go120: Err(r#"parsing time "06-01-02" as "2006-01-02": cannot parse "06-01-02" as "2006""#),
    },
];

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
    let (expected, expected_until) = match GO120_OUTCOMES.iter().find(|o| o.input == input) {
        Some(outcome) => {
            if recorded.as_ref().err().map(String::as_str) != Some(outcome.go119_error) {
                problems.push(format!(
                    "the row no longer records go1.19's {:?}: update GO120_OUTCOMES",
                    outcome.go119_error
                ));
            }
            (
                outcome
                    .go120
                    .map(|(text, _)| text.to_owned())
                    .map_err(str::to_owned),
                Some(outcome.go120.map(|(_, nanos)| nanos).map_err(str::to_owned)),
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

//! What each prune answered, and when dockerd's answer and pruner's agree.
//!
//! They agree when they are equal, or, against Debian's dockerd 20.10.24, when they differ only
//! as SPEC.md §9.1 says 20.10 and moby-2023 (which pruner follows) differ:
//! 1. filters that are not JSON of either form: 20.10 answers with `encoding/json`'s text,
//!    moby-2023 with `invalid filter`, both 400 (SPEC.md says 20.10 answers 500, but its prune
//!    handlers wrap the error as an invalid parameter: dockerd 20.10.24 answers 400);
//! 2. an unknown filter key: `Invalid filter '<key>'` (20.10) vs `invalid filter '<key>'`, both
//!    400;
//! 3. `until` errors (more than one, a bad timestamp): 500 (20.10) vs 400, same text;
//! 5. an RFC 3339 `until` with more than 9 fractional digits: rejected by 20.10's go1.19 with Go's
//!    parse error (500), accepted and truncated by moby-2023's go1.20.

use std::collections::BTreeSet;
use std::fmt;

/// `(Type, Action, Actor.ID, reclaimed)` of a prune event.
pub type EventSummary = (String, String, String, Option<String>);

/// What one prune answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A container prune report: the short names of the removed containers, and the space.
    Containers {
        /// Short names of the removed containers.
        deleted: BTreeSet<String>,
        /// `SpaceReclaimed`.
        space: u64,
    },
    /// A network prune report: the short names of the removed networks, sorted (a multiset).
    Networks {
        /// Short names of the removed networks.
        deleted: Vec<String>,
    },
    /// An error answer: the HTTP status and Docker's message.
    Refused {
        /// The HTTP status.
        status: u16,
        /// The message.
        message: String,
    },
    /// No answer at all (the connection closed).
    NoResponse(String),
}

impl Outcome {
    /// A container report from short names.
    pub fn containers(deleted: &[&str], space: u64) -> Outcome {
        Outcome::Containers {
            deleted: deleted.iter().map(|name| name.to_string()).collect(),
            space,
        }
    }

    /// A network report from short names.
    pub fn networks(deleted: &[&str]) -> Outcome {
        let mut deleted: Vec<String> = deleted.iter().map(|name| name.to_string()).collect();
        deleted.sort();
        Outcome::Networks { deleted }
    }

    /// An error answer.
    pub fn refused(status: u16, message: &str) -> Outcome {
        Outcome::Refused {
            status,
            message: message.to_string(),
        }
    }
}

/// The SPEC.md §9.1 item under which two different answers still agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Allowance {
    /// §9.1.1: undecodable filters, `encoding/json`'s text vs `invalid filter`.
    RawJsonError,
    /// §9.1.2: `Invalid filter` vs `invalid filter`.
    InvalidFilterCapital,
    /// §9.1.3: `until` errors, 500 vs 400.
    UntilStatus,
    /// §9.1.5: go1.19 rejects more than 9 fractional digits.
    FractionDigits,
}

/// Both prunes of a scenario, with the events each logged.
#[derive(Clone, Debug)]
pub struct Differential {
    /// The `filters` parameter dockerd's side sent.
    pub request: String,
    /// dockerd's answer.
    pub docker: Outcome,
    /// pruner's answer.
    pub pruner: Outcome,
    /// dockerd's `prune` events.
    pub docker_events: Vec<EventSummary>,
    /// pruner's `prune` events.
    pub pruner_events: Vec<EventSummary>,
    /// Whether the engine is dockerd 20.10 (SPEC.md §9.1 applies).
    pub legacy_20_10: bool,
}

impl Differential {
    /// Asserts that dockerd and pruner agree (answers and events) and returns pruner's answer;
    /// panics with both otherwise.
    pub fn agreed(&self) -> &Outcome {
        if let Err(why) = self.agreement() {
            panic!("dockerd and pruner disagree: {why}\n{self}");
        }
        &self.pruner
    }

    /// Under which §9.1 item the answers agree (`None`: they are equal), or why they do not.
    pub fn agreement(&self) -> Result<Option<Allowance>, String> {
        let allowance = if self.docker == self.pruner {
            None
        } else {
            Some(self.allowance().ok_or("the answers differ")?)
        };
        // A prune dockerd refused logs no event; pruner's accepted one logs its usual event.
        let events_agree = if allowance == Some(Allowance::FractionDigits) {
            self.docker_events.is_empty() && self.pruner_events.len() == 1
        } else {
            self.docker_events == self.pruner_events
        };
        if !events_agree {
            return Err("the prune events differ".to_string());
        }
        Ok(allowance)
    }

    fn allowance(&self) -> Option<Allowance> {
        if !self.legacy_20_10 {
            return None;
        }
        match (&self.docker, &self.pruner) {
            (
                Outcome::Refused {
                    status: docker_status,
                    message: docker,
                },
                Outcome::Refused {
                    status: 400,
                    message: pruner,
                },
            ) => {
                if matches!(docker_status, 400 | 500)
                    && pruner == "invalid filter"
                    && is_json_error(docker)
                {
                    Some(Allowance::RawJsonError)
                } else if *docker_status == 500 && docker == pruner && is_until_error(docker) {
                    Some(Allowance::UntilStatus)
                } else if *docker_status == 400
                    && docker.starts_with("Invalid filter")
                    && docker.strip_prefix("Invalid filter")
                        == pruner.strip_prefix("invalid filter")
                {
                    Some(Allowance::InvalidFilterCapital)
                } else {
                    None
                }
            }
            (
                Outcome::Refused {
                    status: 500,
                    message: docker,
                },
                Outcome::Containers { .. } | Outcome::Networks { .. },
            ) => (docker.starts_with("parsing time \"") && has_long_fraction(&self.request))
                .then_some(Allowance::FractionDigits),
            _ => None,
        }
    }
}

/// Whether `message` is one of Go's `encoding/json` errors.
fn is_json_error(message: &str) -> bool {
    message.starts_with("invalid character ")
        || message.starts_with("json: ")
        || message == "unexpected end of JSON input"
}

/// Whether `message` is one of `getUntilFromPruneFilters`'s errors.
fn is_until_error(message: &str) -> bool {
    message == "more than one until filter specified"
        || message.starts_with("parsing time \"")
        || message.starts_with("failed to parse value as time or duration: ")
}

/// Whether the request carries a fraction of more than 9 digits.
fn has_long_fraction(request: &str) -> bool {
    request
        .split('.')
        .skip(1)
        .any(|rest| rest.bytes().take_while(u8::is_ascii_digit).count() > 9)
}

impl fmt::Display for Differential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "  filters: {}", self.request)?;
        writeln!(f, "  dockerd: {:?}", self.docker)?;
        writeln!(f, "  pruner:  {:?}", self.pruner)?;
        writeln!(f, "  dockerd events: {:?}", self.docker_events)?;
        write!(f, "  pruner events:  {:?}", self.pruner_events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn differential(docker: Outcome, pruner: Outcome, request: &str) -> Differential {
        Differential {
            request: request.to_string(),
            docker,
            pruner,
            docker_events: Vec::new(),
            pruner_events: Vec::new(),
            legacy_20_10: true,
        }
    }

    #[test]
    fn only_the_listed_differences_are_allowed() {
        let agree = |docker, pruner, request| differential(docker, pruner, request).agreement();
        assert_eq!(
            agree(
                Outcome::refused(400, "Invalid filter 'x'"),
                Outcome::refused(400, "invalid filter 'x'"),
                ""
            ),
            Ok(Some(Allowance::InvalidFilterCapital))
        );
        assert!(
            agree(
                Outcome::refused(400, "Invalid filter 'x'"),
                Outcome::refused(400, "invalid filter 'y'"),
                ""
            )
            .is_err()
        );
        assert_eq!(
            agree(
                Outcome::refused(500, "more than one until filter specified"),
                Outcome::refused(400, "more than one until filter specified"),
                ""
            ),
            Ok(Some(Allowance::UntilStatus))
        );
        for status in [400, 500] {
            assert_eq!(
                agree(
                    Outcome::refused(
                        status,
                        "invalid character 'a' looking for beginning of value"
                    ),
                    Outcome::refused(400, "invalid filter"),
                    ""
                ),
                Ok(Some(Allowance::RawJsonError))
            );
        }
        assert!(
            agree(
                Outcome::refused(400, "more than one until filter specified"),
                Outcome::refused(400, "invalid filter"),
                ""
            )
            .is_err()
        );
        let accepted = Differential {
            pruner_events: vec![(
                "container".to_string(),
                "prune".to_string(),
                String::new(),
                Some("0".to_string()),
            )],
            ..differential(
                Outcome::refused(500, "parsing time \"x\": extra text"),
                Outcome::containers(&[], 0),
                r#"{"until":{"2006-01-02T15:04:05.1234567891Z":true}}"#,
            )
        };
        assert_eq!(accepted.agreement(), Ok(Some(Allowance::FractionDigits)));
        assert!(
            agree(
                Outcome::refused(500, "parsing time \"x\": extra text"),
                Outcome::containers(&[], 0),
                r#"{"until":{"2006-01-02T15:04:05.123Z":true}}"#
            )
            .is_err()
        );
        assert!(
            agree(
                Outcome::containers(&["a"], 0),
                Outcome::containers(&["b"], 0),
                ""
            )
            .is_err()
        );
    }
}

//! What a policy answered, in one form however it was asked: the objects it kept, in the order
//! it gave them, and why. Through the contract it names each object by ID; through the SDK's
//! packed transport by its index in the listing (or by an ID it named itself), and each
//! reason once, so that keeping thousands of objects costs no string of theirs.

use super::bindings;
use super::error::PolicyFault;
use super::transport::PackedDecisions;
use crate::fault::PluginFault;
use crate::limits::Limits;

/// The objects one policy kept and its reasons.
pub(super) struct Answer {
    /// Each object kept, in the order given, with the index of its reason in `reasons`.
    kept: Vec<(Which, usize)>,
    reasons: Vec<String>,
}

/// Which object a policy kept.
pub(super) enum Which {
    /// The object at this index of the listing.
    Shown(usize),
    /// Every object of the listing with this ID.
    Named(String),
}

impl Answer {
    /// The contract's answer, each object by ID.
    pub(super) fn from_contract(kept: Vec<bindings::Kept>) -> Answer {
        let mut answer = Answer {
            kept: Vec::with_capacity(kept.len()),
            reasons: Vec::with_capacity(kept.len()),
        };
        for bindings::Kept { id, reason } in kept {
            answer.kept.push((Which::Named(id), answer.reasons.len()));
            answer.reasons.push(reason);
        }
        answer
    }

    /// The packed transport's answer about a listing of `count` objects, refused if it names an
    /// object or a reason it does not have.
    pub(super) fn from_transport(
        decisions: PackedDecisions,
        count: usize,
    ) -> Result<Answer, PolicyFault> {
        let PackedDecisions { kept, ids, reasons } = decisions;
        let malformed = |what: String| Err(PolicyFault::Transport(what));
        let (pairs, odd) = kept.as_chunks::<2>();
        if !odd.is_empty() {
            return malformed(format!("it gave {} words for its kept objects", kept.len()));
        }
        // No more reasons, nor IDs, than objects kept: what no object names would be lifted
        // into the host for nothing, outside the report's limits.
        if reasons.len() > pairs.len() || ids.len() > pairs.len() {
            return malformed(format!(
                "it gave {} reasons and {} IDs for {} kept objects",
                reasons.len(),
                ids.len(),
                pairs.len()
            ));
        }
        let mut ids = ids.into_iter().map(Some).collect::<Vec<_>>();
        let mut answer = Answer {
            kept: Vec::with_capacity(pairs.len()),
            reasons,
        };
        for &[which, reason] in pairs {
            let (which, reason) = (which as usize, reason as usize);
            if reason >= answer.reasons.len() {
                return malformed(format!(
                    "it gave reason {reason} of {}",
                    answer.reasons.len()
                ));
            }
            let which = match which.checked_sub(count) {
                None => Which::Shown(which),
                Some(named) => match ids.get_mut(named).and_then(Option::take) {
                    Some(id) => Which::Named(id),
                    None => {
                        return malformed(format!(
                            "it kept object {which} of {count} shown and {} named once each",
                            ids.len()
                        ));
                    }
                },
            };
            answer.kept.push((which, reason));
        }
        Ok(answer)
    }

    /// The objects kept, in the order given, with their reasons.
    pub(super) fn kept(&self) -> impl Iterator<Item = (&Which, &str)> {
        self.kept
            .iter()
            .map(|(which, reason)| (which, self.reasons[*reason].as_str()))
    }

    /// The IDs the policy named.
    pub(super) fn named(&self) -> impl Iterator<Item = &str> {
        self.kept.iter().filter_map(|(which, _)| match which {
            Which::Shown(_) => None,
            Which::Named(id) => Some(id.as_str()),
        })
    }

    /// Refuses an answer past the size limits of what a plugin hands over: the number of
    /// entries and their bytes (ID and reason, `id_len` giving the length of a shown object's
    /// ID) as a report's, and each reason as a message.
    pub(super) fn check(
        &self,
        limits: &Limits,
        id_len: impl Fn(usize) -> usize,
    ) -> Result<(), PolicyFault> {
        if self.kept.len() > limits.report_entries {
            return Err(PolicyFault::Sandbox(PluginFault::ReportEntries {
                limit: limits.report_entries,
                returned: self.kept.len(),
            }));
        }
        if let Some(fault) = self.reasons.iter().find_map(|r| message_fault(r, limits)) {
            return Err(fault);
        }
        let mut bytes = 0_usize;
        for (which, reason) in self.kept() {
            let id = match which {
                Which::Shown(at) => id_len(*at),
                Which::Named(id) => id.len(),
            };
            bytes = bytes.saturating_add(id + reason.len());
        }
        if bytes > limits.report_bytes {
            return Err(PolicyFault::Sandbox(PluginFault::ReportBytes(
                limits.report_bytes,
            )));
        }
        Ok(())
    }
}

/// The fault of a string longer than the message limit.
pub(super) fn message_fault(text: &str, limits: &Limits) -> Option<PolicyFault> {
    (text.len() > limits.message_bytes).then_some(PolicyFault::Sandbox(PluginFault::MessageBytes(
        limits.message_bytes,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decisions(kept: &[u32], ids: &[&str], reasons: &[&str]) -> PackedDecisions {
        PackedDecisions {
            kept: kept.to_vec(),
            ids: ids.iter().map(|id| id.to_string()).collect(),
            reasons: reasons.iter().map(|reason| reason.to_string()).collect(),
        }
    }

    /// The objects an answer kept, a shown one as `#index`, with their reasons.
    fn kept(answer: &Answer) -> Vec<(String, &str)> {
        answer
            .kept()
            .map(|(which, reason)| match which {
                Which::Shown(at) => (format!("#{at}"), reason),
                Which::Named(id) => (id.clone(), reason),
            })
            .collect()
    }

    fn refusal(decisions: PackedDecisions) -> PolicyFault {
        Answer::from_transport(decisions, 3)
            .err()
            .expect("the answer is refused")
    }

    #[test]
    fn the_transport_names_shown_objects_by_index_and_others_by_id_in_the_order_given() {
        let answer =
            Answer::from_transport(decisions(&[2, 0, 3, 1, 0, 0], &["x"], &["new", "own"]), 3)
                .expect("well formed");
        assert_eq!(
            kept(&answer),
            [
                ("#2".to_string(), "new"),
                ("x".to_string(), "own"),
                ("#0".to_string(), "new")
            ]
        );
        assert_eq!(answer.named().collect::<Vec<_>>(), ["x"]);
    }

    #[test]
    fn transport_words_naming_no_object_or_no_reason_are_the_policys_fault() {
        assert_eq!(
            refusal(decisions(&[0, 0, 1], &[], &["r"])),
            PolicyFault::Transport("it gave 3 words for its kept objects".to_string())
        );
        assert_eq!(
            refusal(decisions(&[0, 1], &[], &["r"])),
            PolicyFault::Transport("it gave reason 1 of 1".to_string())
        );
        assert_eq!(
            refusal(decisions(&[4, 0], &["x"], &["r"])),
            PolicyFault::Transport("it kept object 4 of 3 shown and 1 named once each".to_string())
        );
        assert_eq!(
            refusal(decisions(&[0, 0], &[], &["r", "unused"])),
            PolicyFault::Transport("it gave 2 reasons and 0 IDs for 1 kept objects".to_string())
        );
        assert_eq!(
            refusal(decisions(&[0, 0], &["x", "y"], &["r"])),
            PolicyFault::Transport("it gave 1 reasons and 2 IDs for 1 kept objects".to_string())
        );
        assert_eq!(
            refusal(decisions(&[3, 0, 3, 0], &["x"], &["r"])),
            PolicyFault::Transport("it kept object 3 of 3 shown and 1 named once each".to_string())
        );
    }

    #[test]
    fn the_limits_count_every_entry_with_its_id_and_reason() {
        let answer = Answer::from_contract(vec![bindings::Kept {
            id: "abc".to_string(),
            reason: "why".to_string(),
        }]);
        let shown = Answer::from_transport(decisions(&[0, 0, 1, 0], &[], &["why"]), 2)
            .expect("well formed");
        let limits = |entries, bytes| Limits {
            report_entries: entries,
            report_bytes: bytes,
            ..Limits::default()
        };
        assert_eq!(answer.check(&limits(1, 6), |_| 0), Ok(()));
        assert_eq!(
            answer.check(&limits(1, 5), |_| 0),
            Err(PolicyFault::Sandbox(PluginFault::ReportBytes(5)))
        );
        assert_eq!(shown.check(&limits(2, 12), |_| 3), Ok(()));
        assert_eq!(
            shown.check(&limits(1, 12), |_| 3),
            Err(PolicyFault::Sandbox(PluginFault::ReportEntries {
                limit: 1,
                returned: 2
            }))
        );
        assert_eq!(
            shown.check(&limits(2, 11), |_| 3),
            Err(PolicyFault::Sandbox(PluginFault::ReportBytes(11)))
        );
    }
}

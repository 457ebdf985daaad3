//! Prune policies (`wit/policy/policy.wit`, `pruner:policy@0.1.0`): components that narrow a
//! prune. Each policy of a [`Policies`] chain is shown every object of the daemon and answers
//! which it keeps, and why; the host hides those objects from the prune component's listing,
//! so Docker's rules run unchanged on the rest and the report is Docker's by construction. An
//! object is pruned only when every policy lets it go; a policy can never make prune remove
//! more.
//!
//! A policy runs in the sandbox of prune plugins: the same [`Limits`] per call, the same WASI
//! allow-list (and none of pruner's interfaces: it imports nothing it could act on), a fresh
//! instance for every call. A policy that traps, crosses a limit, returns an error or keeps an
//! object it was not given fails the prune before anything is removed, with a
//! [`PolicyError`] naming it and its fault.

mod answer;
mod bindings;
mod component;
mod error;
mod narrow;
mod transport;

use std::fmt;
use std::sync::Arc;

pub use component::PolicyComponent;
pub use error::{LoadError, PolicyError, PolicyFault};

use answer::{Answer, message_fault};
use bindings::{
    CheckParams, CheckResults, ClockReading, ContainersParams, Decisions, NetworkView,
    NetworksParams, PolicyOption, PruneKind as WitKind,
};
use narrow::ShownContainers;
use transport::{PackedParams, PackedResults};

use pruner_state::escape::escape;

use crate::backend::Backends;
use crate::error::PruneError;
use crate::invariants::PruneKind;
use crate::limits::Limits;

/// The policies shipped with pruner, as `(name, component bytes)`, sorted by name.
pub const SHIPPED: &[(&str, &[u8])] = pruner_components::POLICIES;

/// The shipped policies' names, for messages: `a, b and c`.
fn shipped_names() -> String {
    let names: Vec<&str> = SHIPPED.iter().map(|(name, _)| *name).collect();
    match names.split_last() {
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// A policy with its options: one link of a chain.
#[derive(Clone)]
pub struct Policy {
    component: PolicyComponent,
    options: Vec<PolicyOption>,
    /// The sandbox's limits for each of its calls.
    limits: Limits,
}

impl Policy {
    /// `component` with `options` (`key`, `value`), in the order given, within the limits of
    /// a plugin ([`Limits::default`]), or of trusted code ([`Limits::trusted`]) for a shipped
    /// policy.
    pub fn new<K: Into<String>, V: Into<String>>(
        component: PolicyComponent,
        options: impl IntoIterator<Item = (K, V)>,
    ) -> Policy {
        let limits = match component.is_shipped() {
            true => Limits::trusted(),
            false => Limits::default(),
        };
        Policy {
            component,
            limits,
            options: options
                .into_iter()
                .map(|(key, value)| PolicyOption {
                    key: key.into(),
                    value: value.into(),
                })
                .collect(),
        }
    }

    /// The same policy within other limits.
    pub fn with_limits(self, limits: Limits) -> Policy {
        Policy { limits, ..self }
    }

    /// The policy's name.
    pub fn name(&self) -> &str {
        self.component.name()
    }

    /// Asks the policy whether its options suit a `kind` prune, before anything is touched.
    /// A refusal is [`PolicyFault::Options`] with the policy's words.
    pub fn check(&self, kind: PruneKind) -> Result<(), PolicyError> {
        let limits = self.limits;
        let kind = match kind {
            PruneKind::Containers => WitKind::Containers,
            PruneKind::Networks => WitKind::Networks,
        };
        let params: CheckParams<'_> = (kind, &self.options);
        let answer = self
            .component
            .call(limits, |exports| Some(exports.check), params)
            .and_then(|(answer,): CheckResults| {
                answer.map_err(|message| {
                    message_fault(&message, &limits).unwrap_or(PolicyFault::Options(message))
                })
            });
        answer.map_err(|fault| self.error(fault))
    }

    /// What the policy keeps of the `shown` containers: through the SDK's packed transport if
    /// the policy exports it (and the listing fits it), through the contract's records
    /// otherwise.
    fn containers(
        &self,
        clock: ClockReading,
        shown: &ShownContainers<'_>,
    ) -> Result<Answer, PolicyError> {
        let limits = self.limits;
        let packed = self
            .component
            .has_transport()
            .then(|| shown.packed())
            .flatten();
        let answer = match packed {
            Some(listing) => {
                let params: PackedParams<'_> = (&self.options, clock, listing);
                self.component
                    .call(limits, |exports| exports.packed, params)
                    .and_then(|(answer,): PackedResults| {
                        let decisions = answer.map_err(|message| failed(message, &limits))?;
                        Answer::from_transport(decisions, shown.len())
                    })
            }
            None => {
                let params: ContainersParams<'_> = (&self.options, clock, shown.views());
                self.component
                    .call(limits, |exports| Some(exports.containers), params)
                    .and_then(|answer| from_contract(answer, &limits))
            }
        };
        let checked = answer.and_then(|answer| {
            answer.check(&limits, |at| shown.id(at).len())?;
            Ok(answer)
        });
        checked.map_err(|fault| self.error(fault))
    }

    /// What the policy keeps of `networks`.
    fn networks(
        &self,
        clock: ClockReading,
        networks: &[NetworkView<'_>],
    ) -> Result<Answer, PolicyError> {
        let limits = self.limits;
        let params: NetworksParams<'_> = (&self.options, clock, networks);
        let checked = self
            .component
            .call(limits, |exports| Some(exports.networks), params)
            .and_then(|answer| from_contract(answer, &limits))
            .and_then(|answer| {
                answer.check(&limits, |at| networks[at].id.len())?;
                Ok(answer)
            });
        checked.map_err(|fault| self.error(fault))
    }

    fn error(&self, fault: PolicyFault) -> PolicyError {
        PolicyError {
            policy: self.name().to_string(),
            fault,
        }
    }
}

/// The contract's answer, or the policy's error.
fn from_contract((answer,): Decisions, limits: &Limits) -> Result<Answer, PolicyFault> {
    answer
        .map(Answer::from_contract)
        .map_err(|message| failed(message, limits))
}

/// The fault of a policy that returned the error `message`: the message limit's if it is too
/// long.
fn failed(message: String, limits: &Limits) -> PolicyFault {
    message_fault(&message, limits).unwrap_or(PolicyFault::Failed(message))
}

/// An object a policy kept out of a prune, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kept {
    /// The policy.
    pub policy: String,
    /// `container` or `network`.
    pub kind: &'static str,
    /// The object's ID.
    pub id: String,
    /// A container's first name, or a network's name.
    pub name: String,
    /// The policy's reason.
    pub reason: String,
}

impl fmt::Display for Kept {
    /// `policy keep-recent kept container <id> (web-1): one of the 2 newest`; a network by its
    /// name, as network prune reports networks.
    /// The policy's words and the object's names are escaped ([`escape`]): a policy cannot
    /// write control characters to the user's terminal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "policy {} kept {} ", escape(&self.policy), self.kind)?;
        match (self.kind, self.name.is_empty()) {
            ("container", false) => write!(f, "{} ({})", escape(&self.id), escape(&self.name))?,
            ("container", true) => f.write_str(&escape(&self.id))?,
            _ => f.write_str(&escape(&self.name))?,
        }
        write!(f, ": {}", escape(&self.reason))
    }
}

/// Where a chain's decisions go, once every policy of it has answered.
pub trait KeptLog: Send + Sync {
    /// One object a policy kept.
    fn kept(&self, kept: &Kept);
}

/// Decisions to `tracing` at INFO level, as a daemon logs them (the CLI: on stderr).
#[derive(Clone, Copy, Debug, Default)]
pub struct TracingKept;

impl KeptLog for TracingKept {
    fn kept(&self, kept: &Kept) {
        tracing::info!("{kept}");
    }
}

/// A chain of policies: an object is pruned only when every one of them lets it go.
#[derive(Clone)]
pub struct Policies {
    chain: Vec<Policy>,
    log: Arc<dyn KeptLog>,
}

impl Default for Policies {
    fn default() -> Policies {
        Policies::new(Vec::new())
    }
}

impl Policies {
    /// The chain of `policies`, in order, logging to `tracing`.
    pub fn new(policies: Vec<Policy>) -> Policies {
        Policies {
            chain: policies,
            log: Arc::new(TracingKept),
        }
    }

    /// The same chain logging its decisions to `log`.
    pub fn with_log(self, log: Arc<dyn KeptLog>) -> Policies {
        Policies { log, ..self }
    }

    /// Checks every policy's options for a `kind` prune ([`Policy::check`]).
    pub fn check(&self, kind: PruneKind) -> Result<(), PolicyError> {
        self.chain.iter().try_for_each(|policy| policy.check(kind))
    }

    /// `backends` with what the policies keep of a `kind` prune's objects hidden from the
    /// listing; the backends themselves when there are no policies. The caller holds the
    /// prune guard.
    pub(crate) fn narrow(
        &self,
        kind: PruneKind,
        backends: &Backends,
    ) -> Result<Backends, PruneError> {
        if self.chain.is_empty() {
            return Ok(backends.clone());
        }
        let (narrowed, kept) = match kind {
            PruneKind::Containers => narrow::containers(&self.chain, backends),
            PruneKind::Networks => narrow::networks(&self.chain, backends),
        }
        .map_err(PruneError::Policy)?;
        for kept in kept.iter() {
            self.log.kept(kept);
        }
        Ok(narrowed)
    }
}

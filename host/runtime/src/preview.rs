//! Prunes that preview or narrow their removals, and report progress: the options of
//! [`Pruner::prune_containers_with`](crate::Pruner::prune_containers_with) and
//! [`Pruner::prune_networks_with`](crate::Pruner::prune_networks_with), and what they return.
//!
//! The same rules run in every mode. The host checks each removal the rules ask for against
//! its own rules ([`invariants`](crate::invariants)) first, then, by the mode, has the backend
//! remove it ([`Mode::Remove`]), withholds it ([`Mode::DryRun`]) or removes it only if a plan
//! lists it as it still is ([`Mode::Apply`]).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::bindings::ContainerState;
use crate::plan::{Plan, PlannedObject, Scope};

/// What a prune does with the removals the rules ask for.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub enum Mode {
    /// Remove them: a prune as Docker's.
    #[default]
    Remove,
    /// Withhold them: each removal the host rules allow is reported to the rules as done, but
    /// the backend is never asked, and the prune's event is not logged. The report is what
    /// the prune would remove: a second removal of the same object gets the backend's "not
    /// found", as it would after a real removal. What the backend itself would refuse at
    /// removal time (a network a swarm service uses, an injected failure) cannot be known
    /// without asking it, so it is reported as removed.
    DryRun,
    /// Remove only the objects `plan` lists that are still as planned (same ID, kind, scope
    /// and creation time; a container not running, paused or restarting; a local network
    /// without endpoints). Any other removal is refused with a conflict error (not a plugin
    /// fault), so the prune removes a subset of the plan: those of its objects that the rules
    /// still select. The caller checks the plan first ([`Plan::check`]) and prunes with the
    /// plan's filters, to apply it as it was made.
    Apply(Arc<Plan>),
}

/// Called after each listing and each removal of a prune, on the prune's thread.
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// The options of one prune.
#[derive(Clone, Default)]
pub struct PruneOptions {
    /// What the prune does with the removals the rules ask for.
    pub mode: Mode,
    /// Told how the prune goes, if set.
    pub progress: Option<ProgressFn>,
}

impl fmt::Debug for PruneOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PruneOptions")
            .field("mode", &self.mode)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// How far a prune got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The objects listed so far that the prune may remove: containers not running, paused
    /// or restarting; local networks that are not predefined or config-only and have no
    /// endpoints; swarm networks other than ingress. In [`Mode::Apply`], the planned objects
    /// still as planned. The rules' filters may leave some of them.
    pub candidates: u64,
    /// The removals the backend answered so far (or, in a dry run, the host), whether they
    /// succeeded or not.
    pub done: u64,
    /// Of those, the objects removed (in a dry run: that would be).
    pub removed: u64,
    /// The bytes the removed containers' layers held.
    pub space_reclaimed: u64,
    /// The time since the prune started.
    pub elapsed: Duration,
}

/// A prune's report, with what it removed (or would remove) and, applying a plan, the planned
/// objects it left.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pruned<R> {
    /// The Engine API's report.
    pub report: R,
    /// In [`Mode::DryRun`] and [`Mode::Apply`], the objects removed (in a dry run: that would
    /// be), in the order of their removal, with the facts a plan records; empty in
    /// [`Mode::Remove`].
    pub removed: Vec<PlannedObject>,
    /// In [`Mode::Apply`], each planned object the prune did not remove, in the plan's order,
    /// with the reason.
    pub skipped: Vec<Skipped>,
}

/// A planned object an apply did not remove.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// The object as the plan lists it.
    pub object: PlannedObject,
    /// Why it was left.
    pub reason: SkipReason,
}

/// Why an apply left a planned object.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// The daemon does not list it any more.
    Gone,
    /// An object of the same ID was created at another time.
    Recreated {
        /// Its creation time now, as RFC 3339.
        created: String,
    },
    /// The network is listed in the other scope now.
    OtherScope(Scope),
    /// The container is running, paused or restarting now.
    Active(ContainerState),
    /// The local network has endpoints now.
    InUse(u32),
    /// The backend failed to remove it, with this message.
    Failed(String),
    /// The prune was cancelled before the rules asked to remove it.
    Cancelled,
    /// The rules did not ask to remove it (the rules or the object changed).
    NotSelected,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::Gone => f.write_str("the daemon no longer lists it"),
            SkipReason::Recreated { created } => {
                write!(f, "it was re-created: it is from {created} now")
            }
            SkipReason::OtherScope(scope) => write!(f, "it is a {scope} network now"),
            SkipReason::Active(state) => {
                let word = pruner_guest::model::ContainerState::from(*state).word();
                write!(f, "it is {word} now")
            }
            SkipReason::InUse(1) => f.write_str("it has 1 endpoint now"),
            SkipReason::InUse(endpoints) => write!(f, "it has {endpoints} endpoints now"),
            SkipReason::Failed(message) => write!(f, "its removal failed: {message}"),
            SkipReason::Cancelled => f.write_str("the prune was cancelled before it"),
            SkipReason::NotSelected => f.write_str("the rules no longer select it"),
        }
    }
}

//! The host's side of [`PruneOptions`] during one prune: each removal the host rules allowed
//! is carried out, withheld or narrowed to the plan by the [`Mode`], the progress callback is
//! told, and at the end the prune's [`Pruned`] lists what was removed and what was skipped.
//!
//! In [`Mode::Remove`] without a progress callback nothing is kept: a prune costs what it did.

use std::time::Instant;

use chrono::DateTime;
use foldhash::{HashMap, HashMapExt};

use crate::bindings::{ClusterNetwork, Container, ContainerState, Error, Network, Timestamp};
use crate::error::PruneError;
use crate::invariants::{self, PREDEFINED_NETWORKS, PruneKind};
use crate::plan::{Plan, PlannedContainer, PlannedNetwork, PlannedObject, Scope};
use crate::preview::{Mode, Progress, ProgressFn, PruneOptions, Pruned, SkipReason, Skipped};

/// What one prune does with its removals, and what it noted of them.
pub struct Removals {
    handling: Handling,
    /// In a dry run and an apply, the objects removed (or that would be), in order.
    removed: Vec<PlannedObject>,
    tracker: Option<Tracker>,
}

/// The mode, with what it needs to know of the listing.
enum Handling {
    Remove,
    /// Every listed object by ID, and whether its removal was withheld already.
    DryRun(HashMap<String, (PlannedObject, bool)>),
    /// The plan's objects of this prune, in its order, each with its fate, and their
    /// indexes by ID.
    Apply(Vec<(PlannedObject, Fate)>, HashMap<String, usize>),
}

/// What became of a planned object.
enum Fate {
    /// Not listed (yet).
    Unlisted,
    /// Listed, but not as planned: its removal is refused.
    Refused(SkipReason),
    /// Listed as planned, with its facts now; its removal is allowed.
    Admitted {
        now: PlannedObject,
        removed: bool,
        failed: Option<String>,
    },
}

/// The progress callback and the counts it is given.
struct Tracker {
    callback: ProgressFn,
    started: Instant,
    progress: Progress,
}

impl Removals {
    /// The removals of a `kind` prune with `options`.
    pub fn new(kind: PruneKind, options: &PruneOptions) -> Removals {
        let handling = match &options.mode {
            Mode::Remove => Handling::Remove,
            Mode::DryRun => Handling::DryRun(HashMap::new()),
            Mode::Apply(plan) => {
                let planned: Vec<_> = Plan::objects(plan)
                    .into_iter()
                    .filter(|_| plan.prune == kind)
                    .map(|object| (object, Fate::Unlisted))
                    .collect();
                let index = planned
                    .iter()
                    .enumerate()
                    .map(|(i, (object, _))| (object.id().to_string(), i))
                    .collect();
                Handling::Apply(planned, index)
            }
        };
        Removals {
            handling,
            removed: Vec::new(),
            tracker: options.progress.clone().map(|callback| Tracker {
                callback,
                started: Instant::now(),
                progress: Progress {
                    candidates: 0,
                    done: 0,
                    removed: 0,
                    space_reclaimed: 0,
                    elapsed: Default::default(),
                },
            }),
        }
    }

    /// Whether the prune's event is withheld (a dry run).
    pub fn withholds_events(&self) -> bool {
        matches!(self.handling, Handling::DryRun(_))
    }

    /// Notes the containers the backend listed.
    pub fn listed_containers(&mut self, containers: &[Container]) {
        if self.keeps_nothing() {
            return;
        }
        for container in containers {
            let candidate = !is_active(container.state);
            self.listed(&container.id, candidate, 0, || {
                PlannedObject::Container(PlannedContainer {
                    id: container.id.clone(),
                    name: container.names.first().cloned().unwrap_or_default(),
                    created: time(container.created),
                    state: container.state,
                })
            });
        }
    }

    /// Notes the local networks the backend listed.
    pub fn listed_networks(&mut self, networks: &[Network]) {
        if self.keeps_nothing() {
            return;
        }
        for network in networks {
            let candidate = !network.config_only
                && network.endpoints == 0
                && !PREDEFINED_NETWORKS.contains(&network.name.as_str());
            self.listed(&network.id, candidate, network.endpoints, || {
                network_facts(&network.id, &network.name, network.created, Scope::Local)
            });
        }
    }

    /// Notes the swarm networks the backend listed.
    pub fn listed_cluster_networks(&mut self, networks: &[ClusterNetwork]) {
        if self.keeps_nothing() {
            return;
        }
        for network in networks {
            let candidate =
                !network.ingress && !PREDEFINED_NETWORKS.contains(&network.name.as_str());
            self.listed(&network.id, candidate, 0, || {
                network_facts(&network.id, &network.name, network.created, Scope::Swarm)
            });
        }
    }

    /// Whether the listing matters to nothing: a prune without a progress callback.
    fn keeps_nothing(&self) -> bool {
        matches!(self.handling, Handling::Remove) && self.tracker.is_none()
    }

    /// Notes one listed object, `id`, which the prune may remove if `candidate`, with
    /// `endpoints` attached; `facts` gives its facts now, if they are needed.
    fn listed(
        &mut self,
        id: &str,
        candidate: bool,
        endpoints: u32,
        facts: impl FnOnce() -> PlannedObject,
    ) {
        let candidate = match &mut self.handling {
            Handling::Remove => candidate,
            Handling::DryRun(listed) => {
                listed
                    .entry(id.to_string())
                    .or_insert_with(|| (facts(), false));
                candidate
            }
            Handling::Apply(planned, index) => {
                let Some((planned, fate)) = index.get(id).map(|&i| &mut planned[i]) else {
                    return;
                };
                let now = facts();
                *fate = match changed(planned, &now, endpoints) {
                    Some(reason) => Fate::Refused(reason),
                    None => Fate::Admitted {
                        now,
                        removed: false,
                        failed: None,
                    },
                };
                matches!(fate, Fate::Admitted { .. })
            }
        };
        if let Some(tracker) = &mut self.tracker {
            tracker.progress.candidates += u64::from(candidate);
        }
    }

    /// Carries out the removal of the `kind` object `id` (`container` or `network`), which the
    /// host rules allowed, by the mode: `backend` removes it.
    pub fn remove(
        &mut self,
        kind: &str,
        id: &str,
        backend: impl FnOnce() -> Result<(), Error>,
    ) -> Result<(), Error> {
        let (result, counted) = match &mut self.handling {
            Handling::Remove => (backend(), true),
            Handling::DryRun(listed) => match listed.get_mut(id) {
                Some((facts, withheld)) if !*withheld => {
                    *withheld = true;
                    self.removed.push(facts.clone());
                    (Ok(()), true)
                }
                // What the backend would answer once the object is gone.
                _ if kind == "container" => (Err(invariants::no_such_container(id)), true),
                _ => (Err(invariants::no_such_network(id)), true),
            },
            Handling::Apply(planned, index) => match index.get(id).map(|&i| &mut planned[i].1) {
                None | Some(Fate::Unlisted) => (
                    Err(Error::Conflict(format!(
                        "{kind} {id} is not in the plan being applied"
                    ))),
                    false,
                ),
                Some(Fate::Refused(reason)) => (
                    Err(Error::Conflict(format!(
                        "{kind} {id} is not as planned: {reason}"
                    ))),
                    false,
                ),
                Some(Fate::Admitted {
                    now,
                    removed,
                    failed,
                }) => {
                    let result = backend();
                    match &result {
                        Ok(()) => {
                            *removed = true;
                            self.removed.push(now.clone());
                        }
                        Err(err) => {
                            *failed = Some(PruneError::Daemon(err.clone().into()).to_string())
                        }
                    }
                    (result, true)
                }
            },
        };
        if let Some(tracker) = &mut self.tracker {
            tracker.progress.done += u64::from(counted);
            tracker.progress.removed += u64::from(counted && result.is_ok());
        }
        result
    }

    /// Tells the progress callback how far the prune got, `space_reclaimed` bytes so far.
    pub fn progressed(&mut self, space_reclaimed: u64) {
        if let Some(tracker) = &mut self.tracker {
            tracker.progress.space_reclaimed = space_reclaimed;
            tracker.progress.elapsed = tracker.started.elapsed();
            (tracker.callback)(&tracker.progress);
        }
    }

    /// The prune's report with what was removed and, applying a plan, what was skipped (the
    /// objects the rules did not ask for are `cancelled` ones if the prune was cancelled).
    pub fn finish<R>(&mut self, report: R, cancelled: bool) -> Pruned<R> {
        let skipped = match &self.handling {
            Handling::Apply(planned, _) => planned
                .iter()
                .filter_map(|(object, fate)| {
                    let reason = match fate {
                        Fate::Unlisted => SkipReason::Gone,
                        Fate::Refused(reason) => reason.clone(),
                        Fate::Admitted { removed: true, .. } => return None,
                        Fate::Admitted {
                            failed: Some(message),
                            ..
                        } => SkipReason::Failed(message.clone()),
                        Fate::Admitted { .. } if cancelled => SkipReason::Cancelled,
                        Fate::Admitted { .. } => SkipReason::NotSelected,
                    };
                    Some(Skipped {
                        object: object.clone(),
                        reason,
                    })
                })
                .collect(),
            _ => Vec::new(),
        };
        Pruned {
            report,
            removed: std::mem::take(&mut self.removed),
            skipped,
        }
    }
}

/// Why `now` is not the object `planned` describes any more, if it is not; `endpoints` are
/// those of a local network now.
fn changed(planned: &PlannedObject, now: &PlannedObject, endpoints: u32) -> Option<SkipReason> {
    match (planned, now) {
        (PlannedObject::Container(planned), PlannedObject::Container(now)) => {
            if planned.created != now.created {
                return Some(recreated(now.created));
            }
            is_active(now.state).then_some(SkipReason::Active(now.state))
        }
        (PlannedObject::Network(planned), PlannedObject::Network(now)) => {
            if planned.scope != now.scope {
                return Some(SkipReason::OtherScope(now.scope));
            }
            if planned.created != now.created {
                return Some(recreated(now.created));
            }
            (endpoints > 0).then_some(SkipReason::InUse(endpoints))
        }
        _ => Some(SkipReason::Gone),
    }
}

fn recreated(created: chrono::DateTime<chrono::Utc>) -> SkipReason {
    SkipReason::Recreated {
        created: created.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
    }
}

/// A container a prune never removes.
fn is_active(state: ContainerState) -> bool {
    matches!(
        state,
        ContainerState::Running | ContainerState::Paused | ContainerState::Restarting
    )
}

fn network_facts(id: &str, name: &str, created: Timestamp, scope: Scope) -> PlannedObject {
    PlannedObject::Network(PlannedNetwork {
        id: id.to_string(),
        name: name.to_string(),
        created: time(created),
        scope,
    })
}

/// A component timestamp as a time (the epoch for one chrono cannot represent).
fn time(timestamp: Timestamp) -> chrono::DateTime<chrono::Utc> {
    DateTime::from_timestamp(timestamp.seconds, timestamp.nanoseconds).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::bindings::Label;
    use crate::filters::Filters;
    use crate::plan::BackendIdentity;

    fn at(seconds: i64) -> Timestamp {
        Timestamp {
            seconds,
            nanoseconds: 0,
        }
    }

    fn container(id: &str, state: ContainerState, created: i64) -> Container {
        Container {
            id: id.to_string(),
            names: vec![format!("name-{id}")],
            created: at(created),
            state,
            labels: vec![Label {
                key: "k".to_string(),
                value: String::new(),
            }],
        }
    }

    fn network(id: &str, endpoints: u32) -> Network {
        Network {
            id: id.to_string(),
            name: format!("name-{id}"),
            created: at(100),
            labels: Vec::new(),
            config_only: false,
            endpoints,
        }
    }

    fn planned_container(id: &str, created: i64) -> PlannedObject {
        PlannedObject::Container(PlannedContainer {
            id: id.to_string(),
            name: format!("name-{id}"),
            created: time(at(created)),
            state: ContainerState::Exited,
        })
    }

    fn planned_network(id: &str, scope: Scope) -> PlannedObject {
        PlannedObject::Network(PlannedNetwork {
            id: id.to_string(),
            name: format!("name-{id}"),
            created: time(at(100)),
            scope,
        })
    }

    fn apply(kind: PruneKind, objects: &[PlannedObject]) -> PruneOptions {
        let backend = BackendIdentity {
            kind: "test".to_string(),
            id: "1".to_string(),
        };
        let plan = Plan::new(
            kind,
            backend,
            DateTime::UNIX_EPOCH,
            &Filters::new(),
            objects,
        );
        PruneOptions {
            mode: Mode::Apply(Arc::new(plan)),
            progress: None,
        }
    }

    /// A backend removal that must not happen.
    fn never() -> Result<(), Error> {
        panic!("the backend was asked to remove")
    }

    #[test]
    fn a_dry_run_withholds_each_removal_once_and_then_answers_as_the_backend_would() {
        let options = PruneOptions {
            mode: Mode::DryRun,
            progress: None,
        };
        let mut removals = Removals::new(PruneKind::Containers, &options);
        removals.listed_containers(&[container("a", ContainerState::Exited, 10)]);
        assert!(removals.withholds_events());
        assert_eq!(removals.remove("container", "a", never), Ok(()));
        assert_eq!(
            removals.remove("container", "a", never),
            Err(Error::NotFound("No such container: a".to_string()))
        );
        let pruned = removals.finish("report", false);
        assert_eq!(pruned.removed, [planned_container("a", 10)]);
        assert_eq!(pruned.skipped, []);
    }

    #[test]
    fn a_dry_run_of_networks_answers_a_second_removal_with_docker_s_not_found() {
        let options = PruneOptions {
            mode: Mode::DryRun,
            progress: None,
        };
        let mut removals = Removals::new(PruneKind::Networks, &options);
        removals.listed_networks(&[network("n", 0)]);
        assert_eq!(removals.remove("network", "n", never), Ok(()));
        assert_eq!(
            removals.remove("network", "n", never),
            Err(Error::NotFound("network n not found".to_string()))
        );
        assert_eq!(
            removals.finish((), false).removed,
            [planned_network("n", Scope::Local)]
        );
    }

    #[test]
    fn an_apply_removes_only_planned_objects_still_as_planned_and_says_why_it_left_the_others() {
        let options = apply(
            PruneKind::Containers,
            &[
                planned_container("removed", 10),
                planned_container("running", 10),
                planned_container("recreated", 10),
                planned_container("failing", 10),
                planned_container("unasked", 10),
                planned_container("gone", 10),
            ],
        );
        let mut removals = Removals::new(PruneKind::Containers, &options);
        removals.listed_containers(&[
            container("removed", ContainerState::Exited, 10),
            container("running", ContainerState::Running, 10),
            container("recreated", ContainerState::Exited, 11),
            container("failing", ContainerState::Dead, 10),
            container("unasked", ContainerState::Created, 10),
            container("unplanned", ContainerState::Exited, 10),
        ]);
        assert!(!removals.withholds_events());
        assert_eq!(removals.remove("container", "removed", || Ok(())), Ok(()));
        assert_eq!(
            removals.remove("container", "recreated", never),
            Err(Error::Conflict(
                "container recreated is not as planned: it was re-created: it is from \
                 1970-01-01T00:00:11Z now"
                    .to_string()
            ))
        );
        assert_eq!(
            removals.remove("container", "unplanned", never),
            Err(Error::Conflict(
                "container unplanned is not in the plan being applied".to_string()
            ))
        );
        let failure = Error::System("disk on fire".to_string());
        assert_eq!(
            removals.remove("container", "failing", || Err(failure.clone())),
            Err(failure)
        );

        let pruned = removals.finish((), false);
        let reason = |id: &str| {
            pruned
                .skipped
                .iter()
                .find(|skipped| skipped.object.id() == id)
                .map(|skipped| skipped.reason.to_string())
        };
        assert_eq!(pruned.removed, [planned_container("removed", 10)]);
        let ids: Vec<&str> = pruned.skipped.iter().map(|s| s.object.id()).collect();
        assert_eq!(ids, ["running", "recreated", "failing", "unasked", "gone"]);
        assert_eq!(reason("running").as_deref(), Some("it is running now"));
        assert_eq!(
            reason("recreated").as_deref(),
            Some("it was re-created: it is from 1970-01-01T00:00:11Z now")
        );
        assert_eq!(
            reason("failing").as_deref(),
            Some("its removal failed: disk on fire")
        );
        assert_eq!(
            reason("unasked").as_deref(),
            Some("the rules no longer select it")
        );
        assert_eq!(
            reason("gone").as_deref(),
            Some("the daemon no longer lists it")
        );
    }

    #[test]
    fn an_apply_of_networks_leaves_those_in_use_or_in_the_other_scope_now() {
        let options = apply(
            PruneKind::Networks,
            &[
                planned_network("busy", Scope::Local),
                planned_network("moved", Scope::Local),
                planned_network("late", Scope::Swarm),
            ],
        );
        let mut removals = Removals::new(PruneKind::Networks, &options);
        removals.listed_cluster_networks(&[ClusterNetwork {
            id: "moved".to_string(),
            name: "name-moved".to_string(),
            created: at(100),
            labels: Vec::new(),
            ingress: false,
        }]);
        removals.listed_cluster_networks(&[ClusterNetwork {
            id: "late".to_string(),
            name: "name-late".to_string(),
            created: at(100),
            labels: Vec::new(),
            ingress: false,
        }]);
        removals.listed_networks(&[network("busy", 2)]);
        let skipped: Vec<String> = removals
            .finish((), true)
            .skipped
            .iter()
            .map(|s| format!("{}: {}", s.object.id(), s.reason))
            .collect();
        assert_eq!(
            skipped,
            [
                "busy: it has 2 endpoints now",
                "moved: it is a swarm network now",
                "late: the prune was cancelled before it",
            ]
        );
    }

    #[test]
    fn a_container_plan_removes_nothing_in_a_network_prune() {
        let options = apply(PruneKind::Containers, &[planned_container("a", 10)]);
        let mut removals = Removals::new(PruneKind::Networks, &options);
        removals.listed_networks(&[network("a", 0)]);
        assert_eq!(
            removals.remove("network", "a", never),
            Err(Error::Conflict(
                "network a is not in the plan being applied".to_string()
            ))
        );
        assert_eq!(removals.finish((), false).skipped, []);
    }

    #[test]
    fn progress_counts_the_candidates_listed_and_the_removals_answered() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        let options = PruneOptions {
            mode: Mode::Remove,
            progress: Some(Arc::new(move |progress: &Progress| {
                let Progress {
                    candidates,
                    done,
                    removed,
                    space_reclaimed,
                    ..
                } = *progress;
                record
                    .lock()
                    .unwrap()
                    .push((candidates, done, removed, space_reclaimed));
            })),
        };
        let mut removals = Removals::new(PruneKind::Containers, &options);
        removals.listed_containers(&[
            container("a", ContainerState::Exited, 10),
            container("b", ContainerState::Paused, 10),
            container("c", ContainerState::Dead, 10),
        ]);
        removals.progressed(0);
        let _ = removals.remove("container", "a", || Ok(()));
        removals.progressed(100);
        let _ = removals.remove("container", "c", || Err(Error::System("no".to_string())));
        removals.progressed(100);
        assert_eq!(
            *seen.lock().unwrap(),
            [(2, 0, 0, 0), (2, 1, 1, 100), (2, 2, 1, 100)]
        );
    }
}

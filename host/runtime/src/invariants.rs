//! The rules the host enforces around the backends, whatever the plugin asks: a prune never
//! removes a running, paused or restarting container, a predefined network, the swarm's ingress
//! network, an object of the other kind, or an ID the backend did not list in this prune; and
//! it never reports, or logs an event for, more than it removed: its one `prune` event carries
//! its report's figure in canonical decimal. Each listed container is sized at most once per
//! prune: a repeated `layer-size` gets the backend's first answer.
//!
//! A removal that breaks a rule is refused on the spot with Docker's text for it (the plugin
//! sees the error a daemon would give), an event that breaks one is dropped, and either way the
//! prune then fails with [`PluginFault::Violation`](crate::fault::PluginFault::Violation) naming
//! the first rule broken, even if the plugin carried on and returned a report. What the plugin
//! removed within the rules stays removed. The built-in component never breaks a rule.

use std::fmt;

use foldhash::{HashMap, HashMapExt};
use pruner_state::escape::excerpt;
use pruner_state::refusals;

use crate::bindings::{
    ClusterNetwork, Container, ContainerPruneReport, ContainerState, Error, Event, Network,
    NetworkPruneReport,
};

pub use pruner_state::refusals::PREDEFINED_NETWORKS;

/// The prune a ledger belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PruneKind {
    /// `POST /containers/prune`.
    Containers,
    /// `POST /networks/prune`.
    Networks,
}

impl PruneKind {
    /// The event type of this prune's objects.
    fn event_type(self) -> &'static str {
        match self {
            PruneKind::Containers => "container",
            PruneKind::Networks => "network",
        }
    }
}

/// How many characters of an ID, name or event field a violation quotes (escaped): a full
/// 64-hex ID; a longer text is cut.
const QUOTED_CHARS: usize = 64;

/// A host rule a plugin broke. `Display` completes "prune plugin broke a host rule: …", quoting
/// what the plugin supplied escaped and at most 64 characters of it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Violation {
    /// It tried to remove a container that was running, paused or restarting when listed.
    ActiveContainer {
        /// The container's ID.
        id: String,
        /// Its state when the backend listed it.
        state: ContainerState,
    },
    /// It tried to remove a container the backend did not list in this prune.
    UnlistedContainer(String),
    /// It tried to remove one of Docker's predefined networks.
    PredefinedNetwork(String),
    /// It tried to remove the swarm's ingress network.
    IngressNetwork(String),
    /// It tried to remove a network the backend did not list in this prune.
    UnlistedNetwork(String),
    /// It tried to remove an object of the other kind (a network during container prune, or
    /// the reverse).
    OtherKind {
        /// The prune it was asked for.
        prune: PruneKind,
        /// The ID of the object.
        id: String,
    },
    /// It reported as deleted a container ID or network name it did not remove (or more times
    /// than it removed it).
    Unremoved(String),
    /// It reported more space reclaimed than the layers of the containers it removed held.
    SpaceOverstated {
        /// What it reported, in bytes.
        reported: u64,
        /// What the removed containers' layers held, as the backend measured them.
        removed: u64,
    },
    /// It logged an event other than its prune's one `prune` event, or a prune event whose
    /// `reclaimed` is not a canonical decimal (`0`, `1000`; not `+0` or `01000`) or claims more
    /// than it removed.
    ForgedEvent {
        /// The event's type and action, e.g. `container destroy`.
        event: String,
        /// The event's `reclaimed` attribute, if any.
        reclaimed: Option<String>,
    },
    /// Its `prune` event's `reclaimed` differs from the space its report says it reclaimed.
    EventDisagrees {
        /// The event's figure, in bytes.
        logged: u64,
        /// The report's, in bytes.
        reported: u64,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quoted = |text: &str| excerpt(text, QUOTED_CHARS);
        match self {
            Violation::ActiveContainer { id, state } => {
                write!(
                    f,
                    "it tried to remove container {}, which is {}",
                    quoted(id),
                    pruner_guest::model::ContainerState::from(*state).word()
                )
            }
            Violation::UnlistedContainer(id) => write!(
                f,
                "it tried to remove container {}, which the backend did not list in this prune",
                quoted(id)
            ),
            Violation::PredefinedNetwork(name) => {
                write!(
                    f,
                    "it tried to remove the predefined network {}",
                    quoted(name)
                )
            }
            Violation::IngressNetwork(name) => write!(
                f,
                "it tried to remove the swarm's ingress network {}",
                quoted(name)
            ),
            Violation::UnlistedNetwork(id) => write!(
                f,
                "it tried to remove network {}, which the backend did not list in this prune",
                quoted(id)
            ),
            Violation::OtherKind {
                prune: PruneKind::Containers,
                id,
            } => write!(
                f,
                "it tried to remove network {} during a container prune",
                quoted(id)
            ),
            Violation::OtherKind {
                prune: PruneKind::Networks,
                id,
            } => write!(
                f,
                "it tried to remove container {} during a network prune",
                quoted(id)
            ),
            Violation::Unremoved(what) => {
                write!(
                    f,
                    "it reported {} as deleted but did not remove it",
                    quoted(what)
                )
            }
            Violation::SpaceOverstated { reported, removed } => write!(
                f,
                "it reported {reported} bytes reclaimed but the containers it removed held \
                 {removed}"
            ),
            Violation::ForgedEvent { event, reclaimed } => {
                write!(f, "it logged a `{}` event", quoted(event))?;
                if let Some(reclaimed) = reclaimed {
                    write!(f, " claiming {} bytes reclaimed", quoted(reclaimed))?;
                }
                f.write_str(
                    "; a plugin may log only its prune's own `prune` event, once, with its \
                     reclaimed bytes in canonical decimal",
                )
            }
            Violation::EventDisagrees { logged, reported } => write!(
                f,
                "its `prune` event claimed {logged} bytes reclaimed but its report {reported}"
            ),
        }
    }
}

/// A container the backend listed in this prune, keyed by its ID in the ledger.
#[derive(Debug)]
struct ListedContainer {
    /// Its state when listed.
    state: ContainerState,
    /// Its layer size as the backend measured it, once measured.
    layer: Option<i64>,
    /// How many times the backend removed it.
    removed: usize,
    /// The order of its first removal among the prune's container removals.
    removal: usize,
}

impl ListedContainer {
    /// The bytes its removal reclaims: its layer's size as measured, 0 if unknown.
    fn reclaimable(&self) -> u64 {
        self.layer.unwrap_or(0).max(0).unsigned_abs()
    }
}

/// What the backends listed and removed during one prune, and the first rule the plugin broke.
/// Maps use foldhash: they are filled with every object listed, so hashing dominates their
/// cost, and their keys come from the backend, not from the plugin.
#[derive(Debug)]
pub struct Ledger {
    kind: PruneKind,
    containers: HashMap<String, ListedContainer>,
    /// The listed containers whose sizing failed, with the backend's error.
    size_failures: HashMap<String, Error>,
    /// How many container removals the backends made.
    container_removals: usize,
    networks: HashMap<String, String>,
    cluster_networks: HashMap<String, (String, bool)>,
    /// Each removed network name, with how many times a network of that name was removed.
    removed_networks: HashMap<String, usize>,
    /// The removed networks' names, in the order of removal.
    network_removals: Vec<String>,
    /// The sum of the positive layer sizes of the removed containers.
    reclaimable: u64,
    /// The `reclaimed` figure of the prune event the plugin logged, once it logged one.
    prune_event: Option<u64>,
    violation: Option<Violation>,
}

impl Ledger {
    /// An empty ledger for a prune of `kind`.
    pub fn new(kind: PruneKind) -> Ledger {
        Ledger {
            kind,
            containers: HashMap::new(),
            size_failures: HashMap::new(),
            container_removals: 0,
            networks: HashMap::new(),
            cluster_networks: HashMap::new(),
            removed_networks: HashMap::new(),
            network_removals: Vec::new(),
            reclaimable: 0,
            prune_event: None,
            violation: None,
        }
    }

    /// The first rule the plugin broke, if it broke one.
    pub fn violation(&self) -> Option<&Violation> {
        self.violation.as_ref()
    }

    /// Notes the containers the backend listed.
    pub fn listed_containers(&mut self, containers: &[Container]) {
        self.containers.reserve(containers.len());
        for container in containers {
            self.containers
                .entry(container.id.clone())
                .and_modify(|listed| listed.state = container.state)
                .or_insert(ListedContainer {
                    state: container.state,
                    layer: None,
                    removed: 0,
                    removal: 0,
                });
        }
    }

    /// What the backend answered when it sized listed container `id` earlier in this prune:
    /// a listed container is sized at most once per prune, and a repeated `layer-size` gets
    /// the same answer without asking the backend again. `None` if it was not sized yet, or
    /// was not listed.
    pub fn measured(&self, id: &str) -> Option<Result<i64, Error>> {
        let layer = self.containers.get(id)?.layer;
        layer
            .map(Ok)
            .or_else(|| self.size_failures.get(id).cloned().map(Err))
    }

    /// Notes what the backend answered when it sized container `id`.
    pub fn measured_layer(&mut self, id: &str, size: &Result<i64, Error>) {
        let Some(container) = self.containers.get_mut(id) else {
            return;
        };
        match size {
            Ok(size) => container.layer = Some(*size),
            Err(err) => drop(self.size_failures.insert(id.to_string(), err.clone())),
        }
    }

    /// The bytes the layers of the containers removed so far held.
    pub fn reclaimable(&self) -> u64 {
        self.reclaimable
    }

    /// Notes the local networks the backend listed.
    pub fn listed_networks(&mut self, networks: &[Network]) {
        for network in networks {
            self.networks
                .insert(network.id.clone(), network.name.clone());
        }
    }

    /// Notes the swarm networks the backend listed.
    pub fn listed_cluster_networks(&mut self, networks: &[ClusterNetwork]) {
        for network in networks {
            self.cluster_networks
                .insert(network.id.clone(), (network.name.clone(), network.ingress));
        }
    }

    /// Whether the plugin may remove container `id`; if not, the rule is recorded and Docker's
    /// error for it returned.
    pub fn check_container_removal(&mut self, id: &str) -> Result<(), Error> {
        if self.kind != PruneKind::Containers {
            return self.refuse(
                Violation::OtherKind {
                    prune: self.kind,
                    id: id.to_string(),
                },
                Error::Forbidden("network prune cannot remove containers".to_string()),
            );
        }
        let Some(state) = self.containers.get(id).map(|container| container.state) else {
            return self.refuse(
                Violation::UnlistedContainer(id.to_string()),
                no_such_container(id),
            );
        };
        let Some(refusal) = refusals::active_container(state.into(), id) else {
            return Ok(());
        };
        self.refuse(
            Violation::ActiveContainer {
                id: id.to_string(),
                state,
            },
            refusal.into(),
        )
    }

    /// Notes that the backend removed container `id`, which
    /// [`check_container_removal`](Self::check_container_removal) allowed.
    pub fn removed_container(&mut self, id: &str) {
        if let Some(container) = self.containers.get_mut(id) {
            if container.removed == 0 {
                container.removal = self.container_removals;
            }
            container.removed += 1;
            self.container_removals += 1;
            self.reclaimable = self.reclaimable.saturating_add(container.reclaimable());
        }
    }

    /// Whether the plugin may remove local network `id`; if not, the rule is recorded and
    /// Docker's error for it returned. On success, the network's name.
    pub fn check_network_removal(&mut self, id: &str) -> Result<String, Error> {
        self.same_kind_network(id)?;
        let Some(name) = self.networks.get(id).cloned() else {
            return self.refuse(
                Violation::UnlistedNetwork(id.to_string()),
                no_such_network(id),
            );
        };
        self.not_predefined(&name)?;
        Ok(name)
    }

    /// Whether the plugin may remove swarm network `id`; if not, the rule is recorded and
    /// Docker's error for it returned. On success, the network's name.
    pub fn check_cluster_network_removal(&mut self, id: &str) -> Result<String, Error> {
        self.same_kind_network(id)?;
        let Some((name, ingress)) = self.cluster_networks.get(id).cloned() else {
            return self.refuse(
                Violation::UnlistedNetwork(id.to_string()),
                no_such_network(id),
            );
        };
        self.not_predefined(&name)?;
        if ingress {
            return self.refuse(
                Violation::IngressNetwork(name.clone()),
                Error::Forbidden(format!(
                    "{name} is the swarm's ingress network and cannot be pruned"
                )),
            );
        }
        Ok(name)
    }

    /// Notes that the backend removed the network named `name`.
    pub fn removed_network(&mut self, name: String) {
        *self.removed_networks.entry(name.clone()).or_default() += 1;
        self.network_removals.push(name);
    }

    /// The report of what the backends removed in this container prune, in the order of
    /// removal: the report of a prune interrupted after its cancellation.
    pub fn container_report(&self) -> ContainerPruneReport {
        let mut removed: Vec<(&String, &ListedContainer)> = self
            .containers
            .iter()
            .filter(|(_, container)| container.removed > 0)
            .collect();
        removed.sort_by_key(|(_, container)| container.removal);
        let space_reclaimed = removed
            .iter()
            .map(|(_, container)| container.reclaimable())
            .fold(0, u64::saturating_add);
        ContainerPruneReport {
            containers_deleted: removed.into_iter().map(|(id, _)| id.clone()).collect(),
            space_reclaimed,
        }
    }

    /// The report of what the backends removed in this network prune, in the order of removal:
    /// the report of a prune interrupted after its cancellation.
    pub fn network_report(&self) -> NetworkPruneReport {
        NetworkPruneReport {
            networks_deleted: self.network_removals.clone(),
        }
    }

    /// Whether the plugin may log `event`: only its prune's `prune` event, once, with no actor
    /// and a `reclaimed` attribute in canonical decimal no larger than what it removed. A forged
    /// event is recorded.
    pub fn check_event(&mut self, event: &Event) -> bool {
        let reclaimed = event
            .attributes
            .iter()
            .find(|label| label.key == "reclaimed")
            .map(|label| label.value.clone());
        let honest_reclaimed = reclaimed
            .as_deref()
            .and_then(canonical_decimal)
            .filter(|&bytes| bytes <= self.reclaimable);
        let allowed = event.kind == self.kind.event_type()
            && event.action == "prune"
            && event.actor_id.is_empty()
            && event.attributes.len() == 1
            && self.prune_event.is_none();
        match honest_reclaimed {
            Some(bytes) if allowed => {
                self.prune_event = Some(bytes);
                true
            }
            _ => {
                self.record(Violation::ForgedEvent {
                    event: format!("{} {}", event.kind, event.action),
                    reclaimed,
                });
                false
            }
        }
    }

    /// Checks a container report: every ID removed in this prune (at most as often as it was
    /// removed) and no more space than the removed layers held.
    pub fn check_container_report<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a str>,
        space_reclaimed: u64,
    ) -> Result<(), Violation> {
        check_reported(ids, |id| {
            self.containers
                .get(id)
                .map_or(0, |container| container.removed)
        })?;
        if space_reclaimed > self.reclaimable {
            return Err(Violation::SpaceOverstated {
                reported: space_reclaimed,
                removed: self.reclaimable,
            });
        }
        match self.prune_event {
            Some(logged) if logged != space_reclaimed => Err(Violation::EventDisagrees {
                logged,
                reported: space_reclaimed,
            }),
            _ => Ok(()),
        }
    }

    /// Checks a network report: every name removed in this prune, at most as often as
    /// networks of that name were removed.
    pub fn check_network_report<'a>(
        &self,
        names: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), Violation> {
        check_reported(names, |name| {
            self.removed_networks.get(name).copied().unwrap_or(0)
        })
    }

    fn same_kind_network(&mut self, id: &str) -> Result<(), Error> {
        if self.kind == PruneKind::Networks {
            return Ok(());
        }
        self.refuse(
            Violation::OtherKind {
                prune: self.kind,
                id: id.to_string(),
            },
            Error::Forbidden("container prune cannot remove networks".to_string()),
        )
    }

    fn not_predefined(&mut self, name: &str) -> Result<(), Error> {
        if !PREDEFINED_NETWORKS.contains(&name) {
            return Ok(());
        }
        self.refuse(
            Violation::PredefinedNetwork(name.to_string()),
            refusals::predefined_network(name).into(),
        )
    }

    fn refuse<T>(&mut self, violation: Violation, error: Error) -> Result<T, Error> {
        self.record(violation);
        Err(error)
    }

    fn record(&mut self, violation: Violation) {
        self.violation.get_or_insert(violation);
    }
}

/// The number `text` writes in canonical decimal (`0`, `1000`), as Docker writes `reclaimed`;
/// none for anything else (`+0`, `01000`, ` 1`, a number past `u64`).
fn canonical_decimal(text: &str) -> Option<u64> {
    text.parse::<u64>()
        .ok()
        .filter(|number| number.to_string() == text)
}

/// An unknown container ID, in the bindings' words.
pub(crate) fn no_such_container(id: &str) -> Error {
    refusals::no_such_container(id).into()
}

/// An unknown network ID, in the bindings' words.
pub(crate) fn no_such_network(id: &str) -> Error {
    refusals::no_such_network(id).into()
}

/// Checks that each reported entry was removed at least as many times as it is reported,
/// `removals` giving how many times an entry was removed.
fn check_reported<'a>(
    entries: impl IntoIterator<Item = &'a str>,
    removals: impl Fn(&str) -> usize,
) -> Result<(), Violation> {
    let mut reported: HashMap<&str, usize> = HashMap::new();
    for entry in entries {
        let count = reported.entry(entry).or_default();
        *count += 1;
        if *count > removals(entry) {
            return Err(Violation::Unremoved(entry.to_string()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::{Label, Timestamp};

    fn container(id: &str, state: ContainerState) -> Container {
        Container {
            id: id.to_string(),
            names: Vec::new(),
            created: Timestamp {
                seconds: 0,
                nanoseconds: 0,
            },
            state,
            labels: Vec::new(),
        }
    }

    fn prune_event(kind: &str, reclaimed: &str) -> Event {
        Event {
            kind: kind.to_string(),
            action: "prune".to_string(),
            actor_id: String::new(),
            attributes: vec![Label {
                key: "reclaimed".to_string(),
                value: reclaimed.to_string(),
            }],
        }
    }

    /// A container prune that listed `a` (100 bytes) and removed it.
    fn removed_a() -> Ledger {
        let mut ledger = Ledger::new(PruneKind::Containers);
        ledger.listed_containers(&[container("a", ContainerState::Exited)]);
        ledger.measured_layer("a", &Ok(100));
        assert_eq!(ledger.check_container_removal("a"), Ok(()));
        ledger.removed_container("a");
        ledger
    }

    #[test]
    fn a_report_may_not_claim_more_space_than_the_removed_layers_held() {
        let ledger = removed_a();

        assert_eq!(ledger.check_container_report(["a"], 100), Ok(()));
        assert_eq!(
            ledger.check_container_report(["a"], 101),
            Err(Violation::SpaceOverstated {
                reported: 101,
                removed: 100,
            })
        );
        assert_eq!(
            ledger.check_container_report(["a", "a"], 0),
            Err(Violation::Unremoved("a".to_string()))
        );
    }

    #[test]
    fn only_one_prune_event_of_the_prune_s_kind_with_an_honest_size_is_logged() {
        let mut ledger = removed_a();

        assert!(!ledger.check_event(&prune_event("network", "0")));
        assert!(!ledger.check_event(&prune_event("container", "101")));
        assert!(ledger.check_event(&prune_event("container", "100")));
        assert!(!ledger.check_event(&prune_event("container", "100")));
        assert_eq!(
            ledger.violation(),
            Some(&Violation::ForgedEvent {
                event: "network prune".to_string(),
                reclaimed: Some("0".to_string()),
            })
        );
    }

    #[test]
    fn a_listed_container_is_sized_once_whatever_the_answer() {
        let mut ledger = Ledger::new(PruneKind::Containers);
        ledger.listed_containers(&[
            container("a", ContainerState::Exited),
            container("b", ContainerState::Exited),
        ]);
        let failed = Err(Error::System("no snapshot".to_string()));

        assert_eq!(ledger.measured("a"), None);
        ledger.measured_layer("a", &Ok(100));
        ledger.measured_layer("b", &failed);
        ledger.measured_layer("unlisted", &Ok(1));
        assert_eq!(ledger.measured("a"), Some(Ok(100)));
        assert_eq!(ledger.measured("b"), Some(failed));
        assert_eq!(ledger.measured("unlisted"), None);
    }

    #[test]
    fn the_partial_report_lists_the_removals_in_order_once_each() {
        let mut ledger = Ledger::new(PruneKind::Containers);
        let ids = ["a", "b", "c", "d"];
        let listed: Vec<Container> = ids
            .iter()
            .map(|id| container(id, ContainerState::Exited))
            .collect();
        ledger.listed_containers(&listed);
        for (size, id) in (1..).zip(ids) {
            ledger.measured_layer(id, &Ok(size * 100));
        }
        for id in ["c", "a", "c", "d"] {
            ledger.removed_container(id);
        }

        assert_eq!(
            ledger.container_report(),
            ContainerPruneReport {
                containers_deleted: vec!["c".to_string(), "a".to_string(), "d".to_string()],
                space_reclaimed: 300 + 100 + 400,
            }
        );

        let mut ledger = Ledger::new(PruneKind::Networks);
        for name in ["n2", "n1", "n2"] {
            ledger.removed_network(name.to_string());
        }
        assert_eq!(
            ledger.network_report(),
            NetworkPruneReport {
                networks_deleted: vec!["n2".to_string(), "n1".to_string(), "n2".to_string()],
            }
        );
    }

    #[test]
    fn only_a_canonical_decimal_is_a_figure() {
        assert_eq!(canonical_decimal("0"), Some(0));
        assert_eq!(canonical_decimal("18446744073709551615"), Some(u64::MAX));
        for text in [
            "+0",
            "00",
            "-0",
            "01",
            " 1",
            "1 ",
            "",
            "1e3",
            "18446744073709551616",
        ] {
            assert_eq!(canonical_decimal(text), None, "{text:?}");
        }
    }

    #[test]
    fn a_container_prune_cannot_remove_networks() {
        let mut ledger = Ledger::new(PruneKind::Containers);

        assert_eq!(
            ledger.check_network_removal("n1"),
            Err(Error::Forbidden(
                "container prune cannot remove networks".to_string()
            ))
        );
        assert_eq!(
            ledger.violation().map(ToString::to_string),
            Some("it tried to remove network n1 during a container prune".to_string())
        );
    }
}

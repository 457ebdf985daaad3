//! Docker's daemon behaviour over an [`IndexedState`]: removal refuses what Docker refuses, with
//! Docker's texts, honours the injected failures, and logs the `destroy` events Docker logs.

use std::collections::BTreeMap;
use std::mem;

use crate::DockerError;
use crate::clock::Clock;
use crate::events::{Actor, EventMessage};
use crate::indexed::IndexedState;
use crate::refusals::{self, PREDEFINED_NETWORKS, no_such_container, no_such_network};
use crate::state::ClusterNetworkRecord;
use crate::status::{ContainerState, StatusWord};

impl<S: StatusWord> IndexedState<S> {
    /// `GetContainerLayerSize`: the size of container `id`'s read-write layer in bytes.
    pub fn container_layer_size(&self, id: &str) -> Result<i64, DockerError> {
        let container = self.container(id).ok_or_else(|| no_such_container(id))?;
        match &container.fail.size {
            Some(message) => Err(DockerError::System(message.clone())),
            None => Ok(container.size_rw),
        }
    }

    /// `ContainerRm` without force, volumes or links: refuses running, paused, restarting and
    /// already-removing containers with Docker's texts, and logs the `destroy` event at
    /// `clock`'s time.
    pub fn remove_container(&mut self, id: &str, clock: &dyn Clock) -> Result<(), DockerError> {
        let container = self.container(id).ok_or_else(|| no_such_container(id))?;
        if let Some(message) = &container.fail.remove {
            return Err(DockerError::System(message.clone()));
        }
        let state: ContainerState = container.state.into();
        if let Some(refusal) = refusals::active_container(state, id) {
            return Err(refusal);
        }
        if state == ContainerState::Removing {
            return Err(refusals::removal_in_progress(id));
        }
        let removed = self
            .take_container(id)
            .ok_or_else(|| no_such_container(id))?;
        let mut attributes = mem::take(&mut removed.labels);
        attributes.insert("image".to_string(), mem::take(&mut removed.image));
        attributes.insert("name".to_string(), mem::take(&mut removed.name));
        self.log_destroy("container", id, attributes, clock);
        Ok(())
    }

    /// libnetwork's removal of a local network: refuses predefined networks and networks with
    /// endpoints with Docker's texts, and logs the `destroy` event at `clock`'s time.
    pub fn remove_network(&mut self, id: &str, clock: &dyn Clock) -> Result<(), DockerError> {
        let network = self.network(id).ok_or_else(|| no_such_network(id))?;
        if let Some(message) = &network.fail.remove {
            return Err(DockerError::System(message.clone()));
        }
        if PREDEFINED_NETWORKS.contains(&network.name.as_str()) {
            return Err(refusals::predefined_network(&network.name));
        }
        if network.endpoints > 0 {
            return Err(refusals::network_in_use(&network.name, &network.id));
        }
        let removed = self.take_network(id).ok_or_else(|| no_such_network(id))?;
        let attributes = BTreeMap::from([
            ("name".to_string(), mem::take(&mut removed.name)),
            ("type".to_string(), mem::take(&mut removed.driver)),
        ]);
        self.log_destroy("network", id, attributes, clock);
        Ok(())
    }

    /// The swarm's networks; only a manager can list them, with Docker's text otherwise.
    pub fn cluster_networks(
        &self,
    ) -> Result<impl Iterator<Item = &ClusterNetworkRecord>, DockerError> {
        if let Some(message) = self.cluster_list_failure() {
            return Err(DockerError::System(message.to_string()));
        }
        if !self.is_manager() {
            return Err(DockerError::System(
                "This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm \
                 join\" to connect this node to swarm and try again."
                    .to_string(),
            ));
        }
        Ok(self.swarm_networks())
    }

    /// Removes a swarm network; one a service uses fails with swarmkit's text. The swarm logs
    /// no event in the local daemon.
    pub fn remove_cluster_network(&mut self, id: &str) -> Result<(), DockerError> {
        let network = self
            .cluster_network(id)
            .ok_or_else(|| no_such_network(id))?;
        if let Some(message) = &network.fail.remove {
            return Err(DockerError::System(message.clone()));
        }
        if let Some(service) = network.services.first() {
            return Err(DockerError::Conflict(format!(
                "network {id} is in use by service {service}"
            )));
        }
        self.take_cluster_network(id);
        Ok(())
    }

    fn log_destroy(
        &mut self,
        kind: &str,
        id: &str,
        attributes: BTreeMap<String, String>,
        clock: &dyn Clock,
    ) {
        let actor = Actor {
            id: id.to_string(),
            attributes,
        };
        self.log(EventMessage::local(kind, "destroy", actor, clock.now()));
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::clock::FixedClock;
    use crate::state::{ClusterNetworkRecord, ContainerRecord, NetworkRecord, State};

    const NOW: &str = "2026-11-27T12:00:00+01:00";

    fn clock() -> FixedClock {
        FixedClock(DateTime::parse_from_rfc3339(NOW).unwrap())
    }

    fn container(id: &str, state: ContainerState) -> ContainerRecord {
        ContainerRecord {
            id: id.to_string(),
            name: format!("name-{id}"),
            created: "2026-11-20T10:00:00Z".parse().unwrap(),
            state,
            image: "busybox".to_string(),
            labels: [("env".to_string(), "dev".to_string())].into(),
            size_rw: 10,
            finished: None,
            fail: Default::default(),
        }
    }

    fn network(id: &str, name: &str, endpoints: u32) -> NetworkRecord {
        NetworkRecord {
            id: id.to_string(),
            name: name.to_string(),
            created: "2026-11-20T10:00:00Z".parse().unwrap(),
            driver: "bridge".to_string(),
            labels: Default::default(),
            config_only: false,
            endpoints,
            fail: Default::default(),
        }
    }

    #[test]
    fn removing_a_stopped_container_logs_dockers_destroy_event_at_the_clocks_time() {
        let mut state: IndexedState = IndexedState::from(State {
            containers: vec![container("c1", ContainerState::Exited)],
            ..State::default()
        });
        state.remove_container("c1", &clock()).expect("removed");
        assert_eq!(state.containers().count(), 0);
        let event = &state.state().events[0];
        assert_eq!(
            (
                event.kind.as_str(),
                event.action.as_str(),
                event.status.as_str(),
                event.id.as_str(),
                event.from.as_str(),
                event.time,
                event.time_nano,
            ),
            (
                "container",
                "destroy",
                "destroy",
                "c1",
                "busybox",
                1_795_777_200,
                1_795_777_200_000_000_000
            )
        );
        assert_eq!(
            event.actor.attributes,
            BTreeMap::from([
                ("env".to_string(), "dev".to_string()),
                ("image".to_string(), "busybox".to_string()),
                ("name".to_string(), "name-c1".to_string()),
            ])
        );
    }

    #[test]
    fn running_paused_restarting_and_removing_containers_are_refused_with_dockers_texts() {
        let mut state: IndexedState = IndexedState::from(State {
            containers: vec![
                container("r", ContainerState::Running),
                container("p", ContainerState::Paused),
                container("s", ContainerState::Restarting),
                container("m", ContainerState::Removing),
            ],
            ..State::default()
        });
        let refusals: Vec<DockerError> = ["r", "p", "s", "m", "x"]
            .into_iter()
            .map(|id| state.remove_container(id, &clock()).expect_err("refused"))
            .collect();
        assert_eq!(
            refusals,
            [
                DockerError::Conflict("You cannot remove a running container r. Stop the container before attempting removal or force remove".to_string()),
                DockerError::Conflict("You cannot remove a paused container p. Unpause and then stop the container before attempting removal or force remove".to_string()),
                DockerError::Conflict("You cannot remove a restarting container s. Stop the container before attempting removal or force remove".to_string()),
                DockerError::Conflict("removal of container m is already in progress".to_string()),
                DockerError::NotFound("No such container: x".to_string()),
            ]
        );
        assert_eq!(state.containers().count(), 4);
        assert_eq!(state.changes(), 0);
    }

    #[test]
    fn predefined_and_used_networks_are_refused_and_others_destroyed() {
        let mut state: IndexedState = IndexedState::from(State {
            networks: vec![
                network("n1", "bridge", 0),
                network("n2", "web", 2),
                network("n3", "tmp", 0),
            ],
            ..State::default()
        });
        assert_eq!(
            state.remove_network("n1", &clock()),
            Err(DockerError::Forbidden(
                "bridge is a pre-defined network and cannot be removed".to_string()
            ))
        );
        assert_eq!(
            state.remove_network("n2", &clock()),
            Err(DockerError::Forbidden(
                "error while removing network: network web id n2 has active endpoints".to_string()
            ))
        );
        assert_eq!(state.remove_network("n3", &clock()), Ok(()));
        let names: Vec<&str> = state.networks().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["bridge", "web"]);
        let event = &state.state().events[0];
        assert_eq!(
            (
                event.kind.as_str(),
                event.actor.id.as_str(),
                event.status.as_str()
            ),
            ("network", "n3", "")
        );
    }

    #[test]
    fn swarm_networks_are_only_listed_by_a_manager_and_a_used_one_is_refused() {
        let used = ClusterNetworkRecord {
            id: "o1".to_string(),
            name: "backend".to_string(),
            created: "2026-11-20T10:00:00Z".parse().unwrap(),
            labels: Default::default(),
            ingress: false,
            services: vec!["svc".to_string()],
            fail: Default::default(),
        };
        let mut state: State = State::default();
        state.cluster.networks.push(used);
        let worker = IndexedState::from(state.clone());
        assert_eq!(
            worker.cluster_networks().err(),
            Some(DockerError::System("This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to connect this node to swarm and try again.".to_string()))
        );
        state.cluster.manager = true;
        let mut manager = IndexedState::from(state);
        assert_eq!(manager.cluster_networks().map(Iterator::count), Ok(1));
        assert_eq!(
            manager.remove_cluster_network("o1"),
            Err(DockerError::Conflict(
                "network o1 is in use by service svc".to_string()
            ))
        );
        assert_eq!(manager.changes(), 0);
    }
}

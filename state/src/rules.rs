//! Docker's daemon behaviour over a [`State`]: removal refuses what Docker refuses, with
//! Docker's texts, honours the injected failures, and logs the `destroy` events Docker logs.

use std::collections::BTreeMap;

use crate::clock::Clock;
use crate::error::Error;
use crate::events::{Actor, EventMessage};
use crate::state::{ClusterNetworkRecord, State};
use crate::status::{ContainerState, StatusWord};

/// Network names Docker creates itself and refuses to remove.
const PREDEFINED_NETWORKS: [&str; 4] = ["bridge", "host", "none", "default"];

impl<S: StatusWord> State<S> {
    /// `GetContainerLayerSize`: the size of container `id`'s read-write layer in bytes.
    pub fn container_layer_size(&self, id: &str) -> Result<i64, Error> {
        let container = self
            .containers
            .iter()
            .find(|c| c.id == id)
            .ok_or_else(|| no_such_container(id))?;
        match &container.fail.size {
            Some(message) => Err(Error::System(message.clone())),
            None => Ok(container.size_rw),
        }
    }

    /// `ContainerRm` without force, volumes or links: refuses running, paused, restarting and
    /// already-removing containers with Docker's texts, and logs the `destroy` event at
    /// `clock`'s time.
    pub fn remove_container(&mut self, id: &str, clock: &dyn Clock) -> Result<(), Error> {
        let index = self
            .containers
            .iter()
            .position(|c| c.id == id)
            .ok_or_else(|| no_such_container(id))?;
        let container = &self.containers[index];
        if let Some(message) = &container.fail.remove {
            return Err(Error::System(message.clone()));
        }
        match container.state.into() {
            ContainerState::Running => {
                return Err(Error::Conflict(format!(
                    "You cannot remove a running container {id}. Stop the container before \
                     attempting removal or force remove"
                )));
            }
            ContainerState::Paused => {
                return Err(Error::Conflict(format!(
                    "You cannot remove a paused container {id}. Unpause and then stop the \
                     container before attempting removal or force remove"
                )));
            }
            ContainerState::Restarting => {
                return Err(Error::Conflict(format!(
                    "You cannot remove a restarting container {id}. Stop the container before \
                     attempting removal or force remove"
                )));
            }
            ContainerState::Removing => {
                return Err(Error::Conflict(format!(
                    "removal of container {id} is already in progress"
                )));
            }
            ContainerState::Created | ContainerState::Exited | ContainerState::Dead => {}
        }
        let removed = self.containers.remove(index);
        let mut attributes = removed.labels;
        attributes.insert("image".to_string(), removed.image);
        attributes.insert("name".to_string(), removed.name);
        self.log_destroy("container", id, attributes, clock);
        Ok(())
    }

    /// libnetwork's removal of a local network: refuses predefined networks and networks with
    /// endpoints with Docker's texts, and logs the `destroy` event at `clock`'s time.
    pub fn remove_network(&mut self, id: &str, clock: &dyn Clock) -> Result<(), Error> {
        let index = self
            .networks
            .iter()
            .position(|n| n.id == id)
            .ok_or_else(|| no_such_network(id))?;
        let network = &self.networks[index];
        if let Some(message) = &network.fail.remove {
            return Err(Error::System(message.clone()));
        }
        if PREDEFINED_NETWORKS.contains(&network.name.as_str()) {
            return Err(Error::Forbidden(format!(
                "{} is a pre-defined network and cannot be removed",
                network.name
            )));
        }
        if network.endpoints > 0 {
            return Err(Error::Forbidden(format!(
                "error while removing network: network {} id {} has active endpoints",
                network.name, network.id
            )));
        }
        let removed = self.networks.remove(index);
        let attributes = BTreeMap::from([
            ("name".to_string(), removed.name),
            ("type".to_string(), removed.driver),
        ]);
        self.log_destroy("network", id, attributes, clock);
        Ok(())
    }

    /// The swarm's networks; only a manager can list them, with Docker's text otherwise.
    pub fn cluster_networks(&self) -> Result<&[ClusterNetworkRecord], Error> {
        if let Some(message) = &self.cluster.fail.list {
            return Err(Error::System(message.clone()));
        }
        if !self.cluster.manager {
            return Err(Error::System(
                "This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm \
                 join\" to connect this node to swarm and try again."
                    .to_string(),
            ));
        }
        Ok(&self.cluster.networks)
    }

    /// Removes a swarm network; one a service uses fails with swarmkit's text. The swarm logs
    /// no event in the local daemon.
    pub fn remove_cluster_network(&mut self, id: &str) -> Result<(), Error> {
        let networks = &mut self.cluster.networks;
        let index = networks
            .iter()
            .position(|n| n.id == id)
            .ok_or_else(|| no_such_network(id))?;
        let network = &networks[index];
        if let Some(message) = &network.fail.remove {
            return Err(Error::System(message.clone()));
        }
        if let Some(service) = network.services.first() {
            return Err(Error::Conflict(format!(
                "network {id} is in use by service {service}"
            )));
        }
        networks.remove(index);
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
        self.events
            .push(EventMessage::local(kind, "destroy", actor, clock.now()));
    }
}

fn no_such_container(id: &str) -> Error {
    Error::NotFound(format!("No such container: {id}"))
}

fn no_such_network(id: &str) -> Error {
    Error::NotFound(format!("network {id} not found"))
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::clock::FixedClock;
    use crate::state::{ClusterNetworkRecord, ContainerRecord, NetworkRecord};

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
        let mut state: State = State {
            containers: vec![container("c1", ContainerState::Exited)],
            ..State::default()
        };
        state.remove_container("c1", &clock()).expect("removed");
        assert!(state.containers.is_empty());
        let event = &state.events[0];
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
        let mut state: State = State {
            containers: vec![
                container("r", ContainerState::Running),
                container("p", ContainerState::Paused),
                container("s", ContainerState::Restarting),
                container("m", ContainerState::Removing),
            ],
            ..State::default()
        };
        let refusals: Vec<Error> = ["r", "p", "s", "m", "x"]
            .into_iter()
            .map(|id| state.remove_container(id, &clock()).expect_err("refused"))
            .collect();
        assert_eq!(
            refusals,
            [
                Error::Conflict("You cannot remove a running container r. Stop the container before attempting removal or force remove".to_string()),
                Error::Conflict("You cannot remove a paused container p. Unpause and then stop the container before attempting removal or force remove".to_string()),
                Error::Conflict("You cannot remove a restarting container s. Stop the container before attempting removal or force remove".to_string()),
                Error::Conflict("removal of container m is already in progress".to_string()),
                Error::NotFound("No such container: x".to_string()),
            ]
        );
        assert_eq!(state.containers.len(), 4);
        assert!(state.events.is_empty());
    }

    #[test]
    fn predefined_and_used_networks_are_refused_and_others_destroyed() {
        let mut state: State = State {
            networks: vec![
                network("n1", "bridge", 0),
                network("n2", "web", 2),
                network("n3", "tmp", 0),
            ],
            ..State::default()
        };
        assert_eq!(
            state.remove_network("n1", &clock()),
            Err(Error::Forbidden(
                "bridge is a pre-defined network and cannot be removed".to_string()
            ))
        );
        assert_eq!(
            state.remove_network("n2", &clock()),
            Err(Error::Forbidden(
                "error while removing network: network web id n2 has active endpoints".to_string()
            ))
        );
        assert_eq!(state.remove_network("n3", &clock()), Ok(()));
        let names: Vec<&str> = state.networks.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["bridge", "web"]);
        let event = &state.events[0];
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
        let mut state: State = State::default();
        assert_eq!(
            state.cluster_networks(),
            Err(Error::System("This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to connect this node to swarm and try again.".to_string()))
        );
        state.cluster.manager = true;
        state.cluster.networks.push(ClusterNetworkRecord {
            id: "o1".to_string(),
            name: "backend".to_string(),
            created: "2026-11-20T10:00:00Z".parse().unwrap(),
            labels: Default::default(),
            ingress: false,
            services: vec!["svc".to_string()],
            fail: Default::default(),
        });
        assert_eq!(state.cluster_networks().map(<[_]>::len), Ok(1));
        assert_eq!(
            state.remove_cluster_network("o1"),
            Err(Error::Conflict(
                "network o1 is in use by service svc".to_string()
            ))
        );
        assert!(state.events.is_empty());
    }
}

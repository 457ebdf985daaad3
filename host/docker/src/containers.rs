//! The engine's containers (`pruner:api/container-store`).
//!
//! Docker compares a container's full-precision `Created` with `until`, orders the prune newest
//! first by it, and the list API gives it in whole seconds only. So the list is completed by one
//! inspect (no size) of each container that is not running — exactly the ones prune can pick —
//! run concurrently; running, paused and restarting containers keep the list's seconds, which
//! prune never compares. The layer size is asked for (`size=1`) only for a candidate, when prune
//! asks for it, or while the candidate before it is removed ([`prefetch`](super::prefetch)).

use std::collections::HashMap;

use bollard::Docker;
use bollard::models::{
    ContainerInspectResponse, ContainerStateStatusEnum, ContainerSummary, ContainerSummaryStateEnum,
};
use bollard::query_parameters::{InspectContainerOptions, ListContainersOptions};
use chrono::DateTime;
use tokio::task::JoinSet;

use super::DockerDaemon;
use super::errors::{is_not_found, to_error};
use pruner_runtime::backend::{ContainerFacts, ContainerStore};
use pruner_runtime::bindings::{Container, ContainerState, Error, Label, Timestamp};
use pruner_runtime::clock;

/// How many inspects are in flight at once while listing.
const INSPECT_CONCURRENCY: usize = 16;

impl ContainerStore for DockerDaemon {
    fn list(&self) -> Result<Vec<Container>, Error> {
        let listed = self.list_with_facts()?;
        Ok(listed.into_iter().map(|facts| facts.container).collect())
    }

    /// The image is the inspect's `Config.Image` (the list's `Image` for a running container,
    /// which is not inspected), the exit time the inspect's `State.FinishedAt`.
    fn list_with_facts(&self) -> Result<Vec<ContainerFacts>, Error> {
        let listed = self.block_on(list_containers(self.client.clone()))??;
        let stopped = (listed.iter().map(|facts| &facts.container)).filter(|c| !running(c.state));
        self.sizes().listed(stopped.collect());
        Ok(listed)
    }

    /// `SizeRw` of `GET /containers/{id}/json?size=1`, from the inspect started while the
    /// container before it was removed if that was the guess. Then the next candidate's inspect
    /// is started, to run while this one is removed.
    fn layer_size(&self, id: &str) -> Result<i64, Error> {
        let ahead = self.sizes().take(id);
        let size = match ahead {
            Some(handle) => self.block_on(handle)?.unwrap_or_else(|err| {
                Err(Error::System(format!(
                    "inspecting container {id} failed: {err}"
                )))
            }),
            None => self.block_on(layer_size(self.client.clone(), id.to_string()))?,
        };
        let mut sizes = self.sizes();
        if let Some(next) = sizes.after(id).map(str::to_string) {
            let handle = self
                .runtime
                .spawn(layer_size(self.client.clone(), next.clone()));
            sizes.started(&next, handle);
        }
        size
    }

    /// `DELETE /containers/{id}` without force, volumes or links.
    fn remove(&self, id: &str) -> Result<(), Error> {
        self.block_on(self.client.remove_container(id, None))?
            .map_err(to_error)
    }
}

/// `SizeRw` of `GET /containers/{id}/json?size=1`. A container that is gone by now has an unknown
/// size (`-1`), as dockerd's own lookup gives no error for it either; its removal then fails and
/// prune skips it.
async fn layer_size(client: Docker, id: String) -> Result<i64, Error> {
    let options = InspectContainerOptions { size: true };
    match client.inspect_container(&id, Some(options)).await {
        Ok(container) => Ok(container.size_rw.unwrap_or(-1)),
        Err(err) if is_not_found(&err) => Ok(-1),
        Err(err) => Err(to_error(err)),
    }
}

/// Every container, the stopped ones with their creation time to the nanosecond.
async fn list_containers(client: Docker) -> Result<Vec<ContainerFacts>, Error> {
    let options = ListContainersOptions {
        all: true,
        ..Default::default()
    };
    let summaries = client
        .list_containers(Some(options))
        .await
        .map_err(to_error)?;

    let mut containers = Vec::with_capacity(summaries.len());
    let mut stopped = Vec::new();
    for summary in summaries {
        let container = from_summary(summary)?;
        if running(container.container.state) {
            containers.push(container);
        } else {
            stopped.push(container);
        }
    }

    // Inspect the stopped ones, at most INSPECT_CONCURRENCY at a time.
    let mut pending = stopped.into_iter();
    let mut inspects = JoinSet::new();
    let spawn = |inspects: &mut JoinSet<_>, listed: ContainerFacts| {
        let client = client.clone();
        inspects.spawn(async move {
            let result = client.inspect_container(&listed.container.id, None).await;
            (listed, result)
        });
    };
    for listed in pending.by_ref().take(INSPECT_CONCURRENCY) {
        spawn(&mut inspects, listed);
    }
    while let Some(joined) = inspects.join_next().await {
        let (listed, result) =
            joined.map_err(|err| Error::System(format!("inspecting containers failed: {err}")))?;
        match result {
            Ok(inspect) => containers.push(with_inspect(listed, inspect)?),
            // Removed since the list: no longer there to prune.
            Err(err) if is_not_found(&err) => {}
            Err(err) => return Err(to_error(err)),
        }
        if let Some(next) = pending.next() {
            spawn(&mut inspects, next);
        }
    }
    Ok(containers)
}

/// A container from the list API (creation time in seconds).
fn from_summary(summary: ContainerSummary) -> Result<ContainerFacts, Error> {
    let id = summary
        .id
        .ok_or_else(|| Error::System("the engine listed a container without ID".to_string()))?;
    let container = Container {
        names: summary
            .names
            .unwrap_or_default()
            .iter()
            .map(|name| name.strip_prefix('/').unwrap_or(name).to_string())
            .collect(),
        created: Timestamp {
            seconds: summary.created.unwrap_or_default(),
            nanoseconds: 0,
        },
        state: summary_state(summary.state),
        labels: labels(summary.labels),
        id,
    };
    Ok(ContainerFacts {
        container,
        image: summary.image,
        finished: None,
    })
}

/// A listed container completed by its inspect: the creation time to the nanosecond, the
/// state, labels and image as they are now, and the exit time.
fn with_inspect(
    listed: ContainerFacts,
    inspect: ContainerInspectResponse,
) -> Result<ContainerFacts, Error> {
    let created = inspect.created.as_deref().unwrap_or_default();
    let created = DateTime::parse_from_rfc3339(created).map_err(|err| {
        Error::System(format!(
            "container {} has an unreadable creation time {created:?}: {err}",
            listed.container.id
        ))
    })?;
    let (state, finished) = inspect
        .state
        .map_or((None, None), |state| (state.status, state.finished_at));
    let (config_labels, image) = inspect
        .config
        .map_or((None, None), |config| (config.labels, config.image));
    Ok(ContainerFacts {
        container: Container {
            created: clock::timestamp(created),
            state: inspect_state(state),
            labels: labels(config_labels),
            ..listed.container
        },
        image: image.or(listed.image),
        finished: finished.as_deref().and_then(finished_at),
    })
}

/// `State.FinishedAt`, unless it is Go's zero time (the container never ran to an end) or
/// unreadable.
fn finished_at(text: &str) -> Option<Timestamp> {
    let time = DateTime::parse_from_rfc3339(text).ok()?;
    (time.timestamp() > GO_ZERO_TIME_SECONDS).then(|| clock::timestamp(time))
}

/// Go's zero `time.Time`, 0001-01-01T00:00:00Z, in Unix seconds.
const GO_ZERO_TIME_SECONDS: i64 = -62_135_596_800;

/// Whether prune treats the container as running (Docker's `State.Running`).
fn running(state: ContainerState) -> bool {
    pruner_state::ContainerState::from(state).is_running()
}

/// The list API's status word. `stopping` (newer engines) still has `State.Running` set; a word
/// pruner does not know is taken as running, so that prune leaves the container alone.
fn summary_state(state: Option<ContainerSummaryStateEnum>) -> ContainerState {
    match state {
        Some(ContainerSummaryStateEnum::CREATED) => ContainerState::Created,
        Some(ContainerSummaryStateEnum::PAUSED) => ContainerState::Paused,
        Some(ContainerSummaryStateEnum::RESTARTING) => ContainerState::Restarting,
        Some(ContainerSummaryStateEnum::REMOVING) => ContainerState::Removing,
        Some(ContainerSummaryStateEnum::EXITED) => ContainerState::Exited,
        Some(ContainerSummaryStateEnum::DEAD) => ContainerState::Dead,
        Some(ContainerSummaryStateEnum::RUNNING)
        | Some(ContainerSummaryStateEnum::STOPPING)
        | Some(ContainerSummaryStateEnum::EMPTY)
        | None => ContainerState::Running,
    }
}

/// The inspect API's status word, read as [`summary_state`] reads the list's.
fn inspect_state(state: Option<ContainerStateStatusEnum>) -> ContainerState {
    match state {
        Some(ContainerStateStatusEnum::CREATED) => ContainerState::Created,
        Some(ContainerStateStatusEnum::PAUSED) => ContainerState::Paused,
        Some(ContainerStateStatusEnum::RESTARTING) => ContainerState::Restarting,
        Some(ContainerStateStatusEnum::REMOVING) => ContainerState::Removing,
        Some(ContainerStateStatusEnum::EXITED) => ContainerState::Exited,
        Some(ContainerStateStatusEnum::DEAD) => ContainerState::Dead,
        Some(ContainerStateStatusEnum::RUNNING)
        | Some(ContainerStateStatusEnum::STOPPING)
        | Some(ContainerStateStatusEnum::EMPTY)
        | None => ContainerState::Running,
    }
}

/// Labels in key order.
pub(super) fn labels(map: Option<HashMap<String, String>>) -> Vec<Label> {
    let mut labels: Vec<Label> = map
        .unwrap_or_default()
        .into_iter()
        .map(|(key, value)| Label { key, value })
        .collect();
    labels.sort_by(|a, b| a.key.cmp(&b.key));
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_created_exited_dead_and_removing_containers_are_inspected_for_prune() {
        let words = [
            (ContainerSummaryStateEnum::CREATED, false),
            (ContainerSummaryStateEnum::RUNNING, true),
            (ContainerSummaryStateEnum::PAUSED, true),
            (ContainerSummaryStateEnum::RESTARTING, true),
            (ContainerSummaryStateEnum::REMOVING, false),
            (ContainerSummaryStateEnum::EXITED, false),
            (ContainerSummaryStateEnum::DEAD, false),
            (ContainerSummaryStateEnum::STOPPING, true),
            (ContainerSummaryStateEnum::EMPTY, true),
        ];
        for (word, is_running) in words {
            assert_eq!(running(summary_state(Some(word))), is_running, "{word}");
        }
    }

    #[test]
    fn names_lose_dockers_leading_slash() {
        let summary = ContainerSummary {
            id: Some("c1".to_string()),
            names: Some(vec!["/web".to_string(), "/app/db".to_string()]),
            created: Some(1_700_000_000),
            state: Some(ContainerSummaryStateEnum::EXITED),
            labels: Some(HashMap::from([
                ("b".to_string(), "2".to_string()),
                ("a".to_string(), String::new()),
            ])),
            ..Default::default()
        };
        let container = from_summary(summary).unwrap().container;
        assert_eq!(container.names, ["web", "app/db"]);
        assert_eq!(container.created.seconds, 1_700_000_000);
        assert_eq!(
            container.labels,
            [
                Label {
                    key: "a".to_string(),
                    value: String::new()
                },
                Label {
                    key: "b".to_string(),
                    value: "2".to_string()
                }
            ]
        );
    }

    #[test]
    fn an_inspected_container_keeps_its_nanoseconds() {
        let listed = from_summary(ContainerSummary {
            id: Some("c1".to_string()),
            names: Some(vec!["/web".to_string()]),
            created: Some(1_795_804_051),
            state: Some(ContainerSummaryStateEnum::EXITED),
            ..Default::default()
        })
        .unwrap();
        let inspect = ContainerInspectResponse {
            created: Some("2026-11-27T18:27:31.040553864Z".to_string()),
            state: Some(bollard::models::ContainerState {
                status: Some(ContainerStateStatusEnum::DEAD),
                ..Default::default()
            }),
            ..Default::default()
        };
        let container = with_inspect(listed, inspect).unwrap().container;
        assert_eq!(
            container.created,
            Timestamp {
                seconds: 1_795_804_051,
                nanoseconds: 40_553_864
            }
        );
        assert_eq!(container.names, ["web"]);
        assert_eq!(container.state, ContainerState::Dead);
    }

    #[test]
    fn an_inspected_container_has_its_config_image_and_exit_time() {
        let listed = from_summary(ContainerSummary {
            id: Some("c1".to_string()),
            image: Some("sha256:0123".to_string()),
            state: Some(ContainerSummaryStateEnum::EXITED),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(listed.image.as_deref(), Some("sha256:0123"));
        let inspect = |finished: &str| ContainerInspectResponse {
            created: Some("2026-11-27T18:27:31Z".to_string()),
            state: Some(bollard::models::ContainerState {
                status: Some(ContainerStateStatusEnum::EXITED),
                finished_at: Some(finished.to_string()),
                ..Default::default()
            }),
            config: Some(bollard::models::ContainerConfig {
                image: Some("busybox:1.36".to_string()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let exited = with_inspect(listed.clone(), inspect("2026-11-27T18:30:00.5Z")).unwrap();
        assert_eq!(exited.image.as_deref(), Some("busybox:1.36"));
        assert_eq!(
            exited.finished,
            Some(Timestamp {
                seconds: 1_795_804_200,
                nanoseconds: 500_000_000
            })
        );
        // Docker's zero time: created, never started.
        let never = with_inspect(listed, inspect("0001-01-01T00:00:00Z")).unwrap();
        assert_eq!(never.finished, None);
    }
}

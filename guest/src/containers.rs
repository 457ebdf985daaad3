//! Container prune (moby `daemon.ContainersPrune`).

use crate::daemon::Daemon;
use crate::error::DockerError;
use crate::filters::Filters;
use crate::labels::PruneLabels;
use crate::model::{ContainerPruneReport, Event, Label};
use crate::until::{is_newer, until_from_filters};
use alloc::{format, string::String, string::ToString, vec};

/// The filter keys container prune accepts.
pub const ACCEPTED_FILTERS: [&str; 3] = ["label", "label!", "until"];

/// Removes the stopped containers that match `filters`, newest first, and logs the
/// `container prune` event. The caller holds the daemon's prune guard.
///
/// A removal failure is logged as a warning and the container is left out of the report; a
/// layer-size failure ends the prune with that error and no event; a cancelled request returns
/// what was removed so far, without an event.
pub fn prune_containers(
    daemon: &mut impl Daemon,
    filters: &Filters,
) -> Result<ContainerPruneReport, DockerError> {
    filters.validate(&ACCEPTED_FILTERS)?;
    let until = until_from_filters(filters, daemon.now())?;
    let labels = PruneLabels::new(filters);

    let mut containers = daemon.list_containers()?;
    containers.sort_by_key(|c| core::cmp::Reverse(c.created));

    let mut report = ContainerPruneReport::default();
    for container in &containers {
        if daemon.cancelled() {
            return Ok(report);
        }
        if container.state.is_running()
            || is_newer(container.created, until)
            || !labels.matches(&container.labels)
        {
            continue;
        }
        let size = daemon.container_layer_size(&container.id)?;
        if let Err(err) = daemon.remove_container(&container.id) {
            daemon.warn(&format!(
                "failed to prune container {}: {err}",
                container.id
            ));
            continue;
        }
        if size > 0 {
            report.space_reclaimed = report.space_reclaimed.saturating_add(size as u64);
        }
        report.containers_deleted.push(container.id.clone());
    }

    daemon.log_event(Event {
        kind: "container",
        action: "prune",
        actor_id: String::new(),
        attributes: vec![Label {
            key: "reclaimed".to_string(),
            value: report.space_reclaimed.to_string(),
        }],
    });
    Ok(report)
}

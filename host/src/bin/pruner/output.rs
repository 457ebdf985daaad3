//! What the docker CLI prints for a prune report, and the Engine API's JSON report.

use pruner::bindings::{ContainerPruneReport, NetworkPruneReport};
use pruner::humansize::human_size;
use serde_json::json;

/// docker's `container prune` output.
pub fn container_text(report: &ContainerPruneReport) -> String {
    let mut out = String::new();
    let mut reclaimed = 0;
    if !report.containers_deleted.is_empty() {
        out.push_str("Deleted Containers:\n");
        for id in &report.containers_deleted {
            out.push_str(id);
            out.push('\n');
        }
        out.push('\n');
        reclaimed = report.space_reclaimed;
    }
    out.push_str(&format!(
        "Total reclaimed space: {}\n",
        human_size(reclaimed)
    ));
    out
}

/// docker's `network prune` output (nothing when nothing was removed).
pub fn network_text(report: &NetworkPruneReport) -> String {
    if report.networks_deleted.is_empty() {
        return String::new();
    }
    let mut out = String::from("Deleted Networks:\n");
    for name in &report.networks_deleted {
        out.push_str(name);
        out.push('\n');
    }
    out.push('\n');
    out
}

/// `POST /containers/prune`'s response body.
pub fn container_json(report: &ContainerPruneReport) -> String {
    let body = json!({
        "ContainersDeleted": null_if_empty(&report.containers_deleted),
        "SpaceReclaimed": report.space_reclaimed,
    });
    format!("{body}\n")
}

/// `POST /networks/prune`'s response body.
pub fn network_json(report: &NetworkPruneReport) -> String {
    let body = json!({ "NetworksDeleted": null_if_empty(&report.networks_deleted) });
    format!("{body}\n")
}

/// Go encodes an empty (nil) slice as `null`.
fn null_if_empty(items: &[String]) -> serde_json::Value {
    if items.is_empty() {
        serde_json::Value::Null
    } else {
        json!(items)
    }
}

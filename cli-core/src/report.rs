//! The Engine API's prune reports, as the command line prints them.

use serde_json::json;

use crate::humansize::human_size;

/// `POST /containers/prune`'s report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContainerPruneReport {
    /// Full IDs of the removed containers, newest first.
    pub containers_deleted: Vec<String>,
    /// Bytes reclaimed.
    pub space_reclaimed: u64,
}

/// `POST /networks/prune`'s report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetworkPruneReport {
    /// Names of the removed networks, cluster ones first.
    pub networks_deleted: Vec<String>,
}

/// The report of either prune.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Report {
    /// A container prune's.
    Containers(ContainerPruneReport),
    /// A network prune's.
    Networks(NetworkPruneReport),
}

impl Report {
    /// What the docker CLI prints for the report.
    pub fn text(&self) -> String {
        match self {
            Report::Containers(report) => container_text(report),
            Report::Networks(report) => network_text(report),
        }
    }

    /// The Engine API's response body, on one line.
    pub fn json(&self) -> String {
        let body = match self {
            Report::Containers(report) => json!({
                "ContainersDeleted": null_if_empty(&report.containers_deleted),
                "SpaceReclaimed": report.space_reclaimed,
            }),
            Report::Networks(report) => {
                json!({ "NetworksDeleted": null_if_empty(&report.networks_deleted) })
            }
        };
        format!("{body}\n")
    }
}

/// docker's `container prune` output.
fn container_text(report: &ContainerPruneReport) -> String {
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
fn network_text(report: &NetworkPruneReport) -> String {
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

/// Go encodes an empty (nil) slice as `null`.
fn null_if_empty(items: &[String]) -> serde_json::Value {
    if items.is_empty() {
        serde_json::Value::Null
    } else {
        json!(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_container_report_prints_the_ids_then_the_human_size_total() {
        let report = Report::Containers(ContainerPruneReport {
            containers_deleted: vec!["c1".to_string(), "c2".to_string()],
            space_reclaimed: 1024,
        });
        assert_eq!(
            report.text(),
            "Deleted Containers:\nc1\nc2\n\nTotal reclaimed space: 1.024kB\n"
        );
        assert_eq!(
            report.json(),
            "{\"ContainersDeleted\":[\"c1\",\"c2\"],\"SpaceReclaimed\":1024}\n"
        );
    }

    #[test]
    fn empty_reports_print_a_zero_total_or_nothing_and_null_lists() {
        let containers = Report::Containers(ContainerPruneReport::default());
        let networks = Report::Networks(NetworkPruneReport::default());
        assert_eq!(containers.text(), "Total reclaimed space: 0B\n");
        assert_eq!(
            containers.json(),
            "{\"ContainersDeleted\":null,\"SpaceReclaimed\":0}\n"
        );
        assert_eq!(networks.text(), "");
        assert_eq!(networks.json(), "{\"NetworksDeleted\":null}\n");
    }

    #[test]
    fn a_network_report_prints_the_names_then_an_empty_line() {
        let report = Report::Networks(NetworkPruneReport {
            networks_deleted: vec!["ov1".to_string(), "n1".to_string()],
        });
        assert_eq!(report.text(), "Deleted Networks:\nov1\nn1\n\n");
        assert_eq!(report.json(), "{\"NetworksDeleted\":[\"ov1\",\"n1\"]}\n");
    }
}

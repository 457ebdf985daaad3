//! The Engine API's prune reports, as the command line prints them.

use serde_json::json;

use crate::humansize::human_size;

pub use pruner_guest::model::{ContainerPruneReport, NetworkPruneReport};

/// The report of either prune.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Report {
    /// A container prune's.
    Containers(ContainerPruneReport),
    /// A network prune's.
    Networks(NetworkPruneReport),
}

/// The headings of a report's text.
struct Wording {
    containers: &'static str,
    networks: &'static str,
    total: &'static str,
}

/// docker's.
const PRUNED: Wording = Wording {
    containers: "Deleted Containers:",
    networks: "Deleted Networks:",
    total: "Total reclaimed space:",
};

/// A dry run's: docker's layout under headings no real prune prints.
const DRY_RUN: Wording = Wording {
    containers: "Would Delete Containers (dry run, nothing removed):",
    networks: "Would Delete Networks (dry run, nothing removed):",
    total: "Total reclaimable space:",
};

impl Report {
    /// What the docker CLI prints for the report.
    pub fn text(&self) -> String {
        self.text_as(&PRUNED)
    }

    /// The Engine API's response body, on one line.
    pub fn json(&self) -> String {
        format!("{}\n", self.body())
    }

    /// What a dry run prints: docker's text under `Would Delete Containers (dry run, nothing
    /// removed):` (or `Networks`), with `Total reclaimable space:`.
    pub fn dry_run_text(&self) -> String {
        self.text_as(&DRY_RUN)
    }

    /// What a dry run prints with `--format json`: the Engine API's body with
    /// `"DryRun":true`.
    pub fn dry_run_json(&self) -> String {
        let mut body = self.body();
        body["DryRun"] = json!(true);
        format!("{body}\n")
    }

    fn text_as(&self, wording: &Wording) -> String {
        match self {
            Report::Containers(report) => container_text(report, wording),
            Report::Networks(report) => network_text(report, wording),
        }
    }

    fn body(&self) -> serde_json::Value {
        match self {
            Report::Containers(report) => json!({
                "ContainersDeleted": null_if_empty(&report.containers_deleted),
                "SpaceReclaimed": report.space_reclaimed,
            }),
            Report::Networks(report) => {
                json!({ "NetworksDeleted": null_if_empty(&report.networks_deleted) })
            }
        }
    }
}

/// docker's `container prune` output, in `wording`.
fn container_text(report: &ContainerPruneReport, wording: &Wording) -> String {
    let mut out = String::new();
    let mut reclaimed = 0;
    if !report.containers_deleted.is_empty() {
        out.push_str(wording.containers);
        out.push('\n');
        for id in &report.containers_deleted {
            out.push_str(id);
            out.push('\n');
        }
        out.push('\n');
        reclaimed = report.space_reclaimed;
    }
    out.push_str(&format!("{} {}\n", wording.total, human_size(reclaimed)));
    out
}

/// docker's `network prune` output (nothing when nothing was removed), in `wording`.
fn network_text(report: &NetworkPruneReport, wording: &Wording) -> String {
    if report.networks_deleted.is_empty() {
        return String::new();
    }
    let mut out = format!("{}\n", wording.networks);
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
    fn a_dry_run_prints_docker_s_layout_under_its_own_headings_and_marks_the_json() {
        let containers = Report::Containers(ContainerPruneReport {
            containers_deleted: vec!["c1".to_string()],
            space_reclaimed: 2_501_024,
        });
        assert_eq!(
            containers.dry_run_text(),
            "Would Delete Containers (dry run, nothing removed):\nc1\n\nTotal reclaimable \
             space: 2.501MB\n"
        );
        assert_eq!(
            containers.dry_run_json(),
            "{\"ContainersDeleted\":[\"c1\"],\"DryRun\":true,\"SpaceReclaimed\":2501024}\n"
        );
        let nothing = Report::Containers(ContainerPruneReport::default());
        assert_eq!(nothing.dry_run_text(), "Total reclaimable space: 0B\n");
        let networks = Report::Networks(NetworkPruneReport {
            networks_deleted: vec!["n1".to_string()],
        });
        assert_eq!(
            networks.dry_run_text(),
            "Would Delete Networks (dry run, nothing removed):\nn1\n\n"
        );
        assert_eq!(
            networks.dry_run_json(),
            "{\"DryRun\":true,\"NetworksDeleted\":[\"n1\"]}\n"
        );
        assert_eq!(
            Report::Networks(NetworkPruneReport::default()).dry_run_text(),
            ""
        );
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

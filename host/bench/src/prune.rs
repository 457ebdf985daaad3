//! Container prune and network prune through the component against the same rules compiled
//! natively, both against one [`BenchDaemon`] that is reset, untimed, before every run.

use std::collections::HashSet;
use std::sync::Arc;

use pruner_runtime::clock::FixedClock;
use pruner_runtime::{
    Backends, Cancellation, Policies, Policy, PolicyComponent, PruneComponent, Pruner,
};

use crate::daemon::BenchDaemon;
use crate::measure::{self, Comparison};
use crate::{native, workload};

/// A comparison and how many objects each run removed.
pub struct PruneRun {
    /// The times.
    pub comparison: Comparison,
    /// Objects removed by each run.
    pub removed: usize,
}

/// Container prune of `count` containers, `samples` runs of each side.
pub fn containers(pruner: &Pruner, count: usize, samples: usize) -> PruneRun {
    let daemon = Arc::new(workload::containers(count));
    let backends = backends(&daemon);
    let filters = workload::filters();
    let cancel = Cancellation::default();

    daemon.reset();
    let expected = native::prune_containers(&backends, &filters, &cancel)
        .expect("the native container prune succeeds");
    daemon.reset();
    let report = pruner
        .prune_containers(&backends, &filters, &cancel)
        .expect("the component's container prune succeeds");
    assert_eq!(report.containers_deleted, expected.containers_deleted);
    assert_eq!(report.space_reclaimed, expected.space_reclaimed);
    assert_eq!(daemon.logged(), (report.containers_deleted.len() + 1, 0));

    let comparison = measure::compare(
        samples,
        || {
            daemon.reset();
            measure::time(|| native::prune_containers(&backends, &filters, &cancel)).0
        },
        || {
            daemon.reset();
            measure::time(|| pruner.prune_containers(&backends, &filters, &cancel)).0
        },
    );
    PruneRun {
        comparison,
        removed: expected.containers_deleted.len(),
    }
}

/// What the policy benchmark's runs removed and kept.
pub struct PolicyRun {
    /// The times: without the policy as the baseline, with it as the other side.
    pub comparison: Comparison,
    /// Containers removed by the prune without the policy.
    pub removed: usize,
    /// Containers the policy kept of those.
    pub kept: usize,
}

/// Container prune of `count` containers narrowed by `keep-recent` (the 500 newest of each
/// compose project) against the same prune without a policy, both through `component`.
pub fn policy(component: &PruneComponent, count: usize, samples: usize) -> PolicyRun {
    let daemon = Arc::new(workload::containers(count));
    let backends = backends(&daemon);
    let filters = workload::filters();
    let cancel = Cancellation::default();
    let plain = Pruner::new(component.clone());
    let keep_recent =
        PolicyComponent::shipped(component.engines(), "keep-recent").expect("keep-recent loads");
    let options = [
        ("keep", "500"),
        ("group-by", "label:com.docker.compose.project"),
    ];
    let narrowed = Pruner::new(component.clone())
        .with_policies(Policies::new(vec![Policy::new(keep_recent, options)]));

    daemon.reset();
    let all = plain
        .prune_containers(&backends, &filters, &cancel)
        .expect("the prune without a policy succeeds");
    daemon.reset();
    let fewer = narrowed
        .prune_containers(&backends, &filters, &cancel)
        .expect("the prune with keep-recent succeeds");
    let removed: HashSet<&String> = all.containers_deleted.iter().collect();
    assert!(fewer.containers_deleted.len() < removed.len());
    assert!(
        fewer
            .containers_deleted
            .iter()
            .all(|id| removed.contains(id))
    );

    let comparison = measure::compare(
        samples,
        || {
            daemon.reset();
            measure::time(|| plain.prune_containers(&backends, &filters, &cancel)).0
        },
        || {
            daemon.reset();
            measure::time(|| narrowed.prune_containers(&backends, &filters, &cancel)).0
        },
    );
    PolicyRun {
        comparison,
        removed: all.containers_deleted.len(),
        kept: all.containers_deleted.len() - fewer.containers_deleted.len(),
    }
}

/// Network prune of `local` local and `cluster` swarm networks, `samples` runs of each side.
pub fn networks(pruner: &Pruner, local: usize, cluster: usize, samples: usize) -> PruneRun {
    let daemon = Arc::new(workload::networks(local, cluster));
    let backends = backends(&daemon);
    let filters = workload::filters();
    let cancel = Cancellation::default();

    daemon.reset();
    let expected = native::prune_networks(&backends, &filters, &cancel)
        .expect("the native network prune succeeds");
    daemon.reset();
    let report = pruner
        .prune_networks(&backends, &filters, &cancel)
        .expect("the component's network prune succeeds");
    assert_eq!(report.networks_deleted, expected.networks_deleted);

    let comparison = measure::compare(
        samples,
        || {
            daemon.reset();
            measure::time(|| native::prune_networks(&backends, &filters, &cancel)).0
        },
        || {
            daemon.reset();
            measure::time(|| pruner.prune_networks(&backends, &filters, &cancel)).0
        },
    );
    PruneRun {
        comparison,
        removed: expected.networks_deleted.len(),
    }
}

/// The daemon's four interfaces, its log and the benchmarks' clock.
pub fn backends(daemon: &Arc<BenchDaemon>) -> Backends {
    Backends::from_daemon(daemon.clone())
        .with_clock(Arc::new(FixedClock(workload::now())))
        .with_log(daemon.clone())
}

#[cfg(test)]
mod tests {
    use pruner_runtime::{Engines, PruneComponent, Pruner};

    /// What every benchmark asserts before timing: the component and the native rules remove
    /// the same objects of the benchmarks' daemons.
    #[test]
    fn the_component_and_the_native_rules_agree_on_the_workloads() {
        let engines = Engines::builder().build();
        let pruner =
            Pruner::new(PruneComponent::builtin(&engines).expect("the component compiles"));
        assert!(super::containers(&pruner, 300, 1).removed > 0);
        assert!(super::networks(&pruner, 300, 30, 1).removed > 0);
    }
}

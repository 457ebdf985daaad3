//! The daemons and filters the benchmarks prune: mixed states, labels, ages and refusals, made
//! deterministically from each object's index.

use chrono::{DateTime, FixedOffset};
use pruner_runtime::Filters;
use pruner_runtime::bindings::{
    ClusterNetwork, Container, ContainerState, Label, Network, Timestamp,
};

use crate::daemon::BenchDaemon;

/// The daemon's clock in every benchmark.
pub const NOW: &str = "2026-11-27T12:00:00+01:00";

/// How far back the objects' creation times go: ten days.
const AGE_SPAN_SECONDS: u64 = 10 * 24 * 3600;

/// The daemon's clock as a time.
pub fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(NOW).expect("NOW is RFC 3339")
}

/// The filters of every prune: all three keys prune accepts, `label` (a key most objects
/// have), `label!` (a value a tenth have) and `until` (a Go duration; a tenth are newer).
pub fn filters() -> Filters {
    let mut filters = Filters::new();
    filters.add("label", "com.docker.compose.project");
    filters.add("label!", "keep=true");
    filters.add("until", "24h");
    filters
}

/// A daemon with `count` containers: 3 in 8 running, paused or restarting, the rest created,
/// exited or dead; four in five with the project label, one in ten marked `keep=true`.
pub fn containers(count: usize) -> BenchDaemon {
    BenchDaemon::new(container_list(count), Vec::new(), Vec::new())
}

/// The containers of [`containers`], each with the size of its layer (-1: a failed lookup).
pub fn container_list(count: usize) -> Vec<(Container, i64)> {
    (0..count)
        .map(|i| {
            let container = Container {
                id: object_id(i as u64),
                names: vec![format!("bench_container_{i}")],
                created: created(i as u64),
                state: match i % 8 {
                    0 => ContainerState::Running,
                    1 => ContainerState::Paused,
                    2 => ContainerState::Restarting,
                    3 => ContainerState::Created,
                    4 => ContainerState::Dead,
                    _ => ContainerState::Exited,
                },
                labels: labels(i),
            };
            let size = if i % 7 == 0 {
                -1
            } else {
                (i % 1000) as i64 * 4096
            };
            (container, size)
        })
        .collect()
}

/// A daemon with `local` local networks (the predefined ones among them, one in ten with
/// endpoints, one in twenty-five config-only) and `cluster` swarm networks (the ingress network
/// and one in ten in use by a service).
pub fn networks(local: usize, cluster: usize) -> BenchDaemon {
    const PREDEFINED: [&str; 3] = ["bridge", "host", "none"];
    let networks = (0..local)
        .map(|i| Network {
            id: object_id(i as u64),
            name: PREDEFINED
                .get(i)
                .map_or_else(|| format!("bench_network_{i}"), |name| name.to_string()),
            created: created(i as u64),
            labels: labels(i),
            config_only: i % 25 == 2,
            endpoints: if i % 10 == 1 { 3 } else { 0 },
        })
        .collect();
    let cluster_networks = (0..cluster)
        .map(|i| {
            let id = object_id((local + i) as u64);
            let network = ClusterNetwork {
                id,
                name: if i == 0 {
                    "ingress".to_string()
                } else {
                    format!("bench_swarm_network_{i}")
                },
                created: created((local + i) as u64),
                labels: labels(i),
                ingress: i == 0,
            };
            let service = (i % 10 == 3).then(|| format!("service{i:021}"));
            (network, service)
        })
        .collect();
    BenchDaemon::new(Vec::new(), networks, cluster_networks)
}

/// A 64-hex ID, spread like Docker's random ones.
fn object_id(index: u64) -> String {
    (0..4)
        .map(|part| format!("{:016x}", mix(index * 4 + part)))
        .collect()
}

/// Within the last [`AGE_SPAN_SECONDS`], with nanoseconds.
fn created(index: u64) -> Timestamp {
    let now = now().timestamp();
    let random = mix(index ^ 0x5eed);
    Timestamp {
        seconds: now - (random % AGE_SPAN_SECONDS) as i64,
        nanoseconds: (random >> 32) as u32 % 1_000_000_000,
    }
}

/// Three or four labels, as compose and image labels make them.
fn labels(index: usize) -> Vec<Label> {
    let label = |key: &str, value: String| Label {
        key: key.to_string(),
        value,
    };
    let mut labels = vec![
        label(
            "com.example.env",
            ["prod", "dev", "test"][index % 3].to_string(),
        ),
        label("maintainer", "team@example.com".to_string()),
    ];
    if !index.is_multiple_of(5) {
        labels.push(label(
            "com.docker.compose.project",
            format!("project{}", index % 20),
        ));
    }
    if index.is_multiple_of(10) {
        labels.push(label("keep", "true".to_string()));
    }
    labels
}

/// splitmix64: a well-spread 64-bit value for each index.
fn mix(index: u64) -> u64 {
    let mut z = index.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

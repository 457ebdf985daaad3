//! The built-in component is charged and blamed for its own doing only: the host's backend time
//! is not its CPU time, texts the host handed it may be quoted back in full, and its faults are
//! never called a plugin's.

use std::time::Duration;

use pruner_runtime::bindings::{ContainerPruneReport, ContainerState};
use pruner_runtime::{Cancellation, DockerError, Filters, Limits, PluginFault, PruneError, Pruner};

use super::daemon::Daemon;
use super::{builtin, id, prune_containers};

/// A daemon of stopped containers `c1`… `c<count>`, 100 bytes each, created at the same time
/// (so pruned in this order).
fn stopped(count: usize) -> Daemon {
    (1..=count).fold(Daemon::new(), |daemon, n| {
        daemon.container(&id(&format!("c{n}")), ContainerState::Exited, 100)
    })
}

#[test]
fn the_backends_cpu_time_is_not_charged_to_the_component() {
    let pruner = Pruner::new(builtin()).with_limits(Limits {
        cpu_time: Duration::from_millis(200),
        ..Limits::default()
    });
    // 500 ms of the prune thread's CPU time in the backend, over twice the limit.
    let daemon = stopped(5).sizing_burns(Duration::from_millis(100));

    let report = prune_containers(&pruner, &daemon).unwrap();
    assert_eq!(report.containers_deleted.len(), 5);
    assert_eq!(report.space_reclaimed, 500);
    assert_eq!(daemon.container_ids(), Vec::<String>::new());
}

#[test]
fn its_faults_are_the_built_in_components_not_a_plugins() {
    let pruner = Pruner::new(builtin()).with_limits(Limits {
        wall_time: Duration::from_millis(100),
        ..Limits::default()
    });
    let daemon = stopped(2).sizing_sleeps(Duration::from_millis(300));

    let err = prune_containers(&pruner, &daemon).unwrap_err();
    assert_eq!(
        err,
        PruneError::Builtin(PluginFault::WallTime(Duration::from_millis(100)))
    );
    assert_eq!(
        err.to_string(),
        "the built-in prune component exceeded its wall-clock time limit (100ms)"
    );
    assert_eq!(err.status_code(), 500);
    assert_eq!(daemon.sized(), [id("c1")]);
    assert_eq!(daemon.container_ids(), [id("c1"), id("c2")]);

    let tiny = Limits {
        memory_bytes: 64 << 10,
        ..Limits::default()
    };
    let err = builtin()
        .check_instantiation(&daemon.backends(), tiny)
        .unwrap_err();
    assert_eq!(err, PruneError::Builtin(PluginFault::Memory(64 << 10)));
    assert_eq!(
        err.to_string(),
        "the built-in prune component exceeded its memory limit (65536 bytes)"
    );
}

#[test]
fn a_backend_error_over_64_kib_is_the_daemons_error_as_docker_gives_it() {
    let long = "no snapshot: ".repeat(6_000);
    assert!(long.len() > 64 << 10);
    let pruner = Pruner::new(builtin());
    let daemon = stopped(2).sizing_fails(&id("c1"), &long);

    assert_eq!(
        prune_containers(&pruner, &daemon),
        Err(PruneError::Daemon(DockerError::System(long.clone())))
    );
    assert_eq!(daemon.container_ids(), [id("c1"), id("c2")]);

    // A removal's error is quoted in a warning, and the prune goes on.
    let daemon = stopped(2).removal_fails(&id("c1"), &long);
    assert_eq!(
        prune_containers(&pruner, &daemon),
        Ok(ContainerPruneReport {
            containers_deleted: vec![id("c2")],
            space_reclaimed: 100,
        })
    );
    assert_eq!(
        daemon.warnings(),
        [format!("failed to prune container {}: {long}", id("c1"))]
    );
}

#[test]
fn an_until_filter_of_130000_characters_gets_dockers_error_quoting_it() {
    let pruner = Pruner::new(builtin());
    let daemon = stopped(1);
    let prune = |value: &str| {
        let mut filters = Filters::new();
        filters.add("until", value);
        pruner.prune_containers(&daemon.backends(), &filters, &Cancellation::default())
    };

    let word = "a".repeat(130_000);
    assert_eq!(
        prune(&word),
        Err(PruneError::Returned(DockerError::InvalidParameter(
            format!("failed to parse value as time or duration: \"{word}\"")
        )))
    );
    // Go's time.ParseError quotes the value twice.
    let date = format!("2006-01-02T{word}");
    assert_eq!(
        prune(&date),
        Err(PruneError::Returned(DockerError::InvalidParameter(
            format!(
                "parsing time \"{date}\" as \"2006-01-02T15\": cannot parse \"{word}\" as \"15\""
            )
        )))
    );
    assert_eq!(daemon.container_ids(), [id("c1")]);
}

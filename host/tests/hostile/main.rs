//! The hostile fixtures (`fixtures/components`), one module each: every attack ends the way
//! the README's table says, the daemon keeps what it must, the guard is released and the next
//! prune succeeds. Every fixture must have a module of its name here, or this file does not
//! compile (see the end of the file).

mod daemon;
mod hostile_policy;
mod plugin_flag;

use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use pruner::backend::ContainerStore;
use pruner::bindings::{
    Container, ContainerPruneReport, ContainerState, Error, NetworkPruneReport,
};
use pruner::fault::Trapped;
use pruner::invariants::Violation;
use pruner::{
    Backends, Cancellation, Filters, Limits, PluginFault, PruneComponent, PruneError, Pruner,
};

use daemon::Daemon;

/// A fixture compiled once per test binary (compiling is slow in debug builds).
fn plugin(bytes: &'static [u8]) -> PruneComponent {
    static COMPILED: LazyLock<Mutex<HashMap<usize, PruneComponent>>> =
        LazyLock::new(Mutex::default);
    let mut compiled = COMPILED.lock().unwrap_or_else(|e| e.into_inner());
    compiled
        .entry(bytes.as_ptr() as usize)
        .or_insert_with(|| PruneComponent::from_bytes(bytes).expect("the fixture loads"))
        .clone()
}

/// The built-in component, compiled once per test binary.
fn builtin() -> PruneComponent {
    static BUILTIN: LazyLock<PruneComponent> =
        LazyLock::new(|| PruneComponent::builtin().expect("the built-in component loads"));
    BUILTIN.clone()
}

/// A container prune with no filters and no cancellation.
fn prune_containers(pruner: &Pruner, daemon: &Daemon) -> Result<ContainerPruneReport, PruneError> {
    pruner.prune_containers(
        &daemon.backends(),
        &Filters::new(),
        &Cancellation::default(),
    )
}

/// A network prune with no filters and no cancellation.
fn prune_networks(pruner: &Pruner, daemon: &Daemon) -> Result<NetworkPruneReport, PruneError> {
    pruner.prune_networks(
        &daemon.backends(),
        &Filters::new(),
        &Cancellation::default(),
    )
}

/// A 64-hex container ID made from a short name.
fn id(name: &str) -> String {
    let hex: String = name.bytes().map(|b| format!("{b:02x}")).collect();
    format!("{hex:0<64}")
}

/// A daemon with one stopped container (`exited`, 1000 bytes) and one unused network (`old`).
fn prunable() -> Daemon {
    Daemon::new()
        .container(&id("exited"), ContainerState::Exited, 1000)
        .network("old")
}

/// After a faulty prune: the guard is free, and the built-in component prunes `daemon` as
/// usual.
fn assert_next_prune_succeeds(pruner: &Pruner, daemon: &Daemon) {
    assert!(!pruner.guard().is_held());
    let builtin = Pruner::new(builtin());
    assert_eq!(
        prune_containers(&builtin, daemon),
        Ok(ContainerPruneReport {
            containers_deleted: vec![id("exited")],
            space_reclaimed: 1000,
        })
    );
    assert_eq!(
        prune_networks(&builtin, daemon),
        Ok(NetworkPruneReport {
            networks_deleted: vec!["old".to_string()],
        })
    );
}

mod endless_loop {
    use super::*;

    #[test]
    fn is_stopped_at_its_cpu_time_limit_and_the_next_prune_succeeds() {
        let limits = Limits {
            cpu_time: Duration::from_millis(50),
            ..Limits::default()
        };
        let pruner = Pruner::new(plugin(pruner_fixtures::ENDLESS_LOOP)).with_limits(limits);
        let daemon = prunable();

        let err = prune_containers(&pruner, &daemon).unwrap_err();
        assert_eq!(
            err,
            PruneError::Plugin(PluginFault::CpuTime(Duration::from_millis(50)))
        );
        assert_eq!(
            err.to_string(),
            "prune plugin exceeded its CPU time limit (50ms)"
        );
        assert_eq!(err.status_code(), 500);
        assert_eq!(
            prune_networks(&pruner, &daemon).unwrap_err(),
            PruneError::Plugin(PluginFault::CpuTime(Duration::from_millis(50)))
        );
        assert_eq!(daemon.container_ids(), [id("exited")]);
        assert_next_prune_succeeds(&pruner, &daemon);
    }

    #[test]
    fn is_stopped_at_its_fuel_limit_when_one_is_set() {
        let limits = Limits {
            fuel: Some(1_000_000),
            ..Limits::default()
        };
        let pruner = Pruner::new(plugin(pruner_fixtures::ENDLESS_LOOP)).with_limits(limits);

        let err = prune_containers(&pruner, &prunable()).unwrap_err();
        assert_eq!(err, PruneError::Plugin(PluginFault::Fuel(1_000_000)));
        assert_eq!(
            err.to_string(),
            "prune plugin exceeded its fuel limit (1000000 units)"
        );
        assert!(!pruner.guard().is_held());
    }
}

mod memory_bomb {
    use super::*;

    #[test]
    fn is_stopped_at_its_memory_limit_and_the_next_prune_succeeds() {
        let limits = Limits {
            memory_bytes: 32 << 20,
            ..Limits::default()
        };
        let pruner = Pruner::new(plugin(pruner_fixtures::MEMORY_BOMB)).with_limits(limits);
        let daemon = prunable();

        let err = prune_containers(&pruner, &daemon).unwrap_err();
        assert_eq!(err, PruneError::Plugin(PluginFault::Memory(32 << 20)));
        assert_eq!(
            err.to_string(),
            "prune plugin exceeded its memory limit (33554432 bytes)"
        );
        assert_eq!(
            prune_networks(&pruner, &daemon).unwrap_err(),
            PruneError::Plugin(PluginFault::Memory(32 << 20))
        );
        assert_next_prune_succeeds(&pruner, &daemon);
    }

    #[test]
    fn is_stopped_at_the_default_memory_limit() {
        let pruner = Pruner::new(plugin(pruner_fixtures::MEMORY_BOMB));

        assert_eq!(
            prune_containers(&pruner, &prunable()).unwrap_err(),
            PruneError::Plugin(PluginFault::Memory(256 << 20))
        );
    }
}

mod deep_recursion {
    use super::*;

    #[test]
    fn is_stopped_at_the_stack_limit_and_the_next_prune_succeeds() {
        let pruner = Pruner::new(plugin(pruner_fixtures::DEEP_RECURSION));
        let daemon = prunable();

        let err = prune_containers(&pruner, &daemon).unwrap_err();
        assert_eq!(err, PruneError::Plugin(PluginFault::Stack));
        assert_eq!(err.to_string(), "prune plugin exceeded its stack limit");
        assert_eq!(
            prune_networks(&pruner, &daemon).unwrap_err(),
            PruneError::Plugin(PluginFault::Stack)
        );
        assert_next_prune_succeeds(&pruner, &daemon);
    }
}

mod panics {
    use super::*;

    #[test]
    fn traps_with_its_panic_message_and_the_next_prune_succeeds() {
        let pruner = Pruner::new(plugin(pruner_fixtures::PANICS));
        let daemon = prunable();

        let err = prune_containers(&pruner, &daemon).unwrap_err();
        assert_eq!(
            err,
            PruneError::Plugin(PluginFault::Trap(Trapped {
                trap: "wasm `unreachable` instruction executed".to_string(),
                stderr: "thread '<unnamed>' (1) panicked at panics/src/lib.rs:9:9: policy bug: \
                         no rule for containers note: run with `RUST_BACKTRACE=1` environment \
                         variable to display a backtrace"
                    .to_string(),
            }))
        );
        assert!(
            err.to_string().starts_with(
                "prune plugin trapped: wasm `unreachable` instruction executed; its stderr: \
                 thread '<unnamed>' (1) panicked at panics/src/lib.rs:9:9: policy bug: no rule \
                 for containers"
            ),
            "{err}"
        );
        assert_next_prune_succeeds(&pruner, &daemon);
    }
}

mod removes_everything {
    use super::*;

    /// A container of each state, named after it.
    fn daemon() -> Daemon {
        [
            ("created", ContainerState::Created),
            ("running", ContainerState::Running),
            ("paused", ContainerState::Paused),
            ("restarting", ContainerState::Restarting),
            ("exited", ContainerState::Exited),
            ("dead", ContainerState::Dead),
        ]
        .into_iter()
        .fold(Daemon::new(), |daemon, (name, state)| {
            daemon.container(&id(name), state, 10)
        })
        .network("bridge")
        .network("host")
        .network("none")
        .network("default")
        .network("old")
        .cluster_network("ingress", true)
        .cluster_network("overlay", false)
    }

    #[test]
    fn cannot_remove_running_paused_or_restarting_containers() {
        let pruner = Pruner::new(plugin(pruner_fixtures::REMOVES_EVERYTHING));
        let daemon = daemon();

        let err = prune_containers(&pruner, &daemon).unwrap_err();
        assert_eq!(
            err,
            PruneError::Plugin(PluginFault::Violation(Violation::ActiveContainer {
                id: id("running"),
                state: ContainerState::Running,
            }))
        );
        assert_eq!(
            err.to_string(),
            format!(
                "prune plugin broke a host rule: it tried to remove container {}, which is \
                 running",
                id("running")
            )
        );
        // The backend removes anything: only the host kept these from it, with Docker's texts.
        assert_eq!(daemon.removals(), [id("created"), id("exited"), id("dead")]);
        assert_eq!(
            daemon.warnings(),
            [
                format!(
                    "You cannot remove a running container {}. Stop the container before \
                     attempting removal or force remove",
                    id("running")
                ),
                format!(
                    "You cannot remove a paused container {}. Unpause and then stop the \
                     container before attempting removal or force remove",
                    id("paused")
                ),
                format!(
                    "You cannot remove a restarting container {}. Stop the container before \
                     attempting removal or force remove",
                    id("restarting")
                ),
            ]
        );
        assert_eq!(
            daemon.container_ids(),
            [id("running"), id("paused"), id("restarting")]
        );
        assert!(!pruner.guard().is_held());
    }

    #[test]
    fn cannot_remove_predefined_networks_or_the_ingress_network() {
        let pruner = Pruner::new(plugin(pruner_fixtures::REMOVES_EVERYTHING));
        let daemon = daemon();

        let err = prune_networks(&pruner, &daemon).unwrap_err();
        assert_eq!(
            err,
            PruneError::Plugin(PluginFault::Violation(Violation::IngressNetwork(
                "ingress".to_string()
            )))
        );
        assert_eq!(
            err.to_string(),
            "prune plugin broke a host rule: it tried to remove the swarm's ingress network \
             ingress"
        );
        assert_eq!(daemon.removals(), ["ovl-overlay", "net-old"]);
        assert_eq!(
            daemon.warnings(),
            [
                "ingress is the swarm's ingress network and cannot be pruned",
                "bridge is a pre-defined network and cannot be removed",
                "host is a pre-defined network and cannot be removed",
                "none is a pre-defined network and cannot be removed",
                "default is a pre-defined network and cannot be removed",
            ]
        );
        assert_eq!(
            daemon.network_names(),
            ["bridge", "host", "none", "default"]
        );
        assert_eq!(daemon.cluster_network_names(), ["ingress"]);
        assert!(!pruner.guard().is_held());
    }

    #[test]
    fn removes_nothing_once_the_prune_is_cancelled() {
        let pruner = Pruner::new(plugin(pruner_fixtures::REMOVES_EVERYTHING));
        let daemon = prunable();
        let cancel = Cancellation::default();
        cancel.cancel();

        let report = pruner.prune_containers(&daemon.backends(), &Filters::new(), &cancel);
        assert_eq!(
            report,
            Ok(ContainerPruneReport {
                containers_deleted: Vec::new(),
                space_reclaimed: 0,
            })
        );
        assert_eq!(daemon.removals(), Vec::<String>::new());
        assert_eq!(daemon.warnings(), ["context canceled"]);
        assert_next_prune_succeeds(&pruner, &daemon);
    }
}

mod removes_unknown_ids {
    use super::*;

    /// The container ID the fixture removes without listing.
    const GUESSED: &str = "5741b9b1e1b0f7bd1f4d8e2c9a6b3f0e5741b9b1e1b0f7bd1f4d8e2c9a6b3f0e";

    #[test]
    fn cannot_remove_what_the_backend_did_not_list_in_this_prune() {
        let pruner = Pruner::new(plugin(pruner_fixtures::REMOVES_UNKNOWN_IDS));
        let daemon = prunable()
            .container(GUESSED, ContainerState::Exited, 0)
            .network("guessed");

        let err = prune_containers(&pruner, &daemon).unwrap_err();
        assert_eq!(
            err,
            PruneError::Plugin(PluginFault::Violation(Violation::UnlistedContainer(
                GUESSED.to_string()
            )))
        );
        assert_eq!(
            err.to_string(),
            format!(
                "prune plugin broke a host rule: it tried to remove container {GUESSED}, which \
                 the backend did not list in this prune"
            )
        );
        assert_eq!(
            prune_networks(&pruner, &daemon).unwrap_err(),
            PruneError::Plugin(PluginFault::Violation(Violation::UnlistedNetwork(
                "net-guessed".to_string()
            )))
        );
        assert_eq!(daemon.removals(), Vec::<String>::new());
        assert_eq!(daemon.container_ids(), [id("exited"), GUESSED.to_string()]);
        assert_eq!(daemon.network_names(), ["old", "guessed"]);
    }
}

mod huge_report {
    use super::*;

    #[test]
    fn is_refused_at_the_report_size_limit_and_the_next_prune_succeeds() {
        let pruner = Pruner::new(plugin(pruner_fixtures::HUGE_REPORT));
        let daemon = prunable();

        let err = prune_containers(&pruner, &daemon).unwrap_err();
        assert_eq!(
            err,
            PruneError::Plugin(PluginFault::ReportEntries {
                limit: 1_000_000,
                returned: 2_000_000,
            })
        );
        assert_eq!(
            err.to_string(),
            "prune plugin exceeded its report size limit (1000000 entries; it returned 2000000)"
        );
        assert_next_prune_succeeds(&pruner, &daemon);
    }

    #[test]
    fn cannot_report_entries_it_did_not_remove_even_within_the_limit() {
        let limits = Limits {
            report_entries: 3_000_000,
            ..Limits::default()
        };
        let pruner = Pruner::new(plugin(pruner_fixtures::HUGE_REPORT)).with_limits(limits);

        assert_eq!(
            prune_containers(&pruner, &prunable()).unwrap_err(),
            PruneError::Plugin(PluginFault::Violation(Violation::Unremoved(String::new())))
        );
    }

    #[test]
    fn cannot_return_an_error_message_over_the_message_limit() {
        let pruner = Pruner::new(plugin(pruner_fixtures::HUGE_REPORT));

        let err = prune_networks(&pruner, &prunable()).unwrap_err();
        assert_eq!(err, PruneError::Plugin(PluginFault::MessageBytes(64 << 10)));
        assert_eq!(
            err.to_string(),
            "prune plugin exceeded its message size limit (65536 bytes)"
        );
    }
}

mod import_loop {
    use super::*;

    #[test]
    fn is_stopped_at_its_backend_call_limit_and_the_next_prune_succeeds() {
        let limits = Limits {
            backend_calls: 10_000,
            ..Limits::default()
        };
        let pruner = Pruner::new(plugin(pruner_fixtures::IMPORT_LOOP)).with_limits(limits);
        let daemon = prunable();

        let err = prune_containers(&pruner, &daemon).unwrap_err();
        assert_eq!(err, PruneError::Plugin(PluginFault::BackendCalls(10_000)));
        assert_eq!(
            err.to_string(),
            "prune plugin exceeded its backend call limit (10000 calls)"
        );
        assert_eq!(
            prune_networks(&pruner, &daemon).unwrap_err(),
            PruneError::Plugin(PluginFault::BackendCalls(10_000))
        );
        assert_next_prune_succeeds(&pruner, &daemon);
    }
}

mod reads_files {
    use pruner::sandbox::{ForbiddenImports, Grant};

    use super::*;

    #[test]
    fn is_refused_before_it_runs_naming_the_imports_pruner_does_not_grant() {
        let err = PruneComponent::from_bytes(pruner_fixtures::READS_FILES)
            .err()
            .expect("the fixture is refused");

        assert_eq!(
            err.downcast_ref::<ForbiddenImports>(),
            Some(&ForbiddenImports(vec![
                "wasi:clocks/wall-clock@0.2.6".to_string(),
                "wasi:filesystem/types@0.2.6".to_string(),
                "wasi:filesystem/preopens@0.2.6".to_string(),
            ]))
        );
        assert_eq!(
            err.to_string(),
            "the prune plugin imports `wasi:clocks/wall-clock@0.2.6`, \
             `wasi:filesystem/types@0.2.6`, `wasi:filesystem/preopens@0.2.6`, which pruner does \
             not grant (a plugin may import pruner:api's interfaces, wasi:io, wasi:cli's \
             environment, exit, standard streams and terminals, and wasi:random/insecure-seed)"
        );
    }

    #[test]
    fn reads_only_the_directory_the_embedder_grants() {
        let dir = std::env::temp_dir().join(format!("pruner-grant-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("shadow"), "a granted file").unwrap();
        let grants = [Grant::Directory {
            host: dir.clone(),
            guest: "/etc".to_string(),
        }];
        let component = PruneComponent::from_bytes_granting(pruner_fixtures::READS_FILES, &grants)
            .expect("granted, the fixture loads");

        let result = prune_containers(&Pruner::new(component), &prunable());
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            result,
            Err(PruneError::System("a granted file".to_string()))
        );
    }
}

mod inflates_report {
    use super::*;

    #[test]
    fn cannot_report_more_than_it_removed() {
        let pruner = Pruner::new(plugin(pruner_fixtures::INFLATES_REPORT));
        let daemon = prunable()
            .container(&id("second"), ContainerState::Exited, 2000)
            .network("newer");

        let err = prune_containers(&pruner, &daemon).unwrap_err();
        assert_eq!(
            err,
            PruneError::Plugin(PluginFault::Violation(Violation::Unremoved(id("second"))))
        );
        assert_eq!(
            err.to_string(),
            format!(
                "prune plugin broke a host rule: it reported {} as deleted but did not remove it",
                id("second")
            )
        );
        assert_eq!(
            prune_networks(&pruner, &daemon).unwrap_err(),
            PruneError::Plugin(PluginFault::Violation(Violation::Unremoved(
                "newer".to_string()
            )))
        );
        assert_eq!(daemon.container_ids(), [id("second")]);
        assert_eq!(daemon.network_names(), ["newer"]);
    }
}

mod forges_events {
    use super::*;

    #[test]
    fn cannot_log_events_for_what_it_did_not_remove() {
        let pruner = Pruner::new(plugin(pruner_fixtures::FORGES_EVENTS));
        let daemon = prunable();

        let err = prune_containers(&pruner, &daemon).unwrap_err();
        assert_eq!(
            err,
            PruneError::Plugin(PluginFault::Violation(Violation::ForgedEvent {
                event: "container destroy".to_string(),
                reclaimed: None,
            }))
        );
        assert_eq!(
            err.to_string(),
            "prune plugin broke a host rule: it logged a `container destroy` event; a plugin \
             may log only its prune's own `prune` event, once"
        );
        assert_eq!(
            prune_networks(&pruner, &daemon).unwrap_err(),
            PruneError::Plugin(PluginFault::Violation(Violation::ForgedEvent {
                event: "network prune".to_string(),
                reclaimed: Some("1000000".to_string()),
            }))
        );
        assert_eq!(daemon.events(), Vec::<(String, String)>::new());
        assert_next_prune_succeeds(&pruner, &daemon);
    }
}

/// A container store whose `list` panics, as a buggy backend might.
struct PanickingStore;

impl ContainerStore for PanickingStore {
    fn list(&self) -> Result<Vec<Container>, Error> {
        panic!("backend bug")
    }

    fn layer_size(&self, _: &str) -> Result<i64, Error> {
        Ok(0)
    }

    fn remove(&self, _: &str) -> Result<(), Error> {
        Ok(())
    }
}

#[test]
fn the_guard_is_released_when_a_backend_panics_during_a_prune() {
    let pruner = Pruner::new(builtin());
    let backends = Backends {
        containers: Arc::new(PanickingStore),
        ..Daemon::new().backends()
    };

    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        pruner.prune_containers(&backends, &Filters::new(), &Cancellation::default())
    }));
    assert_eq!(
        outcome.unwrap_err().downcast_ref::<&str>(),
        Some(&"backend bug")
    );
    assert!(!pruner.guard().is_held());
    assert_eq!(
        prune_networks(&pruner, &prunable()),
        Ok(NetworkPruneReport {
            networks_deleted: vec!["old".to_string()],
        })
    );
}

/// Fails to compile unless this file has a module named after each fixture.
macro_rules! assert_fixture_has_tests {
    ($name:ident) => {
        #[allow(unused_imports)]
        use self::$name as _;
    };
}
pruner_fixtures::foreach_fixture!(assert_fixture_has_tests);

#[test]
fn every_fixture_is_a_component_of_some_size() {
    for (name, bytes) in pruner_fixtures::FIXTURES {
        assert!(bytes.starts_with(b"\0asm"), "{name} is not wasm");
    }
    assert_eq!(pruner_fixtures::FIXTURES.len(), 12);
}

//! The hostile fixtures (`tests/fixtures/components`), one module each: every attack ends the way
//! the README's table says, the daemon keeps what it must, the guard is released and the next
//! prune succeeds. Every fixture must have a module of its name here, or this file does not
//! compile (see the end of the file).

#![allow(unsafe_code, reason = "signals sent to a child process (kill)")]

mod backend_text;
mod builtin;
mod compile_cache;
mod daemon;
mod hostile_policy;
mod hostile_sdk_policy;
mod loading;
mod plugin_flag;
mod scratch;

use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use pruner_runtime::backend::ContainerStore;
use pruner_runtime::bindings::{
    Container, ContainerPruneReport, ContainerState, Error, NetworkPruneReport,
};
use pruner_runtime::fault::Trapped;
use pruner_runtime::invariants::Violation;
use pruner_runtime::{
    Backends, Cancellation, DockerError, Engines, Filters, Limits, LoadError, Mode, PluginFault,
    PruneComponent, PruneError, PruneOptions, Pruner,
};

use daemon::Daemon;

/// The engines of this test binary's components.
fn engines() -> &'static Engines {
    static ENGINES: LazyLock<Engines> = LazyLock::new(|| Engines::builder().build());
    &ENGINES
}

/// A fixture compiled once per test binary (compiling is slow in debug builds).
fn plugin(bytes: &'static [u8]) -> PruneComponent {
    static COMPILED: LazyLock<Mutex<HashMap<usize, PruneComponent>>> =
        LazyLock::new(Mutex::default);
    let mut compiled = COMPILED.lock().unwrap_or_else(|e| e.into_inner());
    compiled
        .entry(bytes.as_ptr() as usize)
        .or_insert_with(|| PruneComponent::from_bytes(engines(), bytes).expect("the fixture loads"))
        .clone()
}

/// The built-in component, compiled once per test binary.
fn builtin() -> PruneComponent {
    static BUILTIN: LazyLock<PruneComponent> =
        LazyLock::new(|| PruneComponent::builtin(engines()).expect("the built-in component loads"));
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

/// A dry run of a container prune with no filters and no cancellation.
fn dry_run_containers(
    pruner: &Pruner,
    daemon: &Daemon,
) -> Result<ContainerPruneReport, PruneError> {
    let options = PruneOptions {
        mode: Mode::DryRun,
        progress: None,
    };
    pruner
        .prune_containers_with(
            &daemon.backends(),
            &Filters::new(),
            &Cancellation::default(),
            &options,
        )
        .map(|pruned| pruned.report)
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
    fn a_dry_run_breaks_the_same_rule_and_removes_nothing() {
        let pruner = Pruner::new(plugin(pruner_fixtures::REMOVES_EVERYTHING));
        let daemon = daemon();

        assert_eq!(
            dry_run_containers(&pruner, &daemon),
            Err(PruneError::Plugin(PluginFault::Violation(
                Violation::ActiveContainer {
                    id: id("running"),
                    state: ContainerState::Running,
                }
            )))
        );
        assert_eq!(daemon.removals(), Vec::<String>::new());
        assert_eq!(daemon.container_ids().len(), 6);
        assert_eq!(daemon.events(), []);
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
    use pruner_runtime::sandbox::ForbiddenImports;

    use super::*;

    #[test]
    fn is_refused_before_it_runs_naming_the_imports_pruner_does_not_grant() {
        let err = PruneComponent::from_bytes(engines(), pruner_fixtures::READS_FILES)
            .err()
            .expect("the fixture is refused");

        let LoadError::Forbidden(forbidden) = &err else {
            panic!("refused for another reason: {err:?}");
        };
        assert_eq!(
            forbidden,
            &ForbiddenImports(vec![
                "wasi:clocks/wall-clock@0.2.6".to_string(),
                "wasi:filesystem/types@0.2.6".to_string(),
                "wasi:filesystem/preopens@0.2.6".to_string(),
            ])
        );
        assert_eq!(
            err.to_string(),
            "the prune plugin imports `wasi:clocks/wall-clock@0.2.6`, \
             `wasi:filesystem/types@0.2.6`, `wasi:filesystem/preopens@0.2.6`, which pruner does \
             not grant (a plugin may import pruner:api's interfaces, wasi:io, wasi:cli's \
             environment, exit, standard streams and terminals, and wasi:random/insecure-seed)"
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

    #[test]
    fn cannot_report_more_than_a_dry_run_withheld() {
        let pruner = Pruner::new(plugin(pruner_fixtures::INFLATES_REPORT));
        let daemon = prunable().container(&id("second"), ContainerState::Exited, 2000);

        assert_eq!(
            dry_run_containers(&pruner, &daemon),
            Err(PruneError::Plugin(PluginFault::Violation(
                Violation::Unremoved(id("second"))
            )))
        );
        assert_eq!(daemon.removals(), Vec::<String>::new());
        assert_eq!(daemon.container_ids(), [id("exited"), id("second")]);
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
             may log only its prune's own `prune` event, once, with its reclaimed bytes in \
             canonical decimal"
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

mod sizes_in_a_loop {
    use super::*;

    /// Limits under which only the wall-clock limit can stop the fixture.
    fn wall_clock_only(wall_time: Duration) -> Limits {
        Limits {
            cpu_time: Duration::from_secs(3600),
            wall_time,
            backend_calls: u64::MAX,
            ..Limits::default()
        }
    }

    /// A daemon of three stopped containers.
    fn daemon() -> Daemon {
        ["a", "b", "c"]
            .into_iter()
            .fold(Daemon::new(), |daemon, name| {
                daemon.container(&id(name), ContainerState::Exited, 10)
            })
    }

    #[test]
    fn is_stopped_at_its_wall_clock_limit_and_each_container_is_sized_once() {
        let limits = wall_clock_only(Duration::from_secs(1));
        let pruner = Pruner::new(plugin(pruner_fixtures::SIZES_IN_A_LOOP)).with_limits(limits);
        let daemon = daemon().sizing_sleeps(Duration::from_millis(20));

        let err = prune_containers(&pruner, &daemon).unwrap_err();
        assert_eq!(
            err,
            PruneError::Plugin(PluginFault::WallTime(Duration::from_secs(1)))
        );
        assert_eq!(
            err.to_string(),
            "prune plugin exceeded its wall-clock time limit (1s)"
        );
        // Asked over and over, the backend was asked once per container.
        assert_eq!(daemon.sized(), [id("a"), id("b"), id("c")]);
        assert_eq!(daemon.container_ids(), [id("a"), id("b"), id("c")]);
        assert!(!pruner.guard().is_held());
    }

    #[test]
    fn a_backend_answering_after_the_wall_clock_limit_ends_the_prune_there() {
        let limits = wall_clock_only(Duration::from_millis(100));
        let pruner = Pruner::new(plugin(pruner_fixtures::SIZES_IN_A_LOOP)).with_limits(limits);
        let daemon = daemon().sizing_sleeps(Duration::from_millis(300));

        assert_eq!(
            prune_networks(&pruner, &daemon).unwrap_err(),
            PruneError::Plugin(PluginFault::WallTime(Duration::from_millis(100)))
        );
        assert_eq!(daemon.sized(), [id("a")]);
        assert_next_prune_succeeds(&pruner, &prunable());
    }

    #[test]
    fn is_stopped_at_its_backend_call_limit_having_sized_each_container_once() {
        let limits = Limits {
            backend_calls: 1000,
            ..Limits::default()
        };
        let pruner = Pruner::new(plugin(pruner_fixtures::SIZES_IN_A_LOOP)).with_limits(limits);
        let daemon = daemon();

        assert_eq!(
            prune_containers(&pruner, &daemon).unwrap_err(),
            PruneError::Plugin(PluginFault::BackendCalls(1000))
        );
        assert_eq!(daemon.sized(), [id("a"), id("b"), id("c")]);
    }
}

mod ignores_cancellation {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};

    use serde_json::{Value, json};

    use super::*;

    /// The fixture's warning once its removals are done.
    const LOOPING: &str = "removed what it could; now looping without checking cancellation";

    #[test]
    fn is_interrupted_once_cancelled_and_the_prune_returns_what_was_removed() {
        let pruner = Pruner::new(plugin(pruner_fixtures::IGNORES_CANCELLATION));
        let cancel = Cancellation::default();
        let daemon = Daemon::new()
            .container(&id("running"), ContainerState::Running, 1)
            .container(&id("old"), ContainerState::Exited, 1000)
            .container(&id("older"), ContainerState::Exited, 2000)
            .network("unused")
            .cancel_on_warning(&cancel);

        let report = pruner.prune_containers(&daemon.backends(), &Filters::new(), &cancel);
        assert_eq!(
            report,
            Ok(ContainerPruneReport {
                containers_deleted: vec![id("old"), id("older")],
                space_reclaimed: 0,
            })
        );
        assert_eq!(
            pruner.prune_networks(&daemon.backends(), &Filters::new(), &cancel),
            Ok(NetworkPruneReport {
                networks_deleted: Vec::new(),
            })
        );
        assert_eq!(daemon.container_ids(), [id("running")]);
        assert_eq!(daemon.network_names(), ["unused"]);
        assert_eq!(daemon.warnings(), [LOOPING, LOOPING]);
        assert_eq!(daemon.events(), Vec::<(String, String)>::new());
        assert!(!pruner.guard().is_held());
    }

    #[test]
    fn a_network_prune_is_interrupted_too_with_the_names_it_removed() {
        let pruner = Pruner::new(plugin(pruner_fixtures::IGNORES_CANCELLATION));
        let cancel = Cancellation::default();
        let daemon = Daemon::new()
            .network("first")
            .network("second")
            .cancel_on_warning(&cancel);

        assert_eq!(
            pruner.prune_networks(&daemon.backends(), &Filters::new(), &cancel),
            Ok(NetworkPruneReport {
                networks_deleted: vec!["first".to_string(), "second".to_string()],
            })
        );
        assert_eq!(daemon.events(), Vec::<(String, String)>::new());
    }

    /// Runs `pruner container prune -f --plugin ignores-cancellation` on a state with a running
    /// and a stopped container, sends `signal` once the plugin says it loops, and checks the
    /// outcome: the partial report, the exit code, the state file.
    fn interrupted_cli_prune(signal: i32, name: &str, code: i32) {
        let dir = std::env::temp_dir();
        let plugin = dir.join(format!("pruner-{}-{name}.wasm", std::process::id()));
        std::fs::write(&plugin, pruner_fixtures::IGNORES_CANCELLATION).unwrap();
        let container = |name: &str, state: &str| {
            json!({"id": id(name), "name": name, "created": "2026-11-20T10:00:00Z",
                   "state": state, "size_rw": 10})
        };
        let state =
            json!({"containers": [container("web", "running"), container("old", "exited")]});
        let path = dir.join(format!("pruner-{}-{name}.json", std::process::id()));
        std::fs::write(&path, state.to_string()).unwrap();

        let mut child = Command::new(env!("CARGO_BIN_EXE_pruner"))
            .args([
                "container",
                "prune",
                "-f",
                "--now",
                "2026-11-27T12:00:00Z",
                "--plugin",
            ])
            .arg(&plugin)
            .arg("--state")
            .arg(&path)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("pruner starts");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut warning = String::new();
        stderr.read_line(&mut warning).unwrap();
        assert_eq!(warning, format!(" WARN {LOOPING}\n"));
        let pid = i32::try_from(child.id()).unwrap();
        // SAFETY: `pid` is our own child, still running (it is only waited for below).
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
        let mut rest = String::new();
        stderr.read_to_string(&mut rest).unwrap();
        let output = child.wait_with_output().unwrap();

        let left: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        std::fs::remove_file(&path).unwrap();
        std::fs::remove_file(&plugin).unwrap();
        assert_eq!(output.status.code(), Some(code));
        assert_eq!(rest, "");
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            format!(
                "Deleted Containers:\n{}\n\nTotal reclaimed space: 0B\n",
                id("old")
            )
        );
        assert_eq!(left["containers"].as_array().unwrap().len(), 1);
        assert_eq!(left["containers"][0]["name"], "web");
        let events: Vec<(&str, &str)> = left["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["Action"].as_str().unwrap(),
                    e["Actor"]["ID"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(events, [("destroy", id("old").as_str())]);
    }

    #[test]
    fn sigterm_interrupts_it_in_the_cli_which_prints_the_partial_report_and_exits_143() {
        interrupted_cli_prune(libc::SIGTERM, "sigterm-ignored", 143);
    }

    #[test]
    fn ctrl_c_interrupts_it_in_the_cli_which_prints_the_partial_report_and_exits_130() {
        interrupted_cli_prune(libc::SIGINT, "sigint-ignored", 130);
    }
}

mod waits_for_cancellation {
    use super::*;

    /// The fixture's warning once its removals are done.
    const WAITING: &str = "waiting for the cancellation";

    #[test]
    fn removes_its_labelled_stopped_containers_then_returns_them_once_cancelled() {
        let pruner = Pruner::new(plugin(pruner_fixtures::WAITS_FOR_CANCELLATION));
        let cancel = Cancellation::default();
        let daemon = Daemon::new()
            .container(&id("mine"), ContainerState::Exited, 10)
            .label(&id("mine"), "test", "a")
            .container(&id("running"), ContainerState::Running, 10)
            .label(&id("running"), "test", "a")
            .container(&id("other"), ContainerState::Exited, 10)
            .label(&id("other"), "test", "b")
            .cancel_on_warning(&cancel);
        let mut filters = Filters::new();
        filters.add("label", "test=a");

        assert_eq!(
            pruner.prune_containers(&daemon.backends(), &filters, &cancel),
            Ok(ContainerPruneReport {
                containers_deleted: vec![id("mine")],
                space_reclaimed: 0,
            })
        );
        assert_eq!(daemon.container_ids(), [id("running"), id("other")]);
        assert_eq!(daemon.warnings(), [WAITING]);
        assert_eq!(daemon.events(), Vec::<(String, String)>::new());
        assert!(!pruner.guard().is_held());
    }

    #[test]
    fn refuses_to_run_without_a_label_filter_and_its_network_prune_removes_nothing() {
        let pruner = Pruner::new(plugin(pruner_fixtures::WAITS_FOR_CANCELLATION));
        let cancel = Cancellation::default();
        let daemon = prunable().cancel_on_warning(&cancel);
        assert_eq!(
            prune_containers(&pruner, &daemon),
            Err(PruneError::Returned(DockerError::InvalidParameter(
                "waits-for-cancellation needs a label filter".to_string()
            )))
        );
        assert_eq!(
            pruner.prune_networks(&daemon.backends(), &Filters::new(), &cancel),
            Ok(NetworkPruneReport {
                networks_deleted: Vec::new(),
            })
        );
        assert_next_prune_succeeds(&pruner, &daemon);
    }
}

mod breaks_abi {
    use super::*;

    /// A container prune of the fixture given `count` filters, which picks its fault.
    fn fault(count: usize) -> PruneError {
        let pruner = Pruner::new(plugin(pruner_fixtures::BREAKS_ABI));
        let daemon = prunable();
        let mut filters = Filters::new();
        for key in 0..count {
            filters.add(&format!("fault{key}"), "1");
        }
        let err = pruner
            .prune_containers(&daemon.backends(), &filters, &Cancellation::default())
            .unwrap_err();
        assert_eq!(daemon.warnings(), Vec::<String>::new());
        assert_next_prune_succeeds(&pruner, &daemon);
        err
    }

    fn abi(text: &str) -> PruneError {
        PruneError::Plugin(PluginFault::CanonicalAbi(text.to_string()))
    }

    #[test]
    fn a_result_discriminant_no_case_has_is_one_line_naming_the_abi() {
        let err = fault(0);
        assert_eq!(err, abi("invalid expected discriminant"));
        assert_eq!(
            err.to_string(),
            "prune plugin broke the canonical ABI: invalid expected discriminant"
        );
    }

    #[test]
    fn a_string_that_is_not_utf8_is_one_line_naming_the_abi() {
        let err = fault(1);
        assert_eq!(err, abi("invalid utf-8 sequence of 1 bytes from index 0"));
        assert_eq!(
            err.to_string(),
            "prune plugin broke the canonical ABI: invalid utf-8 sequence of 1 bytes from index 0"
        );
    }

    #[test]
    fn a_list_beyond_its_memory_is_one_line_naming_the_abi() {
        let err = fault(2);
        assert_eq!(err, abi("list pointer/length out of bounds of memory"));
        assert_eq!(
            err.to_string(),
            "prune plugin broke the canonical ABI: list pointer/length out of bounds of memory"
        );
    }

    #[test]
    fn a_string_past_the_host_call_copy_limit_is_one_line_naming_the_limit() {
        let err = fault(3);
        assert_eq!(
            err,
            PruneError::Plugin(PluginFault::HostCallCopy(128 << 20))
        );
        assert_eq!(
            err.to_string(),
            "prune plugin exceeded the host-call copy limit (134217728 bytes in one call)"
        );
    }

    #[test]
    fn a_realloc_result_beyond_its_memory_is_one_line_naming_the_abi() {
        let err = fault(4);
        assert_eq!(err, abi("realloc return: beyond end of memory"));
        assert_eq!(
            err.to_string(),
            "prune plugin broke the canonical ABI: realloc return: beyond end of memory"
        );
    }

    #[test]
    fn a_trap_in_its_realloc_during_an_import_is_one_line() {
        let err = fault(5);
        assert_eq!(
            err,
            PruneError::Plugin(PluginFault::Trap(Trapped {
                trap: "wasm `unreachable` instruction executed".to_string(),
                stderr: String::new(),
            }))
        );
        assert_eq!(
            err.to_string(),
            "prune plugin trapped: wasm `unreachable` instruction executed"
        );
    }
}

mod warns_in_a_loop {
    use super::*;

    #[test]
    fn logs_the_first_warnings_then_one_line_counting_the_rest() {
        let limits = Limits {
            warnings: 3,
            backend_calls: 10,
            ..Limits::default()
        };
        let pruner = Pruner::new(plugin(pruner_fixtures::WARNS_IN_A_LOOP)).with_limits(limits);
        let daemon = prunable();

        let err = prune_containers(&pruner, &daemon).unwrap_err();
        assert_eq!(err, PruneError::Plugin(PluginFault::BackendCalls(10)));
        assert_eq!(
            daemon.warnings(),
            [
                "warning 1",
                "warning 2",
                "warning 3",
                "7 more warnings suppressed (a prune logs at most 3 warnings, 1048576 bytes)",
            ]
        );
        assert_next_prune_succeeds(&pruner, &daemon);
    }

    #[test]
    fn logs_warnings_up_to_the_byte_bound_then_one_line_counting_the_rest() {
        let limits = Limits {
            warning_bytes: 200_000,
            backend_calls: 1_000,
            ..Limits::default()
        };
        let pruner = Pruner::new(plugin(pruner_fixtures::WARNS_IN_A_LOOP)).with_limits(limits);
        let daemon = prunable();

        let err = prune_networks(&pruner, &daemon).unwrap_err();
        assert_eq!(err, PruneError::Plugin(PluginFault::BackendCalls(1_000)));
        let mut expected = vec!["w".repeat(4 << 10); 48];
        expected.push(
            "952 more warnings suppressed (a prune logs at most 1000 warnings, 200000 bytes)"
                .to_string(),
        );
        assert_eq!(daemon.warnings(), expected);
    }
}

mod injects_control_characters {
    use super::*;

    #[test]
    fn a_newline_in_a_warning_cannot_forge_a_log_line_nor_escapes_reach_the_error() {
        let pruner = Pruner::new(plugin(pruner_fixtures::INJECTS_CONTROL_CHARACTERS));
        let daemon = prunable();

        let err = prune_containers(&pruner, &daemon).unwrap_err();
        assert_eq!(
            daemon.warnings(),
            ["policy checked\\n WARN forged: all containers removed"]
        );
        // The error keeps the plugin's text; only its display escapes it.
        assert_eq!(
            err,
            PruneError::Returned(DockerError::System(
                "no rule\u{1b}[2J\u{1b}[H\rcleared\u{7} \u{202e}txt.exe".to_string()
            ))
        );
        assert_eq!(
            err.to_string(),
            "no rule\\u{1b}[2J\\u{1b}[H\\rcleared\\u{7} \\u{202e}txt.exe"
        );
        assert_next_prune_succeeds(&pruner, &daemon);
    }

    #[test]
    fn escape_sequences_in_its_panic_message_are_escaped_in_the_trap_s_error() {
        let pruner = Pruner::new(plugin(pruner_fixtures::INJECTS_CONTROL_CHARACTERS));

        let err = prune_networks(&pruner, &prunable()).unwrap_err();
        let PruneError::Plugin(PluginFault::Trap(trapped)) = &err else {
            panic!("not a trap: {err:?}");
        };
        assert!(
            trapped.stderr.contains("\u{1b}]0;pwned\u{7}\u{9b}31mred"),
            "{trapped:?}"
        );
        assert_eq!(
            err.to_string(),
            "prune plugin trapped: wasm `unreachable` instruction executed; its stderr: \
             thread '<unnamed>' (1) panicked at injects-control-characters/src/lib.rs:20:9: \
             \\u{1b}]0;pwned\\u{7}\\u{9b}31mred note: run with `RUST_BACKTRACE=1` \
             environment variable to display a backtrace"
        );
    }
}

mod forges_reclaimed {
    use super::*;

    /// A container prune of `daemon` by the fixture, logging `reclaimed` in its prune event.
    fn prune(daemon: &Daemon, reclaimed: &str) -> Result<ContainerPruneReport, PruneError> {
        let pruner = Pruner::new(plugin(pruner_fixtures::FORGES_RECLAIMED));
        let mut filters = Filters::new();
        filters.add("reclaimed", reclaimed);
        pruner.prune_containers(&daemon.backends(), &filters, &Cancellation::default())
    }

    fn forged(reclaimed: &str) -> PruneError {
        PruneError::Plugin(PluginFault::Violation(Violation::ForgedEvent {
            event: "container prune".to_string(),
            reclaimed: Some(reclaimed.to_string()),
        }))
    }

    #[test]
    fn the_report_s_figure_in_canonical_decimal_is_logged() {
        let daemon = prunable();

        assert_eq!(
            prune(&daemon, "1000"),
            Ok(ContainerPruneReport {
                containers_deleted: vec![id("exited")],
                space_reclaimed: 1000,
            })
        );
        assert_eq!(
            daemon.events(),
            [("container".to_string(), "prune".to_string())]
        );
    }

    #[test]
    fn a_sign_leading_zeros_or_other_forms_of_the_figure_are_forged_events() {
        for reclaimed in ["+1000", "01000", " 1000", "1000 ", "1e3", "1_000", ""] {
            let daemon = prunable();
            assert_eq!(
                prune(&daemon, reclaimed),
                Err(forged(reclaimed)),
                "{reclaimed:?}"
            );
            assert_eq!(daemon.events(), Vec::<(String, String)>::new());
            // What it removed within the rules stays removed.
            assert_eq!(daemon.container_ids(), Vec::<String>::new());
        }
    }

    #[test]
    fn plus_zero_and_zeros_are_refused_where_nothing_was_reclaimed() {
        let daemon = Daemon::new();
        assert_eq!(
            prune(&daemon, "0"),
            Ok(ContainerPruneReport {
                containers_deleted: Vec::new(),
                space_reclaimed: 0,
            })
        );
        assert_eq!(
            daemon.events(),
            [("container".to_string(), "prune".to_string())]
        );

        for reclaimed in ["+0", "00", "-0"] {
            let daemon = Daemon::new();
            assert_eq!(
                prune(&daemon, reclaimed),
                Err(forged(reclaimed)),
                "{reclaimed:?}"
            );
            assert_eq!(daemon.events(), Vec::<(String, String)>::new());
        }

        let zeros = "0".repeat(65_536);
        let daemon = Daemon::new();
        let err = prune(&daemon, &zeros).unwrap_err();
        assert_eq!(err, forged(&zeros));
        assert_eq!(
            err.to_string(),
            format!(
                "prune plugin broke a host rule: it logged a `container prune` event claiming \
                 {}… (65536 bytes) bytes reclaimed; a plugin may log only its prune's own \
                 `prune` event, once, with its reclaimed bytes in canonical decimal",
                "0".repeat(64)
            )
        );
        assert_eq!(daemon.events(), Vec::<(String, String)>::new());
    }

    #[test]
    fn a_figure_other_than_the_report_s_is_refused() {
        let daemon = prunable();
        let err = prune(&daemon, "999").unwrap_err();
        assert_eq!(
            err,
            PruneError::Plugin(PluginFault::Violation(Violation::EventDisagrees {
                logged: 999,
                reported: 1000,
            }))
        );
        assert_eq!(
            err.to_string(),
            "prune plugin broke a host rule: its `prune` event claimed 999 bytes reclaimed but \
             its report 1000"
        );
        assert_eq!(daemon.events(), Vec::<(String, String)>::new());

        let daemon = prunable();
        assert_eq!(prune(&daemon, "1001"), Err(forged("1001")));
    }
}

mod not_a_component {
    use pruner_runtime::load_error::NotAComponent;

    use super::*;

    #[test]
    fn empty_text_or_random_bytes_are_refused_in_one_line() {
        for bytes in [
            &b""[..],
            b"(component)\n",
            b"\xde\xad\xbe\xef\0asm\x0d\0\x01\0",
        ] {
            let err = PruneComponent::from_bytes(engines(), bytes)
                .err()
                .expect("not a component");
            assert!(
                matches!(err, LoadError::NotAComponent(NotAComponent::Other)),
                "{err:?}"
            );
            assert_eq!(
                err.to_string(),
                "the prune plugin is not a WebAssembly component: a prune plugin is a component \
                 of pruner's WIT world (wit/pruner.wit), built for wasm32-wasip2"
            );
        }
    }

    #[test]
    fn a_core_module_is_refused_in_one_line_saying_what_to_do() {
        let err = PruneComponent::from_bytes(engines(), b"\0asm\x01\0\0\0")
            .err()
            .expect("not a component");
        assert_eq!(
            err.to_string(),
            "the prune plugin is a core WebAssembly module, not a component: build it for \
             wasm32-wasip2, or make it a component with `wasm-tools component new`"
        );
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
    assert_eq!(pruner_fixtures::FIXTURES.len(), 20);
}

//! The built-in component has exactly pruner's world: the four backend interfaces and the
//! daemon interface as imports, `prune` as its only export, and nothing from WASI (the guest is
//! `no_std`: no stdio, environment, filesystem, sockets, clocks or randomness). The contract it
//! is built from, `pruner:api@0.1.0`, is frozen, and its plugins keep running.

use std::sync::Arc;

use pruner_runtime::bindings::ContainerState;
use pruner_runtime::clock::SystemClock;
use pruner_runtime::component::BUILTIN_COMPONENT;
use pruner_runtime::memory::MemoryDaemon;
use pruner_runtime::state::{ContainerRecord, State};
use pruner_runtime::{
    Backends, Cancellation, Engines, Filters, Policies, Policy, PolicyComponent, PruneComponent,
    Pruner,
};
use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

#[test]
fn the_builtin_component_imports_only_the_backends_and_exports_prune() {
    let engine = Engine::default();
    let component = Component::new(&engine, BUILTIN_COMPONENT).expect("the component compiles");
    let ty = component.component_type();
    let imports: Vec<&str> = ty.imports(&engine).map(|(name, _)| name).collect();
    let exports: Vec<&str> = ty.exports(&engine).map(|(name, _)| name).collect();

    assert_eq!(
        imports,
        [
            "pruner:api/types@0.1.0",
            "pruner:api/container-store@0.1.0",
            "pruner:api/network-controller@0.1.0",
            "pruner:api/cluster@0.1.0",
            "pruner:api/events@0.1.0",
            "pruner:api/daemon@0.1.0",
        ]
    );
    assert_eq!(exports, ["pruner:api/prune@0.1.0"]);
}

/// `pruner:api@0.1.0` is released: its file never changes, byte for byte. A change to the
/// contract is a new version beside it, and the host keeps serving 0.1.0.
#[test]
fn the_0_1_0_contract_is_frozen() {
    let text = include_bytes!("../../../wit/pruner.wit");
    let digest: String = Sha256::digest(text)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    assert_eq!(
        digest, "45cbd3cc6878653f507b8f9f98a1f4035e8d2a1789cb626272b1b7f39c8284d0",
        "wit/pruner.wit (pruner:api@0.1.0) changed: add a new version beside it instead"
    );
}

/// A plugin built against the frozen 0.1.0 WIT (here the built-in prune component's own bytes,
/// loaded as any plugin is) runs on this host, narrowed by a policy like any prune.
#[test]
fn a_plugin_of_the_frozen_0_1_0_contract_runs_narrowed_by_a_policy() {
    let container = |id: &str, name: &str, labels: &[(&str, &str)]| ContainerRecord {
        id: id.repeat(64),
        name: name.to_string(),
        created: "2026-11-20T10:00:00Z".parse().unwrap(),
        state: ContainerState::Exited,
        image: String::new(),
        finished: None,
        labels: labels
            .iter()
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect(),
        size_rw: 100,
        fail: Default::default(),
    };
    let state = State {
        containers: vec![
            container("a", "pinned", &[("keep", "")]),
            container("b", "old", &[]),
        ],
        ..State::default()
    };
    let clock = Arc::new(SystemClock);
    let daemon = Arc::new(MemoryDaemon::new(state, clock));
    let engines = Engines::builder().build();
    let plugin =
        PruneComponent::from_bytes(&engines, BUILTIN_COMPONENT).expect("a 0.1.0 plugin loads");
    let protect = PolicyComponent::shipped(&engines, "protect").expect("protect loads");
    let pruner = Pruner::new(plugin).with_policies(Policies::new(vec![Policy::new(
        protect,
        [("label", "keep")],
    )]));

    let report = pruner
        .prune_containers(
            &Backends::from_daemon(daemon.clone()),
            &Filters::new(),
            &Cancellation::default(),
        )
        .expect("the prune succeeds");
    assert_eq!(report.containers_deleted, ["b".repeat(64)]);
    assert_eq!(report.space_reclaimed, 100);
    let left: Vec<String> = daemon
        .snapshot()
        .containers
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(left, ["pinned"]);
}

/// The shipped policies have exactly the policy world: `pruner:policy/policy` exported (and,
/// as the SDK's `export!` adds it, the packed transport, which is not a contract), nothing of
/// pruner's imported, of WASI only what Rust's standard library brings.
#[test]
fn the_shipped_policies_export_the_policy_contract_and_import_only_wasi() {
    let engine = Engine::default();
    let names: Vec<&str> = pruner_runtime::policy::SHIPPED
        .iter()
        .map(|(name, _)| *name)
        .collect();
    assert_eq!(names, ["exited-before", "keep-recent", "protect"]);
    for (name, bytes) in pruner_runtime::policy::SHIPPED {
        let component = Component::new(&engine, bytes).expect("the policy compiles");
        let ty = component.component_type();
        let mut exports: Vec<&str> = ty.exports(&engine).map(|(name, _)| name).collect();
        exports.sort_unstable();
        assert_eq!(
            exports,
            [
                "pruner:policy-transport/packed@0.2.0",
                "pruner:policy/policy@0.1.0"
            ],
            "{name}"
        );
        let imports: Vec<&str> = ty.imports(&engine).map(|(name, _)| name).collect();
        assert!(
            imports.iter().all(|import| import.starts_with("wasi:")),
            "{name} imports {imports:?}"
        );
    }
}

//! The built-in component has exactly pruner's world: the four backend interfaces and the
//! daemon interface as imports, `prune` as its only export, and nothing from WASI (the guest is
//! `no_std`: no stdio, environment, filesystem, sockets, clocks or randomness).

use pruner::component::BUILTIN_COMPONENT;
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

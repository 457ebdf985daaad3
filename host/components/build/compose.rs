//! The compositions, as wac-graph graphs: each instance's imports that another instance in the
//! graph exports are wired to that export; the rest (WASI) are imported by the composition.

use std::error::Error;
use std::path::Path;

use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions, NodeId, PackageId};

use crate::cargo::Composed;

/// The interface the prune component exports.
const PRUNE: &str = "pruner:api/prune@0.1.0";
/// The prefix of the command interface a Rust `wasm32-wasip2` program exports.
const RUN: &str = "wasi:cli/run@";

/// A composition failure.
type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// `pruner-cli.wasm`: the backend serves the prune component's imports; the front end imports
/// the prune component's `prune` and the backend's `state-file`; the composition exports the
/// front end's `wasi:cli/run`.
pub fn cli(prune: &Path, built: &Composed) -> Result<Vec<u8>> {
    let mut graph = CompositionGraph::new();
    let backend = register(&mut graph, "pruner:backend", &built.backend)?;
    let prune = register(&mut graph, "pruner:prune", prune)?;
    let frontend = register(&mut graph, "pruner:cli", &built.frontend)?;

    let backend = instantiate(&mut graph, backend, &[])?;
    let prune = instantiate(&mut graph, prune, &[backend])?;
    let frontend = instantiate(&mut graph, frontend, &[prune, backend])?;

    let run = export_names(&graph, frontend)
        .into_iter()
        .find(|name| name.starts_with(RUN))
        .ok_or("the front end exports no wasi:cli/run")?;
    export(&mut graph, frontend, &run)?;
    Ok(graph.encode(EncodeOptions::default())?)
}

/// `pruner-backend.wasm`: the backend serves the prune component's imports; the composition
/// exports `prune`.
pub fn backend(prune: &Path, built: &Composed) -> Result<Vec<u8>> {
    let mut graph = CompositionGraph::new();
    let backend = register(&mut graph, "pruner:backend", &built.backend)?;
    let prune = register(&mut graph, "pruner:prune", prune)?;

    let backend = instantiate(&mut graph, backend, &[])?;
    let prune = instantiate(&mut graph, prune, &[backend])?;
    export(&mut graph, prune, PRUNE)?;
    Ok(graph.encode(EncodeOptions::default())?)
}

/// An instantiation node of the graph and the package it instantiates.
#[derive(Clone, Copy)]
struct Instance {
    node: NodeId,
    package: PackageId,
}

/// Adds the component at `path` to the graph as the package `name`.
fn register(graph: &mut CompositionGraph, name: &str, path: &Path) -> Result<PackageId> {
    let package = Package::from_file(name, None, path, graph.types_mut())?;
    Ok(graph.register_package(package)?)
}

/// Instantiates `package` with every import that one of `providers` exports taken from it.
fn instantiate(
    graph: &mut CompositionGraph,
    package: PackageId,
    providers: &[Instance],
) -> Result<Instance> {
    let node = graph.instantiate(package);
    let imports: Vec<String> = graph.types()[graph[package].ty()]
        .imports
        .keys()
        .cloned()
        .collect();
    for provider in providers {
        for name in export_names(graph, *provider) {
            if imports.contains(&name) {
                let export = graph.alias_instance_export(provider.node, &name)?;
                graph.set_instantiation_argument(node, &name, export)?;
            }
        }
    }
    Ok(Instance { node, package })
}

/// The names `instance`'s package exports.
fn export_names(graph: &CompositionGraph, instance: Instance) -> Vec<String> {
    graph.types()[graph[instance.package].ty()]
        .exports
        .keys()
        .cloned()
        .collect()
}

/// Exports `instance`'s export `name` from the composition under the same name.
fn export(graph: &mut CompositionGraph, instance: Instance, name: &str) -> Result<()> {
    let export = graph.alias_instance_export(instance.node, name)?;
    graph.export(export, name)?;
    Ok(())
}

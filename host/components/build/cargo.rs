//! The nested cargos that build the components and the shipped policies for `wasm32-wasip2`.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

#[path = "nested_cargo.rs"]
mod nested;
use nested::nested_cargo;

const TARGET: &str = "wasm32-wasip2";
/// The workspace profile for components (see the root Cargo.toml): small and fast.
const PROFILE: &str = "component";

/// The built components.
pub struct Built {
    /// The prune component (`guest/`, world `pruner`).
    pub prune: PathBuf,
    /// The state-file backend (`guest/backend/`, world `backend`) and the command-line front
    /// end (`guest/frontend/`, world `cli`), built with the `compositions` feature only.
    pub composed: Option<Composed>,
    /// The shipped prune policies (`guest/policies/`, world `prune-policy`), by name.
    pub policies: Vec<(&'static str, PathBuf)>,
}

/// The components composed with the prune component for the plain wasmtime CLI.
pub struct Composed {
    /// The state-file backend.
    pub backend: PathBuf,
    /// The command-line front end.
    pub frontend: PathBuf,
}

/// The shipped policies: their names and packages.
const POLICIES: [(&str, &str); 3] = [
    ("exited-before", "pruner-policy-exited-before"),
    ("keep-recent", "pruner-policy-keep-recent"),
    ("protect", "pruner-policy-protect"),
];

/// Builds the components of the workspace at `root` into `target_dir` and asks cargo to rerun
/// the build script when any of their local sources changes. The prune component is built by
/// a cargo of its own: built together with the others, cargo would unify its `no_std`
/// dependencies (chrono) with theirs, which turn `std` on. The others are built in a target
/// directory of their own: they use the prune rules' crate as a library (the policies through
/// the SDK, the backend for the model's types), without its component glue, and cargo writes
/// a dependency's `cdylib` where the prune component's is. The policies and the backend are
/// built by separate cargos there, as the policies turn on the rules' `arena` allocator.
pub fn build(root: &Path, target_dir: &Path, compositions: bool) -> Built {
    cargo_build(root, target_dir, &["pruner-guest"]);
    let library_dir = target_dir.with_file_name("library-target");
    if compositions {
        cargo_build(root, &library_dir, &["pruner-backend", "pruner-frontend"]);
    }
    let packages: Vec<&str> = POLICIES.iter().map(|(_, package)| *package).collect();
    cargo_build(root, &library_dir, &packages);

    let artifacts = target_dir.join(TARGET).join(PROFILE);
    let library_artifacts = library_dir.join(TARGET).join(PROFILE);
    let built = Built {
        prune: artifacts.join("pruner_guest.wasm"),
        composed: compositions.then(|| Composed {
            backend: library_artifacts.join("pruner_backend.wasm"),
            frontend: library_artifacts.join("pruner-cli.wasm"),
        }),
        policies: POLICIES
            .iter()
            .map(|(name, _)| {
                let wasm = library_artifacts.join(format!("{}.wasm", name.replace('-', "_")));
                (*name, wasm)
            })
            .collect(),
    };
    let policies = built.policies.iter().map(|(_, wasm)| wasm);
    let composed = built
        .composed
        .iter()
        .flat_map(|c| [&c.backend, &c.frontend]);
    for wasm in [&built.prune].into_iter().chain(composed).chain(policies) {
        rerun_if_sources_change(root, &wasm.with_extension("d"));
    }
    for path in ["Cargo.toml", "Cargo.lock", "wit"] {
        rerun_if_changed(&root.join(path));
    }
    built
}

/// Builds `packages` of the workspace at `root` for the components' target and profile.
fn cargo_build(root: &Path, target_dir: &Path, packages: &[&str]) {
    let mut command = nested_cargo(target_dir);
    command.args(["build", "--profile", PROFILE, "--target", TARGET]);
    for package in packages {
        command.args(["-p", package]);
    }
    command.arg("--manifest-path").arg(root.join("Cargo.toml"));
    let status = command.status().expect("run cargo for the components");
    assert!(
        status.success(),
        "building the wasm components failed (see cargo's output above); if the {TARGET} \
         target is missing, run `rustup target add {TARGET}`"
    );
}

/// Asks cargo to rerun the build script when a source file under `root` that the artifact's
/// dep-info file lists changes (the crates' own sources, the WIT files they embed), or the
/// manifest of a crate they belong to.
fn rerun_if_sources_change(root: &Path, dep_info: &Path) {
    let text = fs::read_to_string(dep_info).expect("cargo writes a dep-info file");
    let (_, sources) = text
        .split_once(": ")
        .expect("dep-info starts with `<artifact>: `");
    let mut watched = BTreeSet::new();
    // Paths are separated by spaces; a space inside a path is escaped as `\ `.
    let sources = sources
        .lines()
        .next()
        .unwrap_or_default()
        .replace("\\ ", "\u{0}");
    for source in sources.split_whitespace() {
        let path = PathBuf::from(source.replace('\u{0}', " "));
        if !path.starts_with(root) {
            continue;
        }
        if let Some(package) = path
            .ancestors()
            .skip(1)
            .find(|dir| *dir != root && dir.join("Cargo.toml").is_file())
        {
            watched.insert(package.join("Cargo.toml"));
        }
        watched.insert(path);
    }
    for path in watched {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// Asks cargo to rerun the build script when anything under `path` changes (a directory covers
/// files added to it).
fn rerun_if_changed(path: &Path) {
    println!("cargo:rerun-if-changed={}", path.display());
    if let Ok(entries) = fs::read_dir(path) {
        for entry in entries.flatten() {
            rerun_if_changed(&entry.path());
        }
    }
}

//! Builds the prune component and the shipped prune policies with nested cargos (own target
//! dir, host flags scrubbed; see `build/cargo.rs`). With the `compositions` feature, also builds
//! the state-file backend and the command-line front end and composes them with wac-graph
//! (`build/compose.rs`):
//!
//! - `pruner-cli.wasm`: the command-line front end, the prune component and the state-file
//!   backend; runs under `wasmtime run`.
//! - `pruner-backend.wasm`: the prune component and the backend alone; its `prune` export is
//!   what `wasmtime run --invoke` calls.
//!
//! Both are written to `OUT_DIR` (the crate's constants point there) and copied to
//! `components/` in cargo's target directory (`target/components/` by default) for people.

#[path = "build/cargo.rs"]
mod cargo;
#[cfg(feature = "compositions")]
#[path = "build/compose.rs"]
mod compose;

use std::env;
#[cfg(feature = "compositions")]
use std::error::Error;
use std::fs;
#[cfg(feature = "compositions")]
use std::path::Path;
use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest_dir
        .ancestors()
        .nth(2)
        .expect("host/components/ lies two levels below the workspace root");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));

    let built = cargo::build(
        root,
        &out_dir.join("wasm-target"),
        cfg!(feature = "compositions"),
    );
    #[cfg(feature = "compositions")]
    compose_all(&built, &out_dir);
    println!(
        "cargo:rustc-env=PRUNER_PRUNE_WASM={}",
        built.prune.display()
    );
    fs::write(out_dir.join("policies.rs"), policies(&built.policies)).expect("write policies.rs");
}

/// Composes `pruner-cli.wasm` and `pruner-backend.wasm` into `OUT_DIR`, points the crate's
/// constants at them, and copies them to `components/` in cargo's target directory.
#[cfg(feature = "compositions")]
fn compose_all(built: &cargo::Built, out_dir: &Path) {
    let composed = built
        .composed
        .as_ref()
        .expect("built with the compositions");
    let cli =
        compose::cli(&built.prune, composed).unwrap_or_else(|err| fail("pruner-cli.wasm", &*err));
    let backend = compose::backend(&built.prune, composed)
        .unwrap_or_else(|err| fail("pruner-backend.wasm", &*err));

    let published = target_dir(out_dir).join("components");
    for (name, bytes, variable) in [
        ("pruner-cli.wasm", &cli, "PRUNER_CLI_WASM"),
        ("pruner-backend.wasm", &backend, "PRUNER_BACKEND_WASM"),
    ] {
        let path = out_dir.join(name);
        fs::write(&path, bytes).expect("write a composed component to OUT_DIR");
        publish(&published, name, bytes);
        println!("cargo:rustc-env={variable}={}", path.display());
    }
}

/// The Rust source of the shipped policies' list: `(name, include_bytes!(…))` each.
fn policies(built: &[(&str, PathBuf)]) -> String {
    let entries: String = built
        .iter()
        .map(|(name, wasm)| {
            format!(
                "    ({name:?}, include_bytes!({:?})),\n",
                wasm.display().to_string()
            )
        })
        .collect();
    format!("&[\n{entries}]\n")
}

/// Cargo's target directory: `OUT_DIR` is `<target>/<profile>/build/<package>/out`.
#[cfg(feature = "compositions")]
fn target_dir(out_dir: &Path) -> &Path {
    out_dir
        .ancestors()
        .nth(4)
        .expect("OUT_DIR lies four levels below the target directory")
}

/// Writes `bytes` to `dir/name` through a temporary file renamed over it, so that a concurrent
/// build never leaves a half-written component there.
#[cfg(feature = "compositions")]
fn publish(dir: &Path, name: &str, bytes: &[u8]) {
    fs::create_dir_all(dir).expect("create the components directory");
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    fs::write(&temp, bytes).expect("write a composed component");
    fs::rename(&temp, dir.join(name)).expect("publish a composed component");
}

/// Stops the build with `err` and its causes.
#[cfg(feature = "compositions")]
fn fail(what: &str, err: &dyn Error) -> ! {
    let mut message = format!("composing {what} failed: {err}");
    let mut source = err.source();
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    panic!("{message}");
}

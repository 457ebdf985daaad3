//! Builds pruner's three wasm components and the shipped prune policies with nested cargos (own target dir, host flags
//! scrubbed; see `build/cargo.rs`) and composes them with wac-graph (`build/compose.rs`):
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
#[path = "build/compose.rs"]
mod compose;

use std::env;
use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest_dir.parent().expect("components/ has a parent");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));

    let built = cargo::build(root, &out_dir.join("wasm-target"));
    let cli = compose::cli(&built).unwrap_or_else(|err| fail("pruner-cli.wasm", &*err));
    let backend = compose::backend(&built).unwrap_or_else(|err| fail("pruner-backend.wasm", &*err));

    let published = target_dir(&out_dir).join("components");
    for (name, bytes) in [("pruner-cli.wasm", &cli), ("pruner-backend.wasm", &backend)] {
        let path = out_dir.join(name);
        fs::write(&path, bytes).expect("write a composed component to OUT_DIR");
        publish(&published, name, bytes);
    }
    println!(
        "cargo:rustc-env=PRUNER_PRUNE_WASM={}",
        built.prune.display()
    );
    println!(
        "cargo:rustc-env=PRUNER_CLI_WASM={}",
        out_dir.join("pruner-cli.wasm").display()
    );
    println!(
        "cargo:rustc-env=PRUNER_BACKEND_WASM={}",
        out_dir.join("pruner-backend.wasm").display()
    );
    fs::write(out_dir.join("policies.rs"), policies(&built.policies)).expect("write policies.rs");
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
fn target_dir(out_dir: &Path) -> &Path {
    out_dir
        .ancestors()
        .nth(4)
        .expect("OUT_DIR lies four levels below the target directory")
}

/// Writes `bytes` to `dir/name` through a temporary file renamed over it, so that a concurrent
/// build never leaves a half-written component there.
fn publish(dir: &Path, name: &str, bytes: &[u8]) {
    fs::create_dir_all(dir).expect("create the components directory");
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    fs::write(&temp, bytes).expect("write a composed component");
    fs::rename(&temp, dir.join(name)).expect("publish a composed component");
}

/// Stops the build with `err` and its causes.
fn fail(what: &str, err: &dyn Error) -> ! {
    let mut message = format!("composing {what} failed: {err}");
    let mut source = err.source();
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    panic!("{message}");
}

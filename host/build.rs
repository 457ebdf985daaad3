//! Builds the prune component (`guest/`) for `wasm32-wasip2` with a nested cargo, so that
//! `cargo build` and `cargo test` need no other step, and hands its path to the crate as
//! `PRUNER_COMPONENT`.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";
/// The workspace profile for the component (see the root Cargo.toml).
const PROFILE: &str = "component";

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest_dir.parent().expect("host/ has a parent");
    let guest = root.join("guest");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    // The nested build gets its own target dir: sharing the outer one deadlocks on its lock.
    let target_dir = out_dir.join("guest-target");

    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args([
            "build",
            "--profile",
            PROFILE,
            "--target",
            TARGET,
            "--manifest-path",
        ])
        .arg(guest.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target_dir);
    // Flags meant for the host must not reach the wasm build.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_BUILD_RUSTFLAGS",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_MAKEFLAGS",
    ] {
        command.env_remove(var);
    }
    let status = command.status().expect("run cargo for the guest");
    if !status.success() {
        panic!(
            "building the guest component failed (see cargo's output above); \
             if the {TARGET} target is missing, run `rustup target add {TARGET}`"
        );
    }

    let wasm = target_dir
        .join(TARGET)
        .join(PROFILE)
        .join("pruner_guest.wasm");
    println!("cargo:rustc-env=PRUNER_COMPONENT={}", wasm.display());
    rerun_if_changed(&root.join("wit"));
    rerun_if_changed(&guest.join("src"));
    println!(
        "cargo:rerun-if-changed={}",
        guest.join("Cargo.toml").display()
    );
    println!(
        "cargo:rerun-if-changed={}",
        root.join("Cargo.lock").display()
    );
}

/// Asks cargo to rerun this script when anything under `path` changes.
fn rerun_if_changed(path: &Path) {
    println!("cargo:rerun-if-changed={}", path.display());
    if let Ok(entries) = std::fs::read_dir(path) {
        for entry in entries.flatten() {
            rerun_if_changed(&entry.path());
        }
    }
}

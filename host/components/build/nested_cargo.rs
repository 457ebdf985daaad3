//! The nested cargo that build scripts run to build wasm components (in the manner of
//! wasmtime's `crates/test-programs/artifacts`). Included with `#[path]` by the build scripts
//! of `host/components/` and `tests/fixtures/`.

use std::env;
use std::path::Path;
use std::process::Command;

/// Environment variables meant for the host build that must not reach the wasm build.
const HOST_ONLY: [&str; 7] = [
    "CARGO_ENCODED_RUSTFLAGS",
    "RUSTFLAGS",
    "CARGO_BUILD_TARGET",
    "CARGO_BUILD_RUSTFLAGS",
    "RUSTC_WORKSPACE_WRAPPER",
    "CARGO_PRIMARY_PACKAGE",
    "CARGO_MAKEFLAGS",
];

/// A `cargo` command writing to its own `target_dir` (sharing the outer one deadlocks on
/// cargo's lock), with the host's flags kept away from it.
pub fn nested_cargo(target_dir: &Path) -> Command {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.env("CARGO_TARGET_DIR", target_dir);
    for var in HOST_ONLY {
        command.env_remove(var);
    }
    command
}

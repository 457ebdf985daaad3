//! `pruner … prune --plugin FILE.wasm`: the CLI runs a plugin in the same sandbox, and reports
//! its faults as daemon errors.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::{Value, json};

/// A file in the temporary directory, removed when dropped.
pub(super) struct TempFile(pub(super) PathBuf);

impl TempFile {
    /// `contents` in a file named after this process and `name`.
    pub(super) fn new(name: &str, contents: &[u8]) -> TempFile {
        let path = std::env::temp_dir().join(format!("pruner-{}-{name}", std::process::id()));
        std::fs::write(&path, contents).unwrap();
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Runs `pruner container prune -f --plugin <plugin>` on a state with a running and an exited
/// container; returns the output and the container names left.
fn prune_with(plugin: &[u8], name: &str) -> (Output, Vec<String>) {
    run_with(plugin, name, &["container", "prune", "-f"])
}

/// Runs `pruner <args> --plugin <plugin>` on a state with a running and an exited container;
/// returns the output and the container names left.
fn run_with(plugin: &[u8], name: &str, args: &[&str]) -> (Output, Vec<String>) {
    let plugin = TempFile::new(&format!("{name}.wasm"), plugin);
    let container = |name: &str, state: &str| {
        json!({"id": super::id(name), "name": name, "created": "2026-11-20T10:00:00Z",
               "state": state})
    };
    let state = json!({"containers": [container("web", "running"), container("old", "exited")]});
    let state = TempFile::new(&format!("{name}.json"), state.to_string().as_bytes());
    let output = Command::new(env!("CARGO_BIN_EXE_pruner"))
        .args(args)
        .arg("--plugin")
        .arg(&plugin.0)
        .arg("--state")
        .arg(&state.0)
        .output()
        .expect("pruner runs");
    let left: Value = serde_json::from_slice(&std::fs::read(&state.0).unwrap()).unwrap();
    let names = left["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    (output, names)
}

#[test]
fn a_plugin_that_removes_a_running_container_fails_the_prune_and_the_container_stays() {
    let (output, left) = prune_with(pruner_fixtures::REMOVES_EVERYTHING, "removes-everything");

    assert_eq!(output.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
    // The plugin logs each refusal it gets: Docker's text. The stopped container it removed
    // first stays removed, and stderr says so.
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!(
            " WARN You cannot remove a running container {id}. Stop the container before \
             attempting removal or force remove\nError response from daemon: prune plugin broke \
             a host rule: it tried to remove container {id}, which is running\nRemoved before \
             the error (it stays removed):\nDeleted Containers:\n{old}\n\nTotal reclaimed \
             space: 0B\n",
            id = super::id("web"),
            old = super::id("old")
        )
    );
    assert_eq!(left, ["web"]);
}

#[test]
fn a_plugin_asking_for_the_filesystem_is_not_loaded() {
    let (output, left) = prune_with(pruner_fixtures::READS_FILES, "reads-files");

    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("Error: cannot load the plugin ")
            && stderr.ends_with(
                ": the prune plugin imports `wasi:clocks/wall-clock@0.2.6`, \
                 `wasi:filesystem/types@0.2.6`, `wasi:filesystem/preopens@0.2.6`, which pruner \
                 does not grant (a plugin may import pruner:api's interfaces, wasi:io, \
                 wasi:cli's environment, exit, standard streams and terminals, and \
                 wasi:random/insecure-seed)\n"
            ),
        "{stderr}"
    );
    assert_eq!(left, ["web", "old"]);
}

#[test]
fn a_plugin_warning_in_a_loop_writes_a_bounded_stderr() {
    let (output, left) = prune_with(pruner_fixtures::WARNS_IN_A_LOOP, "warns-in-a-loop");

    assert_eq!(output.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
    let mut expected: String = (1..=1000)
        .map(|number| format!(" WARN warning {number}\n"))
        .collect();
    expected.push_str(
        " WARN 999000 more warnings suppressed (a prune logs at most 1000 warnings, 1048576 \
         bytes)\nError response from daemon: prune plugin exceeded its backend call limit \
         (1000000 calls)\n",
    );
    assert_eq!(String::from_utf8_lossy(&output.stderr), expected);
    assert_eq!(left, ["web", "old"]);
}

#[test]
fn a_plugin_warning_4_kib_at_a_time_writes_at_most_a_mebibyte_of_warnings() {
    let (output, _) = run_with(
        pruner_fixtures::WARNS_IN_A_LOOP,
        "warns-4-kib",
        &["network", "prune", "-f"],
    );

    assert_eq!(output.status.code(), Some(1));
    let warning = format!(" WARN {}\n", "w".repeat(4 << 10));
    let expected = format!(
        "{} WARN 999744 more warnings suppressed (a prune logs at most 1000 warnings, 1048576 \
         bytes)\nError response from daemon: prune plugin exceeded its backend call limit \
         (1000000 calls)\n",
        warning.repeat(256)
    );
    assert_eq!(String::from_utf8_lossy(&output.stderr), expected);
    assert_eq!(output.stderr.len(), 1_050_547);
}

#[test]
fn control_characters_from_a_plugin_reach_the_terminal_escaped() {
    let (output, left) = prune_with(
        pruner_fixtures::INJECTS_CONTROL_CHARACTERS,
        "injects-control-characters",
    );

    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        " WARN policy checked\\n WARN forged: all containers removed\nError response from \
         daemon: no rule\\u{1b}[2J\\u{1b}[H\\rcleared\\u{7} \\u{202e}txt.exe\n"
    );
    assert_eq!(left, ["web", "old"]);
}

#[test]
fn a_canonical_abi_fault_is_one_line() {
    let (output, left) = prune_with(pruner_fixtures::BREAKS_ABI, "breaks-abi");

    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "Error response from daemon: prune plugin broke the canonical ABI: invalid expected \
         discriminant\n"
    );
    assert_eq!(left, ["web", "old"]);
}

#[test]
fn a_file_that_is_not_a_component_is_one_line_naming_it() {
    let other = "is not a WebAssembly component: a prune plugin is a component of pruner's WIT \
                 world (wit/pruner.wit), built for wasm32-wasip2";
    let module = "is a core WebAssembly module, not a component: build it for wasm32-wasip2, or \
                  make it a component with `wasm-tools component new`";
    for (name, bytes, problem) in [
        ("empty", &b""[..], other),
        ("text", b"#!/bin/sh\nrm -rf /\n", other),
        ("random", b"\x8f\x03\xd1\x7a\x00\x91\xfe\x42\x13\x37", other),
        ("module", b"\0asm\x01\0\0\0", module),
    ] {
        let (output, left) = prune_with(bytes, name);

        assert_eq!(output.status.code(), Some(1), "{name}");
        let plugin =
            std::env::temp_dir().join(format!("pruner-{}-{name}.wasm", std::process::id()));
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            format!("Error: {} {problem}\n", plugin.display()),
            "{name}"
        );
        assert_eq!(left, ["web", "old"], "{name}");
    }
}

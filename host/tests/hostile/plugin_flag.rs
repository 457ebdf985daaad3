//! `pruner … prune --plugin FILE.wasm`: the CLI runs a plugin in the same sandbox, and reports
//! its faults as daemon errors.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::{Value, json};

/// A file in the temporary directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &[u8]) -> TempFile {
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
    let plugin = TempFile::new(&format!("{name}.wasm"), plugin);
    let container = |name: &str, state: &str| {
        json!({"id": super::id(name), "name": name, "created": "2026-11-20T10:00:00Z",
               "state": state})
    };
    let state = json!({"containers": [container("web", "running"), container("old", "exited")]});
    let state = TempFile::new(&format!("{name}.json"), state.to_string().as_bytes());
    let output = Command::new(env!("CARGO_BIN_EXE_pruner"))
        .args(["container", "prune", "-f", "--plugin"])
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

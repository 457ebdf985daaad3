//! Ctrl-C and SIGTERM during a CLI prune: the prune is cancelled through the component's
//! cancellation import, pruner prints the partial report, keeps what was removed, logs no
//! prune event, and exits 128 + the signal's number.

use std::process::{Command, Stdio};
use std::thread;
use std::time::Duration;

use pruner::humansize::human_size;
use serde_json::{Value, json};

/// Containers in the state: enough that pruning them all takes far longer than the test waits
/// (about 20 µs each in a debug build, where the host's side dominates).
const CONTAINERS: usize = 200_000;

/// Runs `pruner container prune -f` on a large state, sends `signal` after a while, and
/// returns the exit code, the stdout and the state file afterwards.
fn interrupted_prune(signal: i32, name: &str) -> (Option<i32>, String, Value) {
    let containers: Vec<Value> = (0..CONTAINERS)
        .map(|i| {
            json!({"id": format!("{i:064x}"), "name": format!("c{i}"),
                   "created": "2026-11-20T10:00:00Z", "state": "exited", "size_rw": 10})
        })
        .collect();
    let path = std::env::temp_dir().join(format!("pruner-{name}-{}.json", std::process::id()));
    std::fs::write(&path, json!({ "containers": containers }).to_string()).unwrap();

    let child = Command::new(env!("CARGO_BIN_EXE_pruner"))
        .args([
            "container",
            "prune",
            "-f",
            "--now",
            "2026-11-27T12:00:00Z",
            "--state",
        ])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pruner starts");
    thread::sleep(Duration::from_secs(2));
    let pid = i32::try_from(child.id()).unwrap();
    // SAFETY: `pid` is our own child, still running (it is only waited for below).
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    let output = child.wait_with_output().unwrap();

    let state: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
        state,
    )
}

/// Checks a partial prune: the report lists exactly the containers gone from the state, and
/// the state logged a `destroy` event for each but no `prune` event.
fn assert_partial(stdout: &str, state: &Value) {
    let left = state["containers"].as_array().unwrap().len();
    let reported: Vec<&str> = stdout.lines().filter(|line| line.len() == 64).collect();
    assert!(left > 0, "the prune was not interrupted");
    assert_eq!(reported.len() + left, CONTAINERS);
    assert!(
        stdout.ends_with(&format!(
            "Total reclaimed space: {}\n",
            human_size(reported.len() as u64 * 10)
        )),
        "{stdout}"
    );
    let events = state["events"].as_array().cloned().unwrap_or_default();
    assert_eq!(events.len(), reported.len());
    assert!(events.iter().all(|event| event["Action"] == "destroy"));
}

#[test]
fn ctrl_c_cancels_the_prune_prints_the_partial_report_and_exits_130() {
    let (code, stdout, state) = interrupted_prune(libc::SIGINT, "sigint");

    assert_eq!(code, Some(130));
    assert_partial(&stdout, &state);
}

#[test]
fn sigterm_cancels_the_prune_prints_the_partial_report_and_exits_143() {
    let (code, stdout, state) = interrupted_prune(libc::SIGTERM, "sigterm");

    assert_eq!(code, Some(143));
    assert_partial(&stdout, &state);
}

//! Ctrl-C and SIGTERM during a CLI prune: the prune is cancelled through the component's
//! cancellation import, pruner prints the partial report, keeps what was removed, logs no
//! prune event, and exits 128 + the signal's number.

#![allow(unsafe_code, reason = "signals sent to a child process (kill)")]

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use pruner_runtime::humansize::human_size;
use serde_json::{Value, json};

/// Containers in the state: far more than pruner removes between its first warning and the
/// signal the test sends on reading it (removals take about 20 µs each in a debug build).
const CONTAINERS: usize = 100_000;

/// The error the newest container's removal fails with: the prune warns of it first.
const BUSY: &str = "device or resource busy";

/// Runs `pruner container prune -f` on a large state, sends `signal` once pruner warns that
/// it could not remove the first (newest) container, and returns the exit code, the stdout
/// and the state file afterwards.
fn interrupted_prune(signal: i32, name: &str) -> (Option<i32>, String, Value) {
    let mut containers: Vec<Value> = (1..CONTAINERS)
        .map(|i| {
            json!({"id": format!("{i:064x}"), "name": format!("c{i}"),
                   "created": "2026-11-20T10:00:00Z", "state": "exited", "size_rw": 10})
        })
        .collect();
    containers.push(json!({"id": format!("{:064x}", 0), "name": "busy",
                           "created": "2026-11-21T10:00:00Z", "state": "exited",
                           "fail": {"remove": BUSY}}));
    let path = std::env::temp_dir().join(format!("pruner-{name}-{}.json", std::process::id()));
    std::fs::write(&path, json!({ "containers": containers }).to_string()).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_pruner"))
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
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut warning = String::new();
    stderr.read_line(&mut warning).unwrap();
    assert_eq!(
        warning,
        format!(" WARN failed to prune container {:064x}: {BUSY}\n", 0)
    );
    let pid = i32::try_from(child.id()).unwrap();
    // SAFETY: `pid` is our own child, still running (it is only waited for below).
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    let output = child.wait_with_output().unwrap();

    let state: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(rest, "");
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
    // The busy container stays, and some others.
    assert!(left > 1, "the prune was not interrupted");
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

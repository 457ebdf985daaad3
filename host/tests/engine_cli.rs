//! The `pruner` binary against a Docker Engine (no `--state`): which engine it picks, what it
//! says when none answers, and its output and events against a real one (`$DOCKER_HOST`; those
//! tests skip without an engine, unless `$CI` or `PRUNER_REQUIRE_DOCKER=1` requires one).

use std::io::Write;
use std::process::{Command, Output, Stdio};

#[path = "engine_cli/policies.rs"]
mod policies;

const PRUNER: &str = env!("CARGO_BIN_EXE_pruner");

/// Runs pruner with `args`, `DOCKER_HOST` set to `docker_host` (or unset), and `stdin`.
fn pruner(args: &[&str], docker_host: Option<&str>, stdin: &str) -> Output {
    let mut command = Command::new(PRUNER);
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match docker_host {
        Some(host) => command.env("DOCKER_HOST", host),
        None => command.env_remove("DOCKER_HOST"),
    };
    let mut child = command.spawn().expect("run pruner");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("pruner's output")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn an_engine_that_does_not_answer_gets_the_docker_clis_message_and_exit_1() {
    let output = pruner(
        &["container", "prune", "-f"],
        Some("unix:///nonexistent/docker.sock"),
        "",
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(text(&output.stdout), "");
    assert_eq!(
        text(&output.stderr),
        "Cannot connect to the Docker daemon at unix:///nonexistent/docker.sock. Is the \
         docker daemon running?\n"
    );
}

#[test]
fn the_host_flag_wins_over_docker_host() {
    for args in [
        &["-H", "unix:///from-flag.sock", "network", "prune", "-f"][..],
        &["--host=unix:///from-flag.sock", "network", "prune", "-f"],
        &["network", "prune", "-H", "unix:///from-flag.sock", "-f"],
        &["network", "prune", "-f", "--host", "unix:///from-flag.sock"],
    ] {
        let output = pruner(args, Some("unix:///from-env.sock"), "");
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert_eq!(
            text(&output.stderr),
            "Cannot connect to the Docker daemon at unix:///from-flag.sock. Is the docker \
             daemon running?\n",
            "{args:?}"
        );
    }
}

#[test]
fn a_tcp_engine_that_does_not_answer_gets_the_same_message() {
    let output = pruner(
        &["container", "prune", "-f", "-H", "tcp://127.0.0.1:1"],
        None,
        "",
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        "Cannot connect to the Docker daemon at tcp://127.0.0.1:1. Is the docker daemon \
         running?\n"
    );
}

#[test]
fn declining_the_prompt_never_contacts_the_engine() {
    let output = pruner(
        &["container", "prune"],
        Some("unix:///nonexistent/docker.sock"),
        "n\n",
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        text(&output.stdout),
        "WARNING! This will remove all stopped containers.\nAre you sure you want to continue? \
         [y/N] Total reclaimed space: 0B\n"
    );
    assert_eq!(text(&output.stderr), "");
}

#[test]
fn the_host_flag_and_a_state_file_conflict() {
    let output = pruner(
        &[
            "container",
            "prune",
            "-f",
            "-H",
            "unix:///x.sock",
            "--state",
            "state.json",
        ],
        None,
        "",
    );
    assert_eq!(output.status.code(), Some(125));
    assert_eq!(
        text(&output.stderr),
        "conflicting options: -H/--host and --state\nSee 'pruner container prune --help'.\n"
    );
}

#[test]
fn the_events_file_and_a_state_file_conflict() {
    let output = pruner(
        &[
            "--events",
            "events.json",
            "network",
            "prune",
            "-f",
            "--state",
            "state.json",
        ],
        None,
        "",
    );
    assert_eq!(output.status.code(), Some(125));
    assert_eq!(
        text(&output.stderr),
        "conflicting options: --events and --state\nSee 'pruner network prune --help'.\n"
    );
}

/// The engine of `$DOCKER_HOST`, or `None` (after saying how to run) when there is none and
/// none is required.
fn engine() -> Option<String> {
    let host = std::env::var("DOCKER_HOST").ok().filter(|h| !h.is_empty());
    let reachable = host.as_deref().is_some_and(|host| {
        Command::new(PRUNER)
            .args(["network", "prune", "-f", "-H", host, "--filter"])
            .arg("label=pruner-engine-cli-probe-matches-nothing")
            .output()
            .is_ok_and(|output| output.status.success())
    });
    if reachable {
        return host;
    }
    let required = std::env::var_os("CI").is_some_and(|value| !value.is_empty())
        || std::env::var("PRUNER_REQUIRE_DOCKER").is_ok_and(|value| value == "1");
    let why = format!("no Docker Engine answers at DOCKER_HOST={host:?}");
    assert!(!required, "{why}, and one is required here");
    // The real stderr: the test harness captures `eprintln!`.
    let _ = writeln!(
        std::io::stderr(),
        "skipped: {why}; start one (see .ci/run) and set DOCKER_HOST to run this test"
    );
    None
}

/// `docker <args>` against `host`, which must succeed; its stdout.
fn docker(host: &str, args: &[&str]) -> String {
    let output = Command::new("docker")
        .args(["-H", host])
        .args(args)
        .output()
        .expect("run the docker CLI");
    assert!(
        output.status.success(),
        "docker {args:?}: {}",
        text(&output.stderr)
    );
    text(&output.stdout)
}

#[test]
fn against_a_real_engine_pruner_prints_what_docker_prints_and_writes_events_to_the_file() {
    let Some(host) = engine() else { return };
    let nonce = std::process::id();
    let label = |who: &str| format!("pruner-engine-cli={nonce}-{who}");
    let mut ids = Vec::new();
    for who in ["docker", "pruner"] {
        let id = docker(
            &host,
            &[
                "create",
                "--network",
                "none",
                "--label",
                &label(who),
                "busybox",
                "true",
            ],
        );
        ids.push(id.trim().to_string());
    }

    let from_docker = docker(
        &host,
        &[
            "container",
            "prune",
            "-f",
            "--filter",
            &format!("label={}", label("docker")),
        ],
    );
    let events = std::env::temp_dir().join(format!("pruner-engine-cli-{nonce}.jsonl"));
    let _ = std::fs::remove_file(&events);
    let filter = format!("label={}", label("pruner"));
    let args = [
        "container",
        "prune",
        "-f",
        "--filter",
        &filter,
        "--events",
        events.to_str().expect("a UTF-8 path"),
    ];
    let output = pruner(&args, Some(&host), "");
    assert_eq!(text(&output.stderr), "");
    assert_eq!(output.status.code(), Some(0));

    assert_eq!(
        from_docker,
        format!(
            "Deleted Containers:\n{}\n\nTotal reclaimed space: 0B\n",
            ids[0]
        )
    );
    assert_eq!(
        text(&output.stdout),
        format!(
            "Deleted Containers:\n{}\n\nTotal reclaimed space: 0B\n",
            ids[1]
        )
    );
    let written = std::fs::read_to_string(&events).expect("the events file");
    let _ = std::fs::remove_file(&events);
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines.len(), 1, "{written}");
    let event: serde_json::Value = serde_json::from_str(lines[0]).expect("a JSON line");
    assert_eq!(event["status"], "prune");
    assert_eq!(event["Type"], "container");
    assert_eq!(event["Action"], "prune");
    assert_eq!(
        event["Actor"],
        serde_json::json!({"ID": "", "Attributes": {"reclaimed": "0"}})
    );
    assert_eq!(event["scope"], "local");
    assert_eq!(
        event["timeNano"].as_i64().expect("timeNano") / 1_000_000_000,
        event["time"].as_i64().expect("time")
    );
}

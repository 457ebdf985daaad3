//! The `pruner` binary against a Docker Engine (no `--state`): which engine it picks, what it
//! says when none answers, and its output and events against a real one (`$DOCKER_HOST`; those
//! tests skip without an engine, unless `$CI` or `PRUNER_REQUIRE_DOCKER=1` requires one).

#![allow(unsafe_code, reason = "signals sent to a child process (kill)")]

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
         [y/N] "
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
        "conflicting options: -H/--host and --state\n\nUsage:  pruner container prune \
         [OPTIONS]\n\nRun 'pruner container prune --help' for more information\n"
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
        "conflicting options: --events and --state\n\nUsage:  pruner network prune \
         [OPTIONS]\n\nRun 'pruner network prune --help' for more information\n"
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
    let why = format!("no Docker Engine answers at DOCKER_HOST={host:?}");
    assert!(!required(), "{why}, and one is required here");
    // The real stderr: the test harness captures `eprintln!`.
    let _ = writeln!(
        std::io::stderr(),
        "skipped: {why}; start one (see .ci/run) and set DOCKER_HOST to run this test"
    );
    None
}

/// Held by each test that prunes on the real engine: dockerd refuses a prune while another of
/// its own runs (`a prune operation is already running`), and the tests run side by side.
fn one_prune_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static ENGINE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    ENGINE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Whether a missing engine or docker CLI fails the tests (`$CI`, `PRUNER_REQUIRE_DOCKER=1`).
fn required() -> bool {
    std::env::var_os("CI").is_some_and(|value| !value.is_empty())
        || std::env::var("PRUNER_REQUIRE_DOCKER").is_ok_and(|value| value == "1")
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
    let _one = one_prune_at_a_time();
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

// ---- the command line side by side with docker 28.2.2 -----------------------------------------
//
// The same arguments, input and engine for `/usr/local/bin/docker` (CLI 28.2.2) and pruner;
// stdout, stderr and the exit code must be the same, with `docker` read as `pruner` in usage
// lines and command names. Where they differ by design (README, "Where pruner differs from
// Docker"), the test asserts that difference. Most cases need no engine (the flags, the prompt
// and the address are read before any exchange): they run against a socket nobody listens on.

/// The reference CLI.
const DOCKER_CLI: &str = "/usr/local/bin/docker";

/// A socket nobody listens on.
const NOWHERE: &str = "unix:///nonexistent/pruner-docker-cli.sock";

/// docker's prompts.
const CONTAINER_PROMPT: &str =
    "WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ";
const NETWORK_PROMPT: &str = "WARNING! This will remove all custom networks not used by at least \
                              one container.\nAre you sure you want to continue? [y/N] ";

/// Whether docker 28.2.2's CLI is there; says why not (or fails, when required) otherwise.
fn docker_cli() -> bool {
    let version = Command::new(DOCKER_CLI).arg("--version").output();
    if version.is_ok_and(|out| text(&out.stdout).starts_with("Docker version 28.2.2,")) {
        return true;
    }
    let why = format!("the docker CLI 28.2.2 is not at {DOCKER_CLI}");
    assert!(!required(), "{why}, and it is required here");
    let _ = writeln!(
        std::io::stderr(),
        "skipped: {why}; the CLI comparison needs it"
    );
    false
}

/// What a run printed and its exit code.
#[derive(Debug, PartialEq, Eq)]
struct Run {
    stdout: String,
    stderr: String,
    code: Option<i32>,
}

/// The input of a run.
#[derive(Clone, Copy, Debug)]
enum Input<'a> {
    /// This text, then the end of input.
    Text(&'a str),
    /// Once the prompt is on stdout, this signal (the input stays open).
    Signal(i32),
}

/// An empty directory for the docker CLI's configuration (no contexts, no config file), so that
/// both programs see only the arguments and `DOCKER_HOST`.
fn empty_config() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pruner-docker-cli-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a config directory");
    dir
}

/// Runs `program <args>` against `host` with `input`.
fn run(program: &str, args: &[&str], host: &str, input: Input) -> Run {
    run_with(program, args, &[("DOCKER_HOST", host)], input)
}

/// Runs `program <args>` with `input` and the variables `env` (over an empty configuration
/// and no docker variables).
fn run_with(program: &str, args: &[&str], env: &[(&str, &str)], input: Input) -> Run {
    use std::io::Read;
    let mut command = Command::new(program);
    command
        .args(args)
        .env("DOCKER_CONFIG", empty_config())
        .env("HOME", empty_config())
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .env_remove("DOCKER_TLS_VERIFY")
        .env_remove("DOCKER_CERT_PATH");
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the program starts");
    let mut stdin = child.stdin.take();
    let mut stdout = child.stdout.take().expect("stdout");
    let mut shown = Vec::new();
    match input {
        Input::Text(answer) => {
            // A run that never reads its input may close it first.
            let _ = stdin.take().expect("stdin").write_all(answer.as_bytes());
        }
        Input::Signal(signal) => {
            let mut byte = [0u8; 1];
            while !shown.ends_with(b"[y/N] ") {
                assert_eq!(stdout.read(&mut byte).expect("the prompt"), 1, "{shown:?}");
                shown.push(byte[0]);
            }
            let pid = i32::try_from(child.id()).expect("a pid");
            // SAFETY: `kill` on the child's pid, not yet waited for.
            assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
        }
    }
    let mut rest = Vec::new();
    stdout.read_to_end(&mut rest).expect("stdout");
    let output = child.wait_with_output().expect("the program ends");
    drop(stdin);
    Run {
        stdout: text(&[shown, rest].concat()),
        stderr: text(&output.stderr),
        code: output.status.code(),
    }
}

/// docker's text as pruner prints it: its own name in usage lines, command names and hints.
fn as_pruner(docker: &str) -> String {
    docker
        .replace("Usage:  docker", "Usage:  pruner")
        .replace("'docker ", "'pruner ")
        .replace("docker: ", "pruner: ")
        .replace("unknown command: docker", "unknown command: pruner")
}

/// Runs docker and pruner with the same arguments, engine and input.
fn both(args: &[&str], host: &str, input: Input) -> (Run, Run) {
    both_with(args, &[("DOCKER_HOST", host)], input)
}

/// Runs docker and pruner with the same arguments, environment and input.
fn both_with(args: &[&str], env: &[(&str, &str)], input: Input) -> (Run, Run) {
    (
        run_with(DOCKER_CLI, args, env, input),
        run_with(PRUNER, args, env, input),
    )
}

/// Asserts that pruner prints what docker prints, with its own name, and exits the same.
#[track_caller]
fn assert_same(args: &[&str], host: &str, input: Input) {
    assert_same_with(args, &[("DOCKER_HOST", host)], input);
}

/// [`assert_same`] with the variables `env`.
#[track_caller]
fn assert_same_with(args: &[&str], env: &[(&str, &str)], input: Input) {
    let (docker, pruner) = both_with(args, env, input);
    let expected = Run {
        stdout: as_pruner(&docker.stdout),
        stderr: as_pruner(&docker.stderr),
        code: docker.code,
    };
    assert_eq!(pruner, expected, "{args:?} with {input:?} and {env:?}");
}

#[test]
fn prompt_answers_are_read_as_docker_reads_them() {
    if !docker_cli() {
        return;
    }
    for object in ["container", "network"] {
        for answer in [
            "n\n", "N\n", "\n", "", "yes\n", "yy\n", "y", "y\n", "Y\n", " y\n", "y \n", "\tY \r\n",
            "y\r\n",
        ] {
            assert_same(&[object, "prune"], NOWHERE, Input::Text(answer));
        }
    }
}

#[test]
fn ctrl_c_or_sigterm_at_the_prompt_ends_the_line_and_exits_0_as_docker() {
    if !docker_cli() {
        return;
    }
    for object in ["container", "network"] {
        for signal in [libc::SIGINT, libc::SIGTERM] {
            assert_same(&[object, "prune"], NOWHERE, Input::Signal(signal));
        }
    }
    for (object, prompt) in [("container", CONTAINER_PROMPT), ("network", NETWORK_PROMPT)] {
        let (docker, _) = both(&[object, "prune"], NOWHERE, Input::Signal(libc::SIGINT));
        assert_eq!(
            (docker.stdout, docker.stderr, docker.code),
            (format!("{prompt}\n"), String::new(), Some(0))
        );
    }
}

#[test]
fn the_force_flag_takes_pflags_bool_forms() {
    if !docker_cli() {
        return;
    }
    for args in [
        &["container", "prune", "--force=false"][..],
        &["container", "prune", "-f=true"],
        &["container", "prune", "--force=0"],
        &["container", "prune", "--force=T"],
        &["container", "prune", "--force=True"],
        &["network", "prune", "-f", "-f"],
        &["network", "prune", "-f", "--force=false"],
        &["container", "prune", "--force=maybe"],
        &["network", "prune", "-f=yes"],
        &["container", "prune", "-f", "true"],
    ] {
        assert_same(args, NOWHERE, Input::Text("n\n"));
    }
}

#[test]
fn bad_filter_flags_are_refused_as_docker_refuses_them() {
    if !docker_cli() {
        return;
    }
    for args in [
        &["container", "prune", "--filter", "foo"][..],
        &["network", "prune", "-f", "--filter", "label"],
        &["container", "prune", "--filter="],
        &["container", "prune", "--filter", "label=a", "--filter"],
    ] {
        assert_same(args, NOWHERE, Input::Text("n\n"));
    }
}

#[test]
fn bad_flags_are_refused_as_docker_refuses_them() {
    if !docker_cli() {
        return;
    }
    for args in [
        &["container", "prune", "--bogus"][..],
        &["container", "prune", "--bogus=1"],
        &["network", "prune", "-x"],
        &["container", "prune", "-fx"],
        &["container", "prune", "--forc"],
        &["container", "--bogus"],
        &["--bogus", "container", "prune"],
        &["-H"],
    ] {
        assert_same(args, NOWHERE, Input::Text(""));
    }
}

#[test]
fn extra_arguments_are_refused_as_docker_refuses_them() {
    if !docker_cli() {
        return;
    }
    for args in [
        &["container", "prune", "extra"][..],
        &["network", "prune", "-f", "a", "b"],
        &["container", "prune", "--", "extra"],
        &["container", "prune", "extra", "--bogus"],
    ] {
        assert_same(args, NOWHERE, Input::Text(""));
    }
    // --help wins over them (pruner's help has more options: see the help test).
    let help = run(
        PRUNER,
        &["container", "prune", "--help"],
        NOWHERE,
        Input::Text(""),
    );
    for args in [
        &["container", "prune", "extra", "--help"][..],
        &["container", "prune", "--help", "extra"],
    ] {
        assert_eq!(
            run(PRUNER, args, NOWHERE, Input::Text("")),
            help,
            "{args:?}"
        );
    }
}

#[test]
fn unknown_commands_are_refused_as_docker_refuses_them() {
    if !docker_cli() {
        return;
    }
    for args in [
        &["bogus"][..],
        &["container", "bogus"],
        &["network", "bogus", "-f"],
    ] {
        assert_same(args, NOWHERE, Input::Text(""));
    }
}

/// docker's help of a command that has commands, keeping only the commands pruner has.
fn with_only_prune(docker_help: &str) -> String {
    docker_help
        .lines()
        .filter(|line| !line.starts_with("  ") || line.starts_with("  prune "))
        .map(|line| format!("{line}\n"))
        .collect()
}

#[test]
fn an_object_without_a_command_prints_dockers_help_with_only_prune() {
    if !docker_cli() {
        return;
    }
    for object in ["container", "network"] {
        // Without a command: the help on stderr, exit 0; with --help, on stdout.
        let (docker, pruner) = both(&[object], NOWHERE, Input::Text(""));
        assert_eq!((docker.code, pruner.code), (Some(0), Some(0)));
        assert_eq!((docker.stdout.as_str(), pruner.stdout.as_str()), ("", ""));
        assert_eq!(pruner.stderr, as_pruner(&with_only_prune(&docker.stderr)));
        let (docker, pruner) = both(&[object, "--help"], NOWHERE, Input::Text(""));
        assert_eq!((docker.code, pruner.code), (Some(0), Some(0)));
        assert_eq!(pruner.stdout, as_pruner(&with_only_prune(&docker.stdout)));
        assert_eq!((docker.stderr.as_str(), pruner.stderr.as_str()), ("", ""));
    }
}

#[test]
fn no_command_prints_the_help_on_stderr_and_exits_0_as_docker() {
    if !docker_cli() {
        return;
    }
    let (docker, pruner) = both(&[], NOWHERE, Input::Text(""));
    assert_eq!((docker.code, pruner.code), (Some(0), Some(0)));
    assert_eq!((docker.stdout.as_str(), pruner.stdout.as_str()), ("", ""));
    // Different commands by design; the same frame.
    let first = |help: &str| help.lines().next().unwrap_or_default().to_string();
    assert_eq!(first(&pruner.stderr), as_pruner(&first(&docker.stderr)));
    let footer = "\nRun 'pruner COMMAND --help' for more information on a command.\n";
    assert!(pruner.stderr.ends_with(footer), "{}", pruner.stderr);
    assert!(docker.stderr.contains(&footer.replace("pruner", "docker")));
    assert!(pruner.stderr.contains(
        "\nManagement Commands:\n  container   Manage containers\n  network     Manage networks\n"
    ));
    // With --help, the same text on stdout.
    let help = run(PRUNER, &["--help"], NOWHERE, Input::Text(""));
    assert_eq!((help.stdout, help.code), (pruner.stderr, Some(0)));
}

#[test]
fn prune_help_has_dockers_usage_description_and_options_with_pruners_own_in_name_order() {
    if !docker_cli() {
        return;
    }
    for (object, description) in [
        ("container", "Remove all stopped containers"),
        ("network", "Remove all unused networks"),
    ] {
        let (docker, pruner) = both(&[object, "prune", "--help"], NOWHERE, Input::Text(""));
        assert_eq!((docker.code, pruner.code), (Some(0), Some(0)));
        let head =
            format!("Usage:  docker {object} prune [OPTIONS]\n\n{description}\n\nOptions:\n");
        assert!(docker.stdout.starts_with(&head), "{}", docker.stdout);
        assert!(
            pruner.stdout.starts_with(&as_pruner(&head)),
            "{}",
            pruner.stdout
        );
        // docker's options, each with its words, among pruner's, all sorted by name. An option's
        // continuation lines are joined to it: pflag wraps at a column set by the longest name,
        // which pruner's own flags widen.
        let options = |help: &str| -> Vec<String> {
            let mut options: Vec<String> = Vec::new();
            for line in help.lines().skip_while(|line| *line != "Options:").skip(1) {
                let words = line.split_whitespace().collect::<Vec<_>>().join(" ");
                match options.last_mut() {
                    _ if line.trim_start().starts_with('-') => options.push(words),
                    Some(option) if !words.is_empty() => {
                        option.push(' ');
                        option.push_str(&words);
                    }
                    _ => {}
                }
            }
            options
        };
        let ours = options(&pruner.stdout);
        for option in options(&docker.stdout) {
            assert!(ours.contains(&option), "{option:?} not in {ours:?}");
        }
        let names: Vec<&str> = ours
            .iter()
            .map(|line| line.split(' ').find(|word| word.starts_with("--")).unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "--apply",
                "--dry-run",
                "--filter",
                "--filters-json",
                "--force,",
                "--format",
                "--now",
                "--plan",
                "--plan-max-age",
                "--policy",
                "--policy-opt",
                "--progress",
                "--state"
            ]
            .map(|name| name.trim_end_matches(','))
        );
    }
}

#[test]
fn version_is_printed_as_docker_prints_it_with_pruners_name_and_no_build() {
    if !docker_cli() {
        return;
    }
    for flag in ["-v", "--version"] {
        let (docker, pruner) = both(&[flag], NOWHERE, Input::Text(""));
        assert!(docker.stdout.starts_with("Docker version 28.2.2, build "));
        assert_eq!(
            (pruner.stdout.as_str(), pruner.stderr.as_str(), pruner.code),
            (
                concat!("pruner version ", env!("CARGO_PKG_VERSION"), "\n"),
                "",
                docker.code
            )
        );
    }
}

#[test]
fn host_addresses_are_read_as_docker_reads_them() {
    if !docker_cli() {
        return;
    }
    for host in [
        "127.0.0.1:1",
        ":1",
        "tcp://127.0.0.1:1",
        "tcp://127.0.0.1:1/path",
        "tcp://[::1]:1",
        "unix:///nonexistent/other.sock",
        "http://127.0.0.1:1",
        "bogus://x",
        "tcp://a b",
    ] {
        assert_same(
            &["-H", host, "container", "prune", "-f"],
            NOWHERE,
            Input::Text(""),
        );
        assert_same(&["network", "prune", "-f"], host, Input::Text(""));
    }
    // A bad address is only read once the prompt is answered, as docker does.
    assert_same(
        &["-H", "http://x", "network", "prune"],
        NOWHERE,
        Input::Text("n\n"),
    );
    assert_same(
        &["-H", "http://x", "network", "prune"],
        NOWHERE,
        Input::Text("y\n"),
    );
}

#[test]
fn host_addresses_docker_cannot_use_get_one_line_from_pruner() {
    if !docker_cli() {
        return;
    }
    // docker 28 panics on fd:// and npipe://; pruner says it cannot use them.
    for scheme in ["fd", "npipe"] {
        let host = format!("{scheme}://");
        let (docker, pruner) = both(
            &["-H", &host, "container", "prune", "-f"],
            NOWHERE,
            Input::Text(""),
        );
        assert_eq!(docker.code, Some(2));
        assert!(docker.stderr.starts_with("panic: "), "{}", docker.stderr);
        assert_eq!(
            (pruner.stdout.as_str(), pruner.stderr, pruner.code),
            (
                "",
                format!(
                    "Failed to initialize: unable to resolve docker endpoint: {scheme}:// is not \
                     supported by pruner: use unix:// or tcp://\n"
                ),
                Some(1)
            )
        );
    }
    // A name that does not resolve: each prints its resolver's error.
    let (docker, pruner) = both(
        &["-H", "pruner-test.invalid", "container", "prune", "-f"],
        NOWHERE,
        Input::Text(""),
    );
    assert_eq!((docker.code, pruner.code), (Some(1), Some(1)));
    assert!(
        docker.stderr.starts_with(
            "error during connect: Head \"http://pruner-test.invalid:2375/_ping\": dial tcp: lookup pruner-test.invalid"
        ),
        "{}",
        docker.stderr
    );
    assert!(
        pruner
            .stderr
            .starts_with("error during connect: http://pruner-test.invalid:2375/_ping: "),
        "{}",
        pruner.stderr
    );
    assert_eq!(pruner.stderr.lines().count(), 1, "{}", pruner.stderr);
}

/// An HTTP server on a free local port that answers every request `404 Not Found` with `body`
/// (as text); serves until the process ends.
fn not_found_server(body: &'static str) -> String {
    use std::io::{BufRead, BufReader};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let address = listener.local_addr().expect("its address");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("the stream"));
            let mut request = String::new();
            let _ = reader.read_line(&mut request);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|read| read > 2) {
                line.clear();
            }
            let head = request.starts_with("HEAD ");
            let _ = write!(
                stream,
                "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{}",
                body.len(),
                if head { "" } else { body }
            );
        }
    });
    format!("tcp://{address}")
}

#[test]
fn an_endpoint_that_answers_404_gets_dockers_text() {
    if !docker_cli() {
        return;
    }
    let with_body = not_found_server("404 page not found\n");
    let empty = not_found_server("");
    for host in [&with_body, &empty] {
        for object in ["container", "network"] {
            assert_same(&[object, "prune", "-f"], host, Input::Text(""));
        }
    }
    let (_, pruner) = both(&["container", "prune", "-f"], &with_body, Input::Text(""));
    assert_eq!(
        pruner.stderr,
        "Error response from daemon: 404 page not found\n"
    );
}

/// The containers `docker create` made with the label `key=value`, one per side.
fn created(host: &str, label: &str) -> String {
    docker(
        host,
        &[
            "create",
            "--network",
            "none",
            "--label",
            label,
            "busybox",
            "true",
        ],
    )
    .trim()
    .to_string()
}

#[test]
fn against_a_real_engine_answers_prune_or_keep_as_docker() {
    if !docker_cli() {
        return;
    }
    let Some(host) = engine() else { return };
    let _one = one_prune_at_a_time();
    let nonce = std::process::id();
    for (i, answer) in ["y\n", " y\n", "Y \r\n", "n\n", ""].into_iter().enumerate() {
        let label = |who: &str| format!("pruner-docker-cli={nonce}-{i}-{who}");
        let ids: Vec<String> = ["docker", "pruner"]
            .iter()
            .map(|who| created(&host, &label(who)))
            .collect();
        let filter = |who: &str| format!("label={}", label(who));
        let docker_run = run(
            DOCKER_CLI,
            &["container", "prune", "--filter", &filter("docker")],
            &host,
            Input::Text(answer),
        );
        let pruner_run = run(
            PRUNER,
            &["container", "prune", "--filter", &filter("pruner")],
            &host,
            Input::Text(answer),
        );
        assert_eq!(
            pruner_run,
            Run {
                stdout: docker_run.stdout.replace(&ids[0], &ids[1]),
                ..docker_run
            },
            "answer {answer:?}"
        );
        let left = docker(
            &host,
            &["ps", "-aq", "--no-trunc", "--filter", &filter("pruner")],
        );
        let pruned = answer.trim().eq_ignore_ascii_case("y");
        assert_eq!(left.trim().is_empty(), pruned, "answer {answer:?}: {left}");
        for id in &ids {
            let _ = Command::new(DOCKER_CLI)
                .args(["-H", &host, "rm", id])
                .output();
        }
    }
}

#[test]
fn against_a_real_engine_filter_errors_are_dockers_but_for_the_documented_2023_wording() {
    if !docker_cli() {
        return;
    }
    let Some(host) = engine() else { return };
    let _one = one_prune_at_a_time();
    // The same text for an `until` that does not parse.
    assert_same(
        &["container", "prune", "-f", "--filter", "until=bogus"],
        &host,
        Input::Text(""),
    );
    // dockerd 20.10 capitalises `Invalid filter`; pruner has moby 2023's wording.
    for object in ["container", "network"] {
        let (docker, pruner) = both(
            &[object, "prune", "-f", "--filter", "dangling=true"],
            &host,
            Input::Text(""),
        );
        assert_eq!(
            docker.stderr,
            "Error response from daemon: Invalid filter 'dangling'\n"
        );
        assert_eq!(
            (pruner.stderr.as_str(), pruner.code, pruner.stdout.as_str()),
            (
                "Error response from daemon: invalid filter 'dangling'\n",
                docker.code,
                docker.stdout.as_str()
            )
        );
    }
}

#[test]
fn against_a_real_engine_the_event_line_is_logged_only_at_debug_level() {
    let Some(host) = engine() else { return };
    let _one = one_prune_at_a_time();
    let nonce = std::process::id();
    for (i, (args, env)) in [
        (&[][..], None),
        (&["-l", "debug"], None),
        (&[], Some("debug")),
    ]
    .into_iter()
    .enumerate()
    {
        let label = format!("pruner-engine-log={nonce}-{i}");
        let id = docker(
            &host,
            &[
                "create",
                "--network",
                "none",
                "--label",
                &label,
                "busybox",
                "true",
            ],
        );
        let filter = format!("label={label}");
        let mut command = Command::new(PRUNER);
        command
            .args(["container", "prune", "-f", "--filter", &filter])
            .args(args)
            .env("DOCKER_HOST", &host)
            .env_remove("RUST_LOG")
            .env_remove("PRUNER_LOG");
        if let Some(level) = env {
            command.env("PRUNER_LOG", level);
        }
        let output = command.output().expect("pruner runs");
        assert_eq!(output.status.code(), Some(0));
        assert_eq!(
            text(&output.stdout),
            format!(
                "Deleted Containers:\n{}\n\nTotal reclaimed space: 0B\n",
                id.trim()
            )
        );
        let stderr = text(&output.stderr);
        if args.is_empty() && env.is_none() {
            assert_eq!(stderr, "", "quiet by default");
        } else {
            let event = stderr
                .strip_prefix("DEBUG event ")
                .and_then(|rest| rest.strip_suffix('\n'))
                .unwrap_or_else(|| panic!("one event line: {stderr:?}"));
            let event: serde_json::Value = serde_json::from_str(event).expect("the event's JSON");
            assert_eq!(
                (
                    &event["Type"],
                    &event["Action"],
                    &event["Actor"]["Attributes"]
                ),
                (
                    &serde_json::json!("container"),
                    &serde_json::json!("prune"),
                    &serde_json::json!({"reclaimed": "0"})
                )
            );
        }
    }
}

/// The TLS listener of the engine `.ci/dockerd.sh` starts and the directory of its throwaway
/// CA and client pair; `None` (after saying how to run) when there is none and none is required.
fn tls_engine() -> Option<(String, std::path::PathBuf)> {
    let host = std::env::var("PRUNER_DOCKER_TLS_HOST").ok();
    let certs = std::env::var("PRUNER_DOCKER_TLS_CERTS").ok();
    if let (Some(host), Some(certs)) = (host, certs) {
        return Some((host, certs.into()));
    }
    let why = "no TLS engine: PRUNER_DOCKER_TLS_HOST and PRUNER_DOCKER_TLS_CERTS are unset";
    assert!(!required(), "{why}, and one is required here");
    let _ = writeln!(
        std::io::stderr(),
        "skipped: {why}; start one with .ci/dockerd.sh (see .ci/run)"
    );
    None
}

/// The words of `args`.
fn words(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// A CA of the test's own, made with openssl, that signed nothing the engine has.
fn stranger_ca(dir: &std::path::Path) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).expect("a directory");
    let ca = dir.join("ca.pem");
    let output = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=pruner-test-stranger", "-keyout"])
        .arg(dir.join("ca-key.pem"))
        .arg("-out")
        .arg(&ca)
        .output()
        .expect("openssl runs");
    assert!(output.status.success(), "{}", text(&output.stderr));
    ca
}

#[test]
fn against_a_tls_engine_pruner_connects_as_docker_with_flags_environment_and_contexts() {
    if !docker_cli() {
        return;
    }
    let Some((host, certs)) = tls_engine() else {
        return;
    };
    let _one = one_prune_at_a_time();
    let file = |name: &str| certs.join(name).to_str().expect("UTF-8").to_string();
    let (ca, cert, key) = (file("ca.pem"), file("cert.pem"), file("key.pem"));
    let prune = [
        "container",
        "prune",
        "-f",
        "--filter",
        "label=pruner-tls-matches-nothing",
    ];
    let with = |flags: &[&str]| -> Vec<String> {
        flags
            .iter()
            .chain(&prune)
            .map(|word| word.to_string())
            .collect()
    };
    let nowhere = [("DOCKER_HOST", NOWHERE)];

    // The flags, and the environment.
    for flags in [
        &[
            "--tlsverify",
            "--tlscacert",
            &ca,
            "--tlscert",
            &cert,
            "--tlskey",
            &key,
            "-H",
            &host,
        ][..],
        &[
            "--tls",
            "--tlscacert",
            &ca,
            "--tlscert",
            &cert,
            "--tlskey",
            &key,
            "-H",
            &host,
        ],
    ] {
        let args = with(flags);
        let (docker, pruner) = both_with(&words(&args), &nowhere, Input::Text(""));
        assert_eq!(
            docker.stdout, "Total reclaimed space: 0B\n",
            "{}",
            docker.stderr
        );
        assert_eq!(pruner, docker, "{flags:?}");
    }
    let certs_dir = certs.to_str().expect("UTF-8");
    let env = [
        ("DOCKER_HOST", host.as_str()),
        ("DOCKER_TLS_VERIFY", "1"),
        ("DOCKER_CERT_PATH", certs_dir),
    ];
    assert_same_with(&prune, &env, Input::Text(""));

    // A context made by `docker context create`, named, in $DOCKER_CONTEXT, and current.
    let config = std::env::temp_dir().join(format!("pruner-tls-contexts-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&config);
    let config_dir = config.to_str().expect("UTF-8");
    let endpoint = format!("host={host},ca={ca},cert={cert},key={key}");
    let created = run_with(
        DOCKER_CLI,
        &["context", "create", "pruner-tls", "--docker", &endpoint],
        &[("DOCKER_CONFIG", config_dir)],
        Input::Text(""),
    );
    assert_eq!(created.code, Some(0), "{}", created.stderr);
    let in_config = [("DOCKER_CONFIG", config_dir)];
    let args = with(&["--context", "pruner-tls"]);
    assert_same_with(&words(&args), &in_config, Input::Text(""));
    assert_same_with(
        &prune,
        &[
            ("DOCKER_CONFIG", config_dir),
            ("DOCKER_CONTEXT", "pruner-tls"),
        ],
        Input::Text(""),
    );
    std::fs::write(
        config.join("config.json"),
        r#"{"currentContext":"pruner-tls"}"#,
    )
    .expect("config.json");
    let (docker, pruner) = both_with(&prune, &in_config, Input::Text(""));
    assert_eq!(
        docker.stdout, "Total reclaimed space: 0B\n",
        "{}",
        docker.stderr
    );
    assert_eq!(pruner, docker);
    // $DOCKER_HOST wins over the current context, as in docker.
    assert_same_with(
        &prune,
        &[("DOCKER_CONFIG", config_dir), ("DOCKER_HOST", NOWHERE)],
        Input::Text(""),
    );
    // A context that does not exist, and --host with --context.
    let args = with(&["--context", "nope"]);
    assert_same_with(&words(&args), &in_config, Input::Text(""));
    let args = with(&["--context", "pruner-tls", "-H", &host]);
    assert_same_with(&words(&args), &in_config, Input::Text(""));

    // Without the client's pair, and with a CA that did not sign the engine's certificate:
    // docker and pruner both refuse, each with its TLS library's words.
    let (docker, pruner) = both_with(
        &words(&with(&["--tlsverify", "--tlscacert", &ca, "-H", &host])),
        &nowhere,
        Input::Text(""),
    );
    let hint = "the server probably has client authentication (--tlsverify) enabled; check your \
                TLS client certification settings: ";
    assert!(docker.stderr.starts_with(hint), "{}", docker.stderr);
    assert_eq!(
        (pruner.stderr, pruner.code),
        (
            format!(
                "{hint}error during connect: {}/_ping: received fatal alert: BadCertificate\n",
                host.replace("tcp://", "https://")
            ),
            docker.code
        )
    );
    let stranger = stranger_ca(&config.join("stranger"));
    let stranger = stranger.to_str().expect("UTF-8");
    let args = with(&[
        "--tlsverify",
        "--tlscacert",
        stranger,
        "--tlscert",
        &cert,
        "--tlskey",
        &key,
        "-H",
        &host,
    ]);
    let (docker, pruner) = both_with(&words(&args), &nowhere, Input::Text(""));
    assert!(
        docker
            .stderr
            .contains("certificate signed by unknown authority"),
        "{}",
        docker.stderr
    );
    assert_eq!(
        (pruner.stderr, pruner.code),
        (
            format!(
                "error during connect: {}/_ping: invalid peer certificate: UnknownIssuer\n",
                host.replace("tcp://", "https://")
            ),
            docker.code
        )
    );
    let _ = std::fs::remove_dir_all(&config);
}

// ssh:// engines.
#[path = "engine_cli/ssh.rs"]
mod ssh;

// --dry-run, --plan and --apply against a real engine.
#[path = "engine_cli/preview.rs"]
mod preview;

// `pruner serve` in front of a real engine, driven by the docker CLIs.
#[path = "engine_cli/serve.rs"]
mod serve;

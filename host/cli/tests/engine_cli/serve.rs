//! `pruner serve` in front of the real engine (`$DOCKER_HOST`; skipped without one unless `$CI`
//! or `PRUNER_REQUIRE_DOCKER=1`), driven by the docker CLIs 28.2.2 and 20.10: prunes through
//! the endpoint print what the engine's own print and leave the same; everything else (run,
//! attach, logs, ps, events) passes through; a second prune gets 409; a client that goes away
//! cancels its prune; bad filters get Docker's errors and statuses; SIGTERM cancels a prune
//! under way, whose client still gets what it removed.

#![allow(unsafe_code, reason = "signals sent to a child process (kill)")]

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use super::{DOCKER_CLI, Input, PRUNER, Run, docker, docker_cli, engine, required, run, text};

/// Debian's docker CLI (20.10), from the `docker.io` package `.ci/run` installs.
const DEBIAN_CLI: &str = "/usr/bin/docker";

/// The warning of the `waits-for-cancellation` fixture once its prune waits.
const WAITING: &str = "WARN waiting for the cancellation";

/// How long a test waits for a log line before it fails instead of hanging (never reached
/// when the endpoint works: the lines follow one another at once).
const PATIENCE: Duration = Duration::from_secs(120);

/// A `pruner serve` of one test, on a socket in a directory of its own; stopped (SIGTERM) and
/// removed when dropped.
struct Served {
    child: Child,
    dir: PathBuf,
    /// `unix://<socket>`.
    host: String,
    /// The endpoint's log lines, as they come.
    lines: Receiver<String>,
    /// The lines read so far.
    log: Vec<String>,
}

impl Served {
    /// Starts the endpoint in front of `engine` with `args` more, once it listens.
    fn start(engine: &str, test: &str, args: &[&str]) -> Served {
        let dir = std::env::temp_dir().join(format!("pruner-serve-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a directory for the endpoint");
        let socket = dir.join("endpoint.sock");
        let host = format!("unix://{}", socket.display());
        let mut child = Command::new(PRUNER)
            .args(["serve", "-H", engine, "--listen", &host])
            .args(args)
            .env_remove("PRUNER_LOG")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("pruner serve starts");
        let stderr = BufReader::new(child.stderr.take().expect("stderr"));
        let (send, lines) = channel();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let mut served = Served {
            child,
            dir,
            host,
            lines,
            log: Vec::new(),
        };
        served.wait_for(&format!(
            "INFO serving the Engine API on {} for the Docker Engine at {engine}",
            served.host
        ));
        served
    }

    /// The socket's path.
    fn socket(&self) -> PathBuf {
        self.dir.join("endpoint.sock")
    }

    /// Reads the log until a line contains `wanted`; that line.
    #[track_caller]
    fn wait_for(&mut self, wanted: &str) -> String {
        loop {
            match self.lines.recv_timeout(PATIENCE) {
                Ok(line) => {
                    self.log.push(line.clone());
                    if line.contains(wanted) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                    panic!("no log line has {wanted:?}; the log: {:#?}", self.log)
                }
            }
        }
    }

    /// Sends SIGTERM and waits for the endpoint to exit; its exit code and the rest of its log.
    fn stop(&mut self) -> (Option<i32>, Vec<String>) {
        signal(&self.child, libc::SIGTERM);
        let status = self.child.wait().expect("pruner serve exits");
        let rest: Vec<String> = self.lines.iter().collect();
        self.log.extend(rest.iter().cloned());
        (status.code(), rest)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            signal(&self.child, libc::SIGTERM);
            let _ = self.child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Sends `signal` to `child`, still running.
fn signal(child: &Child, signal: i32) {
    let pid = i32::try_from(child.id()).expect("a pid");
    // SAFETY: `kill` on our own child's pid, not yet waited for.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
}

/// The docker CLIs to drive: 28.2.2, and Debian's 20.10 (skipped when it is missing and not
/// required).
fn clis() -> Vec<&'static str> {
    let mut clis = vec![DOCKER_CLI];
    let debian = Command::new(DEBIAN_CLI).arg("--version").output();
    if debian.is_ok_and(|out| text(&out.stdout).starts_with("Docker version 20.10.")) {
        clis.push(DEBIAN_CLI);
    } else {
        assert!(
            !required(),
            "Debian's docker CLI 20.10 is not at {DEBIAN_CLI}"
        );
    }
    clis
}

/// One HTTP/1.1 exchange of `request` (method and target, e.g. `POST /_ping`) on the Unix
/// socket `socket`: the status line and the body.
fn exchange(socket: &Path, request: &str) -> (String, String) {
    exchange_with(socket, request, None, "")
}

/// [`exchange`] with `body` of `content_type`.
fn exchange_with(
    socket: &Path,
    request: &str,
    content_type: Option<&str>,
    body: &str,
) -> (String, String) {
    let mut stream = UnixStream::connect(socket).expect("the socket answers");
    let content_type = content_type.map_or(String::new(), |t| format!("Content-Type: {t}\r\n"));
    write!(
        stream,
        "{request} HTTP/1.1\r\nHost: docker\r\n{content_type}Content-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("the request is sent");
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .expect("the response is read");
    let response = text(&response);
    let (head, body) = response.split_once("\r\n\r\n").expect("a head and a body");
    let status = head.lines().next().unwrap_or_default().to_string();
    (status, body.to_string())
}

/// The Unix socket of the engine at `host`.
fn engine_socket(host: &str) -> PathBuf {
    PathBuf::from(
        host.strip_prefix("unix://")
            .expect("the engine's Unix socket"),
    )
}

/// The IDs of the containers with `label`, sorted.
fn containers_with(host: &str, label: &str) -> Vec<String> {
    let listed = docker(
        host,
        &[
            "ps",
            "-aq",
            "--no-trunc",
            "--filter",
            &format!("label={label}"),
        ],
    );
    let mut ids: Vec<String> = listed.lines().map(str::to_string).collect();
    ids.sort();
    ids
}

/// A running container with `label`; its ID.
fn running(host: &str, label: &str) -> String {
    let id = docker(
        host,
        &[
            "run",
            "-d",
            "--network",
            "none",
            "--label",
            label,
            "busybox",
            "sleep",
            "600",
        ],
    );
    id.trim().to_string()
}

/// Removes every container with `label` and the networks `names`, whatever a test left.
fn clean_up(host: &str, label: &str, networks: &[&str]) {
    for id in containers_with(host, label) {
        let _ = Command::new(DOCKER_CLI)
            .args(["-H", host, "rm", "-f", &id])
            .output();
    }
    for name in networks {
        let _ = Command::new(DOCKER_CLI)
            .args(["-H", host, "network", "rm", name])
            .output();
    }
}

/// The engine of `$DOCKER_HOST` when it and the docker CLI 28.2.2 are there (else `None`, after
/// saying why, or a failure when they are required).
fn docker_cli_and_engine() -> Option<String> {
    if !docker_cli() {
        return None;
    }
    engine()
}

/// A run that failed with the daemon's `message`, as the docker CLI prints it.
fn daemon_error(message: &str) -> Run {
    Run {
        stdout: String::new(),
        stderr: format!("Error response from daemon: {message}\n"),
        code: Some(1),
    }
}

/// A run that printed `stdout` alone and exited 0.
fn ok(stdout: &str) -> Run {
    Run {
        stdout: stdout.to_string(),
        stderr: String::new(),
        code: Some(0),
    }
}

/// Asserts that `cli`'s prune straight to the engine printed `stdout` and succeeded, and that
/// the same prune through the endpoint printed the same, its own object in place of the
/// engine's (`objects`: the engine's, the endpoint's).
#[track_caller]
fn assert_alike(direct: Run, through: Run, stdout: &str, objects: (&str, &str), cli: &str) {
    assert_eq!(direct, ok(stdout), "{cli}");
    let expected = Run {
        stdout: direct.stdout.replace(objects.0, objects.1),
        ..direct
    };
    assert_eq!(through, expected, "{cli}");
}

#[test]
fn prunes_through_the_endpoint_print_and_leave_what_the_engines_own_do() {
    let Some(host) = docker_cli_and_engine() else {
        return;
    };
    let _one = super::one_prune_at_a_time();
    let mut served = Served::start(&host, "prunes", &[]);
    let nonce = std::process::id();
    for (i, cli) in clis().into_iter().enumerate() {
        let label = |side: &str| format!("pruner-serve={nonce}-{i}-{side}");
        let sides = ["engine", "endpoint"];
        let name = |side: &str| format!("{}-net", label(side).replace('=', "-"));
        let mut pruned = Vec::new();
        let mut kept = Vec::new();
        for side in sides {
            pruned.push(super::created(&host, &label(side)));
            kept.push(running(&host, &label(side)));
            docker(
                &host,
                &["network", "create", "--label", &label(side), &name(side)],
            );
        }
        let prune = |object: &str, side: &str, target: &str| {
            run(
                cli,
                &[
                    object,
                    "prune",
                    "-f",
                    "--filter",
                    &format!("label={}", label(side)),
                ],
                target,
                Input::Text(""),
            )
        };

        let stdout = format!(
            "Deleted Containers:\n{}\n\nTotal reclaimed space: 0B\n",
            pruned[0]
        );
        assert_alike(
            prune("container", "engine", &host),
            prune("container", "endpoint", &served.host),
            &stdout,
            (&pruned[0], &pruned[1]),
            cli,
        );
        for (side, kept) in sides.iter().zip(&kept) {
            assert_eq!(
                containers_with(&host, &label(side)),
                std::slice::from_ref(kept),
                "{cli} {side}"
            );
        }

        assert_alike(
            prune("network", "engine", &host),
            prune("network", "endpoint", &served.host),
            &format!("Deleted Networks:\n{}\n\n", name("engine")),
            (&name("engine"), &name("endpoint")),
            cli,
        );
        for side in sides {
            clean_up(&host, &label(side), &[&name(side)]);
        }
        served.wait_for("INFO container prune in ");
        served.wait_for("INFO network prune in ");
    }
    let (code, _) = served.stop();
    assert_eq!(code, Some(0));
}

#[test]
fn the_docker_cli_runs_attaches_lists_reads_logs_and_events_through_the_endpoint() {
    let Some(host) = docker_cli_and_engine() else {
        return;
    };
    let served = Served::start(&host, "pass-through", &[]);
    let nonce = std::process::id();
    for (i, cli) in clis().into_iter().enumerate() {
        let through = |args: &[&str], input: Input| run(cli, args, &served.host, input);
        let label = format!("pruner-serve-pass={nonce}-{i}");
        let since = docker(&host, &["info", "--format", "{{.SystemTime}}"]);
        // `docker run <options> … busybox <command>` through the endpoint, with `input`.
        let run_busybox = |options: &[&str], command: &[&str], input| {
            let network = ["--network", "none", "--label", &label, "busybox"];
            let args: Vec<&str> = ["run"]
                .iter()
                .chain(options)
                .chain(&network)
                .chain(command)
                .copied()
                .collect();
            through(&args, input)
        };
        assert_eq!(
            run_busybox(&["--rm"], &["echo", "hi"], Input::Text("")),
            ok("hi\n"),
            "{cli}"
        );
        // Attached with stdin: the hijacked connection carries both ways and its half-close.
        assert_eq!(
            run_busybox(&["--rm", "-i"], &["cat"], Input::Text("piped\n")),
            ok("piped\n"),
            "{cli}"
        );
        let name = format!("pruner-serve-logs-{nonce}-{i}");
        assert_eq!(
            run_busybox(&["--name", &name], &["echo", "logged"], Input::Text("")),
            ok("logged\n"),
            "{cli}"
        );
        assert_eq!(
            through(&["logs", &name], Input::Text("")),
            ok("logged\n"),
            "{cli}"
        );
        let listed = [
            "ps",
            "-a",
            "--filter",
            &format!("label={label}"),
            "--format",
            "{{.Names}} {{.Status}}",
        ];
        let direct = run(cli, &listed, &host, Input::Text(""));
        assert!(
            direct.stdout.starts_with(&format!("{name} Exited (0)")),
            "{direct:?}"
        );
        assert_eq!(through(&listed, Input::Text("")), direct, "{cli}");

        // exec, without and with stdin, in a running container.
        let running = &running(&host, &label);
        assert_eq!(
            through(&["exec", running, "echo", "exec"], Input::Text("")),
            ok("exec\n"),
            "{cli}"
        );
        assert_eq!(
            through(&["exec", "-i", running, "cat"], Input::Text("exec piped\n")),
            ok("exec piped\n"),
            "{cli}"
        );
        // `docker run -it` on a terminal (`script` gives it one): the same as on the engine.
        let terminal = |target: &str| {
            let command = format!(
                "{cli} -H {target} run --rm -it --network none --label {label} busybox sh -c \
                 'echo on; tty'"
            );
            let mut script = Command::new("script")
                .args(["-qec", &command, "/dev/null"])
                .env("DOCKER_CONFIG", super::empty_config())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("script runs");
            // Its input stays open (nothing typed) until the container has ended.
            let input = script.stdin.take();
            let mut shown = Vec::new();
            let mut stdout = script.stdout.take().expect("stdout");
            stdout
                .read_to_end(&mut shown)
                .expect("the terminal's output");
            let status = script.wait().expect("script ends");
            drop(input);
            (text(&shown), status.code())
        };
        let direct = terminal(&host);
        assert_eq!(
            direct,
            ("on\r\n/dev/pts/0\r\n".to_string(), Some(0)),
            "{cli}"
        );
        assert_eq!(terminal(&served.host), direct, "{cli}");

        let until = docker(&host, &["info", "--format", "{{.SystemTime}}"]);
        let events = [
            "events",
            "--since",
            since.trim(),
            "--until",
            until.trim(),
            "--filter",
            &format!("label={label}"),
            "--format",
            "{{.Type}} {{.Action}}",
        ];
        let direct = run(cli, &events, &host, Input::Text(""));
        let actions: Vec<&str> = direct.stdout.lines().collect();
        for wanted in [
            "container create",
            "container attach",
            "container start",
            "container die",
            "container destroy",
            "container exec_start: echo exec",
        ] {
            assert!(actions.contains(&wanted), "{cli}: {wanted} in {actions:?}");
        }
        assert_eq!(through(&events, Input::Text("")), direct, "{cli}");
        clean_up(&host, &label, &[]);
    }
}

/// The fixture `bytes`, written into `dir` as `name`; its path.
fn plugin_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("the fixture is written");
    path
}

/// Starts the endpoint with the waiting fixture as its policy and events to a file, and a
/// container prune of `label`'s containers through it with the docker CLI, once that prune
/// waits.
fn prune_under_way(host: &str, test: &str, label: &str) -> (Served, Child) {
    let dir =
        std::env::temp_dir().join(format!("pruner-serve-plugin-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a directory for the plugin");
    let plugin = plugin_file(
        &dir,
        "waits-for-cancellation.wasm",
        pruner_fixtures::WAITS_FOR_CANCELLATION,
    );
    let events = dir.join("events.jsonl");
    let _ = std::fs::remove_file(&events);
    let mut served = Served::start(
        host,
        test,
        &[
            "--plugin",
            plugin.to_str().expect("UTF-8"),
            "--events",
            events.to_str().expect("UTF-8"),
        ],
    );
    let client = Command::new(DOCKER_CLI)
        .args([
            "container",
            "prune",
            "-f",
            "--filter",
            &format!("label={label}"),
        ])
        .env("DOCKER_HOST", &served.host)
        .env("DOCKER_CONFIG", super::empty_config())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the docker CLI starts");
    served.wait_for(WAITING);
    (served, client)
}

/// The events file of [`prune_under_way`] for `test`: its lines.
fn events_of(test: &str) -> String {
    let dir =
        std::env::temp_dir().join(format!("pruner-serve-plugin-{}-{test}", std::process::id()));
    let events = std::fs::read_to_string(dir.join("events.jsonl")).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    events
}

#[test]
fn a_second_prune_gets_409_while_one_runs_and_sigterm_cancels_the_first_which_keeps_its_removals() {
    let Some(host) = docker_cli_and_engine() else {
        return;
    };
    let label = format!("pruner-serve-conflict={}", std::process::id());
    let id = super::created(&host, &label);
    let (mut served, client) = prune_under_way(&host, "conflict", &label);

    for request in ["POST /v1.41/networks/prune", "POST /containers/prune"] {
        assert_eq!(
            exchange(&served.socket(), request),
            (
                "HTTP/1.1 409 Conflict".to_string(),
                "{\"message\":\"a prune operation is already running\"}\n".to_string()
            )
        );
    }
    assert_eq!(
        run(
            DOCKER_CLI,
            &["network", "prune", "-f"],
            &served.host,
            Input::Text("")
        ),
        daemon_error("a prune operation is already running")
    );

    for kind in ["network", "container", "network"] {
        let line = served.wait_for(": 409 a prune operation is already running");
        assert!(
            line.contains(&format!("INFO {kind} prune failed in ")),
            "{line}"
        );
    }

    let (code, log) = served.stop();
    let output = client.wait_with_output().expect("the client ends");
    assert_eq!(code, Some(0));
    assert_eq!(
        (
            text(&output.stdout),
            text(&output.stderr),
            output.status.code()
        ),
        (
            format!("Deleted Containers:\n{id}\n\nTotal reclaimed space: 0B\n"),
            String::new(),
            Some(0)
        )
    );
    assert!(
        log.iter()
            .any(|line| line.ends_with("INFO stopping: cancelling the prunes under way")),
        "{log:#?}"
    );
    assert!(
        log.iter().any(
            |line| line.contains("INFO container prune cancelled after ")
                && line.ends_with(": 1 deleted, 0B reclaimed")
        ),
        "{log:#?}"
    );
    assert_eq!(containers_with(&host, &label), Vec::<String>::new());
    assert_eq!(events_of("conflict"), "");
}

#[test]
fn a_client_that_goes_away_mid_prune_cancels_it_and_what_was_removed_stays_removed() {
    let Some(host) = docker_cli_and_engine() else {
        return;
    };
    let label = format!("pruner-serve-gone={}", std::process::id());
    let kept = running(&host, &label);
    super::created(&host, &label);
    let (mut served, mut client) = prune_under_way(&host, "gone", &label);

    signal(&client, libc::SIGKILL);
    let _ = client.wait();
    let line = served.wait_for(": 1 deleted, 0B reclaimed");
    assert!(
        line.contains("INFO container prune cancelled after "),
        "{line}"
    );
    assert_eq!(containers_with(&host, &label), [kept]);
    // The guard is free again: the next prune runs (and the fixture refuses it at once).
    assert_eq!(
        exchange(&served.socket(), "POST /containers/prune"),
        (
            "HTTP/1.1 400 Bad Request".to_string(),
            "{\"message\":\"waits-for-cancellation needs a label filter\"}\n".to_string()
        )
    );
    let (code, _) = served.stop();
    assert_eq!(code, Some(0));
    assert_eq!(events_of("gone"), "");
    clean_up(&host, &label, &[]);
}

#[test]
fn bad_requests_get_dockers_errors_and_statuses_and_the_engines_refusals_pass_back_unchanged() {
    let Some(host) = docker_cli_and_engine() else {
        return;
    };
    let _one = super::one_prune_at_a_time();
    let served = Served::start(&host, "bad", &[]);
    for object in ["container", "network"] {
        assert_eq!(
            run(
                DOCKER_CLI,
                &[object, "prune", "-f", "--filter", "dangling=true"],
                &served.host,
                Input::Text("")
            ),
            daemon_error("invalid filter 'dangling'")
        );
    }
    let bad_request = |body: &str| {
        (
            "HTTP/1.1 400 Bad Request".to_string(),
            format!("{{\"message\":{body:?}}}\n"),
        )
    };
    for (request, expected) in [
        (
            "POST /v1.41/containers/prune?filters=nope",
            bad_request("invalid filter"),
        ),
        (
            "POST /networks/prune?filters=%7B%22dangling%22%3A%5B%22x%22%5D%7D",
            bad_request("invalid filter 'dangling'"),
        ),
        (
            "POST /v1.41/containers/prune?filters=%zz",
            bad_request("invalid URL escape \"%zz\""),
        ),
        (
            "POST /v1.41/networks/prune?a=1;b=2",
            bad_request("invalid semicolon separator in query"),
        ),
        (
            "POST /containers/prune?filters=%7B%22until%22%3A%5B%22bogus%22%5D%7D",
            bad_request("failed to parse value as time or duration: \"bogus\""),
        ),
        (
            "POST /v1.23/containers/prune?filters=nope",
            (
                "HTTP/1.1 400 Bad Request".to_string(),
                "invalid filter\n".to_string(),
            ),
        ),
    ] {
        assert_eq!(exchange(&served.socket(), request), expected, "{request}");
    }
    // A form-encoded body is read before the query, as Go's `ParseForm` reads it; any other
    // body is ignored, as dockerd ignores it.
    let nothing = "filters=%7B%22label%22%3A%5B%22pruner-serve-matches-nothing%22%5D%7D";
    for (content_type, body, expected) in [
        (
            "application/x-www-form-urlencoded",
            "filters=%7B%22dangling%22%3A%5B%22x%22%5D%7D",
            bad_request("invalid filter 'dangling'"),
        ),
        (
            "application/json",
            "{\"filters\":\"nope\"}",
            (
                "HTTP/1.1 200 OK".to_string(),
                "{\"ContainersDeleted\":null,\"SpaceReclaimed\":0}\n".to_string(),
            ),
        ),
    ] {
        let request = format!("POST /v1.41/containers/prune?{nothing}");
        assert_eq!(
            exchange_with(&served.socket(), &request, Some(content_type), body),
            expected,
            "{content_type}"
        );
    }
    // The engine's own answers: a version it does not support, a wrong method, the ping.
    for request in [
        "POST /v1.99/containers/prune",
        "POST /v1.0/networks/prune",
        "GET /containers/prune",
        "GET /_ping",
        "GET /v1.41/_ping",
    ] {
        let direct = exchange(&engine_socket(&host), request);
        assert_eq!(exchange(&served.socket(), request), direct, "{request}");
        assert!(!direct.0.is_empty(), "{request}");
    }
    assert_eq!(
        exchange(&served.socket(), "POST /v1.99/containers/prune").1,
        "{\"message\":\"client version 1.99 is too new. Maximum supported API version is 1.41\"}\n"
    );
}

/// `pruner serve` with `args`, which must fail to start: its exit code and stderr.
fn refused(args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(PRUNER)
        .arg("serve")
        .args(args)
        .env_remove("DOCKER_HOST")
        .env("DOCKER_CONFIG", super::empty_config())
        .stdin(Stdio::null())
        .output()
        .expect("pruner serve runs");
    assert_eq!(text(&output.stdout), "");
    (output.status.code(), text(&output.stderr))
}

#[test]
fn what_keeps_the_endpoint_from_starting_is_one_line_and_exit_1() {
    let dir = std::env::temp_dir().join(format!("pruner-serve-refused-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a directory");
    let file = dir.join("not-a-socket");
    std::fs::write(&file, "keep me").expect("a file");
    let listen_file = format!("unix://{}", file.display());
    // The files are only checked for being there: the endpoint refuses TLS before reading them.
    let ca = dir.join("ca.pem").to_str().expect("UTF-8").to_string();
    std::fs::write(&ca, "not read").expect("a CA file");
    for (args, stderr) in [
        (
            vec!["--listen", "tcp://0.0.0.0:2380"],
            "--listen tcp://0.0.0.0:2380 is not a loopback address: whoever reaches it controls \
             the Docker Engine; add --allow-remote to listen there anyway\n"
                .to_string(),
        ),
        (
            vec!["--listen", "/run/pruner.sock"],
            "invalid --listen address \"/run/pruner.sock\": expected unix:///path/to/socket or \
             tcp://127.0.0.1:port\n"
                .to_string(),
        ),
        (
            vec!["--listen", &listen_file],
            format!(
                "cannot listen on {listen_file}: {} exists and is not a socket\n",
                file.display()
            ),
        ),
        (
            vec![
                "-H",
                "tcp://127.0.0.1:2376",
                "--tlsverify",
                "--tlscacert",
                &ca,
                "--listen",
                &listen_file,
            ],
            "pruner serve cannot reach an engine over TLS (tcp://127.0.0.1:2376): run it on the \
             engine's machine against its Unix socket\n"
                .to_string(),
        ),
        (
            vec![
                "--events",
                "/nonexistent/pruner/events.jsonl",
                "--listen",
                &listen_file,
            ],
            "cannot open the events file /nonexistent/pruner/events.jsonl: No such file or \
             directory (os error 2)\n"
                .to_string(),
        ),
        (
            vec![
                "--policy",
                "protect",
                "--policy-opt",
                "keep=3",
                "--listen",
                &listen_file,
            ],
            "invalid --policy-opt for policy protect: unknown option \"keep\"; this policy takes \
             label\n"
                .to_string(),
        ),
        (
            vec!["-H", "ssh://me@engine", "--listen", &listen_file],
            "pruner serve cannot reach an engine over ssh (ssh://me@engine): run it on the \
             engine's machine against its Unix socket\n"
                .to_string(),
        ),
    ] {
        assert_eq!(refused(&args), (Some(1), stderr), "{args:?}");
    }
    assert_eq!(
        std::fs::read_to_string(&file).expect("the file stays"),
        "keep me"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_engine_that_does_not_answer_gets_dockers_text_through_the_endpoint() {
    if !docker_cli() {
        return;
    }
    let engine = "unix:///nonexistent/pruner-serve-engine.sock";
    let served = Served::start(engine, "no-engine", &[]);
    let mode = std::fs::metadata(served.socket())
        .expect("the socket")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o660, "docker.sock's mode");
    let message =
        format!("Cannot connect to the Docker daemon at {engine}. Is the docker daemon running?");
    for request in [
        "GET /_ping",
        "POST /v1.41/containers/prune",
        "GET /containers/json",
    ] {
        assert_eq!(
            exchange(&served.socket(), request),
            (
                "HTTP/1.1 502 Bad Gateway".to_string(),
                format!("{{\"message\":{message:?}}}\n")
            ),
            "{request}"
        );
    }
    for object in ["container", "network"] {
        assert_eq!(
            run(
                DOCKER_CLI,
                &[object, "prune", "-f"],
                &served.host,
                Input::Text("")
            ),
            daemon_error(&message)
        );
    }
}

#[test]
fn the_endpoint_listens_on_a_loopback_tcp_port() {
    let engine = "unix:///nonexistent/pruner-serve-engine.sock";
    let mut child = Command::new(PRUNER)
        .args(["serve", "-H", engine, "--listen", "tcp://127.0.0.1:0"])
        .env_remove("PRUNER_LOG")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pruner serve starts");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    stderr.read_line(&mut line).expect("the first log line");
    let address = line
        .strip_prefix(" INFO serving the Engine API on tcp://")
        .and_then(|rest| rest.strip_suffix(&format!(" for the Docker Engine at {engine}\n")))
        .unwrap_or_else(|| panic!("{line:?}"));
    assert!(address.starts_with("127.0.0.1:"), "{address}");
    let mut stream = std::net::TcpStream::connect(address).expect("the port answers");
    write!(
        stream,
        "GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n"
    )
    .expect("the request is sent");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("the response");
    assert!(
        response.starts_with("HTTP/1.1 502 Bad Gateway\r\n"),
        "{response}"
    );
    signal(&child, libc::SIGTERM);
    assert_eq!(child.wait().expect("it exits").code(), Some(0));
}

#[test]
fn a_plugins_control_characters_reach_the_client_and_the_log_escaped() {
    let Some(host) = docker_cli_and_engine() else {
        return;
    };
    let dir = std::env::temp_dir().join(format!(
        "pruner-serve-plugin-{}-escaped",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("a directory for the plugin");
    let plugin = plugin_file(
        &dir,
        "injects-control-characters.wasm",
        pruner_fixtures::INJECTS_CONTROL_CHARACTERS,
    );
    let mut served = Served::start(
        &host,
        "escaped",
        &["--plugin", plugin.to_str().expect("UTF-8")],
    );
    let message = "no rule\\u{1b}[2J\\u{1b}[H\\rcleared\\u{7} \\u{202e}txt.exe";
    assert_eq!(
        exchange(&served.socket(), "POST /v1.41/containers/prune"),
        (
            "HTTP/1.1 500 Internal Server Error".to_string(),
            format!("{}\n", serde_json::json!({ "message": message }))
        )
    );
    served.wait_for(" WARN policy checked\\n WARN forged: all containers removed");
    assert_eq!(
        run(
            DOCKER_CLI,
            &["container", "prune", "-f"],
            &served.host,
            Input::Text("")
        ),
        daemon_error(message)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_policy_holds_through_the_endpoint_for_the_kinds_it_accepts() {
    let Some(host) = docker_cli_and_engine() else {
        return;
    };
    let nonce = std::process::id();
    let label = format!("pruner-serve-policy={nonce}");
    let protect = format!("pruner-serve-protect-{nonce}");
    let name = |who: &str| format!("pruner-serve-policy-{nonce}-{who}");
    let both = format!("{label},{protect}");
    let container = |labels: &str| {
        let mut args = vec!["create", "--network", "none"];
        for label in labels.split(',') {
            args.extend(["--label", label]);
        }
        args.extend(["busybox", "true"]);
        docker(&host, &args).trim().to_string()
    };
    let network = |labels: &str, who: &str| {
        let mut args = vec!["network", "create"];
        for label in labels.split(',') {
            args.extend(["--label", label]);
        }
        let name = name(who);
        args.push(&name);
        docker(&host, &args);
    };
    let filter = format!("label={label}");
    let prune = |served: &Served, object: &str| {
        run(
            DOCKER_CLI,
            &[object, "prune", "-f", "--filter", &filter],
            &served.host,
            Input::Text(""),
        )
    };

    // `protect` takes both kinds: what carries its label stays.
    let mut served = Served::start(
        &host,
        "policy",
        &[
            "--policy",
            "protect",
            "--policy-opt",
            &format!("label={protect}"),
        ],
    );
    let (protected, unprotected) = (container(&both), container(&label));
    network(&both, "protected");
    network(&label, "unprotected");
    assert_eq!(
        prune(&served, "container"),
        ok(&format!(
            "Deleted Containers:\n{unprotected}\n\nTotal reclaimed space: 0B\n"
        ))
    );
    let kept = served.wait_for(&format!("INFO policy protect kept container {protected} ("));
    assert!(kept.ends_with(&format!("): label {protect}")), "{kept}");
    assert_eq!(containers_with(&host, &label), [protected]);
    assert_eq!(
        prune(&served, "network"),
        ok(&format!("Deleted Networks:\n{}\n\n", name("unprotected")))
    );
    served.wait_for(&format!(
        "INFO policy protect kept network {}: label {protect}",
        name("protected")
    ));
    drop(served);

    // `exited-before` is for containers only: it keeps the container created just now, and
    // network prune goes on without it.
    let served = Served::start(
        &host,
        "policy-containers",
        &["--policy", "exited-before", "--policy-opt", "until=24h"],
    );
    // Logged at start, before the endpoint listens.
    assert_eq!(
        served.log[0],
        " INFO policy exited-before applies to container prune only: exited-before applies \
         to container prune only"
    );
    clean_up(&host, &label, &[]);
    let recent = container(&label);
    assert_eq!(
        prune(&served, "container"),
        ok("Total reclaimed space: 0B\n")
    );
    assert_eq!(containers_with(&host, &label), [recent]);
    assert_eq!(
        prune(&served, "network"),
        ok(&format!("Deleted Networks:\n{}\n\n", name("protected")))
    );
    clean_up(&host, &label, &[]);
}

//! pruner under the plain `wasmtime` CLI, against the native `pruner`: the composed
//! `pruner-cli.wasm` (front end + prune component + state-file backend) run by the real
//! `wasmtime run` must print exactly what the native binary prints, exit with the same code and
//! leave the same state file, for the same state and flags; and `pruner-backend.wasm` (prune
//! component + backend) answers `wasmtime run --invoke` with the prune report in WAVE.
//!
//! The tests need `wasmtime` on PATH (`cargo install --locked wasmtime-cli --version 48.0.8`).
//! Without it they say so and pass, unless `PRUNER_REQUIRE_WASMTIME=1` (CI) makes them fail.

use std::ffi::OsStr;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use pruner_components::{BACKEND_COMPONENT_PATH, CLI_COMPONENT_PATH};
use serde_json::{Value, json};

/// The daemon's clock of the runs that fix it.
const NOW: &str = "2026-11-27T12:00:00Z";

/// The prompt of `container prune`.
const CONTAINER_PROMPT: &str =
    "WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ";

/// The `wasmtime` CLI on PATH. Without it: `None` after saying how to install it, or a failure
/// when `PRUNER_REQUIRE_WASMTIME=1`.
fn wasmtime() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("wasmtime"))
            .find(|candidate| candidate.is_file())
    });
    if found.is_none() {
        let hint = "`wasmtime` is not on PATH: install it with \
                    `cargo install --locked wasmtime-cli --version 48.0.8`";
        assert!(
            std::env::var_os("PRUNER_REQUIRE_WASMTIME").as_deref() != Some(OsStr::new("1")),
            "{hint} (PRUNER_REQUIRE_WASMTIME=1 requires it)"
        );
        // Past libtest's capture of `eprintln!`, so that the skip shows; once per binary.
        static SAID: Once = Once::new();
        SAID.call_once(|| {
            let _ = writeln!(std::io::stderr(), "wasmtime_cli tests skipped: {hint}");
        });
    }
    found
}

/// What a run printed, its exit code, and the state file it left.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    file: String,
}

impl Outcome {
    /// Asserts the exit code and both streams exactly.
    #[track_caller]
    fn is(&self, code: i32, stdout: &str, stderr: &str) {
        assert_eq!(
            (self.code, self.stdout.as_str(), self.stderr.as_str()),
            (Some(code), stdout, stderr),
            "(exit code, stdout, stderr)"
        );
    }

    /// The state file as JSON.
    fn state(&self) -> Value {
        serde_json::from_str(&self.file).expect("the state file is JSON")
    }
}

/// A temporary directory of its own; removed when dropped.
struct Sandbox {
    dir: PathBuf,
}

impl Sandbox {
    /// A directory for the test `name` whose `state.json` holds `text`.
    fn with_text(name: &str, text: &str) -> Sandbox {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "pruner-wasmtime-{}-{}-{name}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("temporary directory");
        fs::write(dir.join("state.json"), text).expect("state file written");
        Sandbox { dir }
    }

    /// Replaces `state.json`.
    fn write(&self, text: &str) {
        fs::write(self.dir.join("state.json"), text).expect("state file written");
    }

    fn dir(&self) -> String {
        self.dir.to_str().expect("UTF-8 temp path").to_string()
    }

    fn state_path(&self) -> String {
        self.dir
            .join("state.json")
            .to_str()
            .expect("UTF-8 temp path")
            .to_string()
    }

    /// The directory's entries other than `state.json` (temporary files left behind).
    fn strays(&self) -> Vec<String> {
        fs::read_dir(&self.dir)
            .expect("directory readable")
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name != "state.json")
            .collect()
    }

    /// Runs `program args…` feeding it `stdin` (`None`: no input) and collects the outcome.
    fn run(&self, program: &Path, args: &[&str], stdin: Option<&str>) -> Outcome {
        let mut child = Command::new(program)
            .args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| panic!("{} starts: {err}", program.display()));
        if let Some(input) = stdin {
            let mut pipe = child.stdin.take().expect("stdin is piped");
            // A run that never reads its input may close the pipe first: that is not a failure.
            let _ = pipe.write_all(input.as_bytes());
        }
        let output = child.wait_with_output().expect("the program runs");
        assert_eq!(
            self.strays(),
            Vec::<String>::new(),
            "no temporary files left"
        );
        Outcome {
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
            file: fs::read_to_string(self.dir.join("state.json")).expect("state file readable"),
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Runs `pruner <args> --state <file>` natively, then under `wasmtime run` on the same file
/// restored to `state` (`--dir` maps the sandbox to the same path inside, so paths in messages
/// agree); asserts that the two outcomes are equal and returns it.
#[track_caller]
fn both(wasmtime: &Path, name: &str, state: &Value, args: &[&str], stdin: Option<&str>) -> Outcome {
    let text = serde_json::to_string_pretty(state).unwrap();
    let sandbox = Sandbox::with_text(name, &text);
    let path = sandbox.state_path();
    let mut flags = args.to_vec();
    flags.extend(["--state", &path]);
    let native = sandbox.run(Path::new(env!("CARGO_BIN_EXE_pruner")), &flags, stdin);

    sandbox.write(&text);
    let dir = sandbox.dir();
    let mut wasm_args = vec!["run", "--dir", &dir, CLI_COMPONENT_PATH];
    wasm_args.extend(&flags);
    let wasm = sandbox.run(wasmtime, &wasm_args, stdin);
    assert_eq!(wasm, native, "wasmtime run (left) vs native pruner (right)");
    wasm
}

/// A 64-hex-character container ID made of one digit.
fn id(digit: char) -> String {
    digit.to_string().repeat(64)
}

/// A container record.
fn container(
    digit: char,
    name: &str,
    created: &str,
    state: &str,
    labels: Value,
    size: i64,
) -> Value {
    json!({
        "id": id(digit), "name": name, "created": created, "state": state, "image": "busybox",
        "labels": labels, "size_rw": size
    })
}

/// A local network record.
fn network(id: &str, name: &str, created: &str, labels: Value) -> Value {
    json!({
        "id": id, "name": name, "created": created, "driver": "bridge", "labels": labels,
        "config_only": false, "endpoints": 0
    })
}

/// The daemon the tests prune: containers `a` (exited, `env=dev`, 1024 B), `b` (running), `c`
/// (exited, `env=dev`, 2.5 MB), `d` (created, `env=ci`, empty); local networks `bridge`
/// (predefined), `frontend` (in use), `scratch` and `cache-net` (unused), `template`
/// (config-only); a swarm manager with `ingress`, `backend` (used by a service) and
/// `unused-overlay`.
fn fixture() -> Value {
    let mut frontend = network(
        "2222",
        "frontend",
        "2026-11-20T09:00:00Z",
        json!({"env": "prod"}),
    );
    frontend["endpoints"] = json!(1);
    let mut template = network("5555", "template", "2026-11-10T09:00:00Z", json!({}));
    template["config_only"] = json!(true);
    json!({
        "containers": [
            container('a', "build-old", "2026-11-20T12:00:00Z", "exited", json!({"env": "dev"}), 1024),
            container('b', "web", "2026-11-26T12:00:00Z", "running", json!({"env": "prod"}), 4096),
            container('c', "build-new", "2026-11-27T11:30:00Z", "exited",
                      json!({"env": "dev", "keep": ""}), 2_500_000),
            container('d', "migrate", "2026-11-22T12:00:00Z", "created", json!({"env": "ci"}), 0),
        ],
        "networks": [
            network("1111", "bridge", "2026-10-01T00:00:00Z", json!({})),
            frontend,
            network("3333", "scratch", "2026-11-10T09:00:00Z", json!({"env": "dev"})),
            network("4444", "cache-net", "2026-11-26T12:00:00Z", json!({"env": "prod"})),
            template,
        ],
        "cluster": {
            "manager": true,
            "networks": [
                {"id": "ing1", "name": "ingress", "created": "2026-10-01T00:00:00Z",
                 "labels": {}, "ingress": true},
                {"id": "ovl1", "name": "backend", "created": "2026-11-01T00:00:00Z",
                 "labels": {}, "services": ["svc1"]},
                {"id": "ovl2", "name": "unused-overlay", "created": "2026-11-02T00:00:00Z",
                 "labels": {"env": "dev"}},
            ]
        },
        "events": []
    })
}

/// docker's text for deleted containers, then the total.
fn deleted_containers(ids: &[char], total: &str) -> String {
    let mut out = String::from("Deleted Containers:\n");
    for digit in ids {
        out.push_str(&id(*digit));
        out.push('\n');
    }
    out.push_str(&format!("\nTotal reclaimed space: {total}\n"));
    out
}

/// The `name`s of the objects at `pointer` (e.g. `/containers`) in a state file.
fn names(state: &Value, pointer: &str) -> Vec<String> {
    state
        .pointer(pointer)
        .and_then(Value::as_array)
        .expect("an array of objects")
        .iter()
        .map(|object| object["name"].as_str().expect("a name").to_string())
        .collect()
}

// ---- container prune ---------------------------------------------------------------------------

#[test]
fn container_prune_with_a_label_filter_prints_and_rewrites_the_file_as_native_pruner_does() {
    let Some(wasmtime) = wasmtime() else { return };
    let outcome = both(
        &wasmtime,
        "label",
        &fixture(),
        &[
            "container",
            "prune",
            "--filter",
            "label=env=dev",
            "-f",
            "--now",
            NOW,
        ],
        None,
    );
    outcome.is(0, &deleted_containers(&['c', 'a'], "2.501MB"), "");
    assert_eq!(names(&outcome.state(), "/containers"), ["web", "migrate"]);
    let events: Vec<Value> = outcome.state()["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| json!([e["Type"], e["Action"], e["Actor"]["ID"], e["time"]]))
        .collect();
    assert_eq!(
        events,
        [
            json!(["container", "destroy", id('c'), 1_795_780_800]),
            json!(["container", "destroy", id('a'), 1_795_780_800]),
            json!(["container", "prune", "", 1_795_780_800]),
        ]
    );
}

#[test]
fn container_prune_as_json_prints_the_engine_api_report_as_native_pruner_does() {
    let Some(wasmtime) = wasmtime() else { return };
    let outcome = both(
        &wasmtime,
        "json",
        &fixture(),
        &["container", "prune", "--format", "json", "-f", "--now", NOW],
        None,
    );
    let report =
        json!({"ContainersDeleted": [id('c'), id('d'), id('a')], "SpaceReclaimed": 2_501_024});
    outcome.is(0, &format!("{report}\n"), "");
}

#[test]
fn a_local_until_is_read_in_the_zone_of_now_as_native_pruner_does() {
    let Some(wasmtime) = wasmtime() else { return };
    // 10:00 at +02:00 is 08:00 UTC: `c` (11:30 UTC) is too new.
    let outcome = both(
        &wasmtime,
        "zone",
        &fixture(),
        &[
            "container",
            "prune",
            "--filter",
            "until=2026-11-27T10:00:00",
            "-f",
            "--now",
            "2026-11-27T12:00:00+02:00",
        ],
        None,
    );
    outcome.is(0, &deleted_containers(&['d', 'a'], "1.024kB"), "");
}

#[test]
fn a_confirmed_prompt_prunes_as_native_pruner_does() {
    let Some(wasmtime) = wasmtime() else { return };
    let outcome = both(
        &wasmtime,
        "yes",
        &fixture(),
        &[
            "container",
            "prune",
            "--filter",
            "label=env=ci",
            "--now",
            NOW,
        ],
        Some("y\n"),
    );
    let stdout = format!("{CONTAINER_PROMPT}{}", deleted_containers(&['d'], "0B"));
    outcome.is(0, &stdout, "");
    assert_eq!(
        names(&outcome.state(), "/containers"),
        ["build-old", "web", "build-new"]
    );
}

#[test]
fn a_declined_prompt_prunes_nothing_and_succeeds_as_native_pruner_does() {
    let Some(wasmtime) = wasmtime() else { return };
    let outcome = both(
        &wasmtime,
        "no",
        &fixture(),
        &["container", "prune", "--now", NOW],
        Some("n\n"),
    );
    outcome.is(0, CONTAINER_PROMPT, "");
    assert_eq!(outcome.state(), fixture());
}

#[test]
fn a_container_that_fails_removal_is_warned_about_and_kept_as_native_pruner_does() {
    let Some(wasmtime) = wasmtime() else { return };
    let mut state = fixture();
    state["containers"][0]["fail"] = json!({"remove": "disk on fire"});
    let outcome = both(
        &wasmtime,
        "remove-failure",
        &state,
        &["container", "prune", "-f", "--now", NOW],
        None,
    );
    let warning = format!(
        " WARN failed to prune container {}: disk on fire\n",
        id('a')
    );
    outcome.is(0, &deleted_containers(&['c', 'd'], "2.5MB"), &warning);
    assert_eq!(names(&outcome.state(), "/containers"), ["build-old", "web"]);
}

#[test]
fn a_failed_size_lookup_aborts_keeping_what_was_removed_as_native_pruner_does() {
    let Some(wasmtime) = wasmtime() else { return };
    let mut state = fixture();
    state["containers"][3]["fail"] = json!({"size": "du timed out"});
    let outcome = both(
        &wasmtime,
        "size-failure",
        &state,
        &["container", "prune", "-f", "--now", NOW],
        None,
    );
    // docker's error line, then what was removed before it.
    outcome.is(
        1,
        "",
        &format!(
            "Error response from daemon: du timed out\nRemoved before the error (it stays \
             removed):\n{}",
            deleted_containers(&['c'], "2.5MB")
        ),
    );
    assert_eq!(
        names(&outcome.state(), "/containers"),
        ["build-old", "web", "migrate"]
    );
}

// ---- network prune -----------------------------------------------------------------------------

#[test]
fn network_prune_removes_swarm_then_local_networks_as_native_pruner_does() {
    let Some(wasmtime) = wasmtime() else { return };
    let outcome = both(
        &wasmtime,
        "networks",
        &fixture(),
        &["network", "prune", "-f", "--now", NOW],
        None,
    );
    outcome.is(
        0,
        "Deleted Networks:\nunused-overlay\nscratch\ncache-net\n\n",
        "",
    );
    assert_eq!(
        names(&outcome.state(), "/cluster/networks"),
        ["ingress", "backend"]
    );
    assert_eq!(
        names(&outcome.state(), "/networks"),
        ["bridge", "frontend", "template"]
    );
}

#[test]
fn network_prune_on_a_swarm_worker_leaves_the_swarm_alone_as_native_pruner_does() {
    let Some(wasmtime) = wasmtime() else { return };
    let mut state = fixture();
    state["cluster"]["manager"] = json!(false);
    let outcome = both(
        &wasmtime,
        "worker",
        &state,
        &["network", "prune", "--format", "json", "-f", "--now", NOW],
        None,
    );
    outcome.is(0, "{\"NetworksDeleted\":[\"scratch\",\"cache-net\"]}\n", "");
}

// ---- errors ------------------------------------------------------------------------------------

#[test]
fn a_bad_filter_flag_exits_125_as_native_pruner_does() {
    let Some(wasmtime) = wasmtime() else { return };
    let outcome = both(
        &wasmtime,
        "bad-flag",
        &fixture(),
        &["network", "prune", "--filter", "label", "-f"],
        None,
    );
    outcome.is(
        125,
        "",
        "invalid argument \"label\" for \"--filter\" flag: bad format of filter (expected \
         name=value)\n\nUsage:  pruner network prune [OPTIONS]\n\nRun 'pruner network prune \
         --help' for more information\n",
    );
    assert_eq!(outcome.state(), fixture());
}

#[test]
fn an_unknown_filter_key_is_the_daemons_error_with_exit_1_as_native_pruner_does() {
    let Some(wasmtime) = wasmtime() else { return };
    let outcome = both(
        &wasmtime,
        "unknown-key",
        &fixture(),
        &[
            "container",
            "prune",
            "--filter",
            "dangling=true",
            "-f",
            "--now",
            NOW,
        ],
        None,
    );
    outcome.is(
        1,
        "",
        "Error response from daemon: invalid filter 'dangling'\n",
    );
    assert_eq!(outcome.state(), fixture());
}

#[test]
fn filters_json_that_does_not_decode_is_a_flag_error_as_native_pruner_does() {
    let Some(wasmtime) = wasmtime() else { return };
    let outcome = both(
        &wasmtime,
        "bad-json",
        &fixture(),
        &["network", "prune", "--filters-json", "{\"label\":1}", "-f"],
        None,
    );
    outcome.is(
        125,
        "",
        "invalid argument \"{\\\"label\\\":1}\" for \"--filters-json\" flag: expected the Engine \
         API's filters, {\"key\":{\"value\":true}} or {\"key\":[\"value\"]}\n\nUsage:  pruner \
         network prune [OPTIONS]\n\nRun 'pruner network prune --help' for more information\n",
    );
}

#[test]
fn a_bad_now_flag_exits_125_as_native_pruner_does() {
    let Some(wasmtime) = wasmtime() else { return };
    let outcome = both(
        &wasmtime,
        "bad-now",
        &fixture(),
        &["container", "prune", "-f", "--now", "yesterday"],
        None,
    );
    outcome.is(
        125,
        "",
        "invalid argument \"yesterday\" for \"--now\" flag: expected an RFC 3339 time with \
         an offset, e.g. 2026-11-29T10:00:00Z or 2026-11-29T10:00:00+01:00\n\nUsage:  pruner \
         container prune [OPTIONS]\n\nRun 'pruner container prune --help' for more \
         information\n",
    );
}

#[test]
fn an_invalid_state_file_is_reported_with_its_path_as_native_pruner_does() {
    let Some(wasmtime) = wasmtime() else { return };
    let mut state = fixture();
    state["containers"][0]["state"] = json!("sleeping");
    let outcome = both(
        &wasmtime,
        "invalid-state",
        &state,
        &["container", "prune", "-f", "--now", NOW],
        None,
    );
    assert_invalid(
        &outcome,
        "unknown container state \"sleeping\" (expected one of created, running, paused, \
         restarting, removing, exited, dead) at line 42 column 5",
    );
}

/// Asserts that a run refused its state file as invalid, for `cause`, and changed nothing.
#[track_caller]
fn assert_invalid(outcome: &Outcome, cause: &str) {
    let (file, said) = outcome
        .stderr
        .split_once("/state.json: ")
        .expect("the message names the state file");
    assert_eq!(
        (outcome.code, outcome.stdout.as_str(), said),
        (Some(1), "", format!("{cause}\n").as_str())
    );
    assert!(file.starts_with("Error: invalid state file /"), "{file:?}");
}

// ---- the documented invocations ----------------------------------------------------------------

/// The native binary.
fn pruner() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_pruner"))
}

/// Seconds since the Unix epoch.
fn unix_now() -> i64 {
    let elapsed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970");
    i64::try_from(elapsed.as_secs()).expect("in range")
}

/// `state` with each event's `time` and `timeNano` checked to lie in `[start, end]` seconds
/// (the wall clock of runs without `--now`) and then zeroed.
#[track_caller]
fn without_times(mut state: Value, start: i64, end: i64) -> Value {
    for event in state["events"].as_array_mut().expect("events") {
        let time = event["time"].as_i64().expect("time");
        let nanos = event["timeNano"].as_i64().expect("timeNano");
        assert!(
            (start..=end).contains(&time) && nanos.div_euclid(1_000_000_000) == time,
            "event time {time} ({nanos} ns) outside [{start}, {end}]"
        );
        event["time"] = json!(0);
        event["timeNano"] = json!(0);
    }
    state
}

#[test]
fn the_readme_invocation_with_the_sandbox_mapped_to_data_prints_what_native_pruner_prints() {
    let Some(wasmtime) = wasmtime() else { return };
    let text = serde_json::to_string_pretty(&fixture()).unwrap();
    let sandbox = Sandbox::with_text("readme", &text);
    let flags = ["--filter", "label=env=dev", "-f", "--now", NOW];
    let path = sandbox.state_path();
    let mut args = vec!["container", "prune", "--state", &path];
    args.extend(flags);
    let native = sandbox.run(pruner(), &args, None);

    sandbox.write(&text);
    let data = format!("{}::/data", sandbox.dir());
    let mut args = vec!["run", "--dir", &data, CLI_COMPONENT_PATH];
    args.extend(["container", "prune", "--state", "/data/state.json"]);
    args.extend(flags);
    let wasm = sandbox.run(&wasmtime, &args, None);

    assert_eq!(wasm, native, "wasmtime run (left) vs native pruner (right)");
    wasm.is(0, &deleted_containers(&['c', 'a'], "2.501MB"), "");
}

#[test]
fn the_backend_composition_invoked_with_wave_filters_prints_the_report_and_prunes_as_native_pruner_does()
 {
    let Some(wasmtime) = wasmtime() else { return };
    let text = serde_json::to_string_pretty(&fixture()).unwrap();
    let sandbox = Sandbox::with_text("invoke", &text);
    let start = unix_now();
    let path = sandbox.state_path();
    let native = sandbox.run(
        pruner(),
        &[
            "container",
            "prune",
            "--filter",
            "label=env=dev",
            "-f",
            "--state",
            &path,
        ],
        None,
    );

    sandbox.write(&text);
    let data = format!("{}::/data", sandbox.dir());
    let invoke = r#"containers([{key: "label", values: ["env=dev"]}])"#;
    let args = [
        "run",
        "--dir",
        &data,
        "--invoke",
        invoke,
        BACKEND_COMPONENT_PATH,
    ];
    let wasm = sandbox.run(&wasmtime, &args, None);
    let end = unix_now();

    let report = format!(
        "ok({{containers-deleted: [\"{}\", \"{}\"], space-reclaimed: 2501024}})\n",
        id('c'),
        id('a')
    );
    wasm.is(0, &report, "");
    assert_eq!(
        without_times(wasm.state(), start, end),
        without_times(native.state(), start, end)
    );
}

#[test]
fn the_backend_composition_answers_a_bad_filter_with_docker_error_in_wave() {
    let Some(wasmtime) = wasmtime() else { return };
    let text = serde_json::to_string_pretty(&fixture()).unwrap();
    let sandbox = Sandbox::with_text("invoke-error", &text);
    let data = format!("{}::/data", sandbox.dir());
    let invoke = r#"networks([{key: "dangling", values: ["true"]}])"#;
    let outcome = sandbox.run(
        &wasmtime,
        &[
            "run",
            "--dir",
            &data,
            "--invoke",
            invoke,
            BACKEND_COMPONENT_PATH,
        ],
        None,
    );
    // WAVE escapes the quotes of Docker's text.
    outcome.is(
        0,
        "err(invalid-parameter(\"invalid filter \\'dangling\\'\"))\n",
        "",
    );
    assert_eq!(outcome.file, text);
}

#[test]
fn the_backend_composition_serves_the_state_file_named_by_pruner_state() {
    let Some(wasmtime) = wasmtime() else { return };
    let text = serde_json::to_string_pretty(&fixture()).unwrap();
    let sandbox = Sandbox::with_text("invoke-env", &text);
    let elsewhere = format!("{}::/elsewhere", sandbox.dir());
    let outcome = sandbox.run(
        &wasmtime,
        &[
            "run",
            "--dir",
            &elsewhere,
            "--env",
            "PRUNER_STATE=/elsewhere/state.json",
            "--invoke",
            "networks([])",
            BACKEND_COMPONENT_PATH,
        ],
        None,
    );
    outcome.is(
        0,
        "ok({networks-deleted: [\"unused-overlay\", \"scratch\", \"cache-net\"]})\n",
        "",
    );
    assert_eq!(
        names(&outcome.state(), "/networks"),
        ["bridge", "frontend", "template"]
    );
}

#[test]
fn the_backend_composition_without_a_state_file_answers_a_system_error_in_wave() {
    let Some(wasmtime) = wasmtime() else { return };
    let sandbox = Sandbox::with_text("invoke-missing", "{}");
    let data = format!("{}::/data", sandbox.dir());
    let outcome = sandbox.run(
        &wasmtime,
        &[
            "run",
            "--dir",
            &data,
            "--env",
            "PRUNER_STATE=/data/missing.json",
            "--invoke",
            "containers([])",
            BACKEND_COMPONENT_PATH,
        ],
        None,
    );
    outcome.is(
        0,
        "err(system(\"no state file at /data/missing.json: give --state the path of a JSON state \
         file (README, \\\"The state file\\\"; examples/state.json is one to copy)\"))\n",
        "",
    );
}

// --dry-run under wasmtime; the native-only preview flags.
#[path = "wasmtime_cli/preview.rs"]
mod preview;
// ---- the state file across processes and on disk ------------------------------------------------

/// What the second of two prunes of one file prints.
const BUSY: &str = "Error response from daemon: a prune operation is already running\n";

/// Runs `program args…` with no input: exit code, stdout, stderr.
fn raw(program: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|err| panic!("{} runs: {err}", program.display()));
    (
        output.status.code(),
        String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    )
}

/// `wasmtime run --dir <dir> pruner-cli.wasm <args> --state <path>`.
fn wasm_args<'a>(dir: &'a str, path: &'a str, args: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["run", "--dir", dir, CLI_COMPONENT_PATH];
    all.extend(args);
    all.extend(["--state", path]);
    all
}

/// Makes the file at `path` look untouched for two minutes.
fn age(path: &Path) {
    let file = fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - std::time::Duration::from_secs(120))
        .unwrap();
}

#[test]
fn wasm_and_native_prunes_of_one_file_exclude_each_other_and_a_dead_holder_is_taken_over() {
    let Some(wasmtime) = wasmtime() else { return };
    let text = serde_json::to_string_pretty(&fixture()).unwrap();
    let sandbox = Sandbox::with_text("held", &text);
    let plugin = sandbox.dir.with_extension("endless-loop.wasm");
    fs::write(&plugin, pruner_fixtures::ENDLESS_LOOP).unwrap();
    let (dir, path) = (sandbox.dir(), sandbox.state_path());
    let lock = sandbox.dir.join("state.json.lock");

    // A native prune by a plugin that never ends holds the file's lock while it runs.
    let mut holder = Command::new(pruner())
        .args(["container", "prune", "-f", "--plugin"])
        .arg(&plugin)
        .args(["--state", &path])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("pruner starts");
    while !lock.exists() {
        assert!(
            holder.try_wait().unwrap().is_none(),
            "pruner ended before taking the lock"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let args = wasm_args(&dir, &path, &["container", "prune", "-f", "--now", NOW]);
    assert_eq!(
        raw(&wasmtime, &args),
        (Some(1), String::new(), BUSY.to_string())
    );
    let data = format!("{dir}::/data");
    let invoke = [
        "run",
        "--dir",
        &data,
        "--invoke",
        "containers([])",
        BACKEND_COMPONENT_PATH,
    ];
    assert_eq!(
        raw(&wasmtime, &invoke),
        (
            Some(0),
            "err(conflict(\"a prune operation is already running\"))\n".to_string(),
            String::new()
        )
    );
    assert_eq!(
        fs::read_to_string(sandbox.dir.join("state.json")).unwrap(),
        text
    );

    // Killed, the holder leaves its lock, which a WASI prune (which cannot test the holder's
    // flock) takes over once untouched for a minute.
    holder.kill().unwrap();
    holder.wait().unwrap();
    fs::remove_file(&plugin).unwrap();
    age(&lock);
    let outcome = sandbox.run(&wasmtime, &args, None);
    outcome.is(0, &deleted_containers(&['c', 'd', 'a'], "2.501MB"), "");
}

#[test]
fn concurrent_wasm_and_native_prunes_of_one_file_lose_no_removal() {
    let Some(wasmtime) = wasmtime() else { return };
    let containers: Vec<Value> = (0..8)
        .map(|n| {
            let mut c = container(
                char::from_digit(n, 10).unwrap(),
                &format!("c{n}"),
                &format!("2026-11-20T10:00:0{n}Z"),
                "exited",
                json!({"grp": (n / 2).to_string()}),
                1,
            );
            c["image"] = json!("busybox");
            c
        })
        .collect();
    let text = serde_json::to_string_pretty(&json!({"containers": containers})).unwrap();
    let sandbox = Sandbox::with_text("concurrent", &text);
    let (dir, path) = (sandbox.dir(), sandbox.state_path());
    let runs: Vec<_> = (0..4)
        .map(|g| {
            let filter = format!("label=grp={g}");
            let flags = [
                "container",
                "prune",
                "-f",
                "--now",
                NOW,
                "--filter",
                &filter,
            ];
            let mut command = if g % 2 == 0 {
                let mut command = Command::new(pruner());
                command.args(flags).args(["--state", &path]);
                command
            } else {
                let mut command = Command::new(&wasmtime);
                command.args(wasm_args(&dir, &path, &flags));
                command
            };
            command
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("a prune starts")
        })
        .collect();
    let mut kept = Vec::new();
    for (g, run) in runs.into_iter().enumerate() {
        let output = run.wait_with_output().expect("the prune runs");
        let digits = [
            char::from_digit(g as u32 * 2 + 1, 10).unwrap(),
            char::from_digit(g as u32 * 2, 10).unwrap(),
        ];
        let outcome = (
            output.status.code(),
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        );
        if outcome.0 == Some(0) {
            assert_eq!(
                outcome,
                (Some(0), deleted_containers(&digits, "2B"), String::new())
            );
        } else {
            assert_eq!(outcome, (Some(1), String::new(), BUSY.to_string()));
            kept.extend([format!("c{}", g * 2), format!("c{}", g * 2 + 1)]);
        }
    }
    let state: Value =
        serde_json::from_str(&fs::read_to_string(sandbox.dir.join("state.json")).unwrap()).unwrap();
    assert_eq!(names(&state, "/containers"), kept);
    assert_eq!(sandbox.strays(), Vec::<String>::new());
}

#[test]
fn a_symlinked_state_file_is_written_through_the_link_under_wasmtime() {
    let Some(wasmtime) = wasmtime() else { return };
    let sandbox = Sandbox::with_text("symlink", "");
    let text = serde_json::to_string_pretty(&fixture()).unwrap();
    fs::create_dir(sandbox.dir.join("data")).unwrap();
    fs::write(sandbox.dir.join("data/real.json"), &text).unwrap();
    let link = sandbox.dir.join("state.json");
    fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink("data/real.json", &link).unwrap();
    let (dir, path) = (sandbox.dir(), sandbox.state_path());
    let args = wasm_args(&dir, &path, &["container", "prune", "-f", "--now", NOW]);
    assert_eq!(
        raw(&wasmtime, &args),
        (
            Some(0),
            deleted_containers(&['c', 'd', 'a'], "2.501MB"),
            String::new()
        )
    );
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let state: Value = serde_json::from_str(&fs::read_to_string(&link).unwrap()).unwrap();
    assert_eq!(names(&state, "/containers"), ["web"]);
    let left: Vec<_> = fs::read_dir(sandbox.dir.join("data"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["real.json"]);
}

#[test]
fn a_directory_as_state_file_is_refused_as_native_pruner_does() {
    let Some(wasmtime) = wasmtime() else { return };
    let sandbox = Sandbox::with_text("directory", "");
    fs::remove_file(sandbox.dir.join("state.json")).unwrap();
    fs::create_dir(sandbox.dir.join("state.json")).unwrap();
    let (dir, path) = (sandbox.dir(), sandbox.state_path());
    let flags = ["network", "prune", "-f"];
    let mut native_args = flags.to_vec();
    native_args.extend(["--state", &path]);
    let native = raw(pruner(), &native_args);
    let wasm = raw(&wasmtime, &wasm_args(&dir, &path, &flags));
    assert_eq!(wasm, native, "wasmtime run (left) vs native pruner (right)");
    assert_eq!(
        wasm,
        (
            Some(1),
            String::new(),
            format!(
                "Error: cannot use {path} as a state file: it is a directory, not a regular file\n"
            )
        )
    );
}

#[test]
fn a_duplicate_id_is_refused_naming_it_as_native_pruner_does() {
    let Some(wasmtime) = wasmtime() else { return };
    let mut state = fixture();
    let first = state["cluster"]["networks"][2].clone();
    state["cluster"]["networks"]
        .as_array_mut()
        .unwrap()
        .push(first);
    let outcome = both(
        &wasmtime,
        "duplicate",
        &state,
        &["network", "prune", "-f", "--now", NOW],
        None,
    );
    assert_invalid(&outcome, "cluster network ID ovl2 appears more than once");
    assert_eq!(outcome.state(), state);
}

#[test]
fn a_wasm_prune_takes_over_a_dead_wasm_writers_lock_and_removes_its_temporary_file() {
    let Some(wasmtime) = wasmtime() else { return };
    let text = serde_json::to_string_pretty(&fixture()).unwrap();
    let sandbox = Sandbox::with_text("dead-writer", &text);
    // What a WASI prune killed in the middle of its write leaves.
    let lock = sandbox.dir.join("state.json.lock");
    fs::write(&lock, "pruner prune lock 0123456789abcdef wasi\n").unwrap();
    fs::write(
        sandbox.dir.join(".state.json.0123456789abcdef.tmp"),
        &text[..100],
    )
    .unwrap();
    let (dir, path) = (sandbox.dir(), sandbox.state_path());
    let args = wasm_args(&dir, &path, &["network", "prune", "-f", "--now", NOW]);
    // Touched within the lease: its holder may live.
    assert_eq!(
        raw(&wasmtime, &args),
        (Some(1), String::new(), BUSY.to_string())
    );
    age(&lock);
    // `run` asserts that nothing but the state file is left.
    let outcome = sandbox.run(&wasmtime, &args, None);
    outcome.is(
        0,
        "Deleted Networks:\nunused-overlay\nscratch\ncache-net\n\n",
        "",
    );
}

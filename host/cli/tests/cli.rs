//! The `pruner` command line end to end: the real binary against state files in temporary
//! directories, checked against docker's CLI (SPEC §7: prompt, output, HumanSize, exit codes),
//! the Engine API's report JSON (§5.2), the events appended to the file (§5.3) and docker's
//! flag errors (`filters.json` → `cli_filter_flag_error_as_printed`).

#![allow(unsafe_code, reason = "signals sent to a child process (kill)")]

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};

#[path = "cli/policies.rs"]
mod policies;

/// The daemon's clock in most tests.
const NOW: &str = "2026-11-27T12:00:00Z";
/// `NOW` in Unix seconds.
const NOW_UNIX: i64 = 1_795_780_800;

const CONTAINER_PROMPT: &str =
    "WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ";
const NETWORK_PROMPT: &str = "WARNING! This will remove all custom networks not used by at least \
                              one container.\nAre you sure you want to continue? [y/N] ";

/// What a run of `pruner` left behind.
#[derive(Debug)]
struct Outcome {
    stdout: String,
    stderr: String,
    code: Option<i32>,
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
}

/// The Docker host every run gets, so that a run without `--state` never reaches a real engine
/// (CI exports `DOCKER_HOST` for the differential suite).
const NO_ENGINE: &str = "unix:///nonexistent/pruner-cli-test.sock";

/// Runs the real binary with `args`, feeding it `stdin` (`None`: end of input at once).
fn pruner(args: &[&str], stdin: Option<&str>) -> Outcome {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pruner"))
        .args(args)
        .env("DOCKER_HOST", NO_ENGINE)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pruner starts");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        // A run that never reads its input may close the pipe first: that is not a failure.
        let _ = pipe.write_all(input.as_bytes());
    }
    let output = child.wait_with_output().expect("pruner runs");
    Outcome {
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        code: output.status.code(),
    }
}

/// A temporary directory of its own holding `state.json`; removed when dropped.
struct Sandbox {
    dir: PathBuf,
}

impl Sandbox {
    /// An empty directory for the test `name`.
    fn empty(name: &str) -> Sandbox {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "pruner-cli-{}-{}-{name}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("temporary directory");
        Sandbox { dir }
    }

    /// A directory whose `state.json` holds `state`.
    fn with(name: &str, state: &Value) -> Sandbox {
        let sandbox = Sandbox::empty(name);
        sandbox.write(&serde_json::to_string_pretty(state).unwrap());
        sandbox
    }

    /// A directory whose `state.json` is [`fixture`].
    fn new(name: &str) -> Sandbox {
        Sandbox::with(name, &fixture())
    }

    fn path(&self) -> PathBuf {
        self.dir.join("state.json")
    }

    fn path_str(&self) -> String {
        self.path().to_str().expect("UTF-8 temp path").to_string()
    }

    fn write(&self, text: &str) {
        fs::write(self.path(), text).expect("state file written");
    }

    fn bytes(&self) -> Vec<u8> {
        fs::read(self.path()).expect("state file readable")
    }

    /// The state file as JSON.
    fn state(&self) -> Value {
        serde_json::from_slice(&self.bytes()).expect("the state file is valid JSON")
    }

    /// The names in the directory.
    fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&self.dir)
            .expect("directory readable")
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// `pruner <args> --state <file>`.
    fn run(&self, args: &[&str], stdin: Option<&str>) -> Outcome {
        let path = self.path_str();
        let mut all = args.to_vec();
        all.extend(["--state", &path]);
        pruner(&all, stdin)
    }

    /// `pruner <args> -f --now NOW --state <file>`.
    fn force(&self, args: &[&str]) -> Outcome {
        let mut all = args.to_vec();
        all.extend(["-f", "--now", NOW]);
        self.run(&all, None)
    }

    /// `pruner <args> --now NOW --state <file>` answering the prompt with `stdin`.
    fn ask(&self, args: &[&str], stdin: Option<&str>) -> Outcome {
        let mut all = args.to_vec();
        all.extend(["--now", NOW]);
        self.run(&all, stdin)
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// A 64-hex-character container ID made of one digit.
fn id(digit: char) -> String {
    digit.to_string().repeat(64)
}

/// Container A: exited a week ago, `env=dev`, 1024 bytes.
fn container_a() -> Value {
    json!({
        "id": id('a'), "name": "build-old", "created": "2026-11-20T12:00:00Z",
        "state": "exited", "image": "busybox", "labels": {"env": "dev"}, "size_rw": 1024
    })
}

/// Container B: running, never pruned.
fn container_b() -> Value {
    json!({
        "id": id('b'), "name": "web", "created": "2026-11-26T12:00:00Z",
        "state": "running", "image": "nginx", "labels": {"env": "prod"}, "size_rw": 4096
    })
}

/// Container C: exited half an hour ago, `env=dev` and `keep`, 2.5 MB.
fn container_c() -> Value {
    json!({
        "id": id('c'), "name": "build-new", "created": "2026-11-27T11:30:00Z",
        "state": "exited", "image": "busybox", "labels": {"env": "dev", "keep": ""},
        "size_rw": 2_500_000
    })
}

/// Container D: created, never started, `env=ci`, empty layer.
fn container_d() -> Value {
    json!({
        "id": id('d'), "name": "migrate", "created": "2026-11-22T12:00:00Z",
        "state": "created", "image": "alpine", "labels": {"env": "ci"}, "size_rw": 0
    })
}

fn network(id: &str, name: &str, created: &str, driver: &str, labels: Value) -> Value {
    json!({
        "id": id, "name": name, "created": created, "driver": driver, "labels": labels,
        "config_only": false, "endpoints": 0
    })
}

/// The networks: `scratch` (`env=dev`) and `cache-net` (`env=prod`) are prunable; `bridge` is
/// predefined, `frontend` in use, `template` config-only.
fn networks() -> Value {
    let mut frontend = network(
        "2222222222222222222222222",
        "frontend",
        "2026-11-20T09:00:00Z",
        "bridge",
        json!({"env": "prod"}),
    );
    frontend["endpoints"] = json!(1);
    let mut template = network(
        "5555555555555555555555555",
        "template",
        "2026-11-10T09:00:00Z",
        "null",
        json!({}),
    );
    template["config_only"] = json!(true);
    json!([
        network(
            "1111111111111111111111111",
            "bridge",
            "2026-10-01T00:00:00Z",
            "bridge",
            json!({})
        ),
        frontend,
        network(
            "3333333333333333333333333",
            "scratch",
            "2026-11-10T09:00:00Z",
            "bridge",
            json!({"env": "dev"})
        ),
        network(
            "4444444444444444444444444",
            "cache-net",
            "2026-11-26T12:00:00Z",
            "macvlan",
            json!({"env": "prod"})
        ),
        template,
    ])
}

/// An event logged before pruner ran.
fn earlier_event() -> Value {
    json!({
        "Type": "network", "Action": "create",
        "Actor": {"ID": "3333333333333333333333333", "Attributes": {"name": "scratch", "type": "bridge"}},
        "scope": "local", "time": 1_794_304_800, "timeNano": 1_794_304_800_000_000_000_i64
    })
}

/// The daemon most tests prune, in the exact shape pruner writes it back.
fn fixture() -> Value {
    json!({
        "containers": [container_a(), container_b(), container_c(), container_d()],
        "networks": networks(),
        "cluster": {"manager": false, "networks": []},
        "events": [earlier_event()]
    })
}

/// docker's text for deleted containers, then the total.
fn deleted_containers(ids: &[String], total: &str) -> String {
    let mut out = String::from("Deleted Containers:\n");
    for id in ids {
        out.push_str(id);
        out.push('\n');
    }
    out.push_str(&format!("\nTotal reclaimed space: {total}\n"));
    out
}

/// A `destroy` event for a container, with Docker's deprecated fields filled.
fn container_destroy(container: &Value, time: i64, time_nano: i64) -> Value {
    let mut attributes = container["labels"].clone();
    attributes["image"] = container["image"].clone();
    attributes["name"] = container["name"].clone();
    json!({
        "status": "destroy", "id": container["id"], "from": container["image"],
        "Type": "container", "Action": "destroy",
        "Actor": {"ID": container["id"], "Attributes": attributes},
        "scope": "local", "time": time, "timeNano": time_nano
    })
}

/// The container `prune` event.
fn container_prune_event(reclaimed: &str, time: i64, time_nano: i64) -> Value {
    json!({
        "status": "prune", "Type": "container", "Action": "prune",
        "Actor": {"ID": "", "Attributes": {"reclaimed": reclaimed}},
        "scope": "local", "time": time, "timeNano": time_nano
    })
}

/// A network `destroy` event (no deprecated fields).
fn network_destroy(id: &str, name: &str, driver: &str) -> Value {
    json!({
        "Type": "network", "Action": "destroy",
        "Actor": {"ID": id, "Attributes": {"name": name, "type": driver}},
        "scope": "local", "time": NOW_UNIX, "timeNano": NOW_UNIX * 1_000_000_000
    })
}

/// The network `prune` event: `reclaimed` is always "0".
fn network_prune_event() -> Value {
    json!({
        "Type": "network", "Action": "prune",
        "Actor": {"ID": "", "Attributes": {"reclaimed": "0"}},
        "scope": "local", "time": NOW_UNIX, "timeNano": NOW_UNIX * 1_000_000_000
    })
}

/// Asserts that a refused run left the file exactly as it was.
#[track_caller]
fn assert_untouched(sandbox: &Sandbox, before: &[u8]) {
    assert!(sandbox.bytes() == before, "the state file changed");
    assert_eq!(sandbox.entries(), ["state.json"]);
}

/// docker 28's flag error text for `pruner <object> prune`.
fn flag_error(message: &str, object: &str) -> String {
    format!(
        "{message}\n\nUsage:  pruner {object} prune [OPTIONS]\n\nRun 'pruner {object} prune \
         --help' for more information\n"
    )
}

/// `invalid argument "<flag>" for "--filter" flag: …` as docker 28 prints it.
fn bad_filter_flag(flag: &str, object: &str) -> String {
    flag_error(
        &format!(
            "invalid argument \"{flag}\" for \"--filter\" flag: bad format of filter (expected \
             name=value)"
        ),
        object,
    )
}

// ---- text output -------------------------------------------------------------------------------

#[test]
fn container_prune_lists_the_deleted_ids_newest_first_then_the_human_size_total() {
    let sandbox = Sandbox::new("text-all");
    sandbox.force(&["container", "prune"]).is(
        0,
        &deleted_containers(&[id('c'), id('d'), id('a')], "2.501MB"),
        "",
    );
}

#[test]
fn container_prune_of_one_kilobyte_container_prints_docker_text_exactly() {
    let sandbox = Sandbox::new("text-one");
    sandbox
        .force(&[
            "container",
            "prune",
            "--filter",
            "label=env=dev",
            "--filter",
            "until=24h",
        ])
        .is(
            0,
            &format!(
                "Deleted Containers:\n{}\n\nTotal reclaimed space: 1.024kB\n",
                id('a')
            ),
            "",
        );
}

#[test]
fn container_prune_of_only_empty_layers_still_lists_them_with_zero_bytes() {
    let sandbox = Sandbox::new("text-zero-size");
    sandbox
        .force(&["container", "prune", "--filter", "label=env=ci"])
        .is(0, &deleted_containers(&[id('d')], "0B"), "");
}

#[test]
fn container_prune_that_removes_nothing_prints_only_a_zero_total() {
    let sandbox = Sandbox::new("text-none");
    sandbox
        .force(&["container", "prune", "--filter", "label=env=nope"])
        .is(0, "Total reclaimed space: 0B\n", "");
}

#[test]
fn network_prune_lists_the_deleted_names_then_an_empty_line() {
    let sandbox = Sandbox::new("net-text-all");
    sandbox
        .force(&["network", "prune"])
        .is(0, "Deleted Networks:\nscratch\ncache-net\n\n", "");
}

#[test]
fn network_prune_honours_filters() {
    let sandbox = Sandbox::new("net-text-filter");
    sandbox
        .force(&["network", "prune", "--filter", "label=env=dev"])
        .is(0, "Deleted Networks:\nscratch\n\n", "");
}

#[test]
fn network_prune_that_removes_nothing_prints_nothing() {
    let sandbox = Sandbox::new("net-text-none");
    sandbox
        .force(&["network", "prune", "--filter", "label=env=nope"])
        .is(0, "", "");
}

#[test]
fn network_prune_reports_swarm_networks_before_local_ones() {
    let mut state = fixture();
    state["cluster"] = json!({
        "manager": true,
        "networks": [
            {"id": "6666666666666666666666666", "name": "ingress",
             "created": "2026-10-01T00:00:00Z", "labels": {}, "ingress": true},
            {"id": "7777777777777777777777777", "name": "swarm-net",
             "created": "2026-11-01T00:00:00Z", "labels": {}, "ingress": false}
        ]
    });
    let sandbox = Sandbox::with("net-text-swarm", &state);
    sandbox.force(&["network", "prune"]).is(
        0,
        "Deleted Networks:\nswarm-net\nscratch\ncache-net\n\n",
        "",
    );
    assert_eq!(
        sandbox.state()["cluster"]["networks"],
        json!([state["cluster"]["networks"][0]])
    );
}

// ---- --format json ---------------------------------------------------------------------------

#[test]
fn container_prune_json_of_nothing_is_null_and_zero() {
    let sandbox = Sandbox::new("json-none");
    sandbox
        .force(&[
            "container",
            "prune",
            "--format",
            "json",
            "--filter",
            "label=env=nope",
        ])
        .is(0, "{\"ContainersDeleted\":null,\"SpaceReclaimed\":0}\n", "");
}

#[test]
fn container_prune_json_lists_the_ids_and_the_bytes() {
    let sandbox = Sandbox::new("json-some");
    sandbox
        .force(&["container", "prune", "--format", "json"])
        .is(
            0,
            &format!(
                "{{\"ContainersDeleted\":[\"{}\",\"{}\",\"{}\"],\"SpaceReclaimed\":2501024}}\n",
                id('c'),
                id('d'),
                id('a')
            ),
            "",
        );
}

#[test]
fn network_prune_json_of_nothing_is_null() {
    let sandbox = Sandbox::new("net-json-none");
    sandbox
        .force(&[
            "network",
            "prune",
            "--format",
            "json",
            "--filter",
            "label=env=nope",
        ])
        .is(0, "{\"NetworksDeleted\":null}\n", "");
}

#[test]
fn network_prune_json_lists_the_names() {
    let sandbox = Sandbox::new("net-json-some");
    sandbox.force(&["network", "prune", "--format", "json"]).is(
        0,
        "{\"NetworksDeleted\":[\"scratch\",\"cache-net\"]}\n",
        "",
    );
}

// ---- --filter and --filters-json ------------------------------------------------------------

#[test]
fn filter_flag_keys_are_trimmed_and_lower_cased_and_values_trimmed() {
    let sandbox = Sandbox::new("filter-trim");
    sandbox
        .force(&[
            "container",
            "prune",
            "--filter",
            " LABEL = env=dev ",
            "--filter",
            "UNTIL=24h",
        ])
        .is(0, &deleted_containers(&[id('a')], "1.024kB"), "");
}

#[test]
fn repeated_label_filters_must_all_match() {
    let sandbox = Sandbox::new("filter-and");
    sandbox
        .force(&[
            "container",
            "prune",
            "--filter",
            "label=env=dev",
            "--filter",
            "label=keep",
        ])
        .is(0, &deleted_containers(&[id('c')], "2.5MB"), "");
}

#[test]
fn label_bang_filter_splits_at_the_first_equals_and_excludes_matches() {
    let sandbox = Sandbox::new("filter-bang");
    sandbox
        .force(&["container", "prune", "--filter", "label!=env=dev"])
        .is(0, &deleted_containers(&[id('d')], "0B"), "");
}

#[test]
fn label_bang_filter_without_a_value_excludes_containers_carrying_the_key() {
    let sandbox = Sandbox::new("filter-bang-key");
    sandbox
        .force(&["container", "prune", "--filter", "label!=keep"])
        .is(0, &deleted_containers(&[id('d'), id('a')], "1.024kB"), "");
}

#[test]
fn an_empty_filter_flag_is_ignored() {
    let sandbox = Sandbox::new("filter-empty");
    sandbox.force(&["container", "prune", "--filter", ""]).is(
        0,
        &deleted_containers(&[id('c'), id('d'), id('a')], "2.501MB"),
        "",
    );
}

#[test]
fn filters_json_in_the_current_form_selects_like_the_flag() {
    let sandbox = Sandbox::new("json-sets");
    sandbox
        .force(&[
            "container",
            "prune",
            "--filters-json",
            r#"{"label":{"env=dev":true}}"#,
        ])
        .is(0, &deleted_containers(&[id('c'), id('a')], "2.501MB"), "");
}

#[test]
fn filters_json_in_the_legacy_list_form_selects_like_the_flag() {
    let sandbox = Sandbox::new("json-lists");
    sandbox
        .force(&[
            "container",
            "prune",
            "--filters-json",
            r#"{"label":["env=dev"]}"#,
        ])
        .is(0, &deleted_containers(&[id('c'), id('a')], "2.501MB"), "");
}

#[test]
fn filters_json_and_filter_flags_are_combined() {
    let sandbox = Sandbox::new("json-and-flag");
    sandbox
        .force(&[
            "container",
            "prune",
            "--filters-json",
            r#"{"label":["env=dev"]}"#,
            "--filter",
            "until=24h",
        ])
        .is(0, &deleted_containers(&[id('a')], "1.024kB"), "");
}

#[test]
fn filters_json_and_filter_flag_each_with_an_until_are_two_untils() {
    let sandbox = Sandbox::new("json-two-untils");
    let before = sandbox.bytes();
    sandbox
        .force(&[
            "container",
            "prune",
            "--filters-json",
            r#"{"until":{"1h":true}}"#,
            "--filter",
            "until=2h",
        ])
        .is(
            1,
            "",
            "Error response from daemon: more than one until filter specified\n",
        );
    assert_untouched(&sandbox, &before);
}

#[test]
fn a_local_until_is_read_in_the_zone_of_now() {
    // 12:30 local: in UTC that is after container A (12:00Z), at +01:00 it is before it.
    let utc = Sandbox::new("until-local-utc");
    utc.force(&[
        "container",
        "prune",
        "--filter",
        "until=2026-11-20T12:30:00",
        "--filter",
        "label=env=dev",
    ])
    .is(0, &deleted_containers(&[id('a')], "1.024kB"), "");
    let plus_one = Sandbox::new("until-local-plus-one");
    plus_one
        .run(
            &[
                "container",
                "prune",
                "-f",
                "--now",
                "2026-11-27T13:00:00+01:00",
                "--filter",
                "until=2026-11-20T12:30:00",
                "--filter",
                "label=env=dev",
            ],
            None,
        )
        .is(0, "Total reclaimed space: 0B\n", "");
}

#[test]
fn an_until_equal_to_the_creation_time_prunes() {
    let sandbox = Sandbox::new("until-equal");
    sandbox
        .force(&[
            "container",
            "prune",
            "--filter",
            "until=2026-11-20T12:00:00Z",
        ])
        .is(0, &deleted_containers(&[id('a')], "1.024kB"), "");
}

// ---- flag errors ----------------------------------------------------------------------------

#[test]
fn a_filter_without_equals_is_a_flag_error_with_exit_125() {
    let sandbox = Sandbox::new("flag-error");
    let before = sandbox.bytes();
    sandbox
        .force(&["container", "prune", "--filter", "foo"])
        .is(125, "", &bad_filter_flag("foo", "container"));
    assert_untouched(&sandbox, &before);
}

#[test]
fn a_filter_without_equals_is_reported_as_docker_prints_it() {
    // filters.json → cli_filter_flag_error_as_printed (docker/cli 28), with our name.
    let vectors: Value =
        serde_json::from_str(include_str!("../../../tests/conformance/filters.json")).unwrap();
    let vector = &vectors["cli_filter_flag_error_as_printed"];
    let input = vector["input"].as_str().unwrap();
    let (flag, value) = input.split_once(' ').unwrap();
    let expected = vector["stderr_cli_current_head"]
        .as_str()
        .unwrap()
        .replace("docker ", "pruner ");
    let sandbox = Sandbox::new("flag-error-vector");
    let before = sandbox.bytes();
    sandbox.force(&["container", "prune", flag, value]).is(
        vector["exit_code"].as_str().unwrap().parse().unwrap(),
        "",
        &format!("{expected}\n"),
    );
    assert_untouched(&sandbox, &before);
}

#[test]
fn a_bad_filter_flag_is_refused_before_the_prompt() {
    let sandbox = Sandbox::new("flag-error-prompt");
    let before = sandbox.bytes();
    sandbox
        .ask(&["network", "prune", "--filter", "dangling"], Some("y\n"))
        .is(125, "", &bad_filter_flag("dangling", "network"));
    assert_untouched(&sandbox, &before);
}

#[test]
fn a_bad_now_is_a_flag_error_with_exit_125() {
    let sandbox = Sandbox::new("now-error");
    let before = sandbox.bytes();
    sandbox
        .run(&["container", "prune", "-f", "--now", "yesterday"], None)
        .is(
            125,
            "",
            &flag_error(
                "invalid argument \"yesterday\" for \"--now\" flag: expected an RFC 3339 time \
                 with an offset, e.g. 2026-11-29T10:00:00Z or 2026-11-29T10:00:00+01:00",
                "container",
            ),
        );
    assert_untouched(&sandbox, &before);
}

// ---- daemon errors --------------------------------------------------------------------------

/// Runs a prune the daemon refuses and checks docker's error, exit 1 and the untouched file.
#[track_caller]
fn assert_daemon_refuses(name: &str, args: &[&str], message: &str) {
    let sandbox = Sandbox::new(name);
    let before = sandbox.bytes();
    sandbox
        .force(args)
        .is(1, "", &format!("Error response from daemon: {message}\n"));
    assert_untouched(&sandbox, &before);
}

#[test]
fn an_unknown_filter_key_is_the_daemons_invalid_filter() {
    assert_daemon_refuses(
        "daemon-dangling",
        &["container", "prune", "--filter", "dangling=true"],
        "invalid filter 'dangling'",
    );
}

#[test]
fn an_unknown_filter_key_is_refused_by_network_prune_too() {
    assert_daemon_refuses(
        "daemon-net-dangling",
        &["network", "prune", "--filter", "dangling=true"],
        "invalid filter 'dangling'",
    );
}

#[test]
fn a_key_with_a_space_before_equals_keeps_it_and_is_refused() {
    assert_daemon_refuses(
        "daemon-label-space",
        &["container", "prune", "--filter", "label != foo"],
        "invalid filter 'label !'",
    );
}

#[test]
fn an_empty_filter_key_is_the_bare_invalid_filter() {
    assert_daemon_refuses(
        "daemon-empty-key",
        &["container", "prune", "--filter", "=x"],
        "invalid filter",
    );
}

#[test]
fn two_until_filters_are_refused() {
    assert_daemon_refuses(
        "daemon-two-untils",
        &[
            "container",
            "prune",
            "--filter",
            "until=1h",
            "--filter",
            "until=2h",
        ],
        "more than one until filter specified",
    );
}

#[test]
fn two_until_filters_are_refused_by_network_prune_too() {
    assert_daemon_refuses(
        "daemon-net-two-untils",
        &[
            "network", "prune", "--filter", "until=1h", "--filter", "until=2h",
        ],
        "more than one until filter specified",
    );
}

#[test]
fn an_until_with_a_dash_that_does_not_parse_gives_gos_parse_error() {
    assert_daemon_refuses(
        "daemon-until-month",
        &["container", "prune", "--filter", "until=2006-13-01"],
        "parsing time \"2006-13-01\": month out of range",
    );
}

#[test]
fn an_until_that_is_neither_time_nor_duration_is_refused() {
    assert_daemon_refuses(
        "daemon-until-foo",
        &["network", "prune", "--filter", "until=foo"],
        "failed to parse value as time or duration: \"foo\"",
    );
}

#[test]
fn filters_json_of_neither_form_is_a_flag_error_naming_both_forms() {
    let sandbox = Sandbox::new("flag-json-shape");
    let before = sandbox.bytes();
    sandbox
        .force(&[
            "container",
            "prune",
            "--filters-json",
            r#"{"label":"env=dev"}"#,
        ])
        .is(
            125,
            "",
            &flag_error(
                r#"invalid argument "{\"label\":\"env=dev\"}" for "--filters-json" flag: expected the Engine API's filters, {"key":{"value":true}} or {"key":["value"]}"#,
                "container",
            ),
        );
    assert_untouched(&sandbox, &before);
}

#[test]
fn filters_json_that_is_not_json_is_a_flag_error_with_the_position() {
    let sandbox = Sandbox::new("flag-json-garbage");
    let before = sandbox.bytes();
    sandbox
        .force(&["network", "prune", "--filters-json", r#"{"label":["a"],}"#])
        .is(
            125,
            "",
            &flag_error(
                r#"invalid argument "{\"label\":[\"a\"],}" for "--filters-json" flag: not JSON: key must be a string at line 1 column 16"#,
                "network",
            ),
        );
    assert_untouched(&sandbox, &before);
}

#[test]
fn a_daemon_error_comes_after_the_prompt_is_confirmed() {
    let sandbox = Sandbox::new("daemon-after-prompt");
    let before = sandbox.bytes();
    sandbox
        .ask(
            &["container", "prune", "--filter", "dangling=true"],
            Some("y\n"),
        )
        .is(
            1,
            CONTAINER_PROMPT,
            "Error response from daemon: invalid filter 'dangling'\n",
        );
    assert_untouched(&sandbox, &before);
}

#[test]
fn bad_filters_json_is_refused_before_the_prompt() {
    let sandbox = Sandbox::new("json-before-prompt");
    let before = sandbox.bytes();
    sandbox
        .ask(&["network", "prune", "--filters-json", "nope"], Some("y\n"))
        .is(
            125,
            "",
            &flag_error(
                "invalid argument \"nope\" for \"--filters-json\" flag: not JSON: expected ident \
                 at line 1 column 2",
                "network",
            ),
        );
    assert_untouched(&sandbox, &before);
}

#[test]
fn a_failed_size_lookup_aborts_but_the_file_keeps_and_stderr_tells_what_was_already_removed() {
    let container = |name: &str, created: &str, fail: Option<Value>| {
        let mut c = json!({
            "id": id(name.chars().next().unwrap()), "name": name, "created": created,
            "state": "exited", "image": "busybox", "labels": {}, "size_rw": 10
        });
        if let Some(fail) = fail {
            c["fail"] = fail;
        }
        c
    };
    let kept = [
        container(
            "1-failing",
            "2026-11-25T00:00:00Z",
            Some(json!({"size": "snapshotter gone"})),
        ),
        container("2-older", "2026-11-24T00:00:00Z", None),
    ];
    let removed = container("3-newest", "2026-11-26T00:00:00Z", None);
    let state = json!({
        "containers": [kept[0], removed, kept[1]],
        "networks": [], "cluster": {"manager": false, "networks": []}, "events": []
    });
    let sandbox = Sandbox::with("size-failure", &state);
    // docker's stdout and error line, then what the prune removed before the error.
    sandbox.force(&["container", "prune"]).is(
        1,
        "",
        &format!(
            "Error response from daemon: snapshotter gone\nRemoved before the error (it stays \
             removed):\n{}",
            deleted_containers(&[id('3')], "10B")
        ),
    );
    let after = sandbox.state();
    assert_eq!(after["containers"], json!(kept));
    // The removal's destroy event, and no prune event.
    assert_eq!(
        after["events"],
        json!([container_destroy(
            &removed,
            NOW_UNIX,
            NOW_UNIX * 1_000_000_000
        )])
    );
    assert_eq!(sandbox.entries(), ["state.json"]);
}

#[test]
fn a_container_that_fails_to_be_removed_is_left_out_and_kept_with_a_plain_warning() {
    let mut state = fixture();
    state["containers"][0]["fail"] = json!({"remove": "disk on fire"});
    let sandbox = Sandbox::with("remove-failure", &state);
    let outcome = sandbox.force(&["container", "prune"]);
    assert_eq!(
        (outcome.code, outcome.stdout.as_str()),
        (
            Some(0),
            deleted_containers(&[id('c'), id('d')], "2.5MB").as_str()
        )
    );
    assert!(
        outcome.stderr.contains(&format!(
            "failed to prune container {}: disk on fire\n",
            id('a')
        )),
        "stderr: {:?}",
        outcome.stderr
    );
    assert!(
        !outcome.stderr.contains('\u{1b}'),
        "no terminal escapes when stderr is not a terminal: {:?}",
        outcome.stderr
    );
    let ids: Vec<Value> = sandbox.state()["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].clone())
        .collect();
    assert_eq!(ids, [json!(id('a')), json!(id('b'))]);
}

// ---- the prompt -----------------------------------------------------------------------------

#[test]
fn container_prune_asks_and_prunes_after_y() {
    let sandbox = Sandbox::new("prompt-y");
    sandbox.ask(&["container", "prune"], Some("y\n")).is(
        0,
        &format!(
            "{CONTAINER_PROMPT}{}",
            deleted_containers(&[id('c'), id('d'), id('a')], "2.501MB")
        ),
        "",
    );
    assert_eq!(sandbox.state()["containers"], json!([container_b()]));
}

#[test]
fn container_prune_accepts_upper_case_y() {
    let sandbox = Sandbox::new("prompt-upper-y");
    sandbox
        .ask(
            &["container", "prune", "--filter", "label=env=ci"],
            Some("Y\n"),
        )
        .is(
            0,
            &format!("{CONTAINER_PROMPT}{}", deleted_containers(&[id('d')], "0B")),
            "",
        );
}

#[test]
fn a_y_with_blanks_around_it_or_ended_by_crlf_or_the_end_of_input_confirms() {
    for (i, answer) in ["y\r\n", "y", " y\n", "y \n", "\tY \n"]
        .into_iter()
        .enumerate()
    {
        let sandbox = Sandbox::new(&format!("prompt-y-ending-{i}"));
        sandbox
            .ask(
                &["container", "prune", "--filter", "label=env=ci"],
                Some(answer),
            )
            .is(
                0,
                &format!("{CONTAINER_PROMPT}{}", deleted_containers(&[id('d')], "0B")),
                "",
            );
    }
}

#[test]
fn network_prune_asks_its_own_question_and_prunes_after_y() {
    let sandbox = Sandbox::new("prompt-net-y");
    sandbox.ask(&["network", "prune"], Some("Y\n")).is(
        0,
        &format!("{NETWORK_PROMPT}Deleted Networks:\nscratch\ncache-net\n\n"),
        "",
    );
}

/// The answers docker/cli v24 takes as "no" (only `y`/`Y` exactly confirm; end of input is no).
const DECLINING: [Option<&str>; 6] = [
    Some("n\n"),
    Some("yes\n"),
    Some("yy\n"),
    Some("N\n"),
    Some("\n"),
    None,
];

#[test]
fn declined_container_prune_prints_only_the_prompt_and_succeeds() {
    for (i, answer) in DECLINING.into_iter().enumerate() {
        let sandbox = Sandbox::new(&format!("prompt-no-{i}"));
        let before = sandbox.bytes();
        let outcome = sandbox.ask(&["container", "prune"], answer);
        assert_eq!(
            (
                outcome.code,
                outcome.stdout.as_str(),
                outcome.stderr.as_str()
            ),
            (Some(0), CONTAINER_PROMPT, ""),
            "answer {answer:?}"
        );
        assert_untouched(&sandbox, &before);
    }
}

#[test]
fn declined_network_prune_prints_only_the_prompt_and_succeeds() {
    for (i, answer) in DECLINING.into_iter().enumerate() {
        let sandbox = Sandbox::new(&format!("prompt-net-no-{i}"));
        let before = sandbox.bytes();
        let outcome = sandbox.ask(&["network", "prune"], answer);
        assert_eq!(
            (
                outcome.code,
                outcome.stdout.as_str(),
                outcome.stderr.as_str()
            ),
            (Some(0), NETWORK_PROMPT, ""),
            "answer {answer:?}"
        );
        assert_untouched(&sandbox, &before);
    }
}

#[test]
fn declined_prune_with_json_format_asks_on_stderr_and_prints_the_empty_report() {
    let sandbox = Sandbox::new("prompt-no-json");
    let before = sandbox.bytes();
    sandbox
        .ask(&["container", "prune", "--format", "json"], Some("n\n"))
        .is(
            0,
            "{\"ContainersDeleted\":null,\"SpaceReclaimed\":0}\n",
            CONTAINER_PROMPT,
        );
    sandbox
        .ask(&["network", "prune", "--format", "json"], None)
        .is(0, "{\"NetworksDeleted\":null}\n", NETWORK_PROMPT);
    assert_untouched(&sandbox, &before);
}

#[test]
fn confirmed_prune_with_json_format_asks_on_stderr_and_prints_only_the_report() {
    let sandbox = Sandbox::new("prompt-yes-json");
    sandbox
        .ask(
            &[
                "container",
                "prune",
                "--format",
                "json",
                "--filter",
                "label=env=ci",
            ],
            Some("y\n"),
        )
        .is(
            0,
            &format!(
                "{{\"ContainersDeleted\":[\"{}\"],\"SpaceReclaimed\":0}}\n",
                id('d')
            ),
            CONTAINER_PROMPT,
        );
}

/// Runs `pruner <args>` with an input that stays open, waits until the prompt `prompt` is
/// shown on stdout (or on stderr when `json`), sends `signal`, and returns what it left.
fn signalled_at_the_prompt(args: &[&str], prompt: &str, json: bool, signal: i32) -> Outcome {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_pruner"))
        .args(args)
        .env("DOCKER_HOST", NO_ENGINE)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pruner starts");
    let _stdin = child.stdin.take();
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let mut shown = Vec::new();
    let mut byte = [0u8; 1];
    let asking: &mut dyn Read = if json { &mut stderr } else { &mut stdout };
    while !shown.ends_with(prompt.as_bytes()) {
        assert_eq!(asking.read(&mut byte).expect("the prompt"), 1, "{shown:?}");
        shown.push(byte[0]);
    }
    let pid = i32::try_from(child.id()).expect("a pid");
    // SAFETY: `kill` on the child's pid, which has not been waited for.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    stdout.read_to_end(&mut out).expect("stdout");
    stderr.read_to_end(&mut err).expect("stderr");
    let status = child.wait().expect("pruner ends");
    let (out, err) = if json {
        (out, [shown, err].concat())
    } else {
        ([shown, out].concat(), err)
    };
    Outcome {
        stdout: String::from_utf8(out).expect("UTF-8"),
        stderr: String::from_utf8(err).expect("UTF-8"),
        code: status.code(),
    }
}

#[test]
fn ctrl_c_or_sigterm_at_the_prompt_ends_the_line_and_exits_0_pruning_nothing() {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        let sandbox = Sandbox::new(&format!("prompt-signal-{signal}"));
        let before = sandbox.bytes();
        let path = sandbox.path_str();
        signalled_at_the_prompt(
            &["container", "prune", "--state", &path],
            CONTAINER_PROMPT,
            false,
            signal,
        )
        .is(0, &format!("{CONTAINER_PROMPT}\n"), "");
        signalled_at_the_prompt(
            &["network", "prune", "--format", "json", "--state", &path],
            NETWORK_PROMPT,
            true,
            signal,
        )
        .is(
            0,
            "{\"NetworksDeleted\":null}\n",
            &format!("{NETWORK_PROMPT}\n"),
        );
        assert_untouched(&sandbox, &before);
    }
}

#[test]
fn force_does_not_ask_or_read_the_answer() {
    let sandbox = Sandbox::new("force-no-prompt");
    let path = sandbox.path_str();
    pruner(
        &[
            "network", "prune", "--force", "--now", NOW, "--state", &path,
        ],
        Some("n\n"),
    )
    .is(0, "Deleted Networks:\nscratch\ncache-net\n\n", "");
}

// ---- the state file -------------------------------------------------------------------------

#[test]
fn container_prune_rewrites_the_file_without_the_pruned_containers_and_with_docker_events() {
    let sandbox = Sandbox::new("file-containers");
    // 13:00:00.25 at +01:00 is 12:00:00.25Z.
    let (time, nano) = (NOW_UNIX, NOW_UNIX * 1_000_000_000 + 250_000_000);
    sandbox
        .run(
            &[
                "container",
                "prune",
                "-f",
                "--now",
                "2026-11-27T13:00:00.25+01:00",
            ],
            None,
        )
        .is(
            0,
            &deleted_containers(&[id('c'), id('d'), id('a')], "2.501MB"),
            "",
        );
    let mut expected = fixture();
    expected["containers"] = json!([container_b()]);
    expected["events"] = json!([
        earlier_event(),
        container_destroy(&container_c(), time, nano),
        container_destroy(&container_d(), time, nano),
        container_destroy(&container_a(), time, nano),
        container_prune_event("2501024", time, nano),
    ]);
    assert_eq!(sandbox.state(), expected);
    assert_eq!(sandbox.entries(), ["state.json"]);
}

#[test]
fn network_prune_rewrites_the_file_without_the_pruned_networks_and_with_docker_events() {
    let sandbox = Sandbox::new("file-networks");
    sandbox
        .force(&["network", "prune"])
        .is(0, "Deleted Networks:\nscratch\ncache-net\n\n", "");
    let mut expected = fixture();
    let kept: Vec<Value> = networks()
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["name"] != "scratch" && n["name"] != "cache-net")
        .cloned()
        .collect();
    expected["networks"] = json!(kept);
    expected["events"] = json!([
        earlier_event(),
        network_destroy("3333333333333333333333333", "scratch", "bridge"),
        network_destroy("4444444444444444444444444", "cache-net", "macvlan"),
        network_prune_event(),
    ]);
    assert_eq!(sandbox.state(), expected);
    assert_eq!(sandbox.entries(), ["state.json"]);
}

#[test]
fn a_rewritten_file_loads_again_and_a_second_prune_finds_nothing() {
    let sandbox = Sandbox::new("file-twice");
    sandbox.force(&["container", "prune"]).is(
        0,
        &deleted_containers(&[id('c'), id('d'), id('a')], "2.501MB"),
        "",
    );
    sandbox
        .force(&["network", "prune"])
        .is(0, "Deleted Networks:\nscratch\ncache-net\n\n", "");
    let once = sandbox.state();
    sandbox
        .force(&["container", "prune"])
        .is(0, "Total reclaimed space: 0B\n", "");
    sandbox.force(&["network", "prune", "--format", "json"]).is(
        0,
        "{\"NetworksDeleted\":null}\n",
        "",
    );
    // Nothing more removed; only the two prune events were added.
    let twice = sandbox.state();
    assert_eq!(twice["containers"], once["containers"]);
    assert_eq!(twice["networks"], once["networks"]);
    let mut events = once["events"].as_array().unwrap().clone();
    events.push(container_prune_event(
        "0",
        NOW_UNIX,
        NOW_UNIX * 1_000_000_000,
    ));
    events.push(network_prune_event());
    assert_eq!(twice["events"], json!(events));
    assert_eq!(sandbox.entries(), ["state.json"]);
}

#[test]
fn a_prune_that_removes_nothing_still_records_its_prune_event() {
    let sandbox = Sandbox::new("file-nothing");
    sandbox
        .force(&["container", "prune", "--filter", "label=env=nope"])
        .is(0, "Total reclaimed space: 0B\n", "");
    let mut expected = fixture();
    expected["events"] = json!([
        earlier_event(),
        container_prune_event("0", NOW_UNIX, NOW_UNIX * 1_000_000_000),
    ]);
    assert_eq!(sandbox.state(), expected);
}

// ---- the bundled example --------------------------------------------------------------------

#[test]
fn the_bundled_example_prunes_as_documented_and_stays_unchanged() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/state.json");
    let original = fs::read(&example).expect("examples/state.json");
    let sandbox = Sandbox::empty("example");
    fs::write(sandbox.path(), &original).unwrap();

    sandbox.force(&["container", "prune"]).is(
        0,
        "Deleted Containers:\n\
         3bc801a33ea83df414e1aeb962a52412835be99db28668ec25de73fdd4733804\n\
         4f6caf3fbf9346631e74a5cdcfb31184e0e3245eb39c994882b0f8e7b9a1b834\n\
         e844adc60c72d254b27e713b88e72a8338fbb13944b1499c212495e376cd3d11\n\
         46a51bf794f62c688662f622fb2e7ede8e16438546cda4b093ac4cbb0f4d0e38\n\
         \n\
         Total reclaimed space: 2.624MB\n",
        "",
    );
    sandbox.force(&["network", "prune"]).is(
        0,
        "Deleted Networks:\nunused-overlay\nscratch\n\n",
        "",
    );
    let names = |items: &Value| -> Vec<String> {
        items
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["name"].as_str().unwrap().to_string())
            .collect()
    };
    let state = sandbox.state();
    assert_eq!(names(&state["containers"]), ["web", "cache"]);
    assert_eq!(
        names(&state["networks"]),
        ["bridge", "host", "none", "frontend", "template"]
    );
    assert_eq!(names(&state["cluster"]["networks"]), ["ingress", "backend"]);
    assert_eq!(sandbox.entries(), ["state.json"]);
    assert!(
        fs::read(&example).unwrap() == original,
        "examples/state.json itself changed"
    );
}

// ---- bad state files ------------------------------------------------------------------------

/// What pruner says of a missing state file at `path`: where to find the schema and an example.
fn missing(path: &str) -> String {
    format!(
        "Error: no state file at {path}: give --state the path of a JSON state file (README, \
         \"The state file\"; examples/state.json is one to copy)\n"
    )
}

#[test]
fn a_missing_state_file_is_an_error_naming_it_with_exit_1() {
    let sandbox = Sandbox::empty("missing");
    let outcome = sandbox.force(&["container", "prune"]);
    assert_eq!((outcome.code, outcome.stdout.as_str()), (Some(1), ""));
    assert_eq!(outcome.stderr, missing(&sandbox.path_str()));
    assert!(sandbox.entries().is_empty(), "nothing was created");
}

#[test]
fn a_missing_state_file_is_reported_before_the_prompt() {
    let sandbox = Sandbox::empty("missing-prompt");
    let outcome = sandbox.ask(&["network", "prune"], Some("y\n"));
    assert_eq!((outcome.code, outcome.stdout.as_str()), (Some(1), ""));
    assert_eq!(outcome.stderr, missing(&sandbox.path_str()));
}

#[test]
fn json_that_is_not_an_object_is_not_a_state_file_and_stays_as_it_was() {
    let sandbox = Sandbox::empty("array");
    sandbox.write("[]");
    let outcome = sandbox.force(&["container", "prune"]);
    assert_eq!((outcome.code, outcome.stdout.as_str()), (Some(1), ""));
    assert_eq!(
        outcome.stderr,
        format!(
            "Error: invalid state file {}: its top level is an array, not a JSON object with \
             \"containers\", \"networks\", \"cluster\" and \"events\" (README, \"The state \
             file\")\n",
            sandbox.path_str()
        )
    );
    assert_eq!(fs::read_to_string(sandbox.path()).unwrap(), "[]");
}

#[test]
fn a_state_file_that_is_not_json_is_an_error_naming_it_with_exit_1() {
    let sandbox = Sandbox::empty("not-json");
    sandbox.write("{\"containers\": [\n");
    let before = sandbox.bytes();
    sandbox.force(&["container", "prune"]).is(
        1,
        "",
        &format!(
            "Error: invalid state file {}: EOF while parsing a list at line 2 column 0\n",
            sandbox.path_str()
        ),
    );
    assert_untouched(&sandbox, &before);
}

#[test]
fn a_state_file_of_the_wrong_shape_is_an_error_naming_it_with_exit_1() {
    let sandbox = Sandbox::empty("wrong-shape");
    sandbox.write("{\"volumes\": []}\n");
    let before = sandbox.bytes();
    sandbox.force(&["network", "prune"]).is(
        1,
        "",
        &format!(
            "Error: invalid state file {}: unknown field `volumes`, expected one of \
             `containers`, `networks`, `cluster`, `events` at line 1 column 10\n",
            sandbox.path_str()
        ),
    );
    assert_untouched(&sandbox, &before);
}

#[test]
fn without_a_state_file_an_unreachable_engine_is_an_error_with_exit_1() {
    pruner(&["container", "prune", "-f", "--now", NOW], None).is(
        1,
        "",
        &format!(
            "Cannot connect to the Docker daemon at {NO_ENGINE}. Is the docker daemon running?\n"
        ),
    );
}

// ---- logging --------------------------------------------------------------------------------

/// A prune whose first container fails to be removed, logging a warning, with `env` set.
fn warning_run(name: &str, args: &[&str], env: &[(&str, &str)]) -> Outcome {
    let mut state = fixture();
    state["containers"][0]["fail"] = json!({"remove": "disk on fire"});
    let sandbox = Sandbox::with(name, &state);
    let path = sandbox.path_str();
    let mut command = Command::new(env!("CARGO_BIN_EXE_pruner"));
    command
        .args(["container", "prune", "-f", "--now", NOW, "--state", &path])
        .args(args)
        .env("DOCKER_HOST", NO_ENGINE)
        .env_remove("PRUNER_LOG")
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("pruner runs");
    Outcome {
        stdout: String::from_utf8(output.stdout).expect("UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8"),
        code: output.status.code(),
    }
}

#[test]
fn warnings_are_logged_by_default_and_the_level_comes_from_the_flag_then_pruner_log_then_rust_log()
{
    let warning = format!(
        " WARN failed to prune container {}: disk on fire\n",
        id('a')
    );
    for (i, (args, env, shown)) in [
        (&[][..], &[][..], true),
        (&["--log-level", "error"], &[], false),
        (&["-l", "fatal"], &[], false),
        (&[], &[("PRUNER_LOG", "error")], false),
        (&[], &[("RUST_LOG", "error")], false),
        (&[], &[("PRUNER_LOG", "warn"), ("RUST_LOG", "error")], true),
        (&["-l", "warn"], &[("PRUNER_LOG", "error")], true),
        (&["-l", "debug"], &[("RUST_LOG", "off")], true),
    ]
    .into_iter()
    .enumerate()
    {
        let outcome = warning_run(&format!("log-level-{i}"), args, env);
        assert_eq!(outcome.code, Some(0));
        let expected = if shown { warning.as_str() } else { "" };
        assert_eq!(outcome.stderr, expected, "{args:?} {env:?}");
    }
}

/// `pruner <args>` run by `script` on a terminal of its own; what the terminal showed. Without
/// progress, whose line is redrawn with control sequences on a terminal: only the log's colour
/// may put any there.
fn on_a_terminal(name: &str, args: &str, env: &str) -> String {
    let mut state = fixture();
    state["containers"][0]["fail"] = json!({"remove": "disk on fire"});
    let sandbox = Sandbox::with(name, &state);
    let command = format!(
        "{env} {} container prune -f --progress none --now {NOW} --state {} {args}",
        env!("CARGO_BIN_EXE_pruner"),
        sandbox.path_str()
    );
    let output = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .output()
        .expect("script (util-linux) runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_log_is_coloured_only_on_a_terminal_and_without_no_color() {
    let coloured = on_a_terminal("colour-tty", "", "");
    assert!(coloured.contains("\u{1b}["), "{coloured:?}");
    assert!(
        coloured.contains("failed to prune container"),
        "{coloured:?}"
    );
    for (i, env) in ["NO_COLOR=1", "NO_COLOR=yes"].into_iter().enumerate() {
        let plain = on_a_terminal(&format!("colour-no-{i}"), "", env);
        assert!(!plain.contains('\u{1b}'), "{env}: {plain:?}");
        assert!(
            plain.contains(" WARN failed to prune container"),
            "{plain:?}"
        );
    }
    // An empty NO_COLOR does not count, as no-color.org says.
    let empty = on_a_terminal("colour-empty", "", "NO_COLOR=");
    assert!(empty.contains("\u{1b}["), "{empty:?}");
}

// ---- completion and man pages ---------------------------------------------------------------

/// What bash's completion of `words` (the last being completed) offers, sorted.
fn bash_completes(words: &[&str]) -> Vec<String> {
    let script = format!(
        "source <({pruner} completion bash)\n\
         COMP_WORDS=({words}); COMP_CWORD={last}; COMP_LINE=\"${{COMP_WORDS[*]}}\"; \
         COMP_POINT=${{#COMP_LINE}}\n\
         _pruner pruner \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        pruner = env!("CARGO_BIN_EXE_pruner"),
        words = words
            .iter()
            .map(|word| format!("'{word}'"))
            .collect::<Vec<_>>()
            .join(" "),
        last = words.len() - 1,
    );
    let output = Command::new("bash")
        .args(["-c", &script])
        .output()
        .expect("bash runs");
    assert!(output.status.success(), "{output:?}");
    let mut offered: Vec<String> = String::from_utf8(output.stdout)
        .expect("UTF-8")
        .lines()
        .map(str::to_string)
        .collect();
    offered.sort();
    offered
}

#[test]
fn bash_completion_offers_the_commands_and_the_flags() {
    let commands = bash_completes(&["pruner", ""]);
    for offered in [
        "container",
        "network",
        "completion",
        "man",
        "--host",
        "--version",
    ] {
        assert!(
            commands.iter().any(|word| word == offered),
            "{offered}: {commands:?}"
        );
    }
    assert_eq!(
        bash_completes(&["pruner", "network", "prune", "--f"]),
        ["--filter", "--filters-json", "--force", "--format"]
    );
    assert_eq!(
        bash_completes(&["pruner", "container", "prune", "--format", ""]),
        ["json", "text"]
    );
    let shells = bash_completes(&["pruner", "completion", ""]);
    for shell in ["bash", "fish", "powershell", "zsh"] {
        assert!(
            shells.iter().any(|word| word == shell),
            "{shell}: {shells:?}"
        );
    }
}

#[test]
fn every_shells_completion_names_the_commands_and_flags() {
    for shell in ["bash", "fish", "powershell", "zsh"] {
        let outcome = pruner(&["completion", shell], None);
        assert_eq!(
            (outcome.code, outcome.stderr.as_str()),
            (Some(0), ""),
            "{shell}"
        );
        for word in [
            "container",
            "network",
            "prune",
            "filters-json",
            "force",
            "state",
            "host",
        ] {
            assert!(outcome.stdout.contains(word), "{shell} lacks {word}");
        }
    }
}

#[test]
fn man_writes_a_page_per_command_from_the_same_definitions() {
    let sandbox = Sandbox::empty("man");
    let dir = sandbox.dir.join("man1");
    let dir_str = dir.to_str().expect("UTF-8").to_string();
    pruner(&["man", "--dir", &dir_str], None).is(0, "", "");
    let mut pages: Vec<String> = fs::read_dir(&dir)
        .expect("the man directory")
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    assert_eq!(
        pages,
        [
            "pruner-completion-bash.1",
            "pruner-completion-fish.1",
            "pruner-completion-powershell.1",
            "pruner-completion-zsh.1",
            "pruner-completion.1",
            "pruner-container-prune.1",
            "pruner-container.1",
            "pruner-man.1",
            "pruner-network-prune.1",
            "pruner-network.1",
            "pruner-serve.1",
            "pruner.1",
        ]
    );
    let page = fs::read_to_string(dir.join("pruner-container-prune.1")).expect("the page");
    for text in [
        ".TH pruner-container-prune 1",
        "Remove all stopped containers",
        "\\-\\-filter",
        "Do not prompt for confirmation",
    ] {
        assert!(page.contains(text), "{text}: {page}");
    }
    pruner(&["man"], None).is(
        125,
        "",
        "required flag(s) \"dir\" not set\n\nUsage:  pruner man [OPTIONS]\n\n\
         Run 'pruner man --help' for more information\n",
    );
}

// --dry-run, --plan/--apply and --progress.
#[path = "cli/preview.rs"]
mod preview;

// ---- the state file across processes and on disk -------------------------------------------

#[path = "cli/state_file.rs"]
mod state_file;

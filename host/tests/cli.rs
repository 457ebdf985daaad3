//! The `pruner` command line end to end: the real binary against state files in temporary
//! directories, checked against docker's CLI (SPEC §7: prompt, output, HumanSize, exit codes),
//! the Engine API's report JSON (§5.2), the events appended to the file (§5.3) and docker's
//! flag errors (`filters.json` → `cli_filter_flag_error_as_printed`).

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

/// `invalid argument "<flag>" for "--filter" flag: …` as docker/cli v24 prints it.
fn bad_filter_flag(flag: &str, object: &str) -> String {
    format!(
        "invalid argument \"{flag}\" for \"--filter\" flag: bad format of filter (expected \
         name=value)\nSee 'pruner {object} prune --help'.\n"
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
    // filters.json → cli_filter_flag_error_as_printed (docker/cli v20.10–v24), with our name.
    let vectors: Value =
        serde_json::from_str(include_str!("../../tests/conformance/filters.json")).unwrap();
    let vector = &vectors["cli_filter_flag_error_as_printed"];
    let input = vector["input"].as_str().unwrap();
    let (flag, value) = input.split_once(' ').unwrap();
    let expected = vector["stderr_cli_v20_10_to_v24"]
        .as_str()
        .unwrap()
        .replace("'docker ", "'pruner ");
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
            "invalid argument \"yesterday\" for \"--now\" flag: premature end of input\n\
             See 'pruner container prune --help'.\n",
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
fn filters_json_of_neither_form_is_the_daemons_invalid_filter() {
    assert_daemon_refuses(
        "daemon-json-string",
        &[
            "container",
            "prune",
            "--filters-json",
            r#"{"label":"env=dev"}"#,
        ],
        "invalid filter",
    );
}

#[test]
fn filters_json_that_is_not_json_is_the_daemons_invalid_filter() {
    assert_daemon_refuses(
        "daemon-json-garbage",
        &["network", "prune", "--filters-json", "nope"],
        "invalid filter",
    );
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
fn bad_filters_json_is_only_decoded_once_the_prompt_is_confirmed() {
    let sandbox = Sandbox::new("json-after-prompt");
    let before = sandbox.bytes();
    sandbox
        .ask(&["container", "prune", "--filters-json", "nope"], None)
        .is(
            0,
            &format!("{CONTAINER_PROMPT}Total reclaimed space: 0B\n"),
            "",
        );
    assert_untouched(&sandbox, &before);
    sandbox
        .ask(&["network", "prune", "--filters-json", "nope"], Some("y\n"))
        .is(
            1,
            NETWORK_PROMPT,
            "Error response from daemon: invalid filter\n",
        );
    assert_untouched(&sandbox, &before);
}

#[test]
fn a_failed_size_lookup_aborts_but_the_file_keeps_what_was_already_removed() {
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
    sandbox.force(&["container", "prune"]).is(
        1,
        "",
        "Error response from daemon: snapshotter gone\n",
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
fn a_y_ended_by_crlf_or_by_the_end_of_input_confirms() {
    for (i, answer) in ["y\r\n", "y"].into_iter().enumerate() {
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
    Some(" y\n"),
    Some("y \n"),
    Some("\n"),
    None,
];

#[test]
fn declined_container_prune_prints_the_prompt_and_a_zero_total_and_succeeds() {
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
            (
                Some(0),
                format!("{CONTAINER_PROMPT}Total reclaimed space: 0B\n").as_str(),
                ""
            ),
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
fn declined_container_prune_with_json_format_still_prints_docker_text() {
    let sandbox = Sandbox::new("prompt-no-json");
    sandbox
        .ask(&["container", "prune", "--format", "json"], Some("n\n"))
        .is(
            0,
            &format!("{CONTAINER_PROMPT}Total reclaimed space: 0B\n"),
            "",
        );
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
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/state.json");
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

#[test]
fn a_missing_state_file_is_an_error_naming_it_with_exit_1() {
    let sandbox = Sandbox::empty("missing");
    let outcome = sandbox.force(&["container", "prune"]);
    let prefix = format!("Error: cannot read state file {}: ", sandbox.path_str());
    assert_eq!((outcome.code, outcome.stdout.as_str()), (Some(1), ""));
    assert!(
        outcome.stderr.starts_with(&prefix) && outcome.stderr.ends_with('\n'),
        "stderr: {:?}",
        outcome.stderr
    );
    assert_eq!(
        outcome.stderr.lines().count(),
        1,
        "one line: {:?}",
        outcome.stderr
    );
    assert!(sandbox.entries().is_empty(), "nothing was created");
}

#[test]
fn a_missing_state_file_is_reported_before_the_prompt() {
    let sandbox = Sandbox::empty("missing-prompt");
    let outcome = sandbox.ask(&["network", "prune"], Some("y\n"));
    assert_eq!((outcome.code, outcome.stdout.as_str()), (Some(1), ""));
    assert!(outcome.stderr.starts_with(&format!(
        "Error: cannot read state file {}: ",
        sandbox.path_str()
    )));
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

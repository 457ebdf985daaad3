//! `--dry-run`, `--plan`/`--apply` and `--progress` of the real binary on state files: the
//! dry run's output and the untouched file, the plan file, each reason apply gives for a
//! planned object it leaves, each bad plan, and progress on a pseudo-terminal and without one.

#![allow(unsafe_code, reason = "a pseudo-terminal (openpty)")]

use std::fs::{self, File};
use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use super::{NOW, Outcome, Sandbox, deleted_containers, id};

/// The dry run's text for the containers `ids`, then the total.
fn would_delete(ids: &[String], total: &str) -> String {
    let mut out = String::from("Would Delete Containers (dry run, nothing removed):\n");
    for id in ids {
        out.push_str(id);
        out.push('\n');
    }
    out.push_str(&format!("\nTotal reclaimable space: {total}\n"));
    out
}

impl Sandbox {
    /// A file of the sandbox other than the state file.
    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The state file's canonical path, as a plan names it.
    fn canonical(&self) -> String {
        fs::canonicalize(self.path())
            .expect("the state file exists")
            .to_str()
            .expect("UTF-8 temp path")
            .to_string()
    }
}

/// `path` as a command-line argument.
fn arg(path: &std::path::Path) -> &str {
    path.to_str().expect("UTF-8 temp path")
}

// ---- dry run ---------------------------------------------------------------------------------

#[test]
fn a_container_dry_run_leaves_every_byte_of_the_file_and_shows_what_the_prune_then_removes() {
    let sandbox = Sandbox::new("dry-run-containers");
    let before = sandbox.bytes();
    // No -f: a dry run removes nothing, so it asks nothing.
    sandbox.ask(&["container", "prune", "--dry-run"], None).is(
        0,
        &would_delete(&[id('c'), id('d'), id('a')], "2.501MB"),
        "",
    );
    assert!(sandbox.bytes() == before, "the state file changed");
    assert_eq!(sandbox.entries(), ["state.json"]);

    sandbox.force(&["container", "prune"]).is(
        0,
        &deleted_containers(&[id('c'), id('d'), id('a')], "2.501MB"),
        "",
    );
}

#[test]
fn a_network_dry_run_leaves_every_byte_of_the_file_and_shows_what_the_prune_then_removes() {
    let sandbox = Sandbox::new("dry-run-networks");
    let before = sandbox.bytes();
    sandbox.force(&["network", "prune", "--dry-run"]).is(
        0,
        "Would Delete Networks (dry run, nothing removed):\nscratch\ncache-net\n\n",
        "",
    );
    assert!(sandbox.bytes() == before, "the state file changed");
    sandbox
        .force(&["network", "prune"])
        .is(0, "Deleted Networks:\nscratch\ncache-net\n\n", "");
}

#[test]
fn a_dry_run_in_json_is_the_engine_api_report_marked_as_a_dry_run() {
    let sandbox = Sandbox::new("dry-run-json");
    let before = sandbox.bytes();
    sandbox
        .force(&["container", "prune", "--dry-run", "--format", "json", "--filter", "label=env=dev"])
        .is(
            0,
            &format!(
                "{{\"ContainersDeleted\":[\"{}\",\"{}\"],\"DryRun\":true,\"SpaceReclaimed\":2501024}}\n",
                id('c'),
                id('a')
            ),
            "",
        );
    sandbox
        .force(&[
            "network",
            "prune",
            "--dry-run",
            "--format",
            "json",
            "--filter",
            "label=env=nope",
        ])
        .is(0, "{\"DryRun\":true,\"NetworksDeleted\":null}\n", "");
    assert!(sandbox.bytes() == before, "the state file changed");
}

#[test]
fn a_dry_run_with_a_plugin_runs_the_plugin_and_changes_nothing() {
    let sandbox = Sandbox::new("dry-run-plugin");
    let plugin = sandbox.file("policy.wasm");
    fs::write(&plugin, pruner_components::PRUNE_COMPONENT).expect("plugin written");
    let before = sandbox.bytes();
    sandbox
        .force(&["container", "prune", "--dry-run", "--plugin", arg(&plugin)])
        .is(
            0,
            &would_delete(&[id('c'), id('d'), id('a')], "2.501MB"),
            "",
        );
    assert!(sandbox.bytes() == before, "the state file changed");
}

// ---- plan and apply --------------------------------------------------------------------------

#[test]
fn a_plan_records_what_the_prune_would_remove_and_apply_removes_exactly_that() {
    let sandbox = Sandbox::new("plan-apply");
    let plan = sandbox.file("plan.json");
    let before = sandbox.bytes();
    sandbox
        .run(
            &[
                "container",
                "prune",
                "--plan",
                arg(&plan),
                "--filter",
                "label=env=dev",
                "--now",
                NOW,
            ],
            None,
        )
        .is(
            0,
            &would_delete(&[id('c'), id('a')], "2.501MB"),
            &format!("Plan written to {}\n", plan.display()),
        );
    assert!(sandbox.bytes() == before, "the state file changed");
    let written: Value =
        serde_json::from_str(&fs::read_to_string(&plan).expect("the plan")).expect("JSON");
    assert_eq!(
        written,
        json!({
            "version": 1,
            "prune": "container",
            "backend": {"kind": "state-file", "id": sandbox.canonical()},
            "created": NOW,
            "filters": {"label": {"env=dev": true}},
            "containers": [
                {"id": id('c'), "name": "build-new", "created": "2026-11-27T11:30:00Z",
                 "state": "exited"},
                {"id": id('a'), "name": "build-old", "created": "2026-11-20T12:00:00Z",
                 "state": "exited"}
            ]
        })
    );

    sandbox
        .run(
            &[
                "container",
                "prune",
                "-f",
                "--apply",
                arg(&plan),
                "--now",
                "2026-11-27T12:59:59Z",
            ],
            None,
        )
        .is(0, &deleted_containers(&[id('c'), id('a')], "2.501MB"), "");
    let left: Vec<String> = sandbox.state()["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(left, ["web", "migrate"]);
}

#[test]
fn apply_asks_docker_s_question_without_force() {
    let sandbox = Sandbox::new("apply-prompt");
    let plan = sandbox.file("plan.json");
    sandbox
        .ask(&["container", "prune", "--plan", arg(&plan)], None)
        .is(
            0,
            &would_delete(&[id('c'), id('d'), id('a')], "2.501MB"),
            &format!("Plan written to {}\n", plan.display()),
        );
    let before = sandbox.bytes();
    sandbox
        .ask(&["container", "prune", "--apply", arg(&plan)], Some("n\n"))
        .is(0, super::CONTAINER_PROMPT, "");
    assert!(
        sandbox.bytes() == before,
        "declining changed the state file"
    );
}

#[test]
fn apply_leaves_each_planned_object_that_changed_and_says_why_on_stderr() {
    let sandbox = Sandbox::new("apply-skips");
    let plan = sandbox.file("plan.json");
    sandbox.force(&["container", "prune", "--plan", arg(&plan)]);
    // Between plan and apply: c starts, d is re-created under its ID, a cannot be removed, and
    // a new stopped container e appears; the plan is edited to add the running b.
    let mut state = sandbox.state();
    let containers = state["containers"].as_array_mut().unwrap();
    containers[2]["state"] = json!("running");
    containers[3]["created"] = json!("2026-11-26T12:00:00Z");
    containers[0]["fail"] = json!({"remove": "device or resource busy"});
    containers.push(json!({
        "id": id('e'), "name": "late", "created": "2026-11-27T11:45:00Z", "state": "exited"
    }));
    sandbox.write(&serde_json::to_string_pretty(&state).unwrap());
    let mut planned: Value = serde_json::from_slice(&fs::read(&plan).unwrap()).unwrap();
    planned["containers"].as_array_mut().unwrap().push(json!({
        "id": id('b'), "name": "web", "created": "2026-11-26T12:00:00Z", "state": "exited"
    }));
    planned["containers"].as_array_mut().unwrap().push(json!({
        "id": id('f'), "name": "ghost", "created": "2026-11-26T12:00:00Z", "state": "exited"
    }));
    fs::write(&plan, planned.to_string()).unwrap();

    let outcome = sandbox.force(&["container", "prune", "--apply", arg(&plan)]);

    outcome.is(
        0,
        "Total reclaimed space: 0B\n",
        &format!(
            " WARN failed to prune container {e}: container {e} is not in the plan being \
             applied\n WARN failed to prune container {d}: container {d} is not as planned: it \
             was re-created: it is from 2026-11-26T12:00:00Z now\n WARN failed to prune \
             container {a}: device or resource busy\n\
             Skipped container {c} (build-new): it is running now\n\
             Skipped container {d} (migrate): it was re-created: it is from \
             2026-11-26T12:00:00Z now\n\
             Skipped container {a} (build-old): its removal failed: device or resource busy\n\
             Skipped container {b} (web): it is running now\n\
             Skipped container {f} (ghost): the daemon no longer lists it\n",
            a = id('a'),
            b = id('b'),
            c = id('c'),
            d = id('d'),
            e = id('e'),
            f = id('f'),
        ),
    );
    assert_eq!(sandbox.state()["containers"].as_array().unwrap().len(), 5);
}

#[test]
fn apply_leaves_a_planned_network_that_is_in_use_now() {
    let sandbox = Sandbox::new("apply-networks");
    let plan = sandbox.file("plan.json");
    sandbox.force(&["network", "prune", "--plan", arg(&plan)]);
    let written: Value = serde_json::from_slice(&fs::read(&plan).unwrap()).unwrap();
    assert_eq!(
        written["networks"],
        json!([
            {"id": "3333333333333333333333333", "name": "scratch",
             "created": "2026-11-10T09:00:00Z", "scope": "local"},
            {"id": "4444444444444444444444444", "name": "cache-net",
             "created": "2026-11-26T12:00:00Z", "scope": "local"}
        ])
    );
    let mut state = sandbox.state();
    state["networks"][2]["endpoints"] = json!(2);
    sandbox.write(&serde_json::to_string_pretty(&state).unwrap());

    sandbox
        .force(&["network", "prune", "--apply", arg(&plan)])
        .is(
            0,
            "Deleted Networks:\ncache-net\n\n",
            "Skipped network 3333333333333333333333333 (scratch): it has 2 endpoints now\n",
        );
}

/// Runs `container prune -f --apply <plan>` and asserts it fails with `Error: cannot apply
/// the plan <plan>: <reason>` alone, exit 1, the state file untouched.
#[track_caller]
fn assert_refused(sandbox: &Sandbox, plan: &std::path::Path, extra: &[&str], reason: &str) {
    let before = sandbox.bytes();
    let mut args = vec!["container", "prune", "-f", "--apply", arg(plan)];
    args.extend(extra);
    sandbox.run(&args, None).is(
        1,
        "",
        &format!(
            "Error: cannot apply the plan {}: {reason}\n",
            plan.display()
        ),
    );
    assert!(sandbox.bytes() == before, "the state file changed");
}

#[test]
fn a_plan_that_cannot_be_read_or_is_not_a_plan_is_refused_with_one_line() {
    let sandbox = Sandbox::new("bad-plans");
    let plan = sandbox.file("plan.json");
    assert_refused(
        &sandbox,
        &plan,
        &[],
        "No such file or directory (os error 2)",
    );
    fs::create_dir(&plan).unwrap();
    assert_refused(&sandbox, &plan, &[], "Is a directory (os error 21)");
    fs::remove_dir(&plan).unwrap();
    fs::write(&plan, "not json").unwrap();
    assert_refused(
        &sandbox,
        &plan,
        &[],
        "it is not a pruner plan: expected ident at line 1 column 2",
    );
    fs::write(&plan, r#"{"version": 2, "containers": "all"}"#).unwrap();
    assert_refused(
        &sandbox,
        &plan,
        &[],
        "it is a plan of version 2; this pruner applies version 1",
    );
    fs::write(&plan, r#"{"version": 1}"#).unwrap();
    assert_refused(
        &sandbox,
        &plan,
        &[],
        "it is not a pruner plan: missing field `prune` at line 1 column 14",
    );
}

#[test]
fn a_plan_of_another_file_another_prune_or_too_old_is_refused_with_one_line() {
    let sandbox = Sandbox::new("plan-checks");
    let other = Sandbox::new("plan-checks-other");
    let plan = sandbox.file("plan.json");
    sandbox.force(&["container", "prune", "--plan", arg(&plan)]);

    // Against another state file with the same content.
    let before = other.bytes();
    other
        .force(&["container", "prune", "--apply", arg(&plan)])
        .is(
            1,
            "",
            &format!(
                "Error: cannot apply the plan {}: it was made on state-file {}, not on \
                 state-file {}\n",
                plan.display(),
                sandbox.canonical(),
                other.canonical()
            ),
        );
    assert!(other.bytes() == before, "the other state file changed");

    let before = sandbox.bytes();
    sandbox
        .force(&["network", "prune", "--apply", arg(&plan)])
        .is(
            1,
            "",
            &format!(
                "Error: cannot apply the plan {}: it plans a container prune, not a network \
                 prune\n",
                plan.display()
            ),
        );
    assert!(sandbox.bytes() == before, "the state file changed");

    let expired = "it was made at 2026-11-27T12:00:00Z, 1h0m1s ago, more than the maximum age \
                   of 1h0m0s: make a new plan";
    assert_refused(&sandbox, &plan, &["--now", "2026-11-27T13:00:01Z"], expired);
    let expired = "it was made at 2026-11-27T12:00:00Z, 0s ago, more than the maximum age of \
                   0s: make a new plan";
    assert_refused(
        &sandbox,
        &plan,
        &["--now", "2026-11-27T12:00:00.5Z", "--plan-max-age", "0s"],
        expired,
    );
    assert_refused(
        &sandbox,
        &plan,
        &["--now", "2026-11-27T11:00:00Z"],
        "it was made at 2026-11-27T12:00:00Z, after the daemon's time 2026-11-27T11:00:00Z",
    );
    // Within a longer maximum age, the same plan applies.
    sandbox
        .run(
            &[
                "container",
                "prune",
                "-f",
                "--apply",
                arg(&plan),
                "--now",
                "2026-11-28T11:00:00Z",
                "--plan-max-age",
                "24h",
            ],
            None,
        )
        .is(
            0,
            &deleted_containers(&[id('c'), id('d'), id('a')], "2.501MB"),
            "",
        );
}

#[test]
fn plan_and_dry_run_flags_that_cannot_go_together_are_usage_errors() {
    let sandbox = Sandbox::new("preview-usage");
    let before = sandbox.bytes();
    let cases: [(&[&str], &str); 6] = [
        (
            &["--plan", "p.json", "--apply", "p.json"],
            "conflicting options: --plan and --apply",
        ),
        (
            &["--dry-run", "--apply", "p.json"],
            "conflicting options: --dry-run and --apply",
        ),
        (
            &["--apply", "p.json", "--filter", "until=1h"],
            "conflicting options: --filter and --apply",
        ),
        (
            &["--apply", "p.json", "--filters-json", "{}"],
            "conflicting options: --filters-json and --apply",
        ),
        (&["--plan-max-age", "2h"], "--plan-max-age needs --apply"),
        (
            &["--apply", "p.json", "--plan-max-age=-1h"],
            "invalid argument \"-1h\" for \"--plan-max-age\" flag: a maximum age cannot be \
             negative",
        ),
    ];
    for (flags, message) in cases {
        let mut args = vec!["container", "prune", "-f"];
        args.extend(flags);
        sandbox.run(&args, None).is(
            125,
            "",
            &format!(
                "{message}\n\nUsage:  pruner container prune [OPTIONS]\n\n\
                 Run 'pruner container prune --help' for more information\n"
            ),
        );
    }
    assert!(sandbox.bytes() == before, "the state file changed");
}

// ---- progress --------------------------------------------------------------------------------

/// `line` with its elapsed seconds (`0.0s elapsed`) replaced by `Ts elapsed`.
fn timeless(line: &str) -> String {
    let Some(end) = line.find("s elapsed") else {
        return line.to_string();
    };
    let start = line[..end].rfind(' ').map_or(0, |space| space + 1);
    format!("{}T{}", &line[..start], &line[end..])
}

/// The plain progress lines of `pruner container prune -f` on the fixture.
fn plain_container_lines() -> Vec<&'static str> {
    vec![
        "pruning containers: 0/3 candidates done, 0B reclaimed, Ts elapsed",
        "pruning containers: 1/3 candidates done, 2.5MB reclaimed, Ts elapsed",
        "pruning containers: 2/3 candidates done, 2.5MB reclaimed, Ts elapsed",
        "pruning containers: 3/3 candidates done, 2.501MB reclaimed, Ts elapsed",
    ]
}

#[test]
fn plain_progress_prints_a_line_per_step_on_stderr_only() {
    let sandbox = Sandbox::new("progress-plain");
    let outcome = sandbox.force(&["container", "prune", "--progress", "plain"]);
    assert_eq!(outcome.code, Some(0));
    assert_eq!(
        outcome.stdout,
        deleted_containers(&[id('c'), id('d'), id('a')], "2.501MB")
    );
    let lines: Vec<String> = outcome.stderr.lines().map(timeless).collect();
    assert_eq!(lines, plain_container_lines());

    let sandbox = Sandbox::new("progress-plain-dry");
    let outcome = sandbox.force(&["network", "prune", "--dry-run", "--progress", "plain"]);
    let lines: Vec<String> = outcome.stderr.lines().map(timeless).collect();
    assert_eq!(
        lines,
        [
            "previewing networks: 0/2 candidates done, Ts elapsed",
            "previewing networks: 1/2 candidates done, Ts elapsed",
            "previewing networks: 2/2 candidates done, Ts elapsed",
        ]
    );
}

#[test]
fn without_a_terminal_there_is_no_progress_unless_plain_is_asked_for() {
    let sandbox = Sandbox::new("progress-no-tty");
    for flags in [&[][..], &["--progress", "auto"], &["--progress", "none"]] {
        let mut args = vec!["container", "prune", "--dry-run"];
        args.extend(flags);
        sandbox.force(&args).is(
            0,
            &would_delete(&[id('c'), id('d'), id('a')], "2.501MB"),
            "",
        );
    }
}

/// Runs `pruner <args> --state <file>` with stderr on a new pseudo-terminal (stdout piped, no
/// stdin); what it printed on each.
fn on_a_terminal(sandbox: &Sandbox, args: &[&str]) -> Outcome {
    let (mut master, slave) = openpty();
    let path = sandbox.path_str();
    let child = {
        // The command holds the terminal's other end until it is dropped, after the spawn.
        let mut command = Command::new(env!("CARGO_BIN_EXE_pruner"));
        command
            .args(args)
            .args(["--state", &path])
            .env("DOCKER_HOST", super::NO_ENGINE)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(slave));
        command.spawn().expect("pruner starts")
    };
    let output = child.wait_with_output().expect("pruner runs");
    // Once pruner is gone the terminal has no other end: reading ends with EIO.
    let mut terminal = Vec::new();
    let mut buffer = [0; 4096];
    while let Ok(read @ 1..) = master.read(&mut buffer) {
        terminal.extend_from_slice(&buffer[..read]);
    }
    Outcome {
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(terminal).expect("the terminal's output is UTF-8"),
        code: output.status.code(),
    }
}

/// A new pseudo-terminal: its master end, and its terminal end.
fn openpty() -> (File, OwnedFd) {
    let (mut master, mut slave) = (-1, -1);
    // SAFETY: openpty writes two new file descriptors, which are then owned here.
    let status = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(status, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just opened and nothing else owns them.
    unsafe { (File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
}

/// Erases the terminal line.
const CLEAR_LINE: &str = "\r\x1b[K";

#[test]
fn on_a_terminal_progress_redraws_one_line_on_stderr_and_clears_it_before_the_report() {
    let sandbox = Sandbox::new("progress-tty");
    let outcome = on_a_terminal(&sandbox, &["container", "prune", "-f", "--now", NOW]);
    assert_eq!(outcome.code, Some(0));
    assert_eq!(
        outcome.stdout,
        deleted_containers(&[id('c'), id('d'), id('a')], "2.501MB")
    );
    // Frames of the plain lines, in order, at least the first (the listing), drawn at most
    // every 100 ms; then the line is cleared.
    let frames: Vec<String> = outcome
        .stderr
        .strip_prefix(CLEAR_LINE)
        .unwrap_or_else(|| panic!("starts by clearing the line: {:?}", outcome.stderr))
        .split(CLEAR_LINE)
        .map(timeless)
        .collect();
    let (last, drawn) = frames.split_last().expect("frames");
    assert_eq!(last, "", "the line is cleared at the end: {frames:?}");
    assert_eq!(drawn[0], plain_container_lines()[0]);
    let mut plain = plain_container_lines().into_iter();
    for frame in drawn {
        assert!(
            plain.any(|line| line == frame),
            "{frame:?} is not a later step: {frames:?}"
        );
    }
}

#[test]
fn on_a_terminal_there_is_no_progress_with_json_output_or_when_turned_off() {
    let sandbox = Sandbox::new("progress-tty-off");
    for flags in [
        &["--format", "json"][..],
        &["--format", "json", "--progress", "plain"],
        &["--progress", "none"],
    ] {
        let mut args = vec!["container", "prune", "--dry-run"];
        args.extend(flags);
        let outcome = on_a_terminal(&sandbox, &args);
        assert_eq!(
            (outcome.code, outcome.stderr.as_str()),
            (Some(0), ""),
            "{flags:?}"
        );
    }
}

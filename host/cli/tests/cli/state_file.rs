//! The state file across processes and on disk: one prune of a file at a time across
//! processes, with nothing lost; a holder killed with its lock, or in the middle of its write;
//! symbolic links, what is not a regular file, modes and owners, duplicate IDs, size.

#![allow(
    unsafe_code,
    reason = "a FIFO (mkfifo), and whether the tests run as root (geteuid)"
)]

use std::collections::BTreeSet;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::process::{Child, Output};
use std::time::{Duration, Instant};

use super::*;

/// What the second of two prunes of one file prints.
const BUSY: &str = "Error response from daemon: a prune operation is already running\n";

/// How long a test waits for another process to reach a point before giving up.
const PATIENCE: Duration = Duration::from_secs(120);

/// `groups` groups: in each, three exited containers of 100 bytes labelled `grp=<group>` and
/// one network labelled so.
fn grouped(groups: usize) -> Value {
    let containers: Vec<Value> = (0..groups * 3)
        .map(|n| {
            json!({
                "id": group_container(n), "name": format!("c{n}"),
                "created": format!("2026-11-20T10:{:02}:{:02}Z", n / 60, n % 60),
                "state": "exited", "image": "busybox",
                "labels": {"grp": (n / 3).to_string()}, "size_rw": 100
            })
        })
        .collect();
    let networks: Vec<Value> = (0..groups)
        .map(|g| {
            network(
                &format!("net{g:022}"),
                &format!("net-{g}"),
                "2026-11-20T10:00:00Z",
                "bridge",
                json!({"grp": g.to_string()}),
            )
        })
        .collect();
    json!({"containers": containers, "networks": networks, "cluster": {"manager": false,
           "networks": []}, "events": []})
}

/// The ID of the `n`th container of [`grouped`].
fn group_container(n: usize) -> String {
    format!("{n:064x}")
}

/// Starts `pruner <args> -f --now NOW --state <file>` without waiting for it.
fn spawn(sandbox: &Sandbox, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_pruner"))
        .args(args)
        .args(["-f", "--now", NOW, "--state"])
        .arg(sandbox.path())
        .env("DOCKER_HOST", NO_ENGINE)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pruner starts")
}

fn outcome(output: Output) -> Outcome {
    Outcome {
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        code: output.status.code(),
    }
}

/// One of many concurrent runs: it pruned and printed `expected`, or it found another prune
/// running and changed nothing; whether it pruned.
#[track_caller]
fn pruned_or_busy(outcome: &Outcome, expected: &str) -> bool {
    if outcome.code == Some(0) {
        outcome.is(0, expected, "");
        true
    } else {
        outcome.is(1, "", BUSY);
        false
    }
}

/// The values at `field` of the objects of the array at `pointer` in `state`.
fn fields(state: &Value, pointer: &str, field: &str) -> Vec<String> {
    state
        .pointer(pointer)
        .and_then(Value::as_array)
        .expect("an array")
        .iter()
        .map(|item| item[field].as_str().expect("a string").to_string())
        .collect()
}

/// How many `kind` `prune` events `state` holds.
fn prune_events(state: &Value, kind: &str) -> usize {
    state["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["Type"] == kind && e["Action"] == "prune")
        .count()
}

/// docker's report of the containers of group `g` of [`grouped`], newest first.
fn group_report(g: usize) -> String {
    let ids: Vec<String> = (g * 3..g * 3 + 3).rev().map(group_container).collect();
    deleted_containers(&ids, "300B")
}

#[test]
fn twenty_concurrent_container_prunes_of_one_file_lose_no_removal() {
    let sandbox = Sandbox::with("concurrent", &grouped(20));
    let runs: Vec<Child> = (0..20)
        .map(|g| {
            spawn(
                &sandbox,
                &["container", "prune", "--filter", &format!("label=grp={g}")],
            )
        })
        .collect();
    let mut pruned = BTreeSet::new();
    for (g, run) in runs.into_iter().enumerate() {
        let outcome = outcome(run.wait_with_output().expect("pruner runs"));
        if pruned_or_busy(&outcome, &group_report(g)) {
            pruned.insert(g);
        }
    }
    assert!(!pruned.is_empty(), "no run pruned");
    // Every container a run reported is gone; every other one is there.
    let state = sandbox.state();
    let kept: Vec<String> = (0..60)
        .filter(|n| !pruned.contains(&(n / 3)))
        .map(group_container)
        .collect();
    assert_eq!(fields(&state, "/containers", "id"), kept);
    assert_eq!(prune_events(&state, "container"), pruned.len());
    assert_eq!(sandbox.entries(), ["state.json"]);
}

#[test]
fn concurrent_container_and_network_prunes_of_one_file_lose_no_removal() {
    let sandbox = Sandbox::with("beside", &grouped(10));
    let mut runs = Vec::new();
    for g in 0..10 {
        let filter = format!("label=grp={g}");
        runs.push((
            g,
            "container",
            spawn(&sandbox, &["container", "prune", "--filter", &filter]),
        ));
        runs.push((
            g,
            "network",
            spawn(&sandbox, &["network", "prune", "--filter", &filter]),
        ));
    }
    let (mut containers, mut networks) = (BTreeSet::new(), BTreeSet::new());
    for (g, kind, run) in runs {
        let outcome = outcome(run.wait_with_output().expect("pruner runs"));
        if kind == "container" {
            if pruned_or_busy(&outcome, &group_report(g)) {
                containers.insert(g);
            }
        } else if pruned_or_busy(&outcome, &format!("Deleted Networks:\nnet-{g}\n\n")) {
            networks.insert(g);
        }
    }
    assert!(
        !containers.is_empty() || !networks.is_empty(),
        "no run pruned"
    );
    let state = sandbox.state();
    let kept: Vec<String> = (0..30)
        .filter(|n| !containers.contains(&(n / 3)))
        .map(group_container)
        .collect();
    assert_eq!(fields(&state, "/containers", "id"), kept);
    let kept: Vec<String> = (0..10)
        .filter(|g| !networks.contains(g))
        .map(|g| format!("net-{g}"))
        .collect();
    assert_eq!(fields(&state, "/networks", "name"), kept);
    assert_eq!(prune_events(&state, "container"), containers.len());
    assert_eq!(prune_events(&state, "network"), networks.len());
    assert_eq!(sandbox.entries(), ["state.json"]);
}

/// Waits until `ready` holds, or panics with `what` once `child` has ended without it or
/// [`PATIENCE`] has passed.
#[track_caller]
fn wait_for(child: &mut Child, what: &str, ready: impl Fn() -> bool) {
    let start = Instant::now();
    while !ready() {
        if let Some(status) = child.try_wait().expect("the child can be waited for") {
            panic!("pruner ended ({status}) before {what}");
        }
        assert!(start.elapsed() < PATIENCE, "pruner never got to {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn a_running_prune_holds_the_file_and_the_lock_of_one_killed_is_taken_over() {
    let sandbox = Sandbox::new("killed-holder");
    let plugins = Sandbox::empty("killed-holder-plugin");
    let plugin = plugins.dir.join("endless-loop.wasm");
    fs::write(&plugin, pruner_fixtures::ENDLESS_LOOP).unwrap();
    let before = sandbox.bytes();
    let lock = sandbox.dir.join("state.json.lock");

    // A prune by a plugin that never ends holds the file's lock while it runs.
    let plugin = plugin.to_str().unwrap();
    let mut holder = spawn(&sandbox, &["container", "prune", "--plugin", plugin]);
    // The lock file is created, then its line written: wait for the whole line.
    wait_for(&mut holder, "taking the lock", || {
        fs::read_to_string(&lock).is_ok_and(|line| line.ends_with('\n'))
    });
    let line = fs::read_to_string(&lock).unwrap();
    assert!(
        line.starts_with("pruner prune lock ")
            && line.ends_with(&format!(" pid {}\n", holder.id())),
        "{line:?}"
    );
    sandbox.force(&["network", "prune"]).is(1, "", BUSY);
    sandbox.force(&["container", "prune"]).is(1, "", BUSY);
    assert!(sandbox.bytes() == before, "the state file changed");

    // Killed, it leaves its lock file behind; the next prune takes it over.
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert_eq!(sandbox.entries(), ["state.json", "state.json.lock"]);
    sandbox.force(&["container", "prune"]).is(
        0,
        &deleted_containers(&[id('c'), id('d'), id('a')], "2.501MB"),
        "",
    );
    assert_eq!(sandbox.entries(), ["state.json"]);
}

#[test]
fn the_lock_of_a_wasi_prune_is_a_lease_taken_over_after_a_minute_untouched() {
    let sandbox = Sandbox::new("wasi-lease");
    let lock = sandbox.dir.join("state.json.lock");
    let left = |age: u64| {
        fs::write(&lock, "pruner prune lock 0123456789abcdef wasi\n").unwrap();
        let file = fs::File::options().write(true).open(&lock).unwrap();
        file.set_modified(std::time::SystemTime::now() - Duration::from_secs(age))
            .unwrap();
    };
    left(30);
    sandbox.force(&["container", "prune"]).is(1, "", BUSY);
    left(90);
    sandbox
        .force(&["network", "prune"])
        .is(0, "Deleted Networks:\nscratch\ncache-net\n\n", "");
    assert_eq!(sandbox.entries(), ["state.json"]);
}

#[test]
fn the_temporary_file_of_a_writer_killed_mid_write_is_removed_by_the_next_prune() {
    // 100,000 running containers: a network prune rewrites them all (for its `prune` event),
    // which takes long enough to be caught in the act.
    let mut text = String::from("{\"containers\": [\n");
    for n in 0..100_000 {
        let comma = if n == 0 { "" } else { ",\n" };
        text.push_str(&format!(
            "{comma}{{\"id\": \"{n:064x}\", \"name\": \"c{n}\", \"created\": \
             \"2026-11-20T10:00:00Z\", \"state\": \"running\", \"labels\": {{\"n\": \"{n}\"}}}}"
        ));
    }
    text.push_str("]}\n");
    let sandbox = Sandbox::empty("killed-writer");
    sandbox.write(&text);
    let temporary = || {
        sandbox
            .entries()
            .into_iter()
            .find(|name| name.starts_with(".state.json.") && name.ends_with(".tmp"))
    };

    let mut writer = spawn(&sandbox, &["network", "prune"]);
    wait_for(&mut writer, "writing its temporary file", || {
        temporary().is_some()
    });
    writer.kill().unwrap();
    writer.wait().unwrap();
    let orphan = temporary().expect("the killed writer's temporary file");
    assert!(sandbox.bytes() == text.as_bytes(), "the state file changed");
    assert_eq!(sandbox.entries().len(), 3, "{:?}", sandbox.entries());
    // Named for the killed writer's lock.
    let token = fs::read_to_string(sandbox.dir.join("state.json.lock")).unwrap();
    assert_eq!(
        orphan,
        format!(
            ".state.json.{}.tmp",
            token.split_whitespace().nth(3).unwrap()
        )
    );

    sandbox.force(&["network", "prune"]).is(0, "", "");
    assert_eq!(sandbox.entries(), ["state.json"]);
    assert_eq!(prune_events(&sandbox.state(), "network"), 1);
}

#[test]
fn a_symlinked_state_file_is_pruned_through_the_link_which_stays_a_link() {
    let sandbox = Sandbox::empty("symlink");
    let data = sandbox.dir.join("data");
    fs::create_dir(&data).unwrap();
    fs::write(
        data.join("real.json"),
        serde_json::to_string_pretty(&fixture()).unwrap(),
    )
    .unwrap();
    std::os::unix::fs::symlink("data/real.json", sandbox.path()).unwrap();

    sandbox.force(&["container", "prune"]).is(
        0,
        &deleted_containers(&[id('c'), id('d'), id('a')], "2.501MB"),
        "",
    );
    let link = fs::symlink_metadata(sandbox.path()).unwrap();
    assert!(link.file_type().is_symlink(), "the link was replaced");
    assert_eq!(fields(&sandbox.state(), "/containers", "name"), ["web"]);
    let mut names: Vec<String> = fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["real.json"]);
}

#[test]
fn what_is_not_a_regular_file_is_refused_in_one_line_before_anything_is_pruned() {
    let refused = |path: &str, what: &str| {
        format!("Error: cannot use {path} as a state file: it is {what}, not a regular file\n")
    };
    let sandbox = Sandbox::empty("not-regular");
    fs::create_dir(sandbox.path()).unwrap();
    sandbox
        .force(&["container", "prune"])
        .is(1, "", &refused(&sandbox.path_str(), "a directory"));
    assert_eq!(sandbox.entries(), ["state.json"]);

    let sandbox = Sandbox::empty("fifo");
    let fifo = std::ffi::CString::new(sandbox.path_str()).unwrap();
    // SAFETY: `fifo` is a NUL-terminated path that lives through the call.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    // Before the prompt, as a missing file.
    sandbox.ask(&["network", "prune"], Some("y\n")).is(
        1,
        "",
        &refused(&sandbox.path_str(), "a pipe"),
    );
    assert!(
        fs::metadata(sandbox.path()).unwrap().file_type().is_fifo(),
        "the fifo was replaced"
    );
    assert_eq!(sandbox.entries(), ["state.json"]);

    // As root, this once replaced /dev/stdin itself.
    pruner(
        &["container", "prune", "-f", "--state", "/dev/stdin"],
        Some(""),
    )
    .is(1, "", &refused("/dev/stdin", "a pipe"));
    pruner(&["container", "prune", "-f", "--state", "/dev/null"], None).is(
        1,
        "",
        &refused("/dev/null", "a device"),
    );
}

#[test]
fn the_rewritten_file_keeps_its_mode_and_owner() {
    let sandbox = Sandbox::new("mode-owner");
    for mode in [0o444, 0o600] {
        fs::set_permissions(sandbox.path(), fs::Permissions::from_mode(mode)).unwrap();
        sandbox
            .force(&["container", "prune", "--filter", "label=env=nope"])
            .is(0, "Total reclaimed space: 0B\n", "");
        assert_eq!(fs::metadata(sandbox.path()).unwrap().mode() & 0o7777, mode);
    }
    // SAFETY: `geteuid` has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        // Another user's file stays that user's.
        std::os::unix::fs::chown(sandbox.path(), Some(65534), Some(65534)).unwrap();
        sandbox.force(&["container", "prune"]).is(
            0,
            &deleted_containers(&[id('c'), id('d'), id('a')], "2.501MB"),
            "",
        );
        let metadata = fs::metadata(sandbox.path()).unwrap();
        assert_eq!(
            (metadata.uid(), metadata.gid(), metadata.mode() & 0o7777),
            (65534, 65534, 0o600)
        );
    } else {
        eprintln!("not root: the owner of another user's file is not checked");
    }
    assert_eq!(sandbox.entries(), ["state.json"]);
}

#[test]
fn a_state_file_with_a_duplicate_id_is_refused_naming_it_and_left_alone() {
    let mut state = fixture();
    state["containers"] = json!([container_a(), container_b(), container_a()]);
    let sandbox = Sandbox::with("duplicate-container", &state);
    let before = sandbox.bytes();
    sandbox.force(&["container", "prune"]).is(
        1,
        "",
        &format!(
            "Error: invalid state file {}: container ID {} appears more than once\n",
            sandbox.path_str(),
            id('a')
        ),
    );
    assert_untouched(&sandbox, &before);

    let mut state = fixture();
    let scratch = state["networks"][2].clone();
    state["networks"].as_array_mut().unwrap().push(scratch);
    let sandbox = Sandbox::with("duplicate-network", &state);
    let before = sandbox.bytes();
    sandbox.force(&["network", "prune"]).is(
        1,
        "",
        &format!(
            "Error: invalid state file {}: network ID 3333333333333333333333333 appears more \
             than once\n",
            sandbox.path_str()
        ),
    );
    assert_untouched(&sandbox, &before);

    // A swarm network instantiated on this node is listed locally too, with the same ID.
    let mut state = fixture();
    state["cluster"] = json!({"manager": true, "networks": [{"id": "3333333333333333333333333",
        "name": "scratch", "created": "2026-11-10T09:00:00Z"}]});
    let sandbox = Sandbox::with("swarm-and-local", &state);
    sandbox.force(&["network", "prune"]).is(
        0,
        "Deleted Networks:\nscratch\nscratch\ncache-net\n\n",
        "",
    );
}

#[test]
fn a_prune_of_twenty_thousand_containers_removes_exactly_the_stopped_ones() {
    let containers: Vec<Value> = (0..20_000)
        .map(|n| {
            json!({"id": format!("{n:064x}"), "created": "2026-11-20T10:00:00Z",
                   "state": if n % 4 == 0 { "running" } else { "exited" }, "size_rw": 1})
        })
        .collect();
    let sandbox = Sandbox::with("twenty-thousand", &json!({"containers": containers}));
    let outcome = sandbox.force(&["container", "prune", "--format", "json"]);
    let report: Value = serde_json::from_str(&outcome.stdout).expect("a JSON report");
    assert_eq!((outcome.code, outcome.stderr.as_str()), (Some(0), ""));
    let mut deleted: Vec<String> =
        serde_json::from_value(report["ContainersDeleted"].clone()).expect("a list of IDs");
    deleted.sort();
    let stopped: Vec<String> = (0..20_000)
        .filter(|n| n % 4 != 0)
        .map(|n| format!("{n:064x}"))
        .collect();
    assert_eq!(deleted, stopped);
    assert_eq!(report["SpaceReclaimed"], json!(15_000));
    let running: Vec<String> = (0..20_000)
        .step_by(4)
        .map(|n| format!("{n:064x}"))
        .collect();
    assert_eq!(fields(&sandbox.state(), "/containers", "id"), running);
}

//! `--policy` against a real Docker Engine: the backend's facts (`Created`, `State.FinishedAt`)
//! reach the policies, which narrow the engine's own prune. Each test scopes its prune with a
//! label of its own (`--filter`) and groups by it, so nothing else on the engine is touched or
//! counted.

use chrono::{DateTime, SecondsFormat, Utc};

use super::{docker, engine, pruner, text};

/// The label key scoping this file's objects.
const SCOPE: &str = "pruner-engine-policy";

/// The scope label of one test of this run, `key=value`, and a prefix for its objects' names.
fn scope(test: &str) -> (String, String) {
    let value = format!("{}-{test}", std::process::id());
    (format!("{SCOPE}={value}"), format!("{SCOPE}-{value}"))
}

/// Creates the busybox container `name` with `label`, running `true`: started (it exits at
/// once) unless `created_only`. Returns its ID.
fn container(host: &str, name: &str, label: &str, created_only: bool) -> String {
    let args = [
        "create",
        "--name",
        name,
        "--network",
        "none",
        "--label",
        label,
        "busybox",
        "true",
    ];
    let id = docker(host, &args).trim().to_string();
    if !created_only {
        docker(host, &["start", "--attach", &id]);
    }
    id
}

/// The container's inspected time `field` (`.Created`, `.State.FinishedAt`).
fn inspected(host: &str, id: &str, field: &str) -> DateTime<Utc> {
    let format = format!("{{{{{field}}}}}");
    let text = docker(host, &["inspect", "--format", &format, id]);
    DateTime::parse_from_rfc3339(text.trim())
        .expect("an RFC 3339 time")
        .to_utc()
}

/// RFC 3339 as the policies write it.
fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// The lines of `stderr` about this test's objects (named `<prefix>-…`), sorted: a policy is
/// shown every object of the engine and may keep others too, and the engine's listing has no
/// fixed order.
fn lines_about(stderr: &[u8], prefix: &str) -> Vec<String> {
    let mut lines: Vec<String> = text(stderr)
        .lines()
        .filter(|line| {
            line.contains(&format!(" {prefix}-")) || line.contains(&format!("({prefix}-"))
        })
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

/// A policy's line for the container `id` named `name`.
fn kept(policy: &str, id: &str, name: &str, reason: &str) -> String {
    format!("policy {policy} kept container {id} ({name}): {reason}")
}

#[test]
fn keep_recent_keeps_the_newest_stopped_containers_of_the_engine() {
    let Some(host) = engine() else { return };
    let (label, prefix) = scope("keep-recent");
    let names: Vec<String> = (0..4).map(|n| format!("{prefix}-{n}")).collect();
    let ids: Vec<String> = names
        .iter()
        .map(|name| container(&host, name, &label, false))
        .collect();
    let running = docker(
        &host,
        &[
            "run",
            "-d",
            "--network",
            "none",
            "--label",
            &label,
            "busybox",
            "sleep",
            "60",
        ],
    );

    let output = pruner(
        &[
            "container",
            "prune",
            "-f",
            "--filter",
            &format!("label={label}"),
            "--policy",
            "keep-recent",
            "--policy-opt",
            "keep=2",
            "--policy-opt",
            &format!("group-by=label:{SCOPE}"),
        ],
        Some(&host),
        "",
    );
    docker(&host, &["rm", "-f", running.trim(), &ids[2], &ids[3]]);

    let reason = format!("one of the 2 newest with {label}");
    let mut expected = vec![
        kept("keep-recent", &ids[2], &names[2], &reason),
        kept("keep-recent", &ids[3], &names[3], &reason),
    ];
    expected.sort();
    assert_eq!(lines_about(&output.stderr, &prefix), expected);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        text(&output.stdout),
        format!(
            "Deleted Containers:\n{}\n{}\n\nTotal reclaimed space: 0B\n",
            ids[1], ids[0]
        )
    );
}

#[test]
fn exited_before_measures_from_the_engine_s_finished_at() {
    let Some(host) = engine() else { return };
    let (label, prefix) = scope("exited-before");
    let name = |short: &str| format!("{prefix}-{short}");
    // `early` exits before `late` is even created; the cut-off lies between `late`'s creation
    // and its exit; `never` is created after that, and never started.
    let early = container(&host, &name("early"), &label, false);
    let late = container(&host, &name("late"), &label, false);
    let never = container(&host, &name("never"), &label, true);
    let late_created = inspected(&host, &late, ".Created");
    let late_finished = inspected(&host, &late, ".State.FinishedAt");
    let never_created = inspected(&host, &never, ".Created");
    let until = late_created + (late_finished - late_created) / 2;
    assert!(late_created < until && until < late_finished);

    let output = pruner(
        &[
            "container",
            "prune",
            "-f",
            "--filter",
            &format!("label={label}"),
            "--policy",
            "exited-before",
            "--policy-opt",
            &format!("until={}", rfc3339(until)),
        ],
        Some(&host),
        "",
    );
    docker(&host, &["rm", &late, &never]);

    let after = format!(", after {}", rfc3339(until));
    let mut expected = vec![
        kept(
            "exited-before",
            &late,
            &name("late"),
            &format!("exited {}{after}", rfc3339(late_finished)),
        ),
        kept(
            "exited-before",
            &never,
            &name("never"),
            &format!("created {}{after}", rfc3339(never_created)),
        ),
    ];
    expected.sort();
    assert_eq!(lines_about(&output.stderr, &prefix), expected);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        text(&output.stdout),
        format!("Deleted Containers:\n{early}\n\nTotal reclaimed space: 0B\n")
    );
}

#[test]
fn protect_keeps_a_labelled_network_of_the_engine() {
    let Some(host) = engine() else { return };
    let (label, prefix) = scope("protect");
    let pinned = format!("{prefix}-pinned");
    let scratch = format!("{prefix}-scratch");
    docker(
        &host,
        &[
            "network", "create", "--label", &label, "--label", "keep=yes", &pinned,
        ],
    );
    docker(&host, &["network", "create", "--label", &label, &scratch]);

    let output = pruner(
        &[
            "network",
            "prune",
            "-f",
            "--filter",
            &format!("label={label}"),
            "--policy",
            "protect",
            "--policy-opt",
            "label=keep=yes",
        ],
        Some(&host),
        "",
    );
    docker(&host, &["network", "rm", &pinned]);

    assert_eq!(
        lines_about(&output.stderr, &prefix),
        [format!(
            "policy protect kept network {pinned}: label keep=yes"
        )]
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        text(&output.stdout),
        format!("Deleted Networks:\n{scratch}\n\n")
    );
}

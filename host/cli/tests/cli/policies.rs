//! `--policy` and `--policy-opt` end to end: the bundled example as the README shows it,
//! chaining, networks, `--format json`, and every bad input refused with exit 125 before
//! anything is touched.

use std::fs;
use std::path::Path;

use serde_json::json;

use super::{Outcome, Sandbox, assert_untouched, deleted_containers, id};

/// The example's containers, by name.
const BUILD_1: &str = "e844adc60c72d254b27e713b88e72a8338fbb13944b1499c212495e376cd3d11";
const BUILD_2: &str = "4f6caf3fbf9346631e74a5cdcfb31184e0e3245eb39c994882b0f8e7b9a1b834";
const MIGRATE: &str = "3bc801a33ea83df414e1aeb962a52412835be99db28668ec25de73fdd4733804";
const OLD_JOB: &str = "46a51bf794f62c688662f622fb2e7ede8e16438546cda4b093ac4cbb0f4d0e38";

/// A sandbox holding a copy of the bundled example.
fn example(name: &str) -> Sandbox {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/state.json");
    let sandbox = Sandbox::empty(name);
    fs::copy(example, sandbox.path()).expect("examples/state.json copied");
    sandbox
}

/// The names of the containers left in `sandbox`'s state.
fn containers_left(sandbox: &Sandbox) -> Vec<String> {
    sandbox.state()["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|container| container["name"].as_str().unwrap().to_string())
        .collect()
}

/// A policy's line on stderr (pruner's log at INFO level).
fn kept(policy: &str, object: &str, reason: &str) -> String {
    format!("policy {policy} kept {object}: {reason}\n")
}

#[test]
fn keep_recent_on_the_bundled_example_prunes_as_the_readme_shows() {
    let sandbox = example("keep-recent");
    let outcome = sandbox.force(&[
        "container",
        "prune",
        "--policy",
        "keep-recent",
        "--policy-opt",
        "keep=2",
    ]);
    outcome.is(
        0,
        &deleted_containers(&[BUILD_1.to_string(), OLD_JOB.to_string()], "124.5kB"),
        &[
            kept(
                "keep-recent",
                &format!("container {BUILD_2} (build-2)"),
                "one of the 2 newest",
            ),
            kept(
                "keep-recent",
                &format!("container {MIGRATE} (migrate)"),
                "one of the 2 newest",
            ),
        ]
        .concat(),
    );
    assert_eq!(
        containers_left(&sandbox),
        ["web", "build-2", "migrate", "cache"]
    );
}

#[test]
fn exited_before_on_the_bundled_example_counts_from_the_exit() {
    let sandbox = example("exited-before");
    sandbox
        .force(&[
            "container",
            "prune",
            "--policy",
            "exited-before",
            "--policy-opt",
            "until=24h",
        ])
        .is(
            0,
            &deleted_containers(&[MIGRATE.to_string(), OLD_JOB.to_string()], "123.5kB"),
            &[
                kept(
                    "exited-before",
                    &format!("container {BUILD_1} (build-1)"),
                    "exited 2026-11-26T18:00:00Z, after 2026-11-26T12:00:00Z",
                ),
                kept(
                    "exited-before",
                    &format!("container {BUILD_2} (build-2)"),
                    "exited 2026-11-27T09:00:00Z, after 2026-11-26T12:00:00Z",
                ),
            ]
            .concat(),
        );
    assert_eq!(
        containers_left(&sandbox),
        ["web", "build-1", "build-2", "cache"]
    );
}

#[test]
fn chained_policies_keep_docker_s_json_report_on_stdout() {
    let sandbox = Sandbox::new("chain-json");
    sandbox
        .force(&[
            "container",
            "prune",
            "--format",
            "json",
            "--policy",
            "protect",
            "--policy-opt",
            "label=keep",
            "--policy",
            "keep-recent",
            "--policy-opt",
            "keep=1",
            "--policy-opt",
            "group-by=image",
        ])
        .is(
            0,
            &format!(
                "{{\"ContainersDeleted\":[\"{}\"],\"SpaceReclaimed\":1024}}\n",
                id('a')
            ),
            &[
                kept(
                    "protect",
                    &format!("container {} (build-new)", id('c')),
                    "label keep",
                ),
                kept(
                    "keep-recent",
                    &format!("container {} (build-new)", id('c')),
                    "the newest of image busybox",
                ),
                kept(
                    "keep-recent",
                    &format!("container {} (migrate)", id('d')),
                    "the newest of image alpine",
                ),
            ]
            .concat(),
        );
    // build-old is busybox's older one: neither policy keeps it.
    assert_eq!(containers_left(&sandbox), ["web", "build-new", "migrate"]);
}

#[test]
fn protect_narrows_network_prune() {
    let sandbox = Sandbox::new("protect-networks");
    sandbox
        .force(&[
            "network",
            "prune",
            "--policy",
            "protect",
            "--policy-opt",
            "label=env=prod",
        ])
        .is(
            0,
            "Deleted Networks:\nscratch\n\n",
            &kept("protect", "network cache-net", "label env=prod"),
        );
}

/// Runs `args` (container prune unless they say otherwise) on the CLI fixture and asserts the
/// usage error `message`, with no prompt and the file untouched.
#[track_caller]
fn refused(object: &str, args: &[&str], message: &str) {
    let sandbox = Sandbox::new("refused");
    let before = sandbox.bytes();
    let mut all = vec![object, "prune"];
    all.extend(args);
    // No -f: a refused run must not even ask.
    let outcome: Outcome = sandbox.ask(&all, Some("y\n"));
    outcome.is(
        125,
        "",
        &format!(
            "{message}\n\nUsage:  pruner {object} prune [OPTIONS]\n\nRun 'pruner {object} prune \
             --help' for more information\n"
        ),
    );
    assert_untouched(&sandbox, &before);
}

#[test]
fn unknown_missing_and_invalid_policies_are_usage_errors() {
    refused(
        "container",
        &["--policy", "nope"],
        "invalid --policy: no policy is named \"nope\" (pruner ships exited-before, keep-recent \
         and protect); give a policy file as FILE.wasm",
    );
    refused(
        "container",
        &["--policy", "./missing.wasm"],
        "invalid --policy: cannot read ./missing.wasm: No such file or directory (os error 2)",
    );
    // Read as a plugin file is: as far as the size limit, not further.
    refused(
        "container",
        &["--policy", "/dev/zero"],
        "invalid --policy: cannot read /dev/zero: it is larger than the plugin size limit \
         (33554432 bytes); PRUNER_PLUGIN_MAX_BYTES raises it",
    );
    let sandbox = Sandbox::empty("not-a-policy");
    let file = sandbox.dir.join("state.wasm");
    fs::write(&file, json!({"not": "wasm"}).to_string()).unwrap();
    let file = file.to_str().unwrap();
    refused(
        "network",
        &["--policy", file],
        &format!(
            "invalid --policy: {file} is not a prune policy: it is not a WebAssembly component"
        ),
    );
}

#[test]
fn options_a_policy_refuses_are_usage_errors_naming_the_policy() {
    refused(
        "container",
        &["--policy", "keep-recent"],
        "invalid --policy-opt for policy keep-recent: keep-recent needs keep=N, how many of the \
         newest to keep in each group",
    );
    refused(
        "container",
        &["--policy", "keep-recent", "--policy-opt", "keep=three"],
        "invalid --policy-opt for policy keep-recent: keep must be a whole number, not \"three\"",
    );
    // An option meant for the next policy, given before it.
    refused(
        "container",
        &[
            "--policy",
            "protect",
            "--policy-opt",
            "label=keep",
            "--policy-opt",
            "keep=2",
            "--policy",
            "keep-recent",
        ],
        "invalid --policy-opt for policy protect: unknown option \"keep\"; this policy takes \
         label",
    );
    refused(
        "container",
        &["--policy", "exited-before", "--policy-opt", "until=soon"],
        "invalid --policy-opt for policy exited-before: until=soon: failed to parse value as \
         time or duration: \"soon\"",
    );
    refused(
        "network",
        &["--policy", "exited-before", "--policy-opt", "until=24h"],
        "invalid --policy-opt for policy exited-before: exited-before applies to container \
         prune only",
    );
    refused(
        "network",
        &[
            "--policy",
            "keep-recent",
            "--policy-opt",
            "keep=1",
            "--policy-opt",
            "group-by=image",
        ],
        "invalid --policy-opt for policy keep-recent: group-by=image does not apply to \
         networks, which have no image",
    );
}

#[test]
fn policy_options_out_of_place_or_without_a_value_are_flag_errors() {
    refused(
        "container",
        &["--policy-opt", "keep=2", "--policy", "keep-recent"],
        "invalid argument \"keep=2\" for \"--policy-opt\" flag: it must follow the --policy it \
         is for",
    );
    refused(
        "container",
        &["--policy", "keep-recent", "--policy-opt", "keep"],
        "invalid argument \"keep\" for \"--policy-opt\" flag: expected key=value",
    );
}

#[test]
fn the_readme_shows_the_protect_policy_as_it_is() {
    let readme = include_str!("../../../../README.md");
    let source = include_str!("../../../../guest/policies/protect/src/lib.rs");
    assert!(
        readme.contains(&format!("```rust\n{source}```\n")),
        "README.md's \"Write a policy\" must show guest/policies/protect/src/lib.rs as it is"
    );
}

#[test]
fn a_policy_file_runs_as_its_shipped_twin() {
    let sandbox = example("protect-file");
    let (_, protect) = pruner_runtime::policy::SHIPPED
        .iter()
        .find(|(name, _)| *name == "protect")
        .expect("protect is shipped");
    let file = sandbox.dir.join("protect.wasm");
    fs::write(&file, protect).unwrap();
    let file = file.to_str().unwrap();
    sandbox
        .force(&[
            "container",
            "prune",
            "--policy",
            file,
            "--policy-opt",
            "label=keep",
        ])
        .is(
            0,
            &deleted_containers(
                &[
                    MIGRATE.to_string(),
                    BUILD_1.to_string(),
                    OLD_JOB.to_string(),
                ],
                "124.5kB",
            ),
            &kept(
                file,
                &format!("container {BUILD_2} (build-2)"),
                "label keep",
            ),
        );
}

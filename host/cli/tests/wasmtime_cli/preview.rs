//! `--dry-run` under `wasmtime run`: the backend component withholds the removals, so the file
//! is left byte for byte, and the output is the native dry run's; `--plan`, `--apply` and
//! `--progress plain`, which need the native host, are refused with one line.

use std::path::Path;

use super::{NOW, Sandbox, both, fixture, id, wasmtime};

/// The dry run's text for the containers `ids`, then the total.
fn would_delete(ids: &[char], total: &str) -> String {
    let mut out = String::from("Would Delete Containers (dry run, nothing removed):\n");
    for digit in ids {
        out.push_str(&id(*digit));
        out.push('\n');
    }
    out.push_str(&format!("\nTotal reclaimable space: {total}\n"));
    out
}

#[test]
fn a_container_dry_run_leaves_the_file_and_prints_what_native_pruner_prints() {
    let Some(wasmtime) = wasmtime() else { return };
    let state = fixture();
    let outcome = both(
        &wasmtime,
        "dry-run-containers",
        &state,
        &["container", "prune", "--dry-run", "--now", NOW],
        None,
    );
    outcome.is(0, &would_delete(&['c', 'd', 'a'], "2.501MB"), "");
    assert_eq!(outcome.file, serde_json::to_string_pretty(&state).unwrap());
}

#[test]
fn a_network_dry_run_leaves_the_file_and_prints_what_native_pruner_prints() {
    let Some(wasmtime) = wasmtime() else { return };
    let state = fixture();
    let outcome = both(
        &wasmtime,
        "dry-run-networks",
        &state,
        &[
            "network",
            "prune",
            "--dry-run",
            "--format",
            "json",
            "--now",
            NOW,
        ],
        None,
    );
    // `backend` is used by a service: neither dry run asks the backend, so both list it.
    outcome.is(
        0,
        "{\"DryRun\":true,\"NetworksDeleted\":[\"backend\",\"unused-overlay\",\"scratch\",\"cache-net\"]}\n",
        "",
    );
    assert_eq!(outcome.file, serde_json::to_string_pretty(&state).unwrap());
}

#[test]
fn plans_and_plain_progress_need_the_native_host() {
    let Some(wasmtime) = wasmtime() else { return };
    let text = serde_json::to_string_pretty(&fixture()).unwrap();
    let sandbox = Sandbox::with_text("preview-native-only", &text);
    let path = sandbox.state_path();
    let dir = sandbox.dir();
    let plan = format!("{dir}/plan.json");
    let cases = [
        (
            vec!["--plan", plan.as_str()],
            "Error: --plan and --apply need the native pruner: without its host, nothing here \
             can check a plan\n",
        ),
        (
            vec!["--apply", plan.as_str()],
            "Error: --plan and --apply need the native pruner: without its host, nothing here \
             can check a plan\n",
        ),
        (
            vec!["--progress", "plain"],
            "Error: --progress plain needs the native pruner: here the prune is a single call, \
             with no progress to report\n",
        ),
    ];
    for (flags, stderr) in cases {
        let mut args = vec!["run", "--dir", &dir, pruner_components::CLI_COMPONENT_PATH];
        args.extend(["container", "prune", "-f", "--state", &path]);
        args.extend(&flags);
        let outcome = sandbox.run(&wasmtime, &args, None);
        outcome.is(1, "", stderr);
        assert_eq!(outcome.file, text, "{flags:?}");
        assert!(!Path::new(&plan).exists(), "{flags:?}");
    }
}

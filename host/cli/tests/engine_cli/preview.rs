//! `--dry-run`, `--plan` and `--apply` against a real Docker Engine (`$DOCKER_HOST`; skipped
//! without one unless `$CI` or `PRUNER_REQUIRE_DOCKER=1`): a dry run removes nothing, logs no
//! event and shows exactly what the real prune that follows removes; a plan names the engine
//! by its ID and apply removes only what it lists.

use std::path::PathBuf;

use serde_json::{Value, json};

use super::{docker, engine, pruner, text};

/// The objects of one test, all labelled `pruner-preview=<nonce>-<test>`; removed when
/// dropped, whatever the test left.
struct Objects {
    host: String,
    label: String,
    events: PathBuf,
}

impl Objects {
    fn new(host: String, test: &str) -> Objects {
        let nonce = std::process::id();
        let events = std::env::temp_dir().join(format!("pruner-preview-{nonce}-{test}.jsonl"));
        let _ = std::fs::remove_file(&events);
        Objects {
            host,
            label: format!("pruner-preview={nonce}-{test}"),
            events,
        }
    }

    /// A created (never started) container with the label; its ID.
    fn container(&self) -> String {
        let id = docker(
            &self.host,
            &[
                "create",
                "--network",
                "none",
                "--label",
                &self.label,
                "busybox",
                "true",
            ],
        );
        id.trim().to_string()
    }

    /// A bridge network `name` with the label.
    fn network(&self, name: &str) {
        docker(
            &self.host,
            &["network", "create", "--label", &self.label, name],
        );
    }

    /// The IDs of the containers with the label, sorted.
    fn containers_left(&self) -> Vec<String> {
        let listed = docker(
            &self.host,
            &[
                "ps",
                "-aq",
                "--no-trunc",
                "--filter",
                &format!("label={}", self.label),
            ],
        );
        let mut ids: Vec<String> = listed.lines().map(str::to_string).collect();
        ids.sort();
        ids
    }

    /// The names of the networks with the label, sorted.
    fn networks_left(&self) -> Vec<String> {
        let listed = docker(
            &self.host,
            &[
                "network",
                "ls",
                "--format",
                "{{.Name}}",
                "--filter",
                &format!("label={}", self.label),
            ],
        );
        let mut names: Vec<String> = listed.lines().map(str::to_string).collect();
        names.sort();
        names
    }

    /// `pruner <args> --filter label=<label> --events <file>` against the engine: exit code,
    /// stdout, stderr.
    fn pruner(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let filter = format!("label={}", self.label);
        let mut all = args.to_vec();
        all.extend(["--events", self.events.to_str().expect("a UTF-8 path")]);
        if !args.contains(&"--apply") {
            all.extend(["--filter", &filter]);
        }
        let output = pruner(&all, Some(&self.host), "");
        (
            output.status.code(),
            text(&output.stdout),
            text(&output.stderr),
        )
    }

    /// The events pruner logged so far, as `(Type, Action, reclaimed)`.
    fn events(&self) -> Vec<(String, String, String)> {
        let written = std::fs::read_to_string(&self.events).unwrap_or_default();
        written
            .lines()
            .map(|line| {
                let event: Value = serde_json::from_str(line).expect("a JSON line");
                (
                    event["Type"].as_str().unwrap_or_default().to_string(),
                    event["Action"].as_str().unwrap_or_default().to_string(),
                    event["Actor"]["Attributes"]["reclaimed"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                )
            })
            .collect()
    }
}

impl Drop for Objects {
    fn drop(&mut self) {
        let filter = format!("label={}", self.label);
        let _ = std::process::Command::new("docker")
            .args([
                "-H",
                &self.host,
                "container",
                "prune",
                "-f",
                "--filter",
                &filter,
            ])
            .output();
        let _ = std::process::Command::new("docker")
            .args([
                "-H", &self.host, "network", "prune", "-f", "--filter", &filter,
            ])
            .output();
        let _ = std::fs::remove_file(&self.events);
    }
}

#[test]
fn a_container_dry_run_on_a_real_engine_removes_nothing_and_shows_what_the_prune_then_removes() {
    let Some(host) = engine() else { return };
    let objects = Objects::new(host, "containers");
    let mut ids = vec![objects.container(), objects.container()];
    ids.sort();

    let (code, stdout, stderr) =
        objects.pruner(&["container", "prune", "--dry-run", "--format", "json"]);
    assert_eq!((code, stderr.as_str()), (Some(0), ""));
    let mut preview: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(preview["DryRun"], json!(true));
    assert_eq!(
        objects.containers_left(),
        ids,
        "the dry run removed nothing"
    );
    assert_eq!(objects.events(), [], "the dry run logged no event");

    let (code, stdout, stderr) = objects.pruner(&["container", "prune", "-f", "--format", "json"]);
    assert_eq!((code, stderr.as_str()), (Some(0), ""));
    let pruned: Value = serde_json::from_str(&stdout).expect("JSON");
    preview.as_object_mut().unwrap().remove("DryRun");
    assert_eq!(preview, pruned, "the dry run's report is the prune's");
    let mut deleted: Vec<String> =
        serde_json::from_value(pruned["ContainersDeleted"].clone()).expect("the deleted IDs");
    deleted.sort();
    assert_eq!(deleted, ids);
    assert_eq!(objects.containers_left(), Vec::<String>::new());
    assert_eq!(
        objects.events(),
        [(
            "container".to_string(),
            "prune".to_string(),
            "0".to_string()
        )]
    );
}

#[test]
fn a_network_dry_run_on_a_real_engine_removes_nothing_and_shows_what_the_prune_then_removes() {
    let Some(host) = engine() else { return };
    let objects = Objects::new(host, "networks");
    let nonce = std::process::id();
    let names = [
        format!("pruner-preview-{nonce}-a"),
        format!("pruner-preview-{nonce}-b"),
    ];
    for name in &names {
        objects.network(name);
    }

    let (code, preview, stderr) = objects.pruner(&["network", "prune", "--dry-run"]);
    assert_eq!((code, stderr.as_str()), (Some(0), ""));
    assert_eq!(
        objects.networks_left(),
        names,
        "the dry run removed nothing"
    );
    assert_eq!(objects.events(), []);

    let (code, pruned, stderr) = objects.pruner(&["network", "prune", "-f"]);
    assert_eq!((code, stderr.as_str()), (Some(0), ""));
    // The engine lists networks in no set order: the same names, each under its heading.
    assert_eq!(
        listed(
            &preview,
            "Would Delete Networks (dry run, nothing removed):"
        ),
        names
    );
    assert_eq!(listed(&pruned, "Deleted Networks:"), names);
    assert_eq!(objects.networks_left(), Vec::<String>::new());
}

/// The names `output` lists under `heading` (docker's layout: heading, names, empty line),
/// sorted.
fn listed(output: &str, heading: &str) -> Vec<String> {
    let body = output
        .strip_prefix(heading)
        .and_then(|rest| rest.strip_prefix('\n'))
        .and_then(|rest| rest.strip_suffix("\n\n"))
        .unwrap_or_else(|| panic!("not a list under {heading:?}: {output:?}"));
    let mut names: Vec<String> = body.lines().map(str::to_string).collect();
    names.sort();
    names
}

#[test]
fn a_plan_names_the_engine_by_its_id_and_apply_removes_only_what_it_lists() {
    let Some(host) = engine() else { return };
    let objects = Objects::new(host.clone(), "plan");
    let planned = objects.container();
    let plan = std::env::temp_dir().join(format!("pruner-preview-{}.plan", std::process::id()));
    let plan_arg = plan.to_str().expect("a UTF-8 path");

    let (code, _, stderr) = objects.pruner(&["container", "prune", "--plan", plan_arg]);
    assert_eq!(
        (code, stderr),
        (Some(0), format!("Plan written to {plan_arg}\n"))
    );
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&plan).expect("the plan")).expect("JSON");
    let engine_id = docker(&host, &["info", "--format", "{{.ID}}"]);
    assert_eq!(
        written["backend"],
        json!({"kind": "docker-engine", "id": engine_id.trim()})
    );
    assert_eq!(written["containers"][0]["id"], json!(planned));
    assert_eq!(written["containers"][0]["state"], json!("created"));

    // A container made after the plan is prunable too, but not planned.
    let late = objects.container();
    let (code, stdout, stderr) = objects.pruner(&["container", "prune", "-f", "--apply", plan_arg]);
    let _ = std::fs::remove_file(&plan);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stdout,
        format!("Deleted Containers:\n{planned}\n\nTotal reclaimed space: 0B\n")
    );
    assert_eq!(
        stderr,
        format!(
            " WARN failed to prune container {late}: container {late} is not in the plan being \
             applied\n"
        )
    );
    assert_eq!(objects.containers_left(), [late]);
}

#[test]
fn a_plan_of_a_state_file_is_refused_by_the_engine() {
    let Some(host) = engine() else { return };
    let dir = std::env::temp_dir().join(format!("pruner-preview-{}-file", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    std::fs::write(&state, "{}").unwrap();
    let plan = dir.join("plan.json");
    let output = pruner(
        &[
            "container",
            "prune",
            "--plan",
            plan.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
        ],
        None,
        "",
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));

    let output = pruner(
        &[
            "container",
            "prune",
            "-f",
            "--apply",
            plan.to_str().unwrap(),
        ],
        Some(&host),
        "",
    );
    let engine_id = docker(&host, &["info", "--format", "{{.ID}}"]);
    let canonical = std::fs::canonicalize(&state).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(text(&output.stdout), "");
    assert_eq!(
        text(&output.stderr),
        format!(
            "Error: cannot apply the plan {}: it was made on state-file {}, not on \
             docker-engine {}\n",
            plan.display(),
            canonical.display(),
            engine_id.trim()
        )
    );
}

//! Text a backend supplies — a state file's IDs, names and error texts — reaches stderr escaped,
//! one line per warning or error, and stdout as the docker CLI prints it.

use std::process::Command;

use serde_json::json;

use super::plugin_flag::TempFile;

#[test]
fn a_state_file_s_ids_and_error_texts_reach_stderr_escaped_and_stdout_raw() {
    let container = |id: &str, fail: serde_json::Value| {
        json!({"id": id, "name": "c", "created": "2026-11-20T10:00:00Z", "state": "exited",
               "fail": fail})
    };
    let state = json!({"containers": [
        container("kept\n WARN forged", json!({"remove": "busy\u{1b}[31m\u{7}"})),
        container("gone\u{1b}]0;title\u{7}", json!({})),
    ]});
    let state = TempFile::new("backend-text.json", state.to_string().as_bytes());

    let output = Command::new(env!("CARGO_BIN_EXE_pruner"))
        .args(["container", "prune", "-f", "--state"])
        .arg(&state.0)
        .output()
        .expect("pruner runs");

    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        " WARN failed to prune container kept\\n WARN forged: busy\\u{1b}[31m\\u{7}\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "Deleted Containers:\ngone\u{1b}]0;title\u{7}\n\nTotal reclaimed space: 0B\n"
    );
}

#[test]
fn a_state_file_s_error_text_in_a_failed_prune_is_one_escaped_line() {
    let state = json!({"containers": [
        {"id": "c1", "name": "c", "created": "2026-11-20T10:00:00Z", "state": "exited",
         "fail": {"size": "disk\nError response from daemon: forged\r\u{9b}2J"}},
    ]});
    let state = TempFile::new("backend-error.json", state.to_string().as_bytes());

    let output = Command::new(env!("CARGO_BIN_EXE_pruner"))
        .args(["container", "prune", "-f", "--state"])
        .arg(&state.0)
        .output()
        .expect("pruner runs");

    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "Error response from daemon: disk\\nError response from daemon: forged\\r\\u{9b}2J\n"
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
}

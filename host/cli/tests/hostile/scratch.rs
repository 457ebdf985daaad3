//! The `pruner` binary run in a scratch directory of its own: a state file with a running and
//! an exited container, the compile cache, and the plugin files a test writes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::{Value, json};

/// A scratch directory, removed when dropped.
pub struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    /// A fresh directory holding `state.json`: `web`, running, and `old`, exited.
    pub fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("pruner-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let container = |name: &str, state: &str| {
            json!({"id": super::id(name), "name": name, "created": "2026-11-20T10:00:00Z",
                   "state": state, "size_rw": 10})
        };
        let state =
            json!({"containers": [container("web", "running"), container("old", "exited")]});
        fs::write(dir.join("state.json"), state.to_string()).unwrap();
        Scratch { dir }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes the file `name` with `contents`; returns its path.
    pub fn file(&self, name: &str, contents: &[u8]) -> PathBuf {
        let path = self.dir.join(name);
        fs::write(&path, contents).unwrap();
        path
    }

    /// The compile cache's directory.
    pub fn cache(&self) -> PathBuf {
        self.dir.join("cache")
    }

    /// The names of the compile cache's entries, sorted (none if it is not there).
    pub fn cache_entries(&self) -> Vec<String> {
        let Ok(entries) = fs::read_dir(self.cache()) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    /// `pruner container prune -f --state state.json` and `args`, with the compile cache here.
    pub fn pruner(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pruner"));
        command
            .args(["container", "prune", "-f", "--state"])
            .arg(self.dir.join("state.json"))
            .args(args)
            .env("PRUNER_CACHE_DIR", self.cache())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    /// The names of the containers left in the state file.
    pub fn containers_left(&self) -> Vec<String> {
        let state: Value =
            serde_json::from_slice(&fs::read(self.dir.join("state.json")).unwrap()).unwrap();
        state["containers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// What a run of `pruner` printed, and how it exited.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// Runs `command` to its end.
    pub fn of(command: &mut Command) -> Outcome {
        Outcome::of_child(command.spawn().expect("pruner starts"))
    }

    /// Waits for `child` to end.
    pub fn of_child(child: Child) -> Outcome {
        let Output {
            status,
            stdout,
            stderr,
        } = child.wait_with_output().expect("pruner runs");
        Outcome {
            code: status.code(),
            stdout: String::from_utf8(stdout).unwrap(),
            stderr: String::from_utf8(stderr).unwrap(),
        }
    }

    /// Asserts the exit code and both streams exactly.
    #[track_caller]
    pub fn is(&self, code: i32, stdout: &str, stderr: &str) {
        assert_eq!(
            (self.code, self.stdout.as_str(), self.stderr.as_str()),
            (Some(code), stdout, stderr),
            "(exit code, stdout, stderr)"
        );
    }
}

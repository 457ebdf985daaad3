//! The state file on disk: read as JSON, written back atomically (a new file renamed over the
//! old one), so a crash never leaves a torn file.

use std::fs::{self, File};
use std::hash::{BuildHasher, Hasher, RandomState};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::state::State;
use crate::status::StatusWord;

/// A state file that cannot be read, decoded or written; `Display` names the file, the cause
/// is the `source`.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file cannot be read.
    #[error("cannot read state file {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The file is not a state file.
    #[error("invalid state file {}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Where and why it does not decode.
        source: serde_json::Error,
    },
    /// The file cannot be written.
    #[error("cannot write state file {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

/// Reads the state file at `path`.
pub fn read<S: StatusWord>(path: &Path) -> Result<State<S>, FileError> {
    let text = fs::read_to_string(path).map_err(|source| FileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| FileError::Invalid {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes `state` to the file at `path` as pretty JSON ending with a newline, atomically.
pub fn write<S: StatusWord>(path: &Path, state: &State<S>) -> Result<(), FileError> {
    let write = || {
        let mut bytes = serde_json::to_vec_pretty(state)?;
        bytes.push(b'\n');
        write_atomically(path, &bytes)
    };
    write().map_err(|source| FileError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes `bytes` to a temporary file beside `path`, syncs it, renames it over `path` and syncs
/// the directory; the temporary file is removed if any step fails.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp = dir.join(format!(".{name}.{:016x}.tmp", temp_suffix()));
    let result = (|| {
        let mut file = File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, path)?;
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// A temporary name no other writer picks at the same time: random, because a WASI program
/// has no process ID to tell writers apart.
fn temp_suffix() -> u64 {
    RandomState::new().build_hasher().finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::ContainerRecord;
    use crate::status::ContainerState;

    /// A fresh directory of its own under the system's temporary directory.
    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pruner-state-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("temporary directory");
        dir
    }

    fn state() -> State {
        State {
            containers: vec![ContainerRecord {
                id: "a".repeat(64),
                name: "web".to_string(),
                created: "2026-11-20T10:00:00.123456789Z".parse().unwrap(),
                state: ContainerState::Exited,
                image: String::new(),
                labels: [("env".to_string(), "dev".to_string())].into(),
                size_rw: 1024,
                finished: Some("2026-11-20T11:00:00.5Z".parse().unwrap()),
                fail: Default::default(),
            }],
            ..State::default()
        }
    }

    #[test]
    fn a_written_state_reads_back_equal_and_leaves_only_the_file() {
        let dir = temp_dir("round-trip");
        let path = dir.join("state.json");
        write(&path, &state()).expect("written");
        assert_eq!(read::<ContainerState>(&path).expect("read"), state());
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.ends_with("}\n"), "{text:?}");
        assert!(text.contains(r#""created": "2026-11-20T10:00:00.123456789Z""#));
        assert!(text.contains(r#""state": "exited""#));
        let entries: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(entries, ["state.json"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_missing_file_is_a_read_error_naming_it() {
        let path = Path::new("/nonexistent/pruner/state.json");
        let err = read::<ContainerState>(path).expect_err("missing");
        assert_eq!(
            err.to_string(),
            "cannot read state file /nonexistent/pruner/state.json"
        );
        assert!(
            matches!(err, FileError::Read { source, .. } if source.kind() == io::ErrorKind::NotFound)
        );
    }

    #[test]
    fn an_unknown_status_word_makes_the_file_invalid_with_the_accepted_words() {
        let dir = temp_dir("bad-word");
        let path = dir.join("state.json");
        fs::write(
            &path,
            r#"{"containers":[{"id":"x","created":"2026-11-20T10:00:00Z","state":"asleep"}]}"#,
        )
        .unwrap();
        let err = read::<ContainerState>(&path).expect_err("invalid");
        let FileError::Invalid { source, .. } = &err else {
            panic!("not an invalid-file error: {err:?}");
        };
        assert_eq!(
            source.to_string(),
            "unknown container state \"asleep\" (expected one of created, running, paused, \
             restarting, removing, exited, dead) at line 1 column 75"
        );
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_failed_write_removes_its_temporary_file_and_names_the_file() {
        let dir = temp_dir("write-failure");
        // The target is a directory: the rename over it fails after the temporary file exists.
        let path = dir.join("state.json");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("keep"), "").unwrap();
        let err = write(&path, &state()).expect_err("cannot replace a directory");
        assert_eq!(
            err.to_string(),
            format!("cannot write state file {}", path.display())
        );
        let entries: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(entries, ["state.json"]);
        fs::remove_dir_all(dir).unwrap();
    }
}

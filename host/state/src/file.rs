//! The state file on disk, as a prune uses it: checked to be a regular file (through any
//! symbolic links), locked against every other prune of it ([`lock`]), read, and
//! written back atomically (a new file beside it renamed over it, with its mode and owner), so a
//! crash never leaves a torn file.

use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::indexed::{DuplicateId, IndexedState};
use crate::lock::{self, PruneLock};
use crate::state::State;
use crate::status::StatusWord;

/// Docker's text for a prune that finds another one running.
pub const PRUNE_RUNNING: &str = "a prune operation is already running";

/// How many symbolic links a state file's path may go through.
const MAX_LINKS: usize = 40;

/// A state file that cannot be used, read, decoded, locked or written; `Display` names the file,
/// the cause is the `source`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// The file cannot be read.
    #[error("cannot read state file {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// Nothing is at the path.
    #[error(
        "no state file at {}: give --state the path of a JSON state file (README, \"The state \
         file\"; examples/state.json is one to copy)",
        path.display()
    )]
    Missing {
        /// The path.
        path: PathBuf,
    },
    /// The file is JSON, but not an object at its top level (e.g. `[]`).
    #[error(
        "invalid state file {}: its top level is {found}, not a JSON object with \"containers\", \
         \"networks\", \"cluster\" and \"events\" (README, \"The state file\")",
        path.display()
    )]
    NotAnObject {
        /// The file.
        path: PathBuf,
        /// What its top level is, e.g. `an array`.
        found: &'static str,
    },
    /// The path names something other than a regular file, e.g. a directory or `/dev/stdin`.
    #[error("cannot use {} as a state file: it is {kind}, not a regular file", path.display())]
    NotRegular {
        /// The path.
        path: PathBuf,
        /// What it is, e.g. `a directory`.
        kind: &'static str,
    },
    /// The file is not a state file.
    #[error("invalid state file {}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Where and why it does not decode.
        source: serde_json::Error,
    },
    /// The file holds two objects of a kind with one ID.
    #[error("invalid state file {}", path.display())]
    Duplicate {
        /// The file.
        path: PathBuf,
        /// The ID.
        source: DuplicateId,
    },
    /// Another prune holds the file's prune lock: Docker's conflict text.
    #[error("{PRUNE_RUNNING}")]
    Busy,
    /// The prune lock cannot be created or examined.
    #[error("cannot lock state file {}", path.display())]
    Lock {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
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

/// Reads the state file at `path`, without locking it.
pub fn read<S: StatusWord>(path: &Path) -> Result<State<S>, FileError> {
    decode(path, path)
}

/// Checks that `path` names a regular file, through any symbolic links, before anything else
/// is done with it; the file it names, whose place the rewritten file takes.
pub fn check(path: &Path) -> Result<PathBuf, FileError> {
    let unreadable = |source| FileError::Read {
        path: path.to_path_buf(),
        source,
    };
    let kind = match fs::metadata(path) {
        Ok(metadata) => metadata.file_type(),
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            return Err(FileError::Missing {
                path: path.to_path_buf(),
            });
        }
        Err(err) => return Err(unreadable(err)),
    };
    if !kind.is_file() {
        return Err(FileError::NotRegular {
            path: path.to_path_buf(),
            kind: describe(kind),
        });
    }
    resolve(path).map_err(unreadable)
}

/// A state file held for one prune: its prune lock is held until it is dropped.
#[derive(Debug)]
pub struct LockedFile {
    /// The path as given, which messages name.
    path: PathBuf,
    /// The regular file it names.
    target: PathBuf,
    lock: PruneLock,
}

impl LockedFile {
    /// [`check`]s `path`, takes its prune lock ([`FileError::Busy`] when another prune holds
    /// it), removes the temporary files that writers who died left, then reads the state,
    /// refusing a file with a duplicate ID.
    pub fn open<S: StatusWord>(path: &Path) -> Result<(LockedFile, IndexedState<S>), FileError> {
        let target = check(path)?;
        let lock = PruneLock::acquire(&lock::with_suffix(&target, ".lock"))
            .map_err(|source| FileError::Lock {
                path: path.to_path_buf(),
                source,
            })?
            .ok_or(FileError::Busy)?;
        remove_stale_temporaries(&target);
        let state =
            IndexedState::new(decode(path, &target)?).map_err(|source| FileError::Duplicate {
                path: path.to_path_buf(),
                source,
            })?;
        let file = LockedFile {
            path: path.to_path_buf(),
            target,
            lock,
        };
        Ok((file, state))
    }

    /// Writes `state` to the file as pretty JSON ending with a newline, atomically, keeping the
    /// file's mode and owner; nothing is written if the lock was taken over meanwhile (see
    /// [`lock`]).
    pub fn save<S: StatusWord>(&self, state: &State<S>) -> Result<(), FileError> {
        let write = || {
            if !self.lock.is_held()? {
                return Err(io::Error::other(
                    "another prune took over its prune lock, judging this one dead; nothing was \
                     written",
                ));
            }
            write_atomically(&self.target, self.lock.token(), state)
        };
        write().map_err(|source| FileError::Write {
            path: self.path.clone(),
            source,
        })
    }

    /// Keeps the prune lock from going stale (see [`PruneLock::refresh`]).
    pub fn refresh(&mut self) {
        self.lock.refresh();
    }
}

/// Reads and decodes `from`, naming `path` in errors.
fn decode<S: StatusWord>(path: &Path, from: &Path) -> Result<State<S>, FileError> {
    let bytes = fs::read(from).map_err(|source| FileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if let Some(found) = top_level_other_than_object(&bytes) {
        return Err(FileError::NotAnObject {
            path: path.to_path_buf(),
            found,
        });
    }
    serde_json::from_slice(&bytes).map_err(|source| FileError::Invalid {
        path: path.to_path_buf(),
        source,
    })
}

/// What the JSON text `bytes` holds at its top level when that is a value other than an object
/// (serde would take an array for the state's fields in order); `None` for an object, and for
/// text that is not JSON, which serde's error describes.
fn top_level_other_than_object(bytes: &[u8]) -> Option<&'static str> {
    match bytes.iter().find(|b| !b.is_ascii_whitespace())? {
        b'[' => Some("an array"),
        b'"' => Some("a string"),
        b'-' | b'0'..=b'9' => Some("a number"),
        b't' | b'f' => Some("a boolean"),
        b'n' => Some("null"),
        _ => None,
    }
}

/// `path` with the symbolic links of its last component followed (a directory on the way is
/// fine: the file's own directory is where it is).
fn resolve(path: &Path) -> io::Result<PathBuf> {
    let mut target = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        if !fs::symlink_metadata(&target)?.file_type().is_symlink() {
            return Ok(target);
        }
        let link = fs::read_link(&target)?;
        target = match target.parent() {
            Some(dir) => dir.join(link),
            None => link,
        };
    }
    Err(io::Error::other(format!(
        "more than {MAX_LINKS} symbolic links"
    )))
}

/// What a file that is not a regular file is.
fn describe(kind: fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a pipe";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else {
        "something else"
    }
}

/// The directory of `path` and its file name.
fn split(path: &Path) -> (&Path, String) {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    (dir, name.into_owned())
}

/// The name of the temporary file of the writer holding the lock with `token`.
fn temporary_name(name: &str, token: u64) -> String {
    format!(".{name}.{token:016x}.tmp")
}

/// Removes the temporary files of `target` (any writer's: the caller holds the lock, so their
/// writers died before renaming them). Best effort: one that cannot be removed stays.
fn remove_stale_temporaries(target: &Path) {
    let (dir, name) = split(target);
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let prefix = format!(".{name}.");
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(token) = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|n| n.strip_suffix(".tmp"))
        else {
            continue;
        };
        if token.len() == 16 && token.bytes().all(|b| b.is_ascii_hexdigit()) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Writes `state` to a temporary file beside `target` named for `token`, syncs it, gives it
/// `target`'s mode and owner, renames it over `target` and syncs the directory; the temporary
/// file is removed if any step fails.
fn write_atomically<S: StatusWord>(target: &Path, token: u64, state: &State<S>) -> io::Result<()> {
    let (dir, name) = split(target);
    let original = fs::metadata(target)?;
    let temp = dir.join(temporary_name(&name, token));
    let result = (|| {
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        let mut writer = BufWriter::new(&file);
        serde_json::to_writer_pretty(&mut writer, state)?;
        writer.write_all(b"\n")?;
        writer.flush()?;
        drop(writer);
        keep_owner_and_mode(&file, &original)?;
        file.sync_all()?;
        fs::rename(&temp, target)?;
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Gives `file` the owner and mode (permission bits) of `original`: the owner first, since
/// changing it may clear the set-ID bits.
#[cfg(unix)]
fn keep_owner_and_mode(file: &File, original: &Metadata) -> io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt, fchown};
    let (uid, gid) = (original.uid(), original.gid());
    let current = file.metadata()?;
    if (current.uid(), current.gid()) != (uid, gid) {
        fchown(file, Some(uid), Some(gid)).map_err(|err| {
            io::Error::new(
                err.kind(),
                format!("cannot give the new file the owner {uid}:{gid} of the old one: {err}"),
            )
        })?;
    }
    file.set_permissions(fs::Permissions::from_mode(original.mode() & 0o7777))
}

/// WASI has neither modes nor owners: the new file gets the runtime's defaults.
#[cfg(not(unix))]
fn keep_owner_and_mode(_: &File, _: &Metadata) -> io::Result<()> {
    Ok(())
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

    /// The names in `dir`, sorted.
    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// `dir/state.json` holding an empty state.
    fn empty_file(dir: &Path) -> PathBuf {
        let path = dir.join("state.json");
        fs::write(&path, "{}").unwrap();
        path
    }

    #[test]
    fn a_saved_state_reads_back_equal_and_leaves_only_the_file() {
        let dir = temp_dir("round-trip");
        let path = empty_file(&dir);
        let (file, _) = LockedFile::open::<ContainerState>(&path).expect("opened");
        assert_eq!(entries(&dir), ["state.json", "state.json.lock"]);
        file.save(&state()).expect("written");
        drop(file);
        assert_eq!(read::<ContainerState>(&path).expect("read"), state());
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.ends_with("}\n"), "{text:?}");
        assert!(text.contains(r#""created": "2026-11-20T10:00:00.123456789Z""#));
        assert!(text.contains(r#""state": "exited""#));
        assert_eq!(entries(&dir), ["state.json"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_missing_file_is_refused_by_the_check_with_where_to_find_the_schema() {
        let path = Path::new("/nonexistent/pruner/state.json");
        let err = check(path).expect_err("missing");
        assert_eq!(
            err.to_string(),
            "no state file at /nonexistent/pruner/state.json: give --state the path of a JSON \
             state file (README, \"The state file\"; examples/state.json is one to copy)"
        );
    }

    #[test]
    fn json_that_is_not_an_object_is_not_a_state_file() {
        let dir = temp_dir("not-an-object");
        let path = dir.join("state.json");
        for (text, found) in [
            ("[]", "an array"),
            ("  [[], [], null, []]\n", "an array"),
            ("\"state\"", "a string"),
            ("0", "a number"),
            ("-1", "a number"),
            ("true", "a boolean"),
            ("null", "null"),
        ] {
            fs::write(&path, text).unwrap();
            let err = read::<ContainerState>(&path).expect_err(text);
            assert_eq!(
                err.to_string(),
                format!(
                    "invalid state file {}: its top level is {found}, not a JSON object with \
                     \"containers\", \"networks\", \"cluster\" and \"events\" (README, \
                     \"The state file\")",
                    path.display()
                ),
                "{text}"
            );
        }
        fs::write(&path, "{}").unwrap();
        assert_eq!(
            read::<ContainerState>(&path).expect("an object"),
            State::default()
        );
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
        let err = LockedFile::open::<ContainerState>(path).expect_err("missing");
        assert!(matches!(err, FileError::Missing { .. }), "{err:?}");
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
    fn a_file_with_a_duplicate_id_is_refused_naming_the_id_and_left_alone() {
        let dir = temp_dir("duplicate");
        let path = dir.join("state.json");
        let text = r#"{"networks": [
            {"id": "n1", "name": "a", "created": "2026-11-20T10:00:00Z"},
            {"id": "n1", "name": "b", "created": "2026-11-20T10:00:00Z"}]}"#;
        fs::write(&path, text).unwrap();
        let err = LockedFile::open::<ContainerState>(&path).expect_err("duplicate");
        assert_eq!(
            anyhow_like(&err),
            format!(
                "invalid state file {}: network ID n1 appears more than once",
                path.display()
            )
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), text);
        assert_eq!(entries(&dir), ["state.json"]);
        fs::remove_dir_all(dir).unwrap();
    }

    /// `err` and its causes joined by `: `, as the CLI prints them.
    fn anyhow_like(err: &dyn std::error::Error) -> String {
        let mut text = err.to_string();
        let mut source = err.source();
        while let Some(cause) = source {
            text.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        text
    }

    #[test]
    fn a_second_prune_of_a_locked_file_is_refused_with_dockers_text() {
        let dir = temp_dir("busy");
        let path = empty_file(&dir);
        let (held, _) = LockedFile::open::<ContainerState>(&path).expect("opened");
        let err = LockedFile::open::<ContainerState>(&path).expect_err("busy");
        assert_eq!(err.to_string(), "a prune operation is already running");
        drop(held);
        assert!(LockedFile::open::<ContainerState>(&path).is_ok());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn directories_and_devices_are_refused_as_state_files() {
        let dir = temp_dir("not-regular");
        let err = LockedFile::open::<ContainerState>(&dir).expect_err("a directory");
        assert_eq!(
            err.to_string(),
            format!(
                "cannot use {} as a state file: it is a directory, not a regular file",
                dir.display()
            )
        );
        let err = check(Path::new("/dev/null")).expect_err("a device");
        assert_eq!(
            err.to_string(),
            "cannot use /dev/null as a state file: it is a device, not a regular file"
        );
        assert!(entries(&dir).is_empty());
        fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_file_is_written_through_the_link_and_locked_beside_its_target() {
        let dir = temp_dir("symlink");
        fs::create_dir(dir.join("real")).unwrap();
        let target = empty_file(&dir.join("real"));
        let link = dir.join("link.json");
        let chain = dir.join("chain.json");
        std::os::unix::fs::symlink("real/state.json", &link).unwrap();
        std::os::unix::fs::symlink("link.json", &chain).unwrap();
        assert_eq!(check(&chain).unwrap(), dir.join("real/state.json"));
        let (file, _) = LockedFile::open::<ContainerState>(&chain).expect("opened");
        assert_eq!(
            entries(&dir.join("real")),
            ["state.json", "state.json.lock"]
        );
        file.save(&state()).expect("written");
        drop(file);
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(
            fs::symlink_metadata(&chain)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(read::<ContainerState>(&target).unwrap(), state());
        assert_eq!(entries(&dir.join("real")), ["state.json"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn the_rewritten_file_keeps_the_mode_and_owner_of_the_old_one() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt, chown};
        let dir = temp_dir("mode-owner");
        let path = empty_file(&dir);
        for mode in [0o444, 0o600, 0o640] {
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
            let (file, _) = LockedFile::open::<ContainerState>(&path).expect("opened");
            file.save(&state()).expect("written");
            assert_eq!(fs::metadata(&path).unwrap().mode() & 0o7777, mode);
        }
        if fs::metadata(&path).unwrap().uid() == 0 {
            // As root (as CI runs), a file of another user stays that user's.
            chown(&path, Some(65534), Some(65534)).unwrap();
            let (file, _) = LockedFile::open::<ContainerState>(&path).expect("opened");
            file.save(&state()).expect("written");
            let metadata = fs::metadata(&path).unwrap();
            assert_eq!((metadata.uid(), metadata.gid()), (65534, 65534));
        } else {
            eprintln!("not root: the owner of another user's file is not checked");
        }
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn opening_removes_the_temporaries_of_dead_writers_of_that_file_only() {
        let dir = temp_dir("temporaries");
        let path = empty_file(&dir);
        let others = [
            ".state.json.notatoken.tmp",
            ".other.json.0123456789abcdef.tmp",
            "state.json.0123456789abcdef.tmp",
        ];
        for name in [".state.json.0123456789abcdef.tmp"].iter().chain(&others) {
            fs::write(dir.join(name), "half a state").unwrap();
        }
        let (file, _) = LockedFile::open::<ContainerState>(&path).expect("opened");
        drop(file);
        let mut expected = others.map(String::from).to_vec();
        expected.push("state.json".to_string());
        expected.sort();
        assert_eq!(entries(&dir), expected);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_failed_write_removes_its_temporary_file_and_names_the_file() {
        let dir = temp_dir("write-failure");
        let path = empty_file(&dir);
        let (file, _) = LockedFile::open::<ContainerState>(&path).expect("opened");
        // The file became a directory: the rename over it fails after the temporary file exists.
        fs::remove_file(&path).unwrap();
        fs::create_dir(&path).unwrap();
        fs::write(path.join("keep"), "").unwrap();
        let err = file.save(&state()).expect_err("cannot replace a directory");
        assert_eq!(
            err.to_string(),
            format!("cannot write state file {}", path.display())
        );
        drop(file);
        assert_eq!(entries(&dir), ["state.json"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_holder_whose_lock_was_taken_over_writes_nothing() {
        let dir = temp_dir("lock-lost");
        let path = empty_file(&dir);
        let (file, _) = LockedFile::open::<ContainerState>(&path).expect("opened");
        fs::write(
            dir.join("state.json.lock"),
            "pruner prune lock 00000000000000ee wasi\n",
        )
        .unwrap();
        let err = file.save(&state()).expect_err("not its lock any more");
        assert_eq!(
            anyhow_like(&err),
            format!(
                "cannot write state file {}: another prune took over its prune lock, judging \
                 this one dead; nothing was written",
                path.display()
            )
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "{}");
        drop(file);
        assert_eq!(entries(&dir), ["state.json", "state.json.lock"]);
        fs::remove_dir_all(dir).unwrap();
    }
}

//! The daemon the backend component serves: one state file and the daemon's clock.
//!
//! Between [`Session::lock`] and [`Session::unlock`] (a prune of the command-line front end) the
//! session holds the file's prune lock and serves its state from memory, written back once, at
//! `unlock`, as native pruner does. Outside them (`wasmtime run --invoke`) each call is a
//! transaction of its own: lock, read, change and write back, unlock.

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use pruner_state::file::{self, FileError, LockedFile};
use pruner_state::{
    Actor, Clock, DockerError, EventMessage, FixedClock, IndexedState, Removals, SystemClock,
};

/// The environment variable naming the state file served when none was opened.
pub const STATE_VARIABLE: &str = "PRUNER_STATE";
/// The state file served when none was opened and [`STATE_VARIABLE`] is unset.
pub const DEFAULT_STATE: &str = "/data/state.json";

/// A state file and the daemon's clock.
#[derive(Debug, Default)]
pub struct Session {
    /// The file `open` named.
    path: Option<PathBuf>,
    /// The file while locked.
    held: Option<Held>,
    clock: Option<FixedClock>,
    /// A dry run: a removal takes the object out of the state in memory only, refusing nothing
    /// but an object that is not there; events are dropped; the file is never written.
    withheld: bool,
}

/// A locked state file, its state, and what was removed from it.
#[derive(Debug)]
struct Held {
    file: LockedFile,
    state: IndexedState,
    removals: Removals,
}

impl Session {
    /// A session of the default file and the system clock.
    pub const fn new() -> Session {
        Session {
            path: None,
            held: None,
            clock: None,
            withheld: false,
        }
    }

    /// Withholds every change from now on (the front end's `--dry-run`), as the native CLI's
    /// dry run, which never asks its backend: see `Session::withheld`.
    pub fn withhold_changes(&mut self) {
        self.withheld = true;
    }

    /// Serves the state file at `path` from now on, once [checked](file::check). On failure,
    /// the error with its causes as the native CLI prints them (`cannot read state file …:
    /// …`).
    pub fn open(&mut self, path: &Path) -> Result<(), String> {
        file::check(path).map_err(describe)?;
        self.path = Some(path.to_path_buf());
        Ok(())
    }

    /// Takes the file's prune lock and reads the file: Docker's conflict while another prune
    /// holds the lock.
    pub fn lock(&mut self) -> Result<(), DockerError> {
        let (file, state) = LockedFile::open(&self.path()).map_err(daemon_error)?;
        self.held = Some(Held {
            file,
            state,
            removals: Removals::default(),
        });
        Ok(())
    }

    /// Writes the changes made since [`lock`](Session::lock), if any, and releases the lock;
    /// what was removed. Without a lock, nothing was removed.
    pub fn unlock(&mut self) -> Result<Removals, String> {
        let Some(mut held) = self.held.take() else {
            return Ok(Removals::default());
        };
        if held.state.changes() > 0 && !self.withheld {
            held.file.save(held.state.state()).map_err(describe)?;
        }
        Ok(held.removals)
    }

    /// Stops the daemon's clock at `now`.
    pub fn set_clock(&mut self, now: DateTime<FixedOffset>) {
        self.clock = Some(FixedClock(now));
    }

    /// The daemon's current time: the stopped clock, else the system clock (in UTC on WASI).
    pub fn now(&self) -> DateTime<FixedOffset> {
        clock(&self.clock).now()
    }

    /// `f` of the daemon's state.
    pub fn read<R>(
        &mut self,
        f: impl FnOnce(&IndexedState) -> Result<R, DockerError>,
    ) -> Result<R, DockerError> {
        self.with_held(|held, _| f(&held.state))
    }

    /// Removes container `id` as Docker does ([`IndexedState::remove_container`]).
    pub fn remove_container(&mut self, id: &str) -> Result<(), DockerError> {
        let withheld = self.withheld;
        self.with_held(|held, clock| {
            let size = held.state.container(id).map_or(0, |c| c.size_rw);
            if withheld && held.state.take_container(id).is_some() {
                // Taken out of the copy in memory only; an absent one gets Docker's answer below.
            } else {
                held.state.remove_container(id, clock)?;
            }
            let removals = &mut held.removals;
            removals.containers.push(id.to_string());
            // As Docker counts it: an unknown (negative) size adds nothing.
            removals.space_reclaimed = removals
                .space_reclaimed
                .saturating_add(size.max(0).unsigned_abs());
            Ok(())
        })
    }

    /// Removes local network `id` as Docker does ([`IndexedState::remove_network`]).
    pub fn remove_network(&mut self, id: &str) -> Result<(), DockerError> {
        let withheld = self.withheld;
        self.with_held(|held, clock| {
            let name = held.state.network(id).map(|n| n.name.clone());
            if !(withheld && held.state.take_network(id).is_some()) {
                held.state.remove_network(id, clock)?;
            }
            held.removals.networks.extend(name);
            Ok(())
        })
    }

    /// Removes swarm network `id` as Docker does
    /// ([`IndexedState::remove_cluster_network`]).
    pub fn remove_cluster_network(&mut self, id: &str) -> Result<(), DockerError> {
        let withheld = self.withheld;
        self.with_held(|held, _| {
            let name = held.state.cluster_network(id).map(|n| n.name.clone());
            if !(withheld && held.state.take_cluster_network(id)) {
                held.state.remove_cluster_network(id)?;
            }
            held.removals.networks.extend(name);
            Ok(())
        })
    }

    /// Logs a `kind` `action` event about `actor` at the daemon's time.
    /// Dropped while changes are withheld.
    pub fn log(&mut self, kind: &str, action: &str, actor: Actor) -> Result<(), DockerError> {
        if self.withheld {
            return Ok(());
        }
        self.with_held(|held, clock| {
            held.state
                .log(EventMessage::local(kind, action, actor, clock.now()));
            Ok(())
        })
    }

    /// `f` of the held file and the daemon's clock. Outside a lock, `f` runs on the file locked
    /// and read for it, whose changes are written back before the lock is released; a change
    /// that cannot be written fails.
    fn with_held<R>(
        &mut self,
        f: impl FnOnce(&mut Held, &dyn Clock) -> Result<R, DockerError>,
    ) -> Result<R, DockerError> {
        let clock = clock(&self.clock);
        if let Some(held) = &mut self.held {
            held.file.refresh();
            return f(held, clock);
        }
        let (file, state) = LockedFile::open(&self.path()).map_err(daemon_error)?;
        let mut held = Held {
            file,
            state,
            removals: Removals::default(),
        };
        let result = f(&mut held, clock)?;
        if held.state.changes() > 0 && !self.withheld {
            held.file.save(held.state.state()).map_err(daemon_error)?;
        }
        Ok(result)
    }

    /// The file `open` named, else `$PRUNER_STATE`, else `/data/state.json`.
    fn path(&self) -> PathBuf {
        self.path.clone().unwrap_or_else(|| {
            std::env::var_os(STATE_VARIABLE)
                .map_or_else(|| PathBuf::from(DEFAULT_STATE), PathBuf::from)
        })
    }
}

/// A state file's error as the daemon's: another prune's lock is Docker's conflict.
fn daemon_error(err: FileError) -> DockerError {
    match err {
        FileError::Busy => DockerError::Conflict(err.to_string()),
        err => DockerError::System(describe(err)),
    }
}

/// The stopped clock, else the system clock.
fn clock(fixed: &Option<FixedClock>) -> &dyn Clock {
    match fixed {
        Some(fixed) => fixed,
        None => &SystemClock,
    }
}

/// `err` and its causes joined by `: `, as the native CLI prints them (anyhow's `{:#}`).
fn describe(err: FileError) -> String {
    format!("{:#}", anyhow::Error::new(err))
}

#[cfg(test)]
mod tests {
    use std::fs;

    use pruner_state::State;

    use super::*;

    /// A directory of its own holding `state.json` with one exited and one running container.
    fn sandbox(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("pruner-backend-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::write(
            dir.join("state.json"),
            r#"{"containers": [
                {"id": "old", "created": "2026-11-20T10:00:00Z", "state": "exited", "size_rw": 7},
                {"id": "web", "created": "2026-11-20T10:00:00Z", "state": "running"}
            ]}"#,
        )
        .unwrap();
        dir
    }

    fn opened(dir: &Path) -> Session {
        let mut session = Session::new();
        session.open(&dir.join("state.json")).expect("opened");
        session.set_clock(DateTime::parse_from_rfc3339("2026-11-27T12:00:00+02:00").unwrap());
        session
    }

    fn on_disk(dir: &Path) -> State {
        file::read(&dir.join("state.json")).unwrap()
    }

    fn ids(state: &State) -> Vec<&str> {
        state.containers.iter().map(|c| c.id.as_str()).collect()
    }

    fn locked(dir: &Path) -> bool {
        dir.join("state.json.lock").exists()
    }

    #[test]
    fn a_locked_session_writes_its_changes_at_unlock_with_the_stopped_clocks_time() {
        let dir = sandbox("locked");
        let mut session = opened(&dir);
        session.lock().expect("locked");
        assert!(locked(&dir));
        session.remove_container("old").expect("removed");
        assert_eq!(ids(&on_disk(&dir)), ["old", "web"], "not written yet");
        let removals = session.unlock().expect("written");
        assert_eq!(
            removals,
            Removals {
                containers: vec!["old".to_string()],
                space_reclaimed: 7,
                networks: Vec::new(),
            }
        );
        let state = on_disk(&dir);
        assert_eq!(ids(&state), ["web"]);
        assert_eq!(state.events[0].time, 1_795_773_600);
        assert!(!locked(&dir));
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_withheld_session_changes_only_its_copy_in_memory_and_drops_the_events() {
        let dir = sandbox("withheld");
        let before = fs::read(dir.join("state.json")).unwrap();
        let mut session = opened(&dir);
        session.withhold_changes();
        session.lock().expect("locked");
        assert_eq!(session.remove_container("old"), Ok(()));
        // Gone from the copy: a second removal gets Docker's answer.
        assert_eq!(
            session.remove_container("old"),
            Err(DockerError::NotFound("No such container: old".to_string()))
        );
        // Docker would refuse a running container; withheld, nothing is refused, as the native
        // dry run never asks its backend.
        assert_eq!(session.remove_container("web"), Ok(()));
        assert_eq!(session.log("container", "prune", Actor::default()), Ok(()));
        let listed = session.read(|state| Ok(state.containers().count()));
        assert_eq!(listed, Ok(0));
        let removals = session.unlock().expect("unlocked");
        assert_eq!(removals.containers, ["old", "web"]);
        assert_eq!(removals.space_reclaimed, 7);
        assert_eq!(fs::read(dir.join("state.json")).unwrap(), before);
        assert!(!locked(&dir));
        // Outside a lock too (`wasmtime run --invoke`): nothing is written.
        assert_eq!(session.remove_container("old"), Ok(()));
        assert_eq!(fs::read(dir.join("state.json")).unwrap(), before);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_second_session_cannot_lock_a_locked_file() {
        let dir = sandbox("busy");
        let mut first = opened(&dir);
        first.lock().expect("locked");
        let mut second = opened(&dir);
        assert_eq!(
            second.lock(),
            Err(DockerError::Conflict(
                "a prune operation is already running".to_string()
            ))
        );
        // Nor change it outside a lock.
        assert_eq!(
            second.remove_container("old"),
            Err(DockerError::Conflict(
                "a prune operation is already running".to_string()
            ))
        );
        assert_eq!(first.unlock(), Ok(Removals::default()));
        second.lock().expect("free again");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_refused_change_leaves_the_state_and_the_file_alone() {
        let dir = sandbox("refused");
        let before = fs::read(dir.join("state.json")).unwrap();
        let mut session = opened(&dir);
        session.lock().expect("locked");
        let refused = session.remove_container("web");
        assert!(
            matches!(refused, Err(DockerError::Conflict(_))),
            "{refused:?}"
        );
        let listed = session.read(|state| Ok(state.containers().count()));
        assert_eq!(listed, Ok(2));
        assert_eq!(session.unlock(), Ok(Removals::default()));
        assert_eq!(fs::read(dir.join("state.json")).unwrap(), before);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn outside_a_lock_each_change_is_written_at_once_and_the_lock_released() {
        let dir = sandbox("unlocked");
        let mut session = opened(&dir);
        session.remove_container("old").expect("removed");
        assert_eq!(ids(&on_disk(&dir)), ["web"]);
        assert!(!locked(&dir));
        let again = session.remove_container("old");
        assert_eq!(
            again,
            Err(DockerError::NotFound("No such container: old".to_string()))
        );
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn opening_a_file_that_is_not_there_or_not_a_file_says_why_as_the_native_cli_does() {
        let mut session = Session::new();
        assert_eq!(
            session.open(Path::new("/nonexistent/pruner/state.json")),
            Err(
                "no state file at /nonexistent/pruner/state.json: give --state the path of a \
                 JSON state file (README, \"The state file\"; examples/state.json is one to copy)"
                    .to_string()
            )
        );
        assert_eq!(
            session.open(Path::new("/")),
            Err("cannot use / as a state file: it is a directory, not a regular file".to_string())
        );
    }
}

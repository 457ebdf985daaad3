//! The daemon the backend component serves: one state file, kept in memory and written back
//! after every change, and the daemon's clock.

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use pruner_state::file::{self, FileError};
use pruner_state::{Clock, Error, EventMessage, FixedClock, State, SystemClock};

/// The environment variable naming the state file served when none was opened.
pub const STATE_VARIABLE: &str = "PRUNER_STATE";
/// The state file served when none was opened and [`STATE_VARIABLE`] is unset.
pub const DEFAULT_STATE: &str = "/data/state.json";

/// A state file and the daemon's clock. The file is read when it is opened, or on first use;
/// each change is written back atomically before it counts, so the file always holds what the
/// daemon holds.
#[derive(Debug, Default)]
pub struct Session {
    file: Option<OpenFile>,
    clock: Option<FixedClock>,
    /// A dry run: removals are made in memory only, events are dropped.
    withheld: bool,
}

/// The kind of object a removal is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Object {
    /// A container.
    Container,
    /// A local network.
    Network,
    /// A swarm network.
    ClusterNetwork,
}

/// A state file and its contents.
#[derive(Debug)]
struct OpenFile {
    path: PathBuf,
    state: State,
}

impl OpenFile {
    fn read(path: &Path) -> Result<OpenFile, FileError> {
        Ok(OpenFile {
            path: path.to_path_buf(),
            state: file::read(path)?,
        })
    }
}

impl Session {
    /// A session with no file yet and the system clock.
    pub const fn new() -> Session {
        Session {
            file: None,
            clock: None,
            withheld: false,
        }
    }

    /// Withholds every change from now on (a dry run): [`remove`](Self::remove) takes the
    /// object out of the state in memory only, and [`log_event`](Self::log_event) drops the
    /// event.
    pub fn withhold_changes(&mut self) {
        self.withheld = true;
    }

    /// Serves the state file at `path` from now on. On failure, the error with its causes as
    /// the native CLI prints them (`cannot read state file …: …`).
    pub fn open(&mut self, path: &Path) -> Result<(), String> {
        self.file = Some(OpenFile::read(path).map_err(describe)?);
        Ok(())
    }

    /// Stops the daemon's clock at `now`.
    pub fn set_clock(&mut self, now: DateTime<FixedOffset>) {
        self.clock = Some(FixedClock(now));
    }

    /// The daemon's current time: the stopped clock, else the system clock (in UTC on WASI).
    pub fn now(&self) -> DateTime<FixedOffset> {
        clock(&self.clock).now()
    }

    /// The daemon's state, reading the default file first if none was opened.
    pub fn state(&mut self) -> Result<&State, Error> {
        Ok(&self.file()?.state)
    }

    /// Applies `change` to the state (given the daemon's clock) and writes the result to the
    /// file; if either fails, the state stays as it was and the error is returned.
    pub fn change<R>(
        &mut self,
        change: impl FnOnce(&mut State, &dyn Clock) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let fixed = self.clock;
        let file = self.file()?;
        let mut next = file.state.clone();
        let result = change(&mut next, clock(&fixed))?;
        file::write(&file.path, &next).map_err(|err| Error::System(describe(err)))?;
        file.state = next;
        Ok(result)
    }

    /// Removes the `object` `id` with `remove` (Docker's rules) as a [`change`](Self::change).
    /// While changes are withheld, the object is only taken out of the state in memory and
    /// nothing it would refuse is checked, as the native CLI's dry run does not ask its backend
    /// either: both preview the same. An object that is not there (any more) still gets
    /// Docker's answer for it.
    pub fn remove(
        &mut self,
        object: Object,
        id: &str,
        remove: impl FnOnce(&mut State, &dyn Clock) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if !self.withheld {
            return self.change(remove);
        }
        let fixed = self.clock;
        let state = &mut self.file()?.state;
        let taken = match object {
            Object::Container => take(&mut state.containers, |c| c.id == id),
            Object::Network => take(&mut state.networks, |n| n.id == id),
            Object::ClusterNetwork => take(&mut state.cluster.networks, |n| n.id == id),
        };
        if taken {
            return Ok(());
        }
        // Not there: Docker's rules answer with their "not found".
        remove(state, clock(&fixed))
    }

    /// Logs `event` at the daemon's time (unless changes are withheld).
    pub fn log_event(
        &mut self,
        event: impl FnOnce(&dyn Clock) -> EventMessage,
    ) -> Result<(), Error> {
        if self.withheld {
            return Ok(());
        }
        self.change(|state, clock| {
            state.events.push(event(clock));
            Ok(())
        })
    }

    /// The open file; the default one is opened first if there is none.
    fn file(&mut self) -> Result<&mut OpenFile, Error> {
        let file = match self.file.take() {
            Some(file) => file,
            None => OpenFile::read(&default_path()).map_err(|err| Error::System(describe(err)))?,
        };
        Ok(self.file.insert(file))
    }
}

/// Removes the first item of `items` that `is` picks; whether there was one.
fn take<T>(items: &mut Vec<T>, is: impl Fn(&T) -> bool) -> bool {
    let index = items.iter().position(is);
    index.map(|index| items.remove(index)).is_some()
}

/// `$PRUNER_STATE`, else `/data/state.json`.
fn default_path() -> PathBuf {
    std::env::var_os(STATE_VARIABLE).map_or_else(|| PathBuf::from(DEFAULT_STATE), PathBuf::from)
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

    use pruner_state::ContainerState;

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
                {"id": "old", "created": "2026-11-20T10:00:00Z", "state": "exited"},
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

    fn ids(state: &State) -> Vec<&str> {
        state.containers.iter().map(|c| c.id.as_str()).collect()
    }

    #[test]
    fn a_change_is_written_to_the_file_with_the_stopped_clocks_time() {
        let dir = sandbox("written");
        let mut session = opened(&dir);
        session
            .change(|state, clock| state.remove_container("old", clock))
            .expect("removed");
        let on_disk: State = file::read(&dir.join("state.json")).unwrap();
        assert_eq!(ids(&on_disk), ["web"]);
        assert_eq!(on_disk.events[0].time, 1_795_773_600);
        assert_eq!(&on_disk, session.state().unwrap());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_refused_change_leaves_the_state_and_the_file_alone() {
        let dir = sandbox("refused");
        let before = fs::read(dir.join("state.json")).unwrap();
        let mut session = opened(&dir);
        let refused = session.change(|state, clock| state.remove_container("web", clock));
        assert!(matches!(refused, Err(Error::Conflict(_))), "{refused:?}");
        assert_eq!(ids(session.state().unwrap()), ["old", "web"]);
        assert_eq!(fs::read(dir.join("state.json")).unwrap(), before);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_change_that_cannot_be_written_fails_and_is_forgotten() {
        let dir = sandbox("unwritable");
        let mut session = opened(&dir);
        fs::remove_dir_all(&dir).unwrap();
        let failed = session.change(|state, clock| state.remove_container("old", clock));
        let Err(Error::System(message)) = failed else {
            panic!("not a system error: {failed:?}");
        };
        assert!(
            message.starts_with(&format!(
                "cannot write state file {}: ",
                dir.join("state.json").display()
            )),
            "{message}"
        );
        assert_eq!(ids(session.state().unwrap()), ["old", "web"]);
        assert_eq!(
            session.state().unwrap().containers[1].state,
            ContainerState::Running
        );
    }

    #[test]
    fn a_withheld_removal_changes_only_the_state_in_memory_and_drops_the_event() {
        let dir = sandbox("withheld");
        let before = fs::read(dir.join("state.json")).unwrap();
        let mut session = opened(&dir);
        session.withhold_changes();
        let remove = |state: &mut State, clock: &dyn Clock| state.remove_container("old", clock);
        assert_eq!(session.remove(Object::Container, "old", remove), Ok(()));
        // Gone from the copy: a second removal gets Docker's answer.
        assert_eq!(
            session.remove(Object::Container, "old", remove),
            Err(Error::NotFound("No such container: old".to_string()))
        );
        // Docker would refuse a running container; withheld, nothing is refused.
        assert_eq!(
            session.remove(Object::Container, "web", |state, clock| {
                state.remove_container("web", clock)
            }),
            Ok(())
        );
        let logged = session.log_event(|clock| {
            EventMessage::local("container", "prune", Default::default(), clock.now())
        });
        assert_eq!(logged, Ok(()));
        assert_eq!(ids(session.state().unwrap()), Vec::<&str>::new());
        assert_eq!(session.state().unwrap().events, []);
        assert_eq!(fs::read(dir.join("state.json")).unwrap(), before);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_removal_that_is_not_withheld_follows_docker_s_rules_and_is_written() {
        let dir = sandbox("not-withheld");
        let mut session = opened(&dir);
        let refused = session.remove(Object::Container, "web", |state, clock| {
            state.remove_container("web", clock)
        });
        assert!(matches!(refused, Err(Error::Conflict(_))), "{refused:?}");
        assert_eq!(
            session.remove(Object::Container, "old", |state, clock| {
                state.remove_container("old", clock)
            }),
            Ok(())
        );
        let on_disk: State = file::read(&dir.join("state.json")).unwrap();
        assert_eq!(ids(&on_disk), ["web"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn opening_a_file_that_is_not_there_says_why_as_the_native_cli_does() {
        let mut session = Session::new();
        assert_eq!(
            session.open(Path::new("/nonexistent/pruner/state.json")),
            Err(
                "cannot read state file /nonexistent/pruner/state.json: No such file or \
                 directory (os error 2)"
                    .to_string()
            )
        );
    }
}

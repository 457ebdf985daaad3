//! The JSON state-file backend: a [`MemoryDaemon`] loaded from a file and written back
//! atomically (a new file renamed over the old one), so a crash never leaves a torn file. The
//! file's schema and its reading and writing are `pruner-state`'s, shared with the backend
//! component.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pruner_state::file;

use crate::clock::Clock;
use crate::memory::MemoryDaemon;

/// A daemon whose state lives in a JSON file.
pub struct StateFile {
    path: PathBuf,
    daemon: Arc<MemoryDaemon>,
}

impl StateFile {
    /// Reads the state at `path`; events are stamped with `clock`.
    pub fn load(path: &Path, clock: Arc<dyn Clock>) -> anyhow::Result<StateFile> {
        let state = file::read(path)?;
        Ok(StateFile {
            path: path.to_path_buf(),
            daemon: Arc::new(MemoryDaemon::new(state, clock)),
        })
    }

    /// The daemon serving the file's state.
    pub fn daemon(&self) -> Arc<MemoryDaemon> {
        self.daemon.clone()
    }

    /// Writes the daemon's current state back to the file, atomically.
    pub fn save(&self) -> anyhow::Result<()> {
        Ok(file::write(&self.path, &self.daemon.snapshot())?)
    }
}

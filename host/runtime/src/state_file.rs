//! The JSON state-file backend: a [`MemoryDaemon`] serving a state file held for one prune. The
//! file's schema, its prune lock, its reading and its atomic rewrite are `pruner-state`'s
//! ([`file`]), shared with the backend component.

use std::path::Path;
use std::sync::Arc;

use pruner_state::file::{FileError, LockedFile};

use crate::clock::Clock;
use crate::memory::MemoryDaemon;

/// A daemon whose state lives in a JSON file, held (locked against other prunes of the file)
/// until dropped.
pub struct StateFile {
    file: LockedFile,
    daemon: Arc<MemoryDaemon>,
    /// The daemon's count of changes when the file was last read or written.
    saved: u64,
}

impl StateFile {
    /// Takes the prune lock of the file at `path` and reads it ([`LockedFile::open`]): a
    /// [`FileError::Busy`] when another prune of it runs. Events are stamped with `clock`.
    pub fn load(path: &Path, clock: Arc<dyn Clock>) -> Result<StateFile, FileError> {
        let (file, state) = LockedFile::open(path)?;
        Ok(StateFile {
            file,
            daemon: Arc::new(MemoryDaemon::new(state, clock)),
            saved: 0,
        })
    }

    /// The daemon serving the file's state.
    pub fn daemon(&self) -> Arc<MemoryDaemon> {
        self.daemon.clone()
    }

    /// Writes the daemon's changes since the file was read or last written, if it made any,
    /// back to the file, atomically.
    pub fn save(&mut self) -> Result<(), FileError> {
        let changes = self.daemon.changes();
        if changes != self.saved {
            self.daemon.with_state(|state| self.file.save(state))?;
            self.saved = changes;
        }
        Ok(())
    }

    /// Unlocks the file and leaves the daemon's state unfreed, for a process that ends after
    /// its one prune: freeing every container's strings one by one would only cost time (a
    /// whole `pruner container prune --state` of 100,000 containers took 12% less without it,
    /// one of a million 15%, most of it the C library's `free`). The state stays in memory
    /// until the process exits.
    pub fn close_for_exit(self) {
        let StateFile { file, daemon, .. } = self;
        drop(file);
        std::mem::forget(daemon);
    }
}

//! The JSON state-file backend: a [`MemoryDaemon`] loaded from a file and written back
//! atomically (a new file renamed over the old one), so a crash never leaves a torn file.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

use crate::clock::Clock;
use crate::memory::MemoryDaemon;
use crate::state::State;

/// A daemon whose state lives in a JSON file.
pub struct StateFile {
    path: PathBuf,
    daemon: Arc<MemoryDaemon>,
}

impl StateFile {
    /// Reads the state at `path`; events are stamped with `clock`.
    pub fn load(path: &Path, clock: Arc<dyn Clock>) -> anyhow::Result<StateFile> {
        let text = fs::read_to_string(path)
            .with_context(|| format!("cannot read state file {}", path.display()))?;
        let state: State = serde_json::from_str(&text)
            .with_context(|| format!("invalid state file {}", path.display()))?;
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
        let mut text = serde_json::to_string_pretty(&self.daemon.snapshot())?;
        text.push('\n');
        write_atomically(&self.path, text.as_bytes())
            .with_context(|| format!("cannot write state file {}", self.path.display()))
    }
}

/// Writes `bytes` to a temporary file beside `path`, syncs it, and renames it over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
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

//! An on-disk cache of compiled components, so that a CLI run loads machine code in well under
//! a millisecond instead of compiling the component (tens of milliseconds in release builds,
//! seconds in debug builds).
//!
//! Entries are keyed by a hash of the component's bytes and of the engine's compatibility
//! hash (wasmtime version and configuration), and written atomically. The directory is
//! `$PRUNER_CACHE_DIR`, else `$XDG_CACHE_HOME/pruner`, else `$HOME/.cache/pruner`. Like
//! wasmtime's own cache it trusts what it finds there: keep the directory private.
//!
//! Loading an entry marks it used (its modification time); storing one deletes the entries
//! unused for [`UNUSED_FOR`], such as those of earlier versions of pruner or of plugins no
//! longer run, so the directory does not grow without end.

use std::collections::hash_map::DefaultHasher;
use std::fs::{self, File};
use std::hash::{Hash, Hasher};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use wasmtime::component::Component;
use wasmtime::{Engine, Result};

/// How long an entry may go unused before storing another deletes it.
pub const UNUSED_FOR: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// The extension of the cache's entries.
const ENTRY: &str = "cwasm";

/// The cache directory, if one can be found.
pub fn default_dir() -> Option<PathBuf> {
    let var = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("PRUNER_CACHE_DIR")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("pruner")))
        .or_else(|| var("HOME").map(|d| d.join(".cache").join("pruner")))
}

/// The compiled `bytes`, from the cache in `dir` when present there, else compiled and stored.
/// Any cache failure falls back to compiling: the cache only ever saves time.
pub fn load_or_compile(engine: &Engine, bytes: &[u8], dir: Option<&Path>) -> Result<Component> {
    let Some(dir) = dir else {
        return Component::new(engine, bytes);
    };
    let path = dir.join(format!("{:016x}.{ENTRY}", key(engine, bytes)));
    // SAFETY: the file was written by `store` below from `Component::serialize` for an engine
    // with the same compatibility hash (it is part of the file name); wasmtime checks the
    // header again. The cache directory is the user's own.
    if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
        mark_used(&path);
        return Ok(component);
    }
    let component = Component::new(engine, bytes)?;
    if let Ok(serialized) = component.serialize()
        && let Err(err) = store(dir, &path, &serialized)
    {
        tracing::debug!(
            "cannot cache the compiled component in {}: {err}",
            dir.display()
        );
    }
    Ok(component)
}

fn key(engine: &Engine, bytes: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    engine.precompile_compatibility_hash().hash(&mut hasher);
    hasher.finish()
}

/// Writes `serialized` to `path` in `dir` through a temporary file, then deletes the entries
/// unused for [`UNUSED_FOR`].
fn store(dir: &Path, path: &Path, serialized: &[u8]) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    let temp = path.with_extension(format!("{}.tmp", std::process::id()));
    fs::write(&temp, serialized)
        .and_then(|()| fs::rename(&temp, path))
        .inspect_err(|_| {
            let _ = fs::remove_file(&temp);
        })?;
    delete_unused(dir, SystemTime::now())
}

/// Marks the entry at `path` used now. Failing to is harmless: the entry is compiled again
/// once deleted.
fn mark_used(path: &Path) {
    if let Ok(file) = File::options().append(true).open(path) {
        let _ = file.set_modified(SystemTime::now());
    }
}

/// Deletes the entries in `dir`, and temporary files left by interrupted writes, last used
/// (modified) more than [`UNUSED_FOR`] before `now`. Other files are left alone.
fn delete_unused(dir: &Path, now: SystemTime) -> io::Result<()> {
    let Some(cutoff) = now.checked_sub(UNUSED_FOR) else {
        return Ok(());
    };
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let ours = path
            .extension()
            .is_some_and(|extension| extension == ENTRY || extension == "tmp");
        let unused = fs::metadata(&path)
            .and_then(|metadata| metadata.modified())
            .is_ok_and(|modified| modified < cutoff);
        if ours && unused {
            fs::remove_file(&path)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::MetadataExt;

    use super::*;

    /// The smallest component: its preamble alone.
    const EMPTY_COMPONENT: &[u8] = b"\0asm\x0d\x00\x01\x00";

    /// A fresh, empty directory for one test.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pruner-cache-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Writes `name` in `dir`, last modified `age` ago.
    fn file_aged(dir: &Path, name: &str, age: Duration) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, b"old").unwrap();
        let file = File::options().append(true).open(&path).unwrap();
        file.set_modified(SystemTime::now() - age).unwrap();
        path
    }

    fn age(path: &Path) -> Duration {
        let modified = fs::metadata(path).unwrap().modified().unwrap();
        SystemTime::now()
            .duration_since(modified)
            .unwrap_or_default()
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    const DAY: Duration = Duration::from_secs(24 * 60 * 60);

    #[test]
    fn storing_an_entry_deletes_the_entries_unused_for_thirty_days() {
        let dir = scratch("evict");
        file_aged(&dir, "0000000000000001.cwasm", UNUSED_FOR + DAY);
        file_aged(&dir, "0000000000000002.cwasm", UNUSED_FOR - DAY);
        file_aged(&dir, "0000000000000003.1234.tmp", UNUSED_FOR + DAY);
        file_aged(&dir, "notes.txt", UNUSED_FOR + DAY);
        let engine = Engine::default();

        load_or_compile(&engine, EMPTY_COMPONENT, Some(&dir)).unwrap();

        let stored = format!("{:016x}.cwasm", key(&engine, EMPTY_COMPONENT));
        let mut expected = vec![
            "0000000000000002.cwasm".to_string(),
            "notes.txt".to_string(),
            stored,
        ];
        expected.sort();
        assert_eq!(names(&dir), expected);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn loading_an_entry_marks_it_used() {
        let dir = scratch("mark");
        let engine = Engine::default();
        load_or_compile(&engine, EMPTY_COMPONENT, Some(&dir)).unwrap();
        let stored = dir.join(format!("{:016x}.cwasm", key(&engine, EMPTY_COMPONENT)));
        File::options()
            .append(true)
            .open(&stored)
            .unwrap()
            .set_modified(SystemTime::now() - UNUSED_FOR - DAY)
            .unwrap();
        let inode = fs::metadata(&stored).unwrap().ino();

        load_or_compile(&engine, EMPTY_COMPONENT, Some(&dir)).unwrap();

        // The same file (loaded, not compiled and written again), now marked used.
        assert_eq!(fs::metadata(&stored).unwrap().ino(), inode);
        assert!(age(&stored) < DAY, "{:?}", age(&stored));
        fs::remove_dir_all(&dir).unwrap();
    }
}

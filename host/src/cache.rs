//! An on-disk cache of compiled components, so that a CLI run loads machine code in well under
//! a millisecond instead of compiling the component (tens of milliseconds in release builds,
//! seconds in debug builds).
//!
//! Entries are keyed by a hash of the component's bytes and of the engine's compatibility
//! hash (wasmtime version and configuration), and written atomically. The directory is
//! `$PRUNER_CACHE_DIR`, else `$XDG_CACHE_HOME/pruner`, else `$HOME/.cache/pruner`. Like
//! wasmtime's own cache it trusts what it finds there: keep the directory private.

use std::collections::hash_map::DefaultHasher;
use std::fs;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use wasmtime::component::Component;
use wasmtime::{Engine, Result};

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
    let path = dir.join(format!("{:016x}.cwasm", key(engine, bytes)));
    // SAFETY: the file was written by `store` below from `Component::serialize` for an engine
    // with the same compatibility hash (it is part of the file name); wasmtime checks the
    // header again. The cache directory is the user's own.
    if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
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

fn store(dir: &Path, path: &Path, serialized: &[u8]) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    let temp = path.with_extension(format!("{}.tmp", std::process::id()));
    fs::write(&temp, serialized)
        .and_then(|()| fs::rename(&temp, path))
        .inspect_err(|_| {
            let _ = fs::remove_file(&temp);
        })
}

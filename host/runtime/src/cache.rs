//! An on-disk cache of compiled components, so that a CLI run loads machine code in well under
//! a millisecond instead of compiling the component (tens of milliseconds in release builds,
//! seconds in debug builds).
//!
//! The directory is `$PRUNER_CACHE_DIR`, else `$XDG_CACHE_HOME/pruner`, else
//! `$HOME/.cache/pruner`. An entry is named by the SHA-256 of the component's bytes and of the
//! engine's compatibility hash (wasmtime's version and configuration), starts with the SHA-256
//! of the component it was compiled from, which is checked before anything else of it is
//! read, and is written atomically. Loading an entry runs its machine code outside the
//! sandbox, so, as ssh treats a key file, the cache is used only if the directory, each one
//! above it and the entry belong to the user (or root) and cannot be written by others (a
//! sticky directory such as `/tmp` may be above it); otherwise one warning says why, and the
//! component is compiled instead.
//!
//! Loading an entry marks it used (its modification time); storing one deletes the entries
//! unused for [`UNUSED_FOR`], such as those of earlier versions of pruner or of plugins no
//! longer run, so the directory does not grow without end.

#![allow(
    unsafe_code,
    reason = "loading a cached entry runs machine code (Component::deserialize); geteuid"
)]

use std::fs::{self, DirBuilder, File, Metadata};
use std::hash::Hasher;
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

use crate::load::LoadError;

/// How long an entry may go unused before storing another deletes it.
pub const UNUSED_FOR: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// The extension of the cache's entries.
const ENTRY: &str = "cwasm";

/// The start of every entry, before the SHA-256 of its component and its machine code.
const MAGIC: &[u8; 16] = b"pruner cwasm v1\n";

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

/// The compiled `bytes`: from the cache in `dir` when it holds them and may be trusted, else
/// compiled by `compile` (their serialized machine code for `engine`) and stored. Any cache
/// failure falls back to compiling: the cache only ever saves time.
pub fn load_or_compile(
    engine: &Engine,
    bytes: &[u8],
    dir: Option<&Path>,
    compile: impl FnOnce() -> Result<Vec<u8>, LoadError>,
) -> Result<Component, LoadError> {
    let source: [u8; 32] = Sha256::digest(bytes).into();
    let dir = dir.filter(|dir| trusted_dir(dir));
    let path = dir.map(|dir| dir.join(format!("{}.{ENTRY}", hex(&key(engine, &source)))));
    if let Some(component) = path.as_deref().and_then(|path| load(engine, path, &source)) {
        return Ok(component);
    }
    let artifact = compile()?;
    // SAFETY: the machine code was compiled just now, for an engine configured as `engine` is,
    // by this process or by its compile helper; wasmtime checks its header again.
    let component = unsafe { Component::deserialize(engine, &artifact) }
        .map_err(|err| LoadError::Compile(err.into()))?;
    if let (Some(dir), Some(path)) = (dir, &path)
        && let Err(err) = store(dir, path, &source, &artifact)
    {
        tracing::debug!(
            "cannot cache the compiled component in {}: {err}",
            dir.display()
        );
    }
    Ok(component)
}

/// The entry's key: the SHA-256 of the component's SHA-256 (`source`) and of the engine's
/// compatibility hash.
fn key(engine: &Engine, source: &[u8; 32]) -> [u8; 32] {
    /// Feeds what `Hash` writes to a SHA-256.
    struct Sha256Hasher(Sha256);
    impl Hasher for Sha256Hasher {
        fn write(&mut self, bytes: &[u8]) {
            self.0.update(bytes);
        }
        fn finish(&self) -> u64 {
            let digest = self.0.clone().finalize();
            u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"))
        }
    }
    let mut hasher = Sha256Hasher(Sha256::new_with_prefix(source));
    std::hash::Hash::hash(&engine.precompile_compatibility_hash(), &mut hasher);
    hasher.0.finalize().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The component in the entry at `path`, if it is there, may be trusted and was compiled from
/// the component whose SHA-256 is `source`; the entry is then marked used.
fn load(engine: &Engine, path: &Path, source: &[u8; 32]) -> Option<Component> {
    let mut file = File::options()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .ok()?;
    let metadata = file.metadata().ok()?;
    if let Some(problem) = untrusted(&metadata, false) {
        tracing::warn!(
            "not using the compile cache entry {}: it {problem}; compiling the component again",
            path.display()
        );
        return None;
    }
    let mut entry = Vec::new();
    file.read_to_end(&mut entry).ok()?;
    let Some(artifact) = entry
        .strip_prefix(MAGIC.as_slice())
        .and_then(|rest| rest.strip_prefix(source.as_slice()))
    else {
        tracing::debug!(
            "the compile cache entry {} was not compiled from this component",
            path.display()
        );
        return None;
    };
    // SAFETY: the entry is the user's own, in a directory no one else can write, and records
    // that it was compiled from these very bytes: `store` wrote it, from the machine code of a
    // compilation for an engine with the same compatibility hash (part of its name). wasmtime
    // checks its header again.
    let component = unsafe { Component::deserialize(engine, artifact) }.ok()?;
    let _ = file.set_modified(SystemTime::now());
    Some(component)
}

/// Whether machine code may be loaded from `dir`; if not, a warning says why.
fn trusted_dir(dir: &Path) -> bool {
    let Some(reason) = untrusted_dir(dir) else {
        return true;
    };
    tracing::warn!(
        "not using the compile cache {}: {reason}; compiling the component instead (make the \
         directory yours and not writable by others, or set PRUNER_CACHE_DIR)",
        dir.display()
    );
    false
}

/// Why machine code may not be loaded from `dir`: it, or a directory above it, belongs to
/// another user or may be written by others. A directory not there yet is created private.
fn untrusted_dir(dir: &Path) -> Option<String> {
    let dir = match std::path::absolute(dir) {
        Ok(dir) => dir,
        Err(err) => return Some(err.to_string()),
    };
    let (existing, exists) = match dir.canonicalize() {
        Ok(dir) => (dir, true),
        Err(_) => (
            dir.ancestors().find_map(|dir| dir.canonicalize().ok())?,
            false,
        ),
    };
    if !existing.is_dir() {
        // Nothing can be cached under a file such as `/dev/null`: nothing to trust either.
        return None;
    }
    existing
        .ancestors()
        .enumerate()
        .find_map(|(depth, ancestor)| {
            let metadata = match fs::metadata(ancestor) {
                Ok(metadata) => metadata,
                Err(err) => return Some(format!("cannot inspect {}: {err}", ancestor.display())),
            };
            untrusted(&metadata, depth > 0 || !exists)
                .map(|problem| format!("{} {problem}", ancestor.display()))
        })
}

/// Why a file with `metadata` may not be trusted (see [`problem`]); `above` if it is a
/// directory above the cache.
fn untrusted(metadata: &Metadata, above: bool) -> Option<String> {
    // SAFETY: `geteuid` has no preconditions and cannot fail.
    let user = unsafe { libc::geteuid() };
    problem(
        metadata.uid(),
        metadata.mode(),
        above && metadata.is_dir(),
        user,
    )
}

/// What makes a file of `owner` with `mode` unsafe for `user` to load machine code from: it
/// belongs to someone but the user and root, or others may write it, unless `sticky_allowed`
/// (a directory above the cache) and sticky, so that no one may rename or delete in it what
/// is not theirs.
fn problem(owner: u32, mode: u32, sticky_allowed: bool, user: u32) -> Option<String> {
    if owner != user && owner != 0 {
        return Some(format!("belongs to user {owner}"));
    }
    let mode = mode & 0o7777;
    let sticky = mode & 0o1000 != 0;
    if mode & 0o022 != 0 && !(sticky_allowed && sticky) {
        return Some(format!("is writable by others (mode {mode:o})"));
    }
    None
}

/// Writes the entry at `path` in `dir`, for the component whose SHA-256 is `source`, through a
/// private temporary file, then deletes the entries unused for [`UNUSED_FOR`].
fn store(dir: &Path, path: &Path, source: &[u8; 32], artifact: &[u8]) -> io::Result<()> {
    DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    let temp = path.with_extension(format!("{}.tmp", std::process::id()));
    let written = File::options()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temp)
        .and_then(|mut file| {
            file.write_all(MAGIC)?;
            file.write_all(source)?;
            file.write_all(artifact)
        })
        .and_then(|()| fs::rename(&temp, path));
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written?;
    delete_unused(dir, SystemTime::now())
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
    use std::cell::Cell;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    use super::*;

    /// The smallest component: its preamble alone.
    const EMPTY_COMPONENT: &[u8] = b"\0asm\x0d\x00\x01\x00";
    /// Another component: the preamble and a custom section `other`.
    const OTHER_COMPONENT: &[u8] = b"\0asm\x0d\x00\x01\x00\x00\x06\x05other";

    /// A fresh, empty directory for one test.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pruner-cache-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Loads `bytes` through the cache in `dir`, compiling in this process; counts the
    /// compilations in `compiled`.
    fn load_counting(engine: &Engine, bytes: &[u8], dir: &Path, compiled: &Cell<u32>) {
        load_or_compile(engine, bytes, Some(dir), || {
            compiled.set(compiled.get() + 1);
            engine
                .precompile_component(bytes)
                .map_err(|err| LoadError::Compile(err.into()))
        })
        .unwrap();
    }

    /// Loads `bytes` through the cache in `dir`; returns whether they were compiled.
    fn load(engine: &Engine, bytes: &[u8], dir: &Path) -> bool {
        let compiled = Cell::new(0);
        load_counting(engine, bytes, dir, &compiled);
        compiled.get() == 1
    }

    /// The path of the entry of `bytes` in `dir`.
    fn entry(engine: &Engine, bytes: &[u8], dir: &Path) -> PathBuf {
        let name = hex(&key(engine, &Sha256::digest(bytes).into()));
        dir.join(format!("{name}.{ENTRY}"))
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

    fn chmod(path: &Path, mode: u32) {
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
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

        assert!(load(&engine, EMPTY_COMPONENT, &dir));

        let stored = entry(&engine, EMPTY_COMPONENT, &dir);
        let stored = stored.file_name().unwrap().to_str().unwrap();
        let mut expected = vec!["0000000000000002.cwasm", "notes.txt", stored];
        expected.sort();
        assert_eq!(names(&dir), expected);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn loading_an_entry_marks_it_used() {
        let dir = scratch("mark");
        let engine = Engine::default();
        assert!(load(&engine, EMPTY_COMPONENT, &dir));
        let stored = entry(&engine, EMPTY_COMPONENT, &dir);
        File::options()
            .append(true)
            .open(&stored)
            .unwrap()
            .set_modified(SystemTime::now() - UNUSED_FOR - DAY)
            .unwrap();
        let inode = fs::metadata(&stored).unwrap().ino();

        assert!(!load(&engine, EMPTY_COMPONENT, &dir));

        // The same file (loaded, not compiled and written again), now marked used.
        assert_eq!(fs::metadata(&stored).unwrap().ino(), inode);
        assert!(age(&stored) < DAY, "{:?}", age(&stored));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_entry_is_private_and_records_the_sha256_of_its_component() {
        let dir = scratch("record");
        let engine = Engine::default();
        assert!(load(&engine, EMPTY_COMPONENT, &dir));

        let stored = entry(&engine, EMPTY_COMPONENT, &dir);
        let bytes = fs::read(&stored).unwrap();
        assert_eq!(&bytes[..16], b"pruner cwasm v1\n");
        assert_eq!(bytes[16..48], Sha256::digest(EMPTY_COMPONENT)[..]);
        assert_eq!(fs::metadata(&stored).unwrap().mode() & 0o777, 0o600);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn another_component_s_entry_under_this_one_s_name_is_not_loaded() {
        let dir = scratch("swap");
        let engine = Engine::default();
        assert!(load(&engine, EMPTY_COMPONENT, &dir));
        assert!(load(&engine, OTHER_COMPONENT, &dir));
        let (mine, other) = (
            entry(&engine, EMPTY_COMPONENT, &dir),
            entry(&engine, OTHER_COMPONENT, &dir),
        );
        fs::copy(&other, &mine).unwrap();

        assert!(load(&engine, EMPTY_COMPONENT, &dir));

        // Compiled again, and stored again under its name.
        assert_eq!(
            fs::read(&mine).unwrap()[16..48],
            Sha256::digest(EMPTY_COMPONENT)[..]
        );
        assert!(!load(&engine, EMPTY_COMPONENT, &dir));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn garbage_under_an_entry_s_name_is_not_loaded() {
        let dir = scratch("garbage");
        let engine = Engine::default();
        let path = entry(&engine, EMPTY_COMPONENT, &dir);
        let mut recorded = MAGIC.to_vec();
        recorded.extend_from_slice(&Sha256::digest(EMPTY_COMPONENT));
        recorded.extend_from_slice(b"not machine code");

        for garbage in [b"not machine code".as_slice(), &recorded] {
            fs::write(&path, garbage).unwrap();
            chmod(&path, 0o600);
            assert!(load(&engine, EMPTY_COMPONENT, &dir));
        }
        assert!(!load(&engine, EMPTY_COMPONENT, &dir));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_cache_directory_others_can_write_is_not_used() {
        let dir = scratch("writable");
        chmod(&dir, 0o777);
        let engine = Engine::default();

        assert_eq!(
            untrusted_dir(&dir),
            Some(format!(
                "{} is writable by others (mode 777)",
                dir.display()
            ))
        );
        assert!(load(&engine, EMPTY_COMPONENT, &dir));
        assert!(load(&engine, EMPTY_COMPONENT, &dir));
        assert_eq!(names(&dir), Vec::<String>::new());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_cache_directory_under_one_others_can_write_is_not_used() {
        let parent = scratch("writable-parent");
        chmod(&parent, 0o777);
        let dir = parent.join("cache");

        assert_eq!(
            untrusted_dir(&dir),
            Some(format!(
                "{} is writable by others (mode 777)",
                parent.display()
            ))
        );
        fs::remove_dir_all(&parent).unwrap();
    }

    #[test]
    fn an_entry_others_can_write_is_not_loaded_but_replaced() {
        let dir = scratch("writable-entry");
        let engine = Engine::default();
        assert!(load(&engine, EMPTY_COMPONENT, &dir));
        let stored = entry(&engine, EMPTY_COMPONENT, &dir);
        chmod(&stored, 0o666);

        assert!(load(&engine, EMPTY_COMPONENT, &dir));

        assert_eq!(fs::metadata(&stored).unwrap().mode() & 0o777, 0o600);
        assert!(!load(&engine, EMPTY_COMPONENT, &dir));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_cache_directory_is_created_private() {
        let parent = scratch("create");
        let dir = parent.join("a").join("cache");
        let engine = Engine::default();

        assert_eq!(untrusted_dir(&dir), None);
        assert!(load(&engine, EMPTY_COMPONENT, &dir));

        assert_eq!(fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
        assert!(!load(&engine, EMPTY_COMPONENT, &dir));
        fs::remove_dir_all(&parent).unwrap();
    }

    #[test]
    fn a_cache_directory_under_a_file_is_no_cache_and_no_warning() {
        let engine = Engine::default();
        let dir = Path::new("/dev/null/pruner-cache");

        assert_eq!(untrusted_dir(dir), None);
        assert!(load(&engine, EMPTY_COMPONENT, dir));
        assert!(load(&engine, EMPTY_COMPONENT, dir));
    }

    #[test]
    fn only_the_user_s_and_root_s_files_that_others_cannot_write_are_trusted() {
        let user = 1000;
        assert_eq!(problem(user, 0o100600, false, user), None);
        assert_eq!(problem(0, 0o40755, false, user), None);
        assert_eq!(
            problem(1001, 0o100600, false, user),
            Some("belongs to user 1001".to_string())
        );
        assert_eq!(
            problem(user, 0o100620, false, user),
            Some("is writable by others (mode 620)".to_string())
        );
        // `/tmp` may be above the cache, not be the cache.
        assert_eq!(problem(0, 0o41777, true, user), None);
        assert_eq!(
            problem(0, 0o41777, false, user),
            Some("is writable by others (mode 1777)".to_string())
        );
        assert_eq!(
            problem(0, 0o40777, true, user),
            Some("is writable by others (mode 777)".to_string())
        );
    }
}

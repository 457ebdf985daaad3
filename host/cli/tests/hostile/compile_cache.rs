//! The compile cache runs only the machine code compiled from the bytes loaded, and only from a
//! directory and entries no one else can write; otherwise it says so in one warning and
//! compiles the component instead.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

use pruner_runtime::component::BUILTIN_COMPONENT;
use pruner_runtime::{Cancellation, Loader};
use sha2::{Digest, Sha256};

use super::id;
use super::scratch::{Outcome, Scratch};

/// A filter no container matches: the built-in component removes nothing.
const NO_MATCH: [&str; 2] = ["--filter", "label=nomatch=1"];
const NOTHING_REMOVED: &str = "Total reclaimed space: 0B\n";

/// The report of a prune that removed `old`, the one exited container.
fn old_removed() -> String {
    format!(
        "Deleted Containers:\n{}\n\nTotal reclaimed space: 10B\n",
        id("old")
    )
}

/// Runs the built-in component once, so that the cache holds its entry; returns its path.
fn builtin_entry(scratch: &Scratch) -> std::path::PathBuf {
    Outcome::of(&mut scratch.pruner(&NO_MATCH)).is(0, NOTHING_REMOVED, "");
    let [entry] = scratch.cache_entries().try_into().expect("one entry");
    scratch.cache().join(entry)
}

/// Asserts that the entry at `path` is private and was compiled from the built-in component.
#[track_caller]
fn assert_builtin_s(path: &std::path::Path) {
    let entry = fs::read(path).unwrap();
    assert_eq!(&entry[..16], b"pruner cwasm v1\n");
    assert_eq!(entry[16..48], Sha256::digest(BUILTIN_COMPONENT)[..]);
    assert_eq!(fs::metadata(path).unwrap().mode() & 0o777, 0o600);
}

#[test]
fn another_plugin_s_entry_copied_over_the_built_in_one_s_is_not_run() {
    let scratch = Scratch::new("cache-swapped");
    let builtin = builtin_entry(&scratch);
    // A plugin that removes every container it lists, whatever the filters, compiled into
    // the same cache.
    let loader = Loader {
        cache_dir: Some(scratch.cache()),
        ..Loader::trusted(super::engines())
    };
    loader
        .load(
            pruner_fixtures::REMOVES_EVERYTHING,
            &Cancellation::default(),
        )
        .expect("the fixture loads");
    let entries = scratch.cache_entries();
    let [plugin] = entries
        .iter()
        .filter(|name| scratch.cache().join(name) != builtin)
        .collect::<Vec<_>>()
        .try_into()
        .expect("one more entry");
    fs::copy(scratch.cache().join(plugin), &builtin).unwrap();

    let outcome = Outcome::of(&mut scratch.pruner(&NO_MATCH));

    outcome.is(0, NOTHING_REMOVED, "");
    assert_eq!(scratch.containers_left(), ["web", "old"]);
    assert_builtin_s(&builtin);
}

#[test]
fn a_planted_entry_is_not_loaded() {
    let scratch = Scratch::new("cache-planted");
    let builtin = builtin_entry(&scratch);
    fs::write(&builtin, b"\x7fELF planted, not compiled by pruner").unwrap();

    let outcome = Outcome::of(&mut scratch.pruner(&[]));

    outcome.is(0, &old_removed(), "");
    assert_eq!(scratch.containers_left(), ["web"]);
    assert_builtin_s(&builtin);
}

#[test]
fn a_cache_directory_others_can_write_is_refused_with_one_warning_and_the_prune_runs() {
    let scratch = Scratch::new("cache-writable");
    let cache = scratch.cache();
    fs::create_dir(&cache).unwrap();
    fs::set_permissions(&cache, fs::Permissions::from_mode(0o777)).unwrap();

    let outcome = Outcome::of(&mut scratch.pruner(&[]));

    outcome.is(
        0,
        &old_removed(),
        &format!(
            " WARN not using the compile cache {cache}: {cache} is writable by others (mode \
             777); compiling the component instead (make the directory yours and not writable \
             by others, or set PRUNER_CACHE_DIR)\n",
            cache = cache.display()
        ),
    );
    assert_eq!(scratch.containers_left(), ["web"]);
    assert_eq!(scratch.cache_entries(), Vec::<String>::new());
}

#[test]
fn an_entry_others_can_write_is_refused_with_one_warning_and_replaced() {
    let scratch = Scratch::new("cache-writable-entry");
    let builtin = builtin_entry(&scratch);
    fs::set_permissions(&builtin, fs::Permissions::from_mode(0o666)).unwrap();

    let outcome = Outcome::of(&mut scratch.pruner(&[]));

    outcome.is(
        0,
        &old_removed(),
        &format!(
            " WARN not using the compile cache entry {}: it is writable by others (mode 666); \
             compiling the component again\n",
            builtin.display()
        ),
    );
    assert_builtin_s(&builtin);
}

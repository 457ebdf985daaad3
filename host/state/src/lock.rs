//! The prune lock of a state file: Docker's "one prune at a time" across every process that
//! prunes the file, native ones and WASI ones under `wasmtime run` alike.
//!
//! The lock is a file beside the state file, `<name>.lock`, created exclusively (`O_EXCL`;
//! WASI 0.2's `open-at` has the same `exclusive` flag): whoever creates it holds the lock until
//! it removes it. Its one line names the holder, `pruner prune lock <token> pid <pid>` natively
//! or `pruner prune lock <token> wasi` under WASI, whose programs have no process ID; the random
//! token tells holders apart.
//!
//! A holder that died leaves the file behind, and the next prune takes it over:
//! - A native holder also keeps an advisory lock (`flock`) on the file, which the kernel drops
//!   when the process dies, however it dies: a native prune that can take that lock knows the
//!   holder is gone.
//! - A WASI program can neither take nor test such a lock, so otherwise the file is a lease:
//!   its holder touches it at least every [`REFRESH`] while it holds it (natively a thread does,
//!   under WASI the holder as it works), and a file untouched for [`LEASE`] is stale.
//!
//! Takeovers are serialized by a second exclusive file, `<name>.lock.break`, under which the
//! lock is judged again before it is removed, so that two prunes taking over one stale lock
//! never remove each other's new one. Before writing the state file, a holder checks that the
//! lock is still its own ([`PruneLock::is_held`]), so a holder wrongly judged dead writes nothing.

use std::fs::{self, File, OpenOptions};
use std::hash::{BuildHasher, Hasher, RandomState};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// How long a lock file may go untouched before it is stale, when its holder's liveness cannot
/// be tested otherwise.
pub const LEASE: Duration = Duration::from_secs(60);

/// How often a holder touches its lock file.
pub const REFRESH: Duration = Duration::from_secs(10);

/// The first words of every lock file's line.
const RECORD: &str = "pruner prune lock";

/// How many times a prune tries to create the lock after taking over stale ones.
const ATTEMPTS: usize = 3;

/// A held prune lock; dropping it releases the lock.
#[derive(Debug)]
pub struct PruneLock {
    path: PathBuf,
    file: File,
    token: u64,
    touched: SystemTime,
    #[cfg(not(target_os = "wasi"))]
    refresher: Option<refresher::Refresher>,
}

impl PruneLock {
    /// Takes the lock at `path`, taking over a lock whose holder died; `None` when a live
    /// prune holds it.
    pub fn acquire(path: &Path) -> io::Result<Option<PruneLock>> {
        for _ in 0..ATTEMPTS {
            match OpenOptions::new().write(true).create_new(true).open(path) {
                Ok(file) => return PruneLock::hold(path, file).map(Some),
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                    if holder(path)? == Holder::Alive || !take_over(path)? {
                        return Ok(None);
                    }
                }
                Err(err) => return Err(err),
            }
        }
        Ok(None)
    }

    /// Holds the lock file just created at `path`: its advisory lock (native), then its line.
    /// On failure the file is removed again.
    fn hold(path: &Path, mut file: File) -> io::Result<PruneLock> {
        let token = RandomState::new().build_hasher().finish();
        let held = (|| {
            #[cfg(not(target_os = "wasi"))]
            let (holder, refresher) = {
                file.try_lock().map_err(io::Error::from)?;
                let refresher = refresher::Refresher::start(file.try_clone()?);
                (format!("pid {}", std::process::id()), Some(refresher))
            };
            #[cfg(target_os = "wasi")]
            let holder = "wasi";
            writeln!(file, "{RECORD} {token:016x} {holder}")?;
            Ok(PruneLock {
                path: path.to_path_buf(),
                file,
                token,
                touched: SystemTime::now(),
                #[cfg(not(target_os = "wasi"))]
                refresher,
            })
        })();
        if held.is_err() {
            let _ = fs::remove_file(path);
        }
        held
    }

    /// A token no other holder has: it names the holder's temporary files.
    pub fn token(&self) -> u64 {
        self.token
    }

    /// Whether the lock file is still this holder's (not taken over as stale).
    pub fn is_held(&self) -> io::Result<bool> {
        match record(&self.path) {
            Ok(line) => Ok(token_of(&line) == Some(self.token)),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(err) => Err(err),
        }
    }

    /// Touches the lock file, if it was not touched for [`REFRESH`]: under WASI, where no
    /// thread can do it, the holder calls this as it works.
    pub fn refresh(&mut self) {
        let now = SystemTime::now();
        if now.duration_since(self.touched).unwrap_or_default() >= REFRESH {
            self.touched = now;
            let _ = self.file.set_modified(now);
        }
    }
}

impl Drop for PruneLock {
    fn drop(&mut self) {
        #[cfg(not(target_os = "wasi"))]
        drop(self.refresher.take());
        // Removed while still locked, and only if it is still this holder's.
        if self.is_held().unwrap_or(false) {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// What a lock file says about its holder.
#[derive(Debug, PartialEq, Eq)]
enum Holder {
    /// There is no lock file (any more).
    Gone,
    /// The holder lives, or may: its file was touched within the lease.
    Alive,
    /// The holder died.
    Dead,
}

/// The holder of the lock file at `path`.
fn holder(path: &Path) -> io::Result<Holder> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Holder::Gone),
        Err(err) => return Err(err),
    };
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    #[cfg(not(target_os = "wasi"))]
    if String::from_utf8_lossy(&bytes).split_whitespace().nth(4) == Some("pid") {
        return Ok(match file.try_lock() {
            Ok(()) => Holder::Dead,
            Err(fs::TryLockError::WouldBlock) => Holder::Alive,
            Err(fs::TryLockError::Error(err)) => return Err(err),
        });
    }
    let age = SystemTime::now()
        .duration_since(file.metadata()?.modified()?)
        .unwrap_or_default();
    Ok(if age > LEASE {
        Holder::Dead
    } else {
        Holder::Alive
    })
}

/// Removes the lock at `path` if its holder is dead or gone, under the break file; `false` when
/// another prune is taking it over at the same time.
fn take_over(path: &Path) -> io::Result<bool> {
    let breaker = with_suffix(path, ".break");
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&breaker)
    {
        Ok(_) => {}
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
            // A takeover takes microseconds: a break file older than the lease was left by a
            // prune that died taking over, and goes; the next attempt takes over.
            let age = SystemTime::now()
                .duration_since(fs::metadata(&breaker)?.modified()?)
                .unwrap_or_default();
            if age <= LEASE {
                return Ok(false);
            }
            remove_if_present(&breaker)?;
            return Ok(true);
        }
        Err(err) => return Err(err),
    }
    let judged = holder(path).and_then(|holder| match holder {
        Holder::Alive => Ok(false),
        Holder::Gone => Ok(true),
        Holder::Dead => remove_if_present(path).map(|()| true),
    });
    let released = remove_if_present(&breaker);
    let taken = judged?;
    released.map(|()| taken)
}

/// The line of the lock file at `path`.
fn record(path: &Path) -> io::Result<String> {
    let bytes = fs::read(path)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The token of a lock file's line.
fn token_of(line: &str) -> Option<u64> {
    let token = line.strip_prefix(RECORD)?.split_whitespace().next()?;
    u64::from_str_radix(token, 16).ok()
}

/// `path` with `suffix` appended to its file name.
pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Removes the file at `path`; one already gone is fine.
fn remove_if_present(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(err) if err.kind() != io::ErrorKind::NotFound => Err(err),
        _ => Ok(()),
    }
}

/// The thread that keeps a native holder's lock file touched.
#[cfg(not(target_os = "wasi"))]
mod refresher {
    use std::fs::File;
    use std::sync::mpsc::{self, RecvTimeoutError, Sender};
    use std::thread::{self, JoinHandle};
    use std::time::SystemTime;

    use super::REFRESH;

    /// Touches the lock file every [`REFRESH`] until dropped.
    #[derive(Debug)]
    pub struct Refresher {
        stop: Option<Sender<()>>,
        thread: Option<JoinHandle<()>>,
    }

    impl Refresher {
        /// Starts touching `file`.
        pub fn start(file: File) -> Refresher {
            let (stop, stopped) = mpsc::channel::<()>();
            let thread = thread::spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(REFRESH) {
                    let _ = file.set_modified(SystemTime::now());
                }
            });
            Refresher {
                stop: Some(stop),
                thread: Some(thread),
            }
        }
    }

    impl Drop for Refresher {
        fn drop(&mut self) {
            // Disconnecting wakes the thread at once.
            drop(self.stop.take());
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory of its own; the lock path in it.
    fn lock_path(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pruner-lock-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("temporary directory");
        dir.join("state.json.lock")
    }

    /// A lock file left by a holder that is gone: `line`, last touched `age` ago.
    fn left_behind(path: &Path, line: &str, age: Duration) {
        fs::write(path, line).unwrap();
        let file = File::options().write(true).open(path).unwrap();
        file.set_modified(SystemTime::now() - age).unwrap();
    }

    #[test]
    fn a_second_prune_is_refused_until_the_first_releases_the_lock() {
        let path = lock_path("second");
        let first = PruneLock::acquire(&path).unwrap().expect("free");
        assert!(PruneLock::acquire(&path).unwrap().is_none());
        let line = fs::read_to_string(&path).unwrap();
        assert_eq!(
            line,
            format!(
                "pruner prune lock {:016x} pid {}\n",
                first.token(),
                std::process::id()
            )
        );
        assert!(first.is_held().unwrap());
        drop(first);
        assert!(!path.exists());
        let second = PruneLock::acquire(&path).unwrap().expect("free again");
        drop(second);
        fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_dead_native_holders_lock_is_taken_over_at_once() {
        let path = lock_path("dead-native");
        // No process holds its advisory lock: the holder died.
        left_behind(
            &path,
            "pruner prune lock 00000000000000aa pid 1\n",
            Duration::ZERO,
        );
        let lock = PruneLock::acquire(&path).unwrap().expect("taken over");
        assert!(lock.is_held().unwrap());
        assert_ne!(token_of(&record(&path).unwrap()), Some(0xaa));
        assert!(!with_suffix(&path, ".break").exists());
        drop(lock);
        fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_wasi_holders_lock_is_a_lease_taken_over_only_once_untouched_for_a_minute() {
        let path = lock_path("wasi-lease");
        left_behind(
            &path,
            "pruner prune lock 00000000000000bb wasi\n",
            Duration::from_secs(50),
        );
        assert!(PruneLock::acquire(&path).unwrap().is_none());
        left_behind(
            &path,
            "pruner prune lock 00000000000000bb wasi\n",
            Duration::from_secs(70),
        );
        let lock = PruneLock::acquire(&path).unwrap().expect("taken over");
        assert!(lock.is_held().unwrap());
        drop(lock);
        fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn an_unreadable_or_empty_lock_file_is_a_lease_too() {
        let path = lock_path("empty");
        // A holder that died between creating the file and writing its line.
        left_behind(&path, "", Duration::from_secs(5));
        assert!(PruneLock::acquire(&path).unwrap().is_none());
        left_behind(&path, "", Duration::from_secs(61));
        assert!(PruneLock::acquire(&path).unwrap().is_some());
        fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_takeover_under_way_refuses_the_prune_and_a_dead_one_is_cleared() {
        let path = lock_path("breaking");
        left_behind(
            &path,
            "pruner prune lock 00000000000000cc pid 1\n",
            Duration::ZERO,
        );
        let breaker = with_suffix(&path, ".break");
        left_behind(&breaker, "", Duration::from_secs(1));
        assert!(PruneLock::acquire(&path).unwrap().is_none());
        assert_eq!(token_of(&record(&path).unwrap()), Some(0xcc));
        left_behind(&breaker, "", Duration::from_secs(61));
        let lock = PruneLock::acquire(&path).unwrap().expect("taken over");
        assert!(!breaker.exists());
        drop(lock);
        fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_holder_whose_lock_was_taken_over_knows_it_and_leaves_the_new_one_alone() {
        let path = lock_path("taken");
        let first = PruneLock::acquire(&path).unwrap().expect("free");
        // Another prune judged it stale and took over.
        fs::write(&path, "pruner prune lock 00000000000000dd wasi\n").unwrap();
        assert!(!first.is_held().unwrap());
        drop(first);
        assert_eq!(token_of(&record(&path).unwrap()), Some(0xdd));
        fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_refresh_once_the_interval_has_passed_touches_the_file() {
        let path = lock_path("refresh");
        let mut lock = PruneLock::acquire(&path).unwrap().expect("free");
        let long_ago = SystemTime::now() - Duration::from_secs(30);
        lock.file.set_modified(long_ago).unwrap();
        lock.touched = long_ago;
        lock.refresh();
        assert!(fs::metadata(&path).unwrap().modified().unwrap() > long_ago);
        drop(lock);
        fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }
}

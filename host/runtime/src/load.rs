//! Loading a prune component, bounded from the first byte read: the size of its file, then the
//! CPU time and memory its compilation may take.
//!
//! A plugin written by someone else is compiled by a child process, the [`CompileHelper`],
//! under resource limits, so that a component built to exhaust the compiler costs one failed
//! load, never the daemon's memory or its life. A component you trust, such as the built-in
//! one, may be compiled in this process ([`Loader::trusted`]). Either way the machine code goes
//! through the [`cache`].

#![allow(unsafe_code, reason = "waiting on a file descriptor with poll")]

use std::fs::File;
use std::io::{self, Read};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use wasmtime::Engine;

use crate::cache;
use crate::cancel::Cancellation;
use crate::compile_helper::{self, CompileHelper};
use crate::component::PruneComponent;
use crate::engines::Engines;
use crate::load_error::NotAComponent;
use crate::sandbox::ForbiddenImports;
use crate::sandbox::Grant;

/// What loading one component may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadLimits {
    /// The largest component file [`Loader::read`] reads, in bytes. It is checked while
    /// reading, so an endless file such as `/dev/zero` stops there.
    pub file_bytes: u64,
    /// CPU time of the compile helper, all its threads together (`RLIMIT_CPU`, whole seconds,
    /// rounded up).
    pub compile_cpu_time: Duration,
    /// Memory the compile helper may allocate (`RLIMIT_DATA`: its heap and private mappings,
    /// not the pages of its executable), in bytes.
    pub compile_memory_bytes: u64,
}

impl Default for LoadLimits {
    /// 32 MiB of file, 30 s of CPU time and 1 GiB of memory: far beyond what real policies
    /// take, and still a bounded cost for the daemon.
    fn default() -> Self {
        LoadLimits {
            file_bytes: 32 << 20,
            compile_cpu_time: Duration::from_secs(30),
            compile_memory_bytes: 1 << 30,
        }
    }
}

/// Where a component is compiled.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Compiler {
    /// In this process, without the compile limits: for components you trust.
    InProcess,
    /// By the compile helper, a child process, within the compile limits.
    Helper(CompileHelper),
}

impl Compiler {
    /// Compiles `bytes` for `engine` (fuel-metering if `fuel`): its serialized machine code.
    pub(crate) fn precompile(
        &self,
        engine: &Engine,
        fuel: bool,
        bytes: &[u8],
        limits: &LoadLimits,
        cancel: &Cancellation,
    ) -> Result<Vec<u8>, LoadError> {
        match self {
            Compiler::InProcess => engine
                .precompile_component(bytes)
                .map_err(|err| LoadError::Compile(err.into())),
            Compiler::Helper(helper) => {
                compile_helper::precompile(helper, fuel, bytes, limits, cancel)
            }
        }
    }
}

/// How components are loaded: for which engines, where they are compiled, within which limits,
/// with which cache, and what the sandbox grants them.
#[derive(Clone, Debug)]
pub struct Loader {
    /// The engines components are compiled for and run on.
    pub engines: Engines,
    /// Where components are compiled.
    pub compiler: Compiler,
    /// The file size limit, and the compile limits of [`Compiler::Helper`].
    pub limits: LoadLimits,
    /// The compile cache's directory; `None` compiles every time.
    pub cache_dir: Option<PathBuf>,
    /// What the sandbox grants beyond its defaults.
    pub grants: Vec<Grant>,
}

impl Loader {
    /// A loader for components you trust, such as the built-in one: compiled for `engines`
    /// in this process, cached in [`cache::default_dir`], granted nothing more.
    pub fn trusted(engines: &Engines) -> Loader {
        Loader {
            engines: engines.clone(),
            compiler: Compiler::InProcess,
            limits: LoadLimits::default(),
            cache_dir: cache::default_dir(),
            grants: Vec::new(),
        }
    }

    /// A loader for plugins written by others: compiled for `engines` by `helper` within the
    /// default [`LoadLimits`], cached in [`cache::default_dir`], granted nothing more.
    pub fn untrusted(engines: &Engines, helper: CompileHelper) -> Loader {
        Loader {
            compiler: Compiler::Helper(helper),
            ..Loader::trusted(engines)
        }
    }

    /// The bytes of the component file at `path`, at most [`LoadLimits::file_bytes`] of them.
    /// Devices and pipes are read too, as far as the limit; one that has no data yet is waited
    /// for until `cancel` is cancelled ([`LoadError::Cancelled`]).
    pub fn read(&self, path: &Path, cancel: &Cancellation) -> Result<Vec<u8>, LoadError> {
        let limit = self.limits.file_bytes;
        // Non-blocking, so that a pipe without data does not hold off a cancellation.
        let mut file = File::options()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
            .map_err(LoadError::Read)?;
        let mut bytes = Vec::new();
        loop {
            let unread = (limit + 1).saturating_sub(bytes.len() as u64);
            match (&mut file).take(unread).read_to_end(&mut bytes) {
                Ok(_) => break,
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    wait_readable(&file, cancel)?
                }
                Err(err) => return Err(LoadError::Read(err)),
            }
        }
        if bytes.len() as u64 > limit {
            return Err(LoadError::TooLarge { limit });
        }
        Ok(bytes)
    }

    /// Compiles the component `bytes` (or takes its machine code from the cache), checks it
    /// against the sandbox and pruner's world, and links it. `cancel` stops a compilation by
    /// the helper at once ([`LoadError::Cancelled`]).
    pub fn load(&self, bytes: &[u8], cancel: &Cancellation) -> Result<PruneComponent, LoadError> {
        PruneComponent::compile(bytes, self, cancel)
    }
}

/// How often a wait for a pipe or the compile helper checks the cancellation.
pub(crate) const POLL: Duration = Duration::from_millis(10);

/// Waits until `file` may have data, or for [`POLL`]; fails if `cancel` is cancelled.
fn wait_readable(file: &File, cancel: &Cancellation) -> Result<(), LoadError> {
    if cancel.is_cancelled() {
        return Err(LoadError::Cancelled);
    }
    let mut poll = libc::pollfd {
        fd: file.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid `pollfd`, borrowed for the call only. Its result does not matter: the
    // next read says whether there is data.
    unsafe { libc::poll(&mut poll, 1, POLL.as_millis() as libc::c_int) };
    Ok(())
}

/// Why a component could not be loaded: its file, its compilation, or the component itself.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// Its bytes are not a WebAssembly component; nothing compiled them.
    #[error(transparent)]
    NotAComponent(#[from] NotAComponent),
    /// It imports more than the sandbox grants; nothing of it ran.
    #[error(transparent)]
    Forbidden(#[from] ForbiddenImports),
    /// It does not fit pruner's world: an import with other types than pruner's, or no
    /// `pruner:api/prune` export with pruner's types.
    #[error("the component does not fit pruner's world")]
    World(#[source] anyhow::Error),
    /// The host could not link the interfaces the sandbox provides (pruner's fault, not the
    /// component's).
    #[error("cannot link the sandbox's interfaces")]
    Link(#[source] anyhow::Error),
    /// Its file could not be read.
    #[error(transparent)]
    Read(io::Error),
    /// Its file is larger than [`LoadLimits::file_bytes`].
    #[error("it is larger than the plugin size limit ({limit} bytes)")]
    TooLarge {
        /// The limit.
        limit: u64,
    },
    /// wasmtime refused to compile it (it is not a valid component, say) or to load the
    /// machine code compiled for it.
    #[error("cannot compile the prune component")]
    Compile(#[source] anyhow::Error),
    /// Compiling it took more than [`LoadLimits::compile_cpu_time`].
    #[error("compiling it exceeded the compile time limit ({}s of CPU time)", .0.as_secs())]
    CompileTime(Duration),
    /// Compiling it took more than [`LoadLimits::compile_memory_bytes`].
    #[error("compiling it exceeded the compile memory limit ({0} bytes)")]
    CompileMemory(u64),
    /// The compile helper could not be started, or failed for a reason of its own.
    #[error("the compile helper failed: {0}")]
    Helper(String),
    /// Loading was cancelled.
    #[error("loading was cancelled")]
    Cancelled,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engines::Allocation;

    fn limited(file_bytes: u64) -> Loader {
        Loader {
            limits: LoadLimits {
                file_bytes,
                ..LoadLimits::default()
            },
            ..Loader::trusted(&Engines::builder().allocation(Allocation::OnDemand).build())
        }
    }

    #[test]
    fn reading_dev_zero_stops_at_the_size_limit() {
        let err = limited(1 << 20)
            .read(Path::new("/dev/zero"), &Cancellation::default())
            .unwrap_err();

        assert_eq!(
            err.to_string(),
            "it is larger than the plugin size limit (1048576 bytes)"
        );
    }

    #[test]
    fn a_file_of_the_limit_s_size_is_read_whole() {
        let path = std::env::temp_dir().join(format!("pruner-load-{}", std::process::id()));
        std::fs::write(&path, [7; 1000]).unwrap();

        let one_over = limited(999).read(&path, &Cancellation::default());
        let exact = limited(1000).read(&path, &Cancellation::default());
        std::fs::remove_file(&path).unwrap();

        assert!(matches!(one_over, Err(LoadError::TooLarge { limit: 999 })));
        assert_eq!(exact.unwrap(), [7; 1000]);
    }

    #[test]
    fn waiting_on_an_empty_pipe_ends_with_the_cancellation() {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors `pipe` writes.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        let cancel = Cancellation::default();
        cancel.cancel();

        // The write end stays open: without the cancellation the read would wait for ever.
        let result = limited(1000).read(Path::new(&format!("/proc/self/fd/{}", fds[0])), &cancel);
        // SAFETY: both descriptors are ours and closed once.
        unsafe {
            libc::close(fds[0]);
            libc::close(fds[1]);
        }

        assert!(matches!(result, Err(LoadError::Cancelled)), "{result:?}");
    }
}

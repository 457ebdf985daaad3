//! The compile helper: a child process that compiles one untrusted component within resource
//! limits and hands back its machine code, so that the compiler's time and memory, however a
//! component inflates them, are bounded and never the loading process's own.
//!
//! The helper is any program whose `main` starts with [`serve_if_asked`] (the `pruner` binary
//! is one: [`CompileHelper::current_exe`]). The loading process writes it one request on its
//! stdin, a byte saying whether the engine meters fuel and then the component; the helper
//! compiles the component for an engine configured as pruner's and writes the serialized
//! machine code on its stdout, or wasmtime's reason for refusing it on its stderr. It runs in
//! a process group of its own (a Ctrl-C at the terminal is the loading process's to handle),
//! is killed if the loading process dies, and runs under
//! - `RLIMIT_CPU`: [`LoadLimits::compile_cpu_time`]; the kernel ends it with `SIGXCPU`;
//! - `RLIMIT_DATA`: [`LoadLimits::compile_memory_bytes`]; an allocation past it fails, and Rust
//!   aborts the helper;
//! - `RLIMIT_CORE` 0: no core dump of a helper so stopped.

#![allow(
    unsafe_code,
    reason = "the compile helper limits its own resources (setrlimit, prctl) before compiling"
)]

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Command, ExitCode, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;

use wasmtime::{Engine, OutOfMemory};

use crate::cancel::Cancellation;
use crate::engines;
use crate::load::{LoadError, LoadLimits, POLL};

/// The argument that makes a program the compile helper (see [`serve_if_asked`]).
pub const ARG: &str = "--pruner-compile-helper";

/// The helper's exit code when wasmtime refuses the component; its reason is on stderr.
const EXIT_REFUSED: u8 = 65;

/// The helper's exit code when wasmtime ran out of memory and said so, rather than aborting.
const EXIT_OUT_OF_MEMORY: u8 = 66;

/// The most of the helper's stderr kept: wasmtime's reason, or Rust's last words.
const MESSAGE_BYTES: u64 = 64 << 10;

/// How to start the compile helper.
#[derive(Clone, Debug)]
pub struct CompileHelper {
    program: PathBuf,
    args: Vec<OsString>,
}

impl CompileHelper {
    /// `program` run with `args`, where its `main` calls [`serve_if_asked`] first (so `args`
    /// start with [`ARG`]).
    pub fn new(program: impl Into<PathBuf>, args: impl IntoIterator<Item = OsString>) -> Self {
        CompileHelper {
            program: program.into(),
            args: args.into_iter().collect(),
        }
    }

    /// This executable run with [`ARG`]: for a binary whose `main` calls [`serve_if_asked`]
    /// first, as `pruner` does.
    pub fn current_exe() -> io::Result<CompileHelper> {
        Ok(CompileHelper::new(std::env::current_exe()?, [ARG.into()]))
    }
}

/// Serves one compile request and returns the exit code, when the first argument is [`ARG`];
/// `None` otherwise. Call it first thing in `main`.
pub fn serve_if_asked() -> Option<ExitCode> {
    if std::env::args_os().nth(1)? != ARG {
        return None;
    }
    // One line, and no backtrace: symbolizing one allocates, and an allocation failing in the
    // middle of it would deadlock on the lock Rust's out-of-memory report takes.
    std::panic::set_hook(Box::new(|info| {
        let message = info.payload_as_str().unwrap_or("a panic");
        match info.location() {
            Some(location) => eprintln!("{message} (at {location})"),
            None => eprintln!("{message}"),
        }
    }));
    let mut request = Vec::new();
    if let Err(err) = io::stdin().read_to_end(&mut request) {
        eprintln!("cannot read the request: {err}");
        return Some(ExitCode::FAILURE);
    }
    let Some((&fuel, bytes)) = request.split_first() else {
        eprintln!("the request is empty");
        return Some(ExitCode::FAILURE);
    };
    // The engine only compiles: none of the instance pool, epoch ticker or cache of the
    // loading process's. One thread: a hostile component takes one core, not all, and the
    // memory limit is not spent on thread stacks.
    let mut config = engines::config(fuel != 0);
    config.parallel_compilation(false);
    let compiled = Engine::new(&config).and_then(|engine| engine.precompile_component(bytes));
    Some(match compiled {
        Ok(artifact) => match io::stdout().lock().write_all(&artifact) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("cannot write the machine code: {err}");
                ExitCode::FAILURE
            }
        },
        Err(err) if err.is::<OutOfMemory>() => ExitCode::from(EXIT_OUT_OF_MEMORY),
        Err(err) => {
            eprint!("{err:#}");
            ExitCode::from(EXIT_REFUSED)
        }
    })
}

/// Compiles `bytes` with `helper` within `limits`: the serialized machine code for an engine
/// of pruner's, fuel-metering if `fuel`. Once `cancel` is cancelled the helper is killed.
pub(crate) fn precompile(
    helper: &CompileHelper,
    fuel: bool,
    bytes: &[u8],
    limits: &LoadLimits,
    cancel: &Cancellation,
) -> Result<Vec<u8>, LoadError> {
    let mut command = Command::new(&helper.program);
    command
        .args(&helper.args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Errors without backtraces: capturing one costs time and memory the limits count.
        .env("RUST_BACKTRACE", "0")
        .env("RUST_LIB_BACKTRACE", "0")
        .process_group(0);
    let cpu_seconds = limits.compile_cpu_time.as_secs_f64().ceil().max(1.0) as libc::rlim_t;
    let memory = limits.compile_memory_bytes as libc::rlim_t;
    let parent = std::process::id();
    // SAFETY: the closure only makes async-signal-safe system calls (`signal`, `getrlimit`,
    // `setrlimit`, `prctl`, `getppid`) and allocates nothing.
    unsafe {
        command.pre_exec(move || {
            // SIGXCPU at the limit, ending the helper even if the loading process ignores it;
            // the kernel's SIGKILL a second later should the helper ignore it.
            libc::signal(libc::SIGXCPU, libc::SIG_DFL);
            limit(libc::RLIMIT_CPU, cpu_seconds, cpu_seconds + 1)?;
            limit(libc::RLIMIT_DATA, memory, memory)?;
            limit(libc::RLIMIT_CORE, 0, 0)?;
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(io::Error::last_os_error());
            }
            // The loading process died before the line above: do not outlive it.
            if libc::getppid() as u32 != parent {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
    let mut child = command.spawn().map_err(|err| {
        LoadError::Helper(format!("cannot start {}: {err}", helper.program.display()))
    })?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let (stdout_closed, wait_stdout) = mpsc::channel();

    let (status, artifact, message) = thread::scope(|scope| {
        // A helper that dies before reading it all leaves the write failing: its exit status
        // tells why.
        scope.spawn(move || {
            stdin
                .write_all(&[u8::from(fuel)])
                .and_then(|()| stdin.write_all(bytes))
        });
        let artifact = scope.spawn(move || {
            let artifact = read_at_most(stdout, limits.compile_memory_bytes);
            let _ = stdout_closed.send(());
            artifact
        });
        let message = scope.spawn(move || read_at_most(stderr, MESSAGE_BYTES));
        // Until the helper closes its stdout, on exiting.
        while let Err(RecvTimeoutError::Timeout) = wait_stdout.recv_timeout(POLL) {
            if cancel.is_cancelled() {
                let _ = child.kill();
                break;
            }
        }
        let status = child.wait();
        let join = |reader: thread::ScopedJoinHandle<'_, io::Result<Vec<u8>>>| {
            reader.join().expect("a pipe reader does not panic")
        };
        (status, join(artifact), join(message))
    });
    if cancel.is_cancelled() {
        return Err(LoadError::Cancelled);
    }
    let status = status.map_err(|err| LoadError::Helper(format!("cannot wait for it: {err}")))?;
    let message = String::from_utf8_lossy(&message.unwrap_or_default()).into_owned();
    outcome(status, artifact, message, limits)
}

/// What the helper's exit `status`, its stdout (`artifact`) and its stderr (`message`) mean.
fn outcome(
    status: ExitStatus,
    artifact: io::Result<Vec<u8>>,
    message: String,
    limits: &LoadLimits,
) -> Result<Vec<u8>, LoadError> {
    if status.success() {
        return artifact
            .map_err(|err| LoadError::Helper(format!("cannot read its machine code: {err}")));
    }
    if status.code() == Some(i32::from(EXIT_REFUSED)) {
        return Err(LoadError::Compile(anyhow::Error::msg(message)));
    }
    if status.signal() == Some(libc::SIGXCPU) {
        return Err(LoadError::CompileTime(limits.compile_cpu_time));
    }
    // wasmtime's own report, or Rust's words when an allocation fails before it aborts.
    let out_of_memory = status.code() == Some(i32::from(EXIT_OUT_OF_MEMORY))
        || status.signal() == Some(libc::SIGABRT) && message.contains("memory allocation of ");
    if out_of_memory {
        return Err(LoadError::CompileMemory(limits.compile_memory_bytes));
    }
    let last_words = message.lines().next().unwrap_or_default();
    Err(LoadError::Helper(format!(
        "it ended with {status}: {last_words}"
    )))
}

/// Everything `reader` gives until its end, or an error once it gave more than `max` bytes (it
/// is still read to its end, so that the writer never blocks).
fn read_at_most(reader: impl Read, max: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut reader = reader.take(max + 1);
    reader.read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        io::copy(&mut reader.into_inner(), &mut io::sink())?;
        return Err(io::Error::other(format!("more than {max} bytes")));
    }
    Ok(bytes)
}

/// Sets the soft and hard limits of `resource`, never above the hard limit already set.
fn limit(
    resource: libc::__rlimit_resource_t,
    soft: libc::rlim_t,
    hard: libc::rlim_t,
) -> io::Result<()> {
    let mut current = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `current` is a valid `rlimit` for `getrlimit` to fill.
    if unsafe { libc::getrlimit(resource, &mut current) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let wanted = libc::rlimit {
        rlim_cur: soft.min(current.rlim_max),
        rlim_max: hard.min(current.rlim_max),
    };
    // SAFETY: `wanted` is a valid `rlimit`, read by `setrlimit` only.
    if unsafe { libc::setrlimit(resource, &wanted) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const LIMITS: LoadLimits = LoadLimits {
        file_bytes: 1 << 20,
        compile_cpu_time: Duration::from_secs(2),
        compile_memory_bytes: 1 << 26,
    };

    /// The wait status of a helper that exited with `code`.
    fn exited(code: i32) -> ExitStatus {
        ExitStatus::from_raw(code << 8)
    }

    /// The wait status of a helper that `signal` ended.
    fn ended_by(signal: i32) -> ExitStatus {
        ExitStatus::from_raw(signal)
    }

    /// What a helper that ended with `status` and wrote `message` on stderr means, as the text
    /// pruner prints (its machine code, if it succeeded).
    fn meaning(status: ExitStatus, message: &str) -> String {
        match outcome(status, Ok(b"code".to_vec()), message.to_string(), &LIMITS) {
            Ok(artifact) => String::from_utf8(artifact).unwrap(),
            Err(err) => format!("{:#}", anyhow::Error::new(err)),
        }
    }

    #[test]
    fn the_helper_s_exit_tells_what_happened() {
        let memory_limit = "compiling it exceeded the compile memory limit (67108864 bytes)";
        let cases = [
            (exited(0), "", "code"),
            (
                exited(65),
                "failed to parse WebAssembly module",
                "cannot compile the prune component: failed to parse WebAssembly module",
            ),
            (
                ended_by(libc::SIGXCPU),
                "",
                "compiling it exceeded the compile time limit (2s of CPU time)",
            ),
            (
                ended_by(libc::SIGABRT),
                "memory allocation of 16777215 bytes failed\n",
                memory_limit,
            ),
            (exited(66), "", memory_limit),
            (
                ended_by(libc::SIGSEGV),
                "first line\nsecond line\n",
                "the compile helper failed: it ended with signal: 11 (SIGSEGV): first line",
            ),
            (
                exited(1),
                "cannot read the request: broken pipe\n",
                "the compile helper failed: it ended with exit status: 1: cannot read the \
                 request: broken pipe",
            ),
        ];
        for (status, message, expected) in cases {
            assert_eq!(meaning(status, message), expected, "{status}");
        }
    }
}

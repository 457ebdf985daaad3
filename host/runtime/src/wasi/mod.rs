//! The WASI the sandbox gives plugins and policies, implemented here on wasmtime alone (no
//! async runtime, no file system, no sockets): the interfaces Rust's standard library pulls
//! into any component, which give nothing (no environment, arguments or working directory, an
//! empty stdin, stdout discarded, stderr kept only to explain a trap, no terminal), and the
//! clocks, random numbers and environment an embedder may grant ([`crate::sandbox::Grant`]).
//! The WIT is WASI 0.2.12's (`host/runtime/wit`); a component built against an earlier 0.2
//! release links to it as well.

mod cli;
mod clocks;
mod random;
mod streams;

use std::time::{Duration, Instant};

use wasmtime::Result;
use wasmtime::component::{HasData, Linker, ResourceTable};

use crate::stderr::CapturedStderr;

pub use cli::{TerminalInput, TerminalOutput};
pub use streams::{InputStream, IoError, OutputStream, Pollable};

/// The generated host bindings of the sandbox's WASI (`host/runtime/wit/sandbox.wit`).
mod bindings {
    wasmtime::component::bindgen!({
        path: "wit",
        world: "pruner:sandbox/sandbox",
        imports: { default: trappable },
        with: {
            "wasi:io/error.error": super::IoError,
            "wasi:io/poll.pollable": super::Pollable,
            "wasi:io/streams.input-stream": super::InputStream,
            "wasi:io/streams.output-stream": super::OutputStream,
            "wasi:cli/terminal-input.terminal-input": super::TerminalInput,
            "wasi:cli/terminal-output.terminal-output": super::TerminalOutput,
        },
    });
}

use bindings::wasi;

/// A plugin's call to `wasi:cli/exit`: it ends the call, as a trap does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("exited with status {0}")]
pub struct Exit(pub i32);

/// What the WASI of one call gives the component.
#[derive(Debug)]
pub struct WasiCtx {
    /// `wasi:cli/environment`'s variables.
    environment: Vec<(String, String)>,
    /// Where the plugin's standard error goes.
    stderr: CapturedStderr,
    /// The zero of `wasi:clocks/monotonic-clock`: when the call started.
    started: Instant,
    /// The call's wall-clock time limit, and when it passes (`None`: too far to represent): no
    /// wait on the clock goes past it.
    wall_time: Duration,
    deadline: Option<Instant>,
}

impl WasiCtx {
    /// The context of a call starting now within `wall_time`, with these `environment`
    /// variables, the plugin's stderr captured in `stderr`.
    pub fn new(
        environment: Vec<(String, String)>,
        stderr: CapturedStderr,
        wall_time: Duration,
    ) -> WasiCtx {
        let started = Instant::now();
        WasiCtx {
            environment,
            stderr,
            started,
            wall_time,
            // A limit too far to represent is no limit on waits.
            deadline: started.checked_add(wall_time),
        }
    }

    /// What the plugin wrote to its standard error, as far as it is kept.
    pub fn stderr(&self) -> &CapturedStderr {
        &self.stderr
    }
}

/// The WASI context of a call with the resource table its handles index.
pub struct WasiView<'a> {
    /// The context.
    pub ctx: &'a mut WasiCtx,
    /// The call's resources: streams, pollables.
    pub table: &'a mut ResourceTable,
}

/// The store data that holds a call's WASI.
pub trait HasWasi: 'static {
    /// Its WASI context and resource table.
    fn wasi(&mut self) -> WasiView<'_>;
}

/// [`HasData`] for the generated bindings: they reach a [`WasiView`].
struct Sandbox;

impl HasData for Sandbox {
    type Data<'a> = WasiView<'a>;
}

/// What the linker links: the interfaces every plugin may import, and the clocks and random
/// numbers if granted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Linked {
    /// `wasi:clocks/wall-clock` and `wasi:clocks/monotonic-clock`.
    pub clocks: bool,
    /// `wasi:random/random` and `wasi:random/insecure`.
    pub random: bool,
}

/// Links to `linker` the interfaces every plugin may import and those `linked` adds, and
/// nothing else.
pub fn link<T: HasWasi>(linker: &mut Linker<T>, linked: Linked) -> Result<()> {
    let l = linker;
    let view: fn(&mut T) -> WasiView<'_> = T::wasi;
    wasi::io::error::add_to_linker::<T, Sandbox>(l, view)?;
    wasi::io::poll::add_to_linker::<T, Sandbox>(l, view)?;
    wasi::io::streams::add_to_linker::<T, Sandbox>(l, view)?;
    wasi::cli::environment::add_to_linker::<T, Sandbox>(l, view)?;
    wasi::cli::exit::add_to_linker::<T, Sandbox>(l, view)?;
    wasi::cli::stdin::add_to_linker::<T, Sandbox>(l, view)?;
    wasi::cli::stdout::add_to_linker::<T, Sandbox>(l, view)?;
    wasi::cli::stderr::add_to_linker::<T, Sandbox>(l, view)?;
    wasi::cli::terminal_input::add_to_linker::<T, Sandbox>(l, view)?;
    wasi::cli::terminal_output::add_to_linker::<T, Sandbox>(l, view)?;
    wasi::cli::terminal_stdin::add_to_linker::<T, Sandbox>(l, view)?;
    wasi::cli::terminal_stdout::add_to_linker::<T, Sandbox>(l, view)?;
    wasi::cli::terminal_stderr::add_to_linker::<T, Sandbox>(l, view)?;
    wasi::random::insecure_seed::add_to_linker::<T, Sandbox>(l, view)?;
    if linked.clocks {
        wasi::clocks::wall_clock::add_to_linker::<T, Sandbox>(l, view)?;
        wasi::clocks::monotonic_clock::add_to_linker::<T, Sandbox>(l, view)?;
    }
    if linked.random {
        wasi::random::random::add_to_linker::<T, Sandbox>(l, view)?;
        wasi::random::insecure::add_to_linker::<T, Sandbox>(l, view)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use super::wasi::cli::{environment, exit, stderr, stdin, stdout};
    use super::wasi::clocks::{monotonic_clock, wall_clock};
    use super::wasi::io::poll::{self, HostPollable};
    use super::wasi::io::streams::{HostInputStream, HostOutputStream, StreamError};
    use super::wasi::random::random;
    use super::*;
    use crate::fault::PluginFault;

    /// A call's WASI with `environment`, stderr captured, within a wall-clock limit of a second.
    struct Call {
        ctx: WasiCtx,
        table: ResourceTable,
        stderr: CapturedStderr,
    }

    impl Call {
        fn new(environment: &[(&str, &str)]) -> Call {
            let stderr = CapturedStderr::default();
            let environment = environment
                .iter()
                .map(|(key, value)| (key.to_string(), value.to_string()))
                .collect();
            Call {
                ctx: WasiCtx::new(environment, stderr.clone(), Duration::from_secs(1)),
                table: ResourceTable::new(),
                stderr,
            }
        }

        fn view(&mut self) -> WasiView<'_> {
            WasiView {
                ctx: &mut self.ctx,
                table: &mut self.table,
            }
        }
    }

    #[test]
    fn the_environment_is_what_was_granted_with_no_arguments_and_no_working_directory() {
        let mut call = Call::new(&[("REGION", "eu")]);
        let mut wasi = call.view();
        assert_eq!(
            environment::Host::get_environment(&mut wasi).unwrap(),
            [("REGION".to_string(), "eu".to_string())]
        );
        assert_eq!(
            environment::Host::get_arguments(&mut wasi).unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(environment::Host::initial_cwd(&mut wasi).unwrap(), None);
    }

    #[test]
    fn exit_ends_the_call_with_its_status() {
        let mut call = Call::new(&[]);
        let mut wasi = call.view();
        let status = |err: wasmtime::Error| *err.downcast_ref::<Exit>().expect("an exit");
        assert_eq!(
            status(exit::Host::exit(&mut wasi, Err(())).unwrap_err()),
            Exit(1)
        );
        assert_eq!(
            status(exit::Host::exit(&mut wasi, Ok(())).unwrap_err()),
            Exit(0)
        );
        assert_eq!(
            status(exit::Host::exit_with_code(&mut wasi, 3).unwrap_err()),
            Exit(3)
        );
    }

    #[test]
    fn stderr_is_kept_stdout_thrown_away_and_stdin_empty() {
        let mut call = Call::new(&[]);
        let mut wasi = call.view();
        let err = stderr::Host::get_stderr(&mut wasi).unwrap();
        let out = stdout::Host::get_stdout(&mut wasi).unwrap();
        let input = stdin::Host::get_stdin(&mut wasi).unwrap();
        let written =
            HostOutputStream::blocking_write_and_flush(&mut wasi, err, b"oops\n".to_vec());
        assert!(matches!(written, Ok(Ok(()))));
        let written = HostOutputStream::write(&mut wasi, out, b"ignored".to_vec());
        assert!(matches!(written, Ok(Ok(()))));
        let read = HostInputStream::blocking_read(&mut wasi, input, 10).unwrap();
        assert!(matches!(read, Err(StreamError::Closed)));
        assert_eq!(call.stderr.text(), "oops");
    }

    #[test]
    fn random_bytes_come_from_the_host_as_many_as_asked_up_to_a_mebibyte() {
        let mut call = Call::new(&[]);
        let mut wasi = call.view();
        let first = random::Host::get_random_bytes(&mut wasi, 32).unwrap();
        let second = random::Host::get_random_bytes(&mut wasi, 32).unwrap();
        assert_eq!(first.len(), 32);
        assert_ne!(first, second);
        let huge = random::Host::get_random_bytes(&mut wasi, u64::MAX).unwrap();
        assert_eq!(huge.len(), 1 << 20);
    }

    #[test]
    fn the_wall_clock_is_the_hosts_and_the_monotonic_clock_counts_from_the_call() {
        let mut call = Call::new(&[]);
        let mut wasi = call.view();
        let now = wall_clock::Host::now(&mut wasi).unwrap();
        let host = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        assert!(host.as_secs().abs_diff(now.seconds) <= 1);
        let elapsed = monotonic_clock::Host::now(&mut wasi).unwrap();
        assert!(elapsed < Duration::from_secs(1).as_nanos() as u64);
    }

    #[test]
    fn a_wait_within_the_wall_clock_limit_sleeps_and_one_past_it_fails_at_once() {
        let mut call = Call::new(&[]);
        let mut wasi = call.view();
        let soon = monotonic_clock::Host::subscribe_duration(&mut wasi, 2_000_000).unwrap();
        let soon_again = wasi.table.push(Pollable::Until(wasi.ctx.started)).unwrap();
        let started = Instant::now();
        HostPollable::block(&mut wasi, soon).unwrap();
        assert!(started.elapsed() >= Duration::from_millis(2));

        let later = monotonic_clock::Host::subscribe_duration(&mut wasi, 5_000_000_000).unwrap();
        let never = monotonic_clock::Host::subscribe_instant(&mut wasi, u64::MAX).unwrap();
        let started = Instant::now();
        let err = HostPollable::block(&mut wasi, later).unwrap_err();
        assert_eq!(
            err.downcast_ref::<PluginFault>(),
            Some(&PluginFault::WallTime(Duration::from_secs(1)))
        );
        let waiting = [never, soon_again];
        let ready = poll::Host::poll(&mut wasi, waiting.into()).unwrap();
        assert_eq!(ready, [1]);
        assert!(started.elapsed() < Duration::from_millis(500));
    }
}

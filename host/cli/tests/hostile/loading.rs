//! Loading a plugin is bounded from the first byte read: the file's size, then the CPU time and
//! memory of its compilation (by the compile helper, a child process), and a signal ends it at
//! once. Each case ends with one line naming the limit, and nothing pruned or cached.

#![allow(
    unsafe_code,
    reason = "resource limits of a child process (setrlimit) and signals sent to it (kill)"
)]

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use std::thread;
use std::time::Duration;

use pruner_runtime::compile_helper::{self, CompileHelper};
use pruner_runtime::{Cancellation, LoadError, LoadLimits, Loader};

use super::scratch::{Outcome, Scratch};
use super::*;

/// Components built to exhaust wasmtime's compiler, written byte by byte (binary format).
mod exhausting {
    /// Appends `value` as an unsigned LEB128.
    fn leb(mut value: u64, out: &mut Vec<u8>) {
        loop {
            let byte = (value & 0x7f) as u8;
            value >>= 7;
            if value == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }

    /// `i32.const value` (`value` < 2^27, so that its signed LEB128 has no sign to extend),
    /// ending a constant expression.
    fn i32_const(value: u64, out: &mut Vec<u8>) {
        assert!(value < 1 << 27);
        out.push(0x41);
        leb(value, out);
        let last = out.last_mut().unwrap();
        if *last & 0x40 != 0 {
            // Its top bit would read as the sign: one more byte, of zeros.
            *last |= 0x80;
            out.push(0);
        }
        out.push(0x0b);
    }

    /// Appends section `id` holding `count` items, encoded in `items`.
    fn section(id: u8, count: u64, items: &[u8], out: &mut Vec<u8>) {
        let mut body = Vec::new();
        leb(count, &mut body);
        body.extend_from_slice(items);
        out.push(id);
        leb(body.len() as u64, out);
        out.extend_from_slice(&body);
    }

    /// A component holding one core module, of `sections`.
    fn component(sections: &[u8]) -> Vec<u8> {
        let mut module = b"\0asm\x01\0\0\0".to_vec();
        module.extend_from_slice(sections);
        let mut component = b"\0asm\x0d\0\x01\0".to_vec();
        component.push(1);
        leb(module.len() as u64, &mut component);
        component.extend_from_slice(&module);
        component
    }

    /// A component of 45 KiB with one function that takes minutes of CPU time to compile: a
    /// loop of 2,000 blocks over 2,000 locals, each block reading three of them, so that
    /// every local is live across every block.
    pub fn slow() -> Vec<u8> {
        const LOCALS: u64 = 2_000;
        const BLOCKS: u64 = 2_000;
        let mut body = Vec::new();
        leb(1, &mut body);
        leb(LOCALS, &mut body);
        body.push(0x7f); // i32
        body.extend([0x03, 0x40]); // loop
        for block in 0..BLOCKS {
            let [a, b, c] = [block, block * 7 + 3, block * 13 + 5].map(|n| n % LOCALS);
            body.extend([0x02, 0x40, 0x20]); // block, local.get a
            leb(a, &mut body);
            body.extend([0x0d, 0x00, 0x20]); // br_if 0, local.get b
            leb(b, &mut body);
            body.push(0x20); // local.get c
            leb(c, &mut body);
            body.extend([0x6a, 0x21]); // i32.add, local.set a
            leb(a, &mut body);
            body.extend([0x0b, 0x20]); // end, local.get c
            leb(c, &mut body);
            body.extend([0x0d, 0x00]); // br_if 0 (the loop)
        }
        body.extend([0x0b, 0x0b]); // end loop, end function
        let mut code = Vec::new();
        leb(body.len() as u64, &mut code);
        code.extend_from_slice(&body);

        let mut sections = Vec::new();
        section(1, 1, &[0x60, 0, 0], &mut sections); // type: [] -> []
        section(3, 1, &[0], &mut sections); // function 0 of type 0
        section(10, 1, &code, &mut sections);
        component(&sections)
    }

    /// A component of 2 KiB whose compilation takes 1.6 GB: 100 memories of 16 MiB, each
    /// given one byte near its start and one near its end. wasmtime builds an image of each
    /// memory's initial contents at compile time when it is under 16 MiB, however little data
    /// it holds.
    pub fn hungry() -> Vec<u8> {
        const MEMORIES: u64 = 100;
        const PAGES: u64 = 256;
        let mut memories = Vec::new();
        let mut data = Vec::new();
        for memory in 0..MEMORIES {
            memories.push(0); // a minimum only
            leb(PAGES, &mut memories);
            for offset in [0, PAGES * 65536 - 2] {
                data.push(2); // active, with a memory index
                leb(memory, &mut data);
                i32_const(offset, &mut data);
                data.extend([1, 1]); // one byte: 1
            }
        }
        let mut sections = Vec::new();
        section(5, MEMORIES, &memories, &mut sections);
        section(11, MEMORIES * 2, &data, &mut sections);
        component(&sections)
    }
}

/// `pruner container prune` in `scratch` with the plugin `name`, written with `bytes`, and
/// the load limits set by the variables `limits`.
fn prune_with(scratch: &Scratch, name: &str, bytes: &[u8], limits: &[(&str, &str)]) -> Command {
    let plugin = scratch.file(name, bytes);
    let mut command = scratch.pruner(&["--plugin", plugin.to_str().unwrap()]);
    command.envs(limits.iter().copied());
    command
}

/// Asserts that `command` failed with `line` alone, and pruned and cached nothing.
#[track_caller]
fn assert_refused(scratch: &Scratch, command: &mut Command, line: &str) {
    Outcome::of(command).is(1, "", &format!("{line}\n"));
    assert_eq!(scratch.containers_left(), ["web", "old"]);
    assert_eq!(scratch.cache_entries(), Vec::<String>::new());
}

#[test]
fn a_plugin_file_larger_than_the_size_limit_is_refused() {
    let scratch = Scratch::new("too-large");
    let mut command = prune_with(
        &scratch,
        "large.wasm",
        &[0; 1001],
        &[("PRUNER_PLUGIN_MAX_BYTES", "1000")],
    );

    assert_refused(
        &scratch,
        &mut command,
        &format!(
            "Error: cannot read the plugin {}/large.wasm: it is larger than the plugin size \
             limit (1000 bytes); PRUNER_PLUGIN_MAX_BYTES raises it",
            scratch.dir().display()
        ),
    );
}

#[test]
fn a_plugin_file_that_cannot_be_read_is_named_with_the_reason() {
    let scratch = Scratch::new("unreadable");

    assert_refused(
        &scratch,
        &mut scratch.pruner(&["--plugin", "/nonexistent/plugin.wasm"]),
        "Error: cannot read the plugin /nonexistent/plugin.wasm: No such file or directory (os \
         error 2)",
    );
}

#[test]
fn a_load_limit_that_is_not_a_number_is_refused() {
    let scratch = Scratch::new("bad-limit");
    let limit = [("PRUNER_PLUGIN_COMPILE_SECONDS", "1m")];
    let mut command = prune_with(&scratch, "slow.wasm", &exhausting::slow(), &limit);

    assert_refused(
        &scratch,
        &mut command,
        "Error: PRUNER_PLUGIN_COMPILE_SECONDS must be a whole number of seconds, not \"1m\"",
    );
}

#[test]
fn dev_zero_as_the_plugin_is_read_as_far_as_the_default_size_limit() {
    let scratch = Scratch::new("dev-zero");

    assert_refused(
        &scratch,
        &mut scratch.pruner(&["--plugin", "/dev/zero"]),
        "Error: cannot read the plugin /dev/zero: it is larger than the plugin size limit \
         (33554432 bytes); PRUNER_PLUGIN_MAX_BYTES raises it",
    );
}

#[test]
fn a_plugin_too_slow_to_compile_is_stopped_at_the_compile_time_limit() {
    let scratch = Scratch::new("compile-time");
    let mut command = prune_with(
        &scratch,
        "slow.wasm",
        &exhausting::slow(),
        &[("PRUNER_PLUGIN_COMPILE_SECONDS", "1")],
    );

    assert_refused(
        &scratch,
        &mut command,
        &format!(
            "Error: cannot load the plugin {}/slow.wasm: compiling it exceeded the compile time \
             limit (1s of CPU time); PRUNER_PLUGIN_COMPILE_SECONDS raises it",
            scratch.dir().display()
        ),
    );
}

#[test]
fn a_plugin_too_big_to_compile_is_stopped_at_the_compile_memory_limit() {
    let scratch = Scratch::new("compile-memory");
    let limit = [("PRUNER_PLUGIN_COMPILE_MEMORY", "268435456")];
    let mut command = prune_with(&scratch, "hungry.wasm", &exhausting::hungry(), &limit);

    assert_refused(
        &scratch,
        &mut command,
        &format!(
            "Error: cannot load the plugin {}/hungry.wasm: compiling it exceeded the compile \
             memory limit (268435456 bytes); PRUNER_PLUGIN_COMPILE_MEMORY raises it",
            scratch.dir().display()
        ),
    );
}

/// Compiled in pruner's own process, this component made it abort (`memory allocation …
/// failed`, exit 134) under a 4 GiB address space limit. The default compile memory limit
/// stops it first.
#[test]
fn under_a_4_gib_address_space_limit_a_plugin_too_big_to_compile_fails_with_one_line() {
    let scratch = Scratch::new("address-space");
    let mut command = prune_with(&scratch, "hungry.wasm", &exhausting::hungry(), &[]);
    // SAFETY: `setrlimit` is async-signal-safe and the closure allocates nothing.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 4 << 30,
                rlim_max: 4 << 30,
            };
            match libc::setrlimit(libc::RLIMIT_AS, &limit) {
                0 => Ok(()),
                _ => Err(std::io::Error::last_os_error()),
            }
        });
    }

    assert_refused(
        &scratch,
        &mut command,
        &format!(
            "Error: cannot load the plugin {}/hungry.wasm: compiling it exceeded the compile \
             memory limit (1073741824 bytes); PRUNER_PLUGIN_COMPILE_MEMORY raises it",
            scratch.dir().display()
        ),
    );
}

/// The process ID of the compile helper that `pid` started, once it runs.
fn compile_helper_of(pid: u32) -> Option<String> {
    let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).ok()?;
    let helper = children.split_whitespace().next()?;
    let command_line = std::fs::read(format!("/proc/{helper}/cmdline")).ok()?;
    let suffix = format!("\0{}\0", compile_helper::ARG);
    command_line
        .ends_with(suffix.as_bytes())
        .then(|| helper.to_string())
}

/// Starts a prune with a plugin that takes minutes to compile, sends `signal` once the compile
/// helper runs, and checks that pruner ends at once: exit code `code`, nothing printed,
/// nothing pruned or cached, and the helper gone.
fn signal_while_compiling(signal: i32, code: i32) {
    let scratch = Scratch::new(&format!("signal-{signal}"));
    let limit = [("PRUNER_PLUGIN_COMPILE_SECONDS", "3600")];
    let mut child = prune_with(&scratch, "slow.wasm", &exhausting::slow(), &limit)
        .spawn()
        .expect("pruner starts");
    let pid = child.id();
    let helper = loop {
        if let Some(helper) = compile_helper_of(pid) {
            break helper;
        }
        assert_eq!(
            child.try_wait().unwrap(),
            None,
            "pruner ended before compiling"
        );
        thread::sleep(Duration::from_millis(10));
    };

    // SAFETY: `pid` is our own child, not yet waited for.
    assert_eq!(unsafe { libc::kill(pid as i32, signal) }, 0);

    Outcome::of_child(child).is(code, "", "");
    assert!(!Path::new(&format!("/proc/{helper}")).exists());
    assert_eq!(scratch.containers_left(), ["web", "old"]);
    assert_eq!(scratch.cache_entries(), Vec::<String>::new());
}

#[test]
fn sigterm_while_a_plugin_compiles_ends_pruner_and_the_compile_helper_at_once_with_143() {
    signal_while_compiling(libc::SIGTERM, 143);
}

#[test]
fn ctrl_c_while_a_plugin_compiles_ends_pruner_and_the_compile_helper_at_once_with_130() {
    signal_while_compiling(libc::SIGINT, 130);
}

/// A loader of plugins compiled by the `pruner` binary, caching nothing.
fn untrusted(limits: LoadLimits) -> Loader {
    let helper = CompileHelper::new(env!("CARGO_BIN_EXE_pruner"), [compile_helper::ARG.into()]);
    Loader {
        limits,
        cache_dir: None,
        ..Loader::untrusted(super::engines(), helper)
    }
}

#[test]
fn a_component_compiled_by_the_helper_prunes_as_one_compiled_in_process() {
    let loader = untrusted(LoadLimits::default());
    let component = loader
        .load(
            pruner_runtime::component::BUILTIN_COMPONENT,
            &Cancellation::default(),
        )
        .expect("the built-in component loads");
    // A fuel limit has the helper compile the component again, for the fuel-metering engine.
    let fueled = Limits {
        fuel: Some(u64::MAX),
        ..Limits::default()
    };

    for limits in [Limits::default(), fueled] {
        assert_eq!(
            prune_containers(
                &Pruner::new(component.clone()).with_limits(limits),
                &prunable()
            ),
            Ok(ContainerPruneReport {
                containers_deleted: vec![id("exited")],
                space_reclaimed: 1000,
            })
        );
    }
}

#[test]
fn a_library_loading_a_plugin_gets_the_limit_it_crossed() {
    let limits = LoadLimits {
        compile_memory_bytes: 64 << 20,
        ..LoadLimits::default()
    };

    let err = untrusted(limits)
        .load(&exhausting::hungry(), &Cancellation::default())
        .err()
        .expect("the compile memory limit stops it");

    assert!(
        matches!(err, LoadError::CompileMemory(67_108_864)),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "compiling it exceeded the compile memory limit (67108864 bytes)"
    );
}

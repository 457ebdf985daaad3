//! `wasi:cli`: the environment an embedder granted (no arguments, no working directory), exit
//! as the end of the call, stdin empty, stdout thrown away, stderr captured, and no terminal.

use wasmtime::Result;
use wasmtime::component::Resource;

use super::wasi::cli::{
    environment, exit, stderr, stdin, stdout, terminal_input, terminal_output, terminal_stderr,
    terminal_stdin, terminal_stdout,
};
use super::{Exit, InputStream, OutputStream, WasiView};

/// `wasi:cli/terminal-input.terminal-input`: never given, as no stream is a terminal.
#[derive(Debug)]
pub struct TerminalInput;

/// `wasi:cli/terminal-output.terminal-output`: never given, as no stream is a terminal.
#[derive(Debug)]
pub struct TerminalOutput;

impl environment::Host for WasiView<'_> {
    fn get_environment(&mut self) -> Result<Vec<(String, String)>> {
        Ok(self.ctx.environment.clone())
    }

    fn get_arguments(&mut self) -> Result<Vec<String>> {
        Ok(Vec::new())
    }

    fn initial_cwd(&mut self) -> Result<Option<String>> {
        Ok(None)
    }
}

impl exit::Host for WasiView<'_> {
    fn exit(&mut self, status: Result<(), ()>) -> Result<()> {
        Err(Exit(if status.is_ok() { 0 } else { 1 }).into())
    }

    fn exit_with_code(&mut self, code: u8) -> Result<()> {
        Err(Exit(i32::from(code)).into())
    }
}

impl stdin::Host for WasiView<'_> {
    fn get_stdin(&mut self) -> Result<Resource<InputStream>> {
        Ok(self.table.push(InputStream)?)
    }
}

impl stdout::Host for WasiView<'_> {
    fn get_stdout(&mut self) -> Result<Resource<OutputStream>> {
        Ok(self.table.push(OutputStream::Discarded)?)
    }
}

impl stderr::Host for WasiView<'_> {
    fn get_stderr(&mut self) -> Result<Resource<OutputStream>> {
        let captured = OutputStream::Captured(self.ctx.stderr.clone());
        Ok(self.table.push(captured)?)
    }
}

impl terminal_input::Host for WasiView<'_> {}

impl terminal_input::HostTerminalInput for WasiView<'_> {
    fn drop(&mut self, terminal: Resource<TerminalInput>) -> Result<()> {
        self.table.delete(terminal)?;
        Ok(())
    }
}

impl terminal_output::Host for WasiView<'_> {}

impl terminal_output::HostTerminalOutput for WasiView<'_> {
    fn drop(&mut self, terminal: Resource<TerminalOutput>) -> Result<()> {
        self.table.delete(terminal)?;
        Ok(())
    }
}

impl terminal_stdin::Host for WasiView<'_> {
    fn get_terminal_stdin(&mut self) -> Result<Option<Resource<TerminalInput>>> {
        Ok(None)
    }
}

impl terminal_stdout::Host for WasiView<'_> {
    fn get_terminal_stdout(&mut self) -> Result<Option<Resource<TerminalOutput>>> {
        Ok(None)
    }
}

impl terminal_stderr::Host for WasiView<'_> {
    fn get_terminal_stderr(&mut self) -> Result<Option<Resource<TerminalOutput>>> {
        Ok(None)
    }
}

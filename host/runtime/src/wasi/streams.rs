//! `wasi:io`: streams that are always ready (an empty stdin, stdout thrown away, stderr
//! captured), pollables that are ready or wait for a monotonic-clock deadline, and errors no
//! stream of the sandbox ever raises.

use std::time::Instant;

use wasmtime::component::Resource;
use wasmtime::{Result, format_err};

use super::WasiView;
use super::wasi::io::{error, poll, streams};
use crate::fault::PluginFault;
use crate::stderr::CapturedStderr;

use streams::StreamError;

/// How much a stream of the sandbox accepts at once: what does not fit in the captured stderr
/// is dropped, so a chatty plugin never waits.
const WRITE_BUDGET: u64 = 64 << 10;

/// `wasi:io/error.error`: the sandbox's streams never fail, so none is ever made.
#[derive(Debug)]
pub struct IoError(String);

/// `wasi:io/poll.pollable`.
#[derive(Debug)]
pub enum Pollable {
    /// A stream's: always ready.
    Ready,
    /// A monotonic-clock subscription's: ready at this instant.
    Until(Instant),
    /// A monotonic-clock subscription past any instant the host can represent: never ready.
    Never,
}

impl Pollable {
    fn is_ready(&self) -> bool {
        match self {
            Pollable::Ready => true,
            Pollable::Until(deadline) => Instant::now() >= *deadline,
            Pollable::Never => false,
        }
    }

    /// When it is ready: now, at its deadline, or never (`None`).
    fn ready_at(&self) -> Option<Instant> {
        match self {
            Pollable::Ready => Some(Instant::now()),
            Pollable::Until(deadline) => Some(*deadline),
            Pollable::Never => None,
        }
    }
}

/// `wasi:io/streams.input-stream`: stdin, which is empty.
#[derive(Debug)]
pub struct InputStream;

/// `wasi:io/streams.output-stream`.
#[derive(Debug)]
pub enum OutputStream {
    /// stdout: thrown away.
    Discarded,
    /// stderr: kept, up to its capacity, to explain a trap.
    Captured(CapturedStderr),
}

impl OutputStream {
    fn write(&self, bytes: &[u8]) {
        match self {
            OutputStream::Discarded => {}
            OutputStream::Captured(stderr) => stderr.append(bytes),
        }
    }
}

impl error::Host for WasiView<'_> {}

impl error::HostError for WasiView<'_> {
    fn to_debug_string(&mut self, error: Resource<IoError>) -> Result<String> {
        Ok(self.table.get(&error)?.0.clone())
    }

    fn drop(&mut self, error: Resource<IoError>) -> Result<()> {
        self.table.delete(error)?;
        Ok(())
    }
}

impl WasiView<'_> {
    /// Sleeps until `until`, or fails the call if that is past its wall-clock time limit (or
    /// never): a plugin waiting on the clock cannot outlast the limit.
    fn sleep_until(&self, until: Option<Instant>) -> Result<()> {
        match until {
            Some(until) if self.ctx.deadline.is_none_or(|deadline| until <= deadline) => {
                std::thread::sleep(until.saturating_duration_since(Instant::now()));
                Ok(())
            }
            _ => Err(PluginFault::WallTime(self.ctx.wall_time).into()),
        }
    }
}

impl poll::Host for WasiView<'_> {
    fn poll(&mut self, pollables: Vec<Resource<Pollable>>) -> Result<Vec<u32>> {
        if pollables.is_empty() {
            return Err(format_err!("poll was given no pollables"));
        }
        let mut first: Option<Instant> = None;
        for pollable in &pollables {
            let at = self.table.get(pollable)?.ready_at();
            first = match (first, at) {
                (Some(first), Some(at)) => Some(first.min(at)),
                (first, at) => first.or(at),
            };
        }
        self.sleep_until(first)?;
        let mut ready = Vec::new();
        for (at, pollable) in pollables.iter().enumerate() {
            if self.table.get(pollable)?.is_ready() {
                ready.push(at as u32);
            }
        }
        Ok(ready)
    }
}

impl poll::HostPollable for WasiView<'_> {
    fn ready(&mut self, pollable: Resource<Pollable>) -> Result<bool> {
        Ok(self.table.get(&pollable)?.is_ready())
    }

    fn block(&mut self, pollable: Resource<Pollable>) -> Result<()> {
        let until = self.table.get(&pollable)?.ready_at();
        self.sleep_until(until)
    }

    fn drop(&mut self, pollable: Resource<Pollable>) -> Result<()> {
        self.table.delete(pollable)?;
        Ok(())
    }
}

impl streams::Host for WasiView<'_> {}

impl streams::HostInputStream for WasiView<'_> {
    fn read(&mut self, _: Resource<InputStream>, _: u64) -> Result<Result<Vec<u8>, StreamError>> {
        Ok(Err(StreamError::Closed))
    }

    fn blocking_read(
        &mut self,
        _: Resource<InputStream>,
        _: u64,
    ) -> Result<Result<Vec<u8>, StreamError>> {
        Ok(Err(StreamError::Closed))
    }

    fn skip(&mut self, _: Resource<InputStream>, _: u64) -> Result<Result<u64, StreamError>> {
        Ok(Err(StreamError::Closed))
    }

    fn blocking_skip(
        &mut self,
        _: Resource<InputStream>,
        _: u64,
    ) -> Result<Result<u64, StreamError>> {
        Ok(Err(StreamError::Closed))
    }

    fn subscribe(&mut self, _: Resource<InputStream>) -> Result<Resource<Pollable>> {
        Ok(self.table.push(Pollable::Ready)?)
    }

    fn drop(&mut self, stream: Resource<InputStream>) -> Result<()> {
        self.table.delete(stream)?;
        Ok(())
    }
}

impl streams::HostOutputStream for WasiView<'_> {
    fn check_write(&mut self, stream: Resource<OutputStream>) -> Result<Result<u64, StreamError>> {
        self.table.get(&stream)?;
        Ok(Ok(WRITE_BUDGET))
    }

    fn write(
        &mut self,
        stream: Resource<OutputStream>,
        contents: Vec<u8>,
    ) -> Result<Result<(), StreamError>> {
        self.table.get(&stream)?.write(&contents);
        Ok(Ok(()))
    }

    fn blocking_write_and_flush(
        &mut self,
        stream: Resource<OutputStream>,
        contents: Vec<u8>,
    ) -> Result<Result<(), StreamError>> {
        self.write(stream, contents)
    }

    fn flush(&mut self, stream: Resource<OutputStream>) -> Result<Result<(), StreamError>> {
        self.table.get(&stream)?;
        Ok(Ok(()))
    }

    fn blocking_flush(
        &mut self,
        stream: Resource<OutputStream>,
    ) -> Result<Result<(), StreamError>> {
        self.flush(stream)
    }

    fn subscribe(&mut self, stream: Resource<OutputStream>) -> Result<Resource<Pollable>> {
        self.table.get(&stream)?;
        Ok(self.table.push(Pollable::Ready)?)
    }

    fn write_zeroes(
        &mut self,
        stream: Resource<OutputStream>,
        len: u64,
    ) -> Result<Result<(), StreamError>> {
        // No more zeroes than a write may carry; a captured stream keeps few of them anyway.
        let zeroes = vec![0; len.min(WRITE_BUDGET) as usize];
        self.write(stream, zeroes)
    }

    fn blocking_write_zeroes_and_flush(
        &mut self,
        stream: Resource<OutputStream>,
        len: u64,
    ) -> Result<Result<(), StreamError>> {
        self.write_zeroes(stream, len)
    }

    fn splice(
        &mut self,
        stream: Resource<OutputStream>,
        _: Resource<InputStream>,
        _: u64,
    ) -> Result<Result<u64, StreamError>> {
        // The only input stream, stdin, is empty.
        self.table.get(&stream)?;
        Ok(Err(StreamError::Closed))
    }

    fn blocking_splice(
        &mut self,
        stream: Resource<OutputStream>,
        from: Resource<InputStream>,
        len: u64,
    ) -> Result<Result<u64, StreamError>> {
        self.splice(stream, from, len)
    }

    fn drop(&mut self, stream: Resource<OutputStream>) -> Result<()> {
        self.table.delete(stream)?;
        Ok(())
    }
}

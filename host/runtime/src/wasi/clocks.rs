//! `wasi:clocks`, when granted: the host's wall clock, and a monotonic clock counting from the
//! start of the call.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use wasmtime::Result;
use wasmtime::component::Resource;

use super::wasi::clocks::{monotonic_clock, wall_clock};
use super::{Pollable, WasiView};

/// The resolution both clocks report: a nanosecond.
const RESOLUTION_NANOS: u64 = 1;

impl wall_clock::Host for WasiView<'_> {
    fn now(&mut self) -> Result<wall_clock::Datetime> {
        // A host clock before 1970 reads as the epoch.
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Ok(wall_clock::Datetime {
            seconds: since.as_secs(),
            nanoseconds: since.subsec_nanos(),
        })
    }

    fn resolution(&mut self) -> Result<wall_clock::Datetime> {
        Ok(wall_clock::Datetime {
            seconds: 0,
            nanoseconds: RESOLUTION_NANOS as u32,
        })
    }
}

impl monotonic_clock::Host for WasiView<'_> {
    fn now(&mut self) -> Result<u64> {
        Ok(self.ctx.started.elapsed().as_nanos() as u64)
    }

    fn resolution(&mut self) -> Result<u64> {
        Ok(RESOLUTION_NANOS)
    }

    fn subscribe_instant(&mut self, when: u64) -> Result<Resource<Pollable>> {
        // An instant too far to represent is never reached.
        let deadline = self.ctx.started.checked_add(Duration::from_nanos(when));
        Ok(self
            .table
            .push(deadline.map_or(Pollable::Never, Pollable::Until))?)
    }

    fn subscribe_duration(&mut self, after: u64) -> Result<Resource<Pollable>> {
        let now = self.ctx.started.elapsed().as_nanos() as u64;
        self.subscribe_instant(now.saturating_add(after))
    }
}

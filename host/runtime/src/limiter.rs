//! The memory and table limits, as wasmtime's resource limiter: growing past one traps with a
//! [`PluginFault`] naming it (not just a failed `memory.grow`, which a Rust plugin turns into an
//! anonymous abort).

use crate::fault::PluginFault;
use crate::limits::Limits;

/// Core instances a component may create; Rust components need a handful.
const MAX_INSTANCES: usize = 64;
/// Linear memories a component may have.
const MAX_MEMORIES: usize = 8;
/// Tables a component may have.
const MAX_TABLES: usize = 64;

/// The resource limiter of one prune's store.
#[derive(Debug)]
pub struct Limiter {
    memory_bytes: usize,
    table_elements: usize,
}

impl Limiter {
    /// The limiter enforcing `limits`.
    pub fn new(limits: &Limits) -> Limiter {
        Limiter {
            memory_bytes: limits.memory_bytes,
            table_elements: limits.table_elements,
        }
    }
}

impl wasmtime::ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_bytes {
            return Err(PluginFault::Memory(self.memory_bytes).into());
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.table_elements {
            return Err(PluginFault::TableElements(self.table_elements).into());
        }
        Ok(true)
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }
}

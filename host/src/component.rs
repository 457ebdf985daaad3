//! The prune component compiled once: an engine and a pre-instantiated component that every
//! prune instantiates afresh, with the daemon's backends behind its imports.

use std::path::Path;
use wasmtime::component::{HasSelf, Linker};

use wasmtime::error::Context;
use wasmtime::{Config, Engine, Store, StoreLimitsBuilder};

use crate::backend::Backends;
use crate::bindings::{self, PrunerPre};
use crate::cache;
use crate::cancel::Cancellation;
use crate::host_state::HostState;

/// The prune component built with this crate.
pub const BUILTIN_COMPONENT: &[u8] = include_bytes!(env!("PRUNER_COMPONENT"));

/// Resource limits for one prune.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Maximum linear memory of the component, in bytes.
    pub memory_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 256 << 20,
        }
    }
}

/// A compiled prune component; cheap to clone and share between threads.
#[derive(Clone)]
pub struct PruneComponent {
    engine: Engine,
    pre: PrunerPre<HostState>,
}

impl PruneComponent {
    /// The built-in prune component, compiled machine code taken from the on-disk cache
    /// when it is there (see [`cache`]).
    pub fn builtin() -> anyhow::Result<PruneComponent> {
        PruneComponent::load(BUILTIN_COMPONENT, cache::default_dir().as_deref())
    }

    /// Compiles a component of pruner's world from its bytes (binary or text format).
    pub fn from_bytes(bytes: &[u8]) -> anyhow::Result<PruneComponent> {
        PruneComponent::load(bytes, None)
    }

    fn load(bytes: &[u8], cache_dir: Option<&Path>) -> anyhow::Result<PruneComponent> {
        let engine = Engine::new(&Config::new())?;
        let component = cache::load_or_compile(&engine, bytes, cache_dir)
            .context("cannot compile the prune component")?;
        let mut linker = Linker::<HostState>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        bindings::Pruner::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)?;
        let pre = linker
            .instantiate_pre(&component)
            .context("the component does not fit pruner's world")?;
        Ok(PruneComponent {
            engine,
            pre: PrunerPre::new(pre)?,
        })
    }

    /// A fresh instance whose imports act on `backends`.
    pub(crate) fn instantiate(
        &self,
        backends: &Backends,
        cancel: &Cancellation,
        limits: Limits,
    ) -> wasmtime::Result<(Store<HostState>, bindings::Pruner)> {
        let store_limits = StoreLimitsBuilder::new()
            .memory_size(limits.memory_bytes)
            .build();
        let state = HostState::new(backends.clone(), cancel.clone(), store_limits);
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| state.limits_mut());
        let instance = self.pre.instantiate(&mut store)?;
        Ok((store, instance))
    }
}

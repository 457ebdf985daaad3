//! The wasmtime engines that components are compiled for and run on. A daemon builds them once
//! ([`Engines::builder`]) and passes them to every [`Loader`](crate::Loader), so nothing of
//! pruner's is process-wide: two configurations can run side by side in one process, and two
//! tests share only the engines they are given.

use std::fmt;
use std::sync::{Arc, OnceLock};

use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::limits::Limits;
use crate::ticker;

/// The engines of one configuration: one for prunes and policy calls without a fuel limit, and
/// one for those with a fuel limit, built the first time such a call comes. Fuel metering costs
/// the built-in component about a third more instructions, so only calls that ask for it pay
/// for it. Each engine has an epoch ticker thread, which ends when the engine is dropped.
/// Clones share the engines.
#[derive(Clone)]
pub struct Engines(Arc<Built>);

/// What [`Engines`] share.
struct Built {
    settings: EnginesBuilder,
    plain: Engine,
    fueled: OnceLock<Engine>,
}

impl fmt::Debug for Engines {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Engines").field(&self.0.settings).finish()
    }
}

/// How instances are allocated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Allocation {
    /// From a pool of slots reserved once, a slot made pristine again by resetting only the
    /// pages the last call dirtied (found with Linux's `PAGEMAP_SCAN` where the kernel has it):
    /// instantiation takes about a third of the time, for a setup cost paid once per engine.
    /// Where the pool's address space (4 GiB per memory slot) cannot be reserved (a tight
    /// `ulimit -v`, valgrind), instances are allocated on demand instead.
    #[default]
    Pooling,
    /// Fresh mappings for every instance: no setup, for a process that prunes once.
    OnDemand,
}

/// Settings of [`Engines`]; [`EnginesBuilder::build`] makes them.
#[derive(Clone, Copy, Debug)]
pub struct EnginesBuilder {
    allocation: Allocation,
    table_elements: usize,
}

impl Default for EnginesBuilder {
    fn default() -> Self {
        EnginesBuilder {
            allocation: Allocation::default(),
            table_elements: Limits::default().table_elements,
        }
    }
}

impl EnginesBuilder {
    /// How instances are allocated (pooling by default).
    pub fn allocation(mut self, allocation: Allocation) -> Self {
        self.allocation = allocation;
        self
    }

    /// Sizes the pool's slots for calls within `limits`: a slot's table holds
    /// [`Limits::table_elements`] (its memory may always grow to the whole 4 GiB of wasm32),
    /// so that the limits bound a call, not the pool. The default is [`Limits::default`]'s.
    pub fn limits(mut self, limits: &Limits) -> Self {
        self.table_elements = limits.table_elements;
        self
    }

    /// Builds the engine of calls without a fuel limit, and starts its epoch ticker.
    pub fn build(self) -> Engines {
        Engines(Arc::new(Built {
            settings: self,
            plain: self.engine(false),
            fueled: OnceLock::new(),
        }))
    }

    /// An engine with epoch interruption, and fuel if `fuel`, with its epoch ticker started.
    fn engine(&self, fuel: bool) -> Engine {
        let mut config = config(fuel);
        if self.allocation == Allocation::Pooling {
            config.allocation_strategy(self.pool());
        }
        let engine = Engine::new(&config)
            .or_else(|_| {
                // The pool's address space could not be reserved.
                config.allocation_strategy(InstanceAllocationStrategy::OnDemand);
                Engine::new(&config)
            })
            .expect("pruner's engine configuration is valid");
        ticker::start(&engine).expect("start the epoch ticker thread");
        engine
    }

    /// The pool: wasmtime's defaults otherwise (1,000 instances at once, one memory and one
    /// table per core module). The dirty pages of the first [`KEEP_RESIDENT`] bytes of a
    /// memory slot are reset with `memset` rather than given back and faulted in afresh by the
    /// next instance, and no slot is kept warm beyond those in use (slots are reused least
    /// recently used first), so that the memory kept is at most that many bytes for each
    /// instance that ran at once.
    fn pool(&self) -> InstanceAllocationStrategy {
        let mut pool = PoolingAllocationConfig::new();
        pool.table_elements(self.table_elements)
            .pagemap_scan(Enabled::Auto)
            .max_unused_warm_slots(0)
            .linear_memory_keep_resident(KEEP_RESIDENT)
            .table_keep_resident(TABLE_KEEP_RESIDENT);
        InstanceAllocationStrategy::Pooling(pool)
    }
}

/// The bytes of a memory slot kept resident between two instances: what a prune of 100,000
/// containers or a policy shown them touches (their first pages fault in at 1.5–2 µs each on
/// the benchmark's VM).
const KEEP_RESIDENT: usize = 64 << 20;

/// The bytes of a table slot kept resident: more than any component's tables.
const TABLE_KEEP_RESIDENT: usize = 2 << 20;

impl Engines {
    /// Settings to build engines with, starting from the defaults.
    pub fn builder() -> EnginesBuilder {
        EnginesBuilder::default()
    }

    /// The engine of calls with a fuel limit if `fuel`, else of the others.
    pub(crate) fn get(&self, fuel: bool) -> &Engine {
        match fuel {
            false => &self.0.plain,
            true => (self.0.fueled).get_or_init(|| self.0.settings.engine(true)),
        }
    }
}

/// What the machine code of pruner's engines depends on: epoch interruption, and fuel if
/// `fuel`. The compile helper compiles for an engine of this configuration.
pub(crate) fn config(fuel: bool) -> Config {
    let mut config = Config::new();
    config.epoch_interruption(true).consume_fuel(fuel);
    config
}

//! The prune component compiled once: a plugin or the built-in one, checked against the sandbox
//! before anything of it runs, then instantiated afresh, within limits, for every prune.

use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, OnceLock};

use wasmtime::component::{HasSelf, Instance, InstancePre, Linker};
use wasmtime::error::Context;
use wasmtime::{
    Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store,
    UpdateDeadline,
};

use crate::backend::Backends;
use crate::bindings;
use crate::cache;
use crate::cancel::Cancellation;
use crate::error::PruneError;
use crate::fault;
use crate::host_state::HostState;
use crate::invariants::PruneKind;
use crate::returned::PruneExports;
use crate::sandbox::{self, Grant};
use crate::stderr::CapturedStderr;
use crate::ticker;

pub use crate::limits::Limits;

/// The prune component built with this crate (by `pruner-components`' build script).
pub const BUILTIN_COMPONENT: &[u8] = pruner_components::PRUNE_COMPONENT;

/// The engine of every prune: epoch interruption for the CPU time limit, its ticker running
/// for the life of the process.
pub(crate) static ENGINE: LazyLock<Engine> = LazyLock::new(|| engine(false));

/// The engine of prunes with a fuel limit: fuel metering costs the built-in component about a
/// third more instructions, so only prunes that ask for it pay for it.
pub(crate) static FUEL_ENGINE: LazyLock<Engine> = LazyLock::new(|| engine(true));

/// An engine with epoch interruption, and fuel if `fuel`, with its epoch ticker started.
fn engine(fuel: bool) -> Engine {
    let mut config = Config::new();
    config.epoch_interruption(true).consume_fuel(fuel);
    config.allocation_strategy(pool());
    let engine = Engine::new(&config)
        .or_else(|_| {
            // The pool's address space could not be reserved (a tight `ulimit -v`, valgrind).
            config.allocation_strategy(InstanceAllocationStrategy::OnDemand);
            Engine::new(&config)
        })
        .expect("pruner's engine configuration is valid");
    ticker::start(&engine).expect("start the epoch ticker thread");
    engine
}

/// Instances come from a pool of slots reserved once, not from fresh mappings, and a slot is
/// made pristine again by resetting only the pages the last prune dirtied (found with Linux's
/// `PAGEMAP_SCAN` where the kernel has it), those of the first [`KEEP_RESIDENT`] bytes with
/// `memset` rather than a system call: instantiation takes about a third of the time. A slot's
/// memory may grow to the whole 4 GiB of wasm32 and its table to the default table limit, so
/// that [`Limits`] bound a prune, not the pool (wasmtime's defaults otherwise: 1,000 instances
/// at once, one memory and one table per core module). Where the pool's address space (4 GiB
/// per memory slot) cannot be reserved, instances are allocated on demand instead.
fn pool() -> InstanceAllocationStrategy {
    let mut pool = PoolingAllocationConfig::new();
    pool.table_elements(Limits::default().table_elements)
        .pagemap_scan(Enabled::Auto)
        .linear_memory_keep_resident(KEEP_RESIDENT)
        .table_keep_resident(KEEP_RESIDENT);
    InstanceAllocationStrategy::Pooling(pool)
}

/// The bytes of a memory or table slot kept resident between two prunes: more than the
/// built-in component's stack, data and start-up heap.
const KEEP_RESIDENT: usize = 2 << 20;

/// A compiled prune component; cheap to clone and share between threads.
#[derive(Clone)]
pub struct PruneComponent {
    source: Arc<Source>,
    compiled: Compiled,
    /// The component compiled for [`FUEL_ENGINE`], the first time a prune sets a fuel limit.
    fueled: Arc<OnceLock<Result<Compiled, String>>>,
}

/// What a component is compiled from.
struct Source {
    bytes: Vec<u8>,
    cache_dir: Option<PathBuf>,
    grants: Vec<Grant>,
}

/// A component compiled for one engine, checked and linked.
#[derive(Clone)]
struct Compiled {
    pre: InstancePre<HostState>,
    exports: PruneExports,
    /// Whether the component imports WASI: only then does a prune build it a WASI context.
    imports_wasi: bool,
}

/// One prune's instance and store.
pub(crate) struct Prune {
    /// The store: the host state and the instance's memory.
    pub store: Store<HostState>,
    /// The component's instance.
    pub instance: Instance,
    /// Where its prune functions are.
    pub exports: PruneExports,
}

impl PruneComponent {
    /// The built-in prune component, compiled machine code taken from the on-disk cache
    /// when it is there (see [`cache`]).
    pub fn builtin() -> anyhow::Result<PruneComponent> {
        PruneComponent::load(BUILTIN_COMPONENT, cache::default_dir().as_deref(), &[])
    }

    /// Compiles a plugin: any component of pruner's world, from its bytes (binary or text
    /// format), its machine code cached like the built-in one's. It is refused if it imports
    /// more than the sandbox grants (the error is then a
    /// [`ForbiddenImports`](crate::sandbox::ForbiddenImports)) or does not export `prune` with
    /// pruner's types.
    pub fn from_bytes(bytes: &[u8]) -> anyhow::Result<PruneComponent> {
        PruneComponent::from_bytes_granting(bytes, &[])
    }

    /// Like [`PruneComponent::from_bytes`], with more of WASI granted to the plugin.
    pub fn from_bytes_granting(bytes: &[u8], grants: &[Grant]) -> anyhow::Result<PruneComponent> {
        PruneComponent::load(bytes, cache::default_dir().as_deref(), grants)
    }

    fn load(
        bytes: &[u8],
        cache_dir: Option<&Path>,
        grants: &[Grant],
    ) -> anyhow::Result<PruneComponent> {
        let source = Source {
            bytes: bytes.to_vec(),
            cache_dir: cache_dir.map(Path::to_path_buf),
            grants: grants.to_vec(),
        };
        Ok(PruneComponent {
            compiled: source.compile(&ENGINE)?,
            source: Arc::new(source),
            fueled: Arc::default(),
        })
    }

    /// The compiled component for a prune within `limits`.
    fn compiled(&self, limits: &Limits) -> Result<&Compiled, PruneError> {
        if limits.fuel.is_none() {
            return Ok(&self.compiled);
        }
        self.fueled
            .get_or_init(|| {
                self.source
                    .compile(&FUEL_ENGINE)
                    .map_err(|err| format!("{err:#}"))
            })
            .as_ref()
            .map_err(|err| PruneError::Component(err.clone()))
    }

    /// A fresh instance for a `kind` prune whose imports act on `backends`, within `limits`.
    /// The budgets are set before instantiation, which runs the component's start code.
    pub(crate) fn instantiate(
        &self,
        kind: PruneKind,
        backends: &Backends,
        cancel: &Cancellation,
        limits: Limits,
    ) -> Result<Prune, PruneError> {
        let compiled = self.compiled(&limits)?;
        let stderr = CapturedStderr::default();
        let wasi = compiled
            .imports_wasi
            .then(|| sandbox::wasi_context(&self.source.grants, stderr.clone()))
            .transpose()
            .map_err(|err| PruneError::Component(format!("{err:#}")))?;
        let state = HostState::new(kind, backends.clone(), cancel.clone(), limits, wasi, stderr);
        let mut store = sandboxed_store(compiled.pre.engine(), state, &limits)?;
        match compiled.pre.instantiate(&mut store) {
            Ok(instance) => Ok(Prune {
                store,
                instance,
                exports: compiled.exports.clone(),
            }),
            Err(err) => Err(fault::classify(err, store.data())),
        }
    }

    /// Instantiates the component as a prune would, within `limits`, and drops the instance
    /// without calling it: a daemon that loads a plugin can find out at start-up, not at its
    /// first prune, whether the plugin's start code fails or outgrows the limits. It is also
    /// the fixed cost of every prune, which the benchmarks time.
    pub fn check_instantiation(
        &self,
        backends: &Backends,
        limits: Limits,
    ) -> Result<(), PruneError> {
        let cancel = Cancellation::default();
        self.instantiate(PruneKind::Containers, backends, &cancel, limits)
            .map(drop)
    }
}

/// A store for one sandboxed call (a prune, or a policy's decision) within `limits`: the
/// memory and table limiter, the CPU time checked at every epoch tick, and fuel if limited.
pub(crate) fn sandboxed_store(
    engine: &Engine,
    state: HostState,
    limits: &Limits,
) -> Result<Store<HostState>, PruneError> {
    let mut store = Store::new(engine, state);
    store.limiter(|state| state.limiter_mut());
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(|store| {
        store.data().meter().check_cpu_time()?;
        Ok(UpdateDeadline::Continue(1))
    });
    if let Some(fuel) = limits.fuel {
        store
            .set_fuel(fuel)
            .map_err(|err| PruneError::Component(format!("{err:#}")))?;
    }
    Ok(store)
}

impl Source {
    /// Compiles the component for `engine` (or takes it from the cache), checks its imports
    /// against the sandbox and its exports against pruner's world, and links it.
    fn compile(&self, engine: &Engine) -> anyhow::Result<Compiled> {
        let component = cache::load_or_compile(engine, &self.bytes, self.cache_dir.as_deref())
            .context("cannot compile the prune component")?;
        sandbox::check_imports(engine, &component, &self.grants)?;
        let mut linker = Linker::<HostState>::new(engine);
        sandbox::link_wasi(&mut linker, &self.grants)?;
        bindings::Pruner::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)?;
        let pre = linker
            .instantiate_pre(&component)
            .context("the component does not fit pruner's world")?;
        let exports = PruneExports::new(&pre)?;
        Ok(Compiled {
            pre,
            exports,
            imports_wasi: sandbox::imports_wasi(engine, &component),
        })
    }
}

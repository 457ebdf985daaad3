//! The prune component compiled once: a plugin or the built-in one, checked against the sandbox
//! before anything of it runs, then instantiated afresh, within limits, for every prune.

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
use crate::load::Loader;
use crate::load_error;
use crate::preview::PruneOptions;
use crate::removals::Removals;
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
static FUEL_ENGINE: LazyLock<Engine> = LazyLock::new(|| engine(true));

/// The engine of prunes with a fuel limit if `fuel`, else of the others.
pub(crate) fn engine_for(fuel: bool) -> &'static Engine {
    if fuel { &FUEL_ENGINE } else { &ENGINE }
}

/// What the machine code of pruner's engines depends on: epoch interruption, and fuel if
/// `fuel`. The compile helper compiles for an engine of this configuration.
pub(crate) fn config(fuel: bool) -> Config {
    let mut config = Config::new();
    config.epoch_interruption(true).consume_fuel(fuel);
    config
}

/// An engine with epoch interruption, and fuel if `fuel`, with its epoch ticker started.
fn engine(fuel: bool) -> Engine {
    let mut config = config(fuel);
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
    /// Whether this is the built-in component, pruner's own code: its faults are never called
    /// a plugin's ([`PruneError::Builtin`]).
    builtin: bool,
    source: Arc<Source>,
    compiled: Compiled,
    /// The component compiled for [`FUEL_ENGINE`], the first time a prune sets a fuel limit.
    fueled: Arc<OnceLock<Result<Compiled, String>>>,
}

/// What a component is compiled from, and how.
struct Source {
    bytes: Vec<u8>,
    loader: Loader,
}

/// A component compiled for one engine, checked and linked.
#[derive(Clone)]
struct Compiled {
    pre: InstancePre<HostState>,
    exports: PruneExports,
    /// Whether the component imports WASI: only then does a prune build it a WASI context.
    imports_wasi: bool,
}

/// One prune's store, with the component to instantiate in it.
pub(crate) struct Prune {
    /// The store: the host state and the instance's memory.
    pub store: Store<HostState>,
    /// The component, linked.
    pre: InstancePre<HostState>,
    /// Where its prune functions are.
    pub exports: PruneExports,
}

impl Prune {
    /// Instantiates the component in the store, running its start code within the limits.
    pub fn instantiate(&mut self) -> wasmtime::Result<Instance> {
        self.pre.instantiate(&mut self.store)
    }
}

impl PruneComponent {
    /// Whether this is the built-in component, pruner's own trusted code.
    pub fn is_builtin(&self) -> bool {
        self.builtin
    }

    /// The built-in prune component, compiled in this process, its machine code taken from the
    /// on-disk cache when it is there (see [`cache`]).
    pub fn builtin() -> anyhow::Result<PruneComponent> {
        let component = Loader::trusted().load(BUILTIN_COMPONENT, &Cancellation::default())?;
        Ok(PruneComponent {
            builtin: true,
            ..component
        })
    }

    /// Compiles a component you trust, in this process and without the compile limits: any
    /// component of pruner's world, from its bytes (the binary format), its machine code cached
    /// like the built-in one's. It is refused if it is not a component at all (a
    /// [`NotAComponent`](crate::load_error::NotAComponent)), if it imports more than the sandbox
    /// grants (a [`ForbiddenImports`](crate::sandbox::ForbiddenImports)) or does not export
    /// `prune` with pruner's types. Load a plugin written by others with [`Loader::untrusted`]
    /// instead.
    pub fn from_bytes(bytes: &[u8]) -> anyhow::Result<PruneComponent> {
        PruneComponent::from_bytes_granting(bytes, &[])
    }

    /// Like [`PruneComponent::from_bytes`], with more of WASI granted to the plugin.
    pub fn from_bytes_granting(bytes: &[u8], grants: &[Grant]) -> anyhow::Result<PruneComponent> {
        let loader = Loader {
            grants: grants.to_vec(),
            ..Loader::trusted()
        };
        loader.load(bytes, &Cancellation::default())
    }

    /// Compiles `bytes` as `loader` says (see [`Loader::load`]).
    pub(crate) fn compile(
        bytes: &[u8],
        loader: &Loader,
        cancel: &Cancellation,
    ) -> anyhow::Result<PruneComponent> {
        load_error::check_component(bytes)?;
        let source = Source {
            bytes: bytes.to_vec(),
            loader: loader.clone(),
        };
        Ok(PruneComponent {
            builtin: false,
            compiled: source.compile(false, cancel)?,
            source: Arc::new(source),
            fueled: Arc::default(),
        })
    }

    /// The compiled component for a prune within `limits`, cancelled through `cancel`.
    fn compiled(&self, limits: &Limits, cancel: &Cancellation) -> Result<&Compiled, PruneError> {
        if limits.fuel.is_none() {
            return Ok(&self.compiled);
        }
        self.fueled
            .get_or_init(|| {
                self.source
                    .compile(true, cancel)
                    .map_err(|err| format!("{err:#}"))
            })
            .as_ref()
            .map_err(|err| PruneError::Component(err.clone()))
    }

    /// `err` as this component's: a fault of the built-in component is
    /// [`PruneError::Builtin`], not a plugin's.
    pub(crate) fn blame(&self, err: PruneError) -> PruneError {
        match err {
            PruneError::Plugin(fault) if self.builtin => PruneError::Builtin(fault),
            err => err,
        }
    }

    /// A fresh store for a `kind` prune whose imports act on `backends`, within `limits`,
    /// with `options`, ready to instantiate the component. The budgets and the mode are set
    /// before instantiation, which runs the component's start code; at every epoch tick the
    /// time limits are checked and a cancelled prune that did not return is interrupted
    /// ([`HostState::tick`]).
    pub(crate) fn prepare(
        &self,
        kind: PruneKind,
        backends: &Backends,
        cancel: &Cancellation,
        limits: Limits,
        options: &PruneOptions,
    ) -> Result<Prune, PruneError> {
        let compiled = self.compiled(&limits, cancel)?;
        let stderr = CapturedStderr::default();
        let wasi = compiled
            .imports_wasi
            .then(|| sandbox::wasi_context(&self.source.loader.grants, stderr.clone()))
            .transpose()
            .map_err(|err| PruneError::Component(format!("{err:#}")))?;
        let state = HostState::new(
            kind,
            backends.clone(),
            cancel.clone(),
            limits,
            Removals::new(kind, options),
            wasi,
            stderr,
        );
        Ok(Prune {
            store: sandboxed_store(compiled.pre.engine(), state, &limits)?,
            pre: compiled.pre.clone(),
            exports: compiled.exports.clone(),
        })
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
        let options = PruneOptions::default();
        let mut prune = self.prepare(PruneKind::Containers, backends, &cancel, limits, &options)?;
        prune
            .instantiate()
            .map(drop)
            .map_err(|err| self.blame(fault::classify(err, prune.store.data())))
    }
}

/// A store for one sandboxed call (a prune, or a policy's decision) within `limits`: the
/// memory and table limiter, fuel if limited, and at every epoch tick the time limits checked
/// and a cancelled call that did not return interrupted ([`HostState::tick`]).
pub(crate) fn sandboxed_store(
    engine: &Engine,
    state: HostState,
    limits: &Limits,
) -> Result<Store<HostState>, PruneError> {
    let mut store = Store::new(engine, state);
    store.limiter(|state| state.limiter_mut());
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(|mut store| {
        store.data_mut().tick()?;
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
    /// Compiles the component for the engine of prunes with a fuel limit if `fuel`, else of
    /// the others (or takes it from the cache), checks its imports against the sandbox and its
    /// exports against pruner's world, and links it.
    fn compile(&self, fuel: bool, cancel: &Cancellation) -> anyhow::Result<Compiled> {
        let engine = engine_for(fuel);
        let Loader {
            compiler,
            limits,
            cache_dir,
            grants,
        } = &self.loader;
        let component = cache::load_or_compile(engine, &self.bytes, cache_dir.as_deref(), || {
            compiler.precompile(engine, fuel, &self.bytes, limits, cancel)
        })?;
        sandbox::check_imports(engine, &component, grants)?;
        let mut linker = Linker::<HostState>::new(engine);
        sandbox::link_wasi(&mut linker, grants)?;
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

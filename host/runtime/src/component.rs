//! The prune component compiled once: a plugin or the built-in one, checked against the sandbox
//! before anything of it runs, then instantiated afresh, within limits, for every prune.

use std::sync::{Arc, OnceLock};

use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Engine, Store, UpdateDeadline};

use crate::backend::Backends;
use crate::bindings::{PruneInstance, PruneInstancePre};
use crate::cache;
use crate::cancel::Cancellation;
use crate::engines::Engines;
use crate::error::PruneError;
use crate::fault;
use crate::host_state::HostState;
use crate::invariants::PruneKind;
use crate::load::{LoadError, Loader};
use crate::load_error;
use crate::preview::PruneOptions;
use crate::removals::Removals;
use crate::sandbox::{self, Grant};

pub use crate::limits::Limits;

/// The prune component built with this crate (by `pruner-components`' build script).
pub const BUILTIN_COMPONENT: &[u8] = pruner_components::PRUNE_COMPONENT;

/// A compiled prune component; cheap to clone and share between threads.
#[derive(Clone)]
pub struct PruneComponent {
    /// Whether this is the built-in component, pruner's own code: its faults are never called
    /// a plugin's ([`PruneError::Builtin`]).
    builtin: bool,
    source: Arc<Source>,
    compiled: Compiled,
    /// The component compiled for the fuel-metering engine, the first time a prune sets a fuel
    /// limit.
    fueled: Arc<OnceLock<Result<Compiled, String>>>,
}

/// What a component is compiled from, and how.
struct Source {
    bytes: Vec<u8>,
    loader: Loader,
}

/// A component compiled for one engine, checked and linked, its prune functions found and
/// type-checked (by the generated bindings) before it is instantiated.
#[derive(Clone)]
struct Compiled {
    pre: PruneInstancePre<HostState>,
}

/// One prune's store, with the component to instantiate in it.
pub(crate) struct Prune {
    /// The store: the host state and the instance's memory.
    pub store: Store<HostState>,
    /// The component, linked.
    pre: PruneInstancePre<HostState>,
}

impl Prune {
    /// Instantiates the component in the store, running its start code within the limits.
    pub fn instantiate(&mut self) -> wasmtime::Result<PruneInstance> {
        self.pre.instantiate(&mut self.store)
    }
}

impl PruneComponent {
    /// Whether this is the built-in component, pruner's own trusted code.
    pub fn is_builtin(&self) -> bool {
        self.builtin
    }

    /// The engines it was compiled for, on which policies that narrow its prunes load too.
    pub fn engines(&self) -> &Engines {
        &self.source.loader.engines
    }

    /// The built-in prune component, compiled in this process, its machine code taken from the
    /// on-disk cache when it is there (see [`cache`]).
    pub fn builtin(engines: &Engines) -> Result<PruneComponent, LoadError> {
        let component =
            Loader::trusted(engines).load(BUILTIN_COMPONENT, &Cancellation::default())?;
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
    pub fn from_bytes(engines: &Engines, bytes: &[u8]) -> Result<PruneComponent, LoadError> {
        PruneComponent::from_bytes_granting(engines, bytes, &[])
    }

    /// Like [`PruneComponent::from_bytes`], with more of WASI granted to the plugin.
    pub fn from_bytes_granting(
        engines: &Engines,
        bytes: &[u8],
        grants: &[Grant],
    ) -> Result<PruneComponent, LoadError> {
        let loader = Loader {
            grants: grants.to_vec(),
            ..Loader::trusted(engines)
        };
        loader.load(bytes, &Cancellation::default())
    }

    /// Compiles `bytes` as `loader` says (see [`Loader::load`]).
    pub(crate) fn compile(
        bytes: &[u8],
        loader: &Loader,
        cancel: &Cancellation,
    ) -> Result<PruneComponent, LoadError> {
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
        let state = HostState::new(
            kind,
            backends.clone(),
            cancel.clone(),
            limits,
            Removals::new(kind, options),
            sandbox::environment(&self.source.loader.grants),
        );
        Ok(Prune {
            store: sandboxed_store(compiled.pre.engine(), state, &limits)?,
            pre: compiled.pre.clone(),
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
    fn compile(&self, fuel: bool, cancel: &Cancellation) -> Result<Compiled, LoadError> {
        let Loader {
            engines,
            compiler,
            limits,
            cache_dir,
            grants,
        } = &self.loader;
        let engine = engines.get(fuel);
        let component = cache::load_or_compile(engine, &self.bytes, cache_dir.as_deref(), || {
            compiler.precompile(engine, fuel, &self.bytes, limits, cancel)
        })?;
        sandbox::check_imports(engine, &component, grants)?;
        let mut linker = Linker::<HostState>::new(engine);
        sandbox::link_wasi(&mut linker, grants).map_err(|err| LoadError::Link(err.into()))?;
        PruneInstance::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)
            .map_err(|err| LoadError::Link(err.into()))?;
        let pre = linker
            .instantiate_pre(&component)
            .and_then(PruneInstancePre::new)
            .map_err(|err| LoadError::World(err.into()))?;
        Ok(Compiled { pre })
    }
}

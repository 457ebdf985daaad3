//! A policy component compiled once, checked against the sandbox before anything of it runs,
//! then instantiated afresh, within the prune's limits, for every call.

use std::sync::{Arc, LazyLock, OnceLock};

use wasmtime::Engine;
use wasmtime::component::{
    Component, ComponentExportIndex, ComponentNamedList, InstancePre, Lift, Linker, Lower,
};

use super::bindings::PolicyExports;
use super::error::{LoadError, PolicyFault};
use crate::backend::Backends;
use crate::cache;
use crate::cancel::Cancellation;
use crate::clock::SystemClock;
use crate::component::sandboxed_store;
use crate::engines::Engines;
use crate::error::PruneError;
use crate::fault;
use crate::host_state::HostState;
use crate::invariants::PruneKind;
use crate::limits::Limits;
use crate::load::Loader;
use crate::memory::MemoryDaemon;
use crate::preview::PruneOptions;
use crate::removals::Removals;
use crate::sandbox;

/// What a policy's store holds in place of a daemon: an empty one. A policy imports none of
/// pruner's interfaces, so nothing reaches it; the store's limiter, meter and captured stderr
/// are the sandbox's, as for a prune.
static NO_DAEMON: LazyLock<Backends> = LazyLock::new(|| {
    let clock = Arc::new(SystemClock);
    Backends::from_daemon(Arc::new(MemoryDaemon::new(
        crate::state::State::default(),
        clock,
    )))
});

/// The first bytes of every WebAssembly binary.
const WASM_MAGIC: &[u8] = b"\0asm";

/// A compiled policy component; cheap to clone and share between threads.
#[derive(Clone)]
pub struct PolicyComponent {
    name: String,
    /// Whether it is one of the policies shipped with pruner, trusted code.
    shipped: bool,
    bytes: Arc<[u8]>,
    /// How it was loaded, to compile it again for the fuel-metering engine.
    loader: Loader,
    compiled: Compiled,
    /// Whether its containers are asked through the SDK's packed transport, which it exports.
    transport: bool,
    /// The component compiled for the fuel-metering engine, the first time a call sets fuel.
    fueled: Arc<OnceLock<Result<Compiled, String>>>,
}

/// A component compiled for one engine, checked and linked.
#[derive(Clone)]
struct Compiled {
    pre: InstancePre<HostState>,
    exports: PolicyExports,
}

impl PolicyComponent {
    /// The policy shipped with pruner under `name` (`keep-recent`, `protect`,
    /// `exited-before`), compiled in this process as trusted code.
    pub fn shipped(engines: &Engines, name: &str) -> Result<PolicyComponent, LoadError> {
        let (_, bytes) = super::SHIPPED
            .iter()
            .find(|(shipped, _)| *shipped == name)
            .ok_or_else(|| LoadError::Unknown(name.to_string()))?;
        let loader = Loader::trusted(engines);
        let policy = PolicyComponent::load(name, bytes, &loader, &Cancellation::default())?;
        Ok(PolicyComponent {
            shipped: true,
            ..policy
        })
    }

    /// A policy you trust, `name` in its errors, compiled in this process from its bytes (see
    /// [`PolicyComponent::load`]).
    pub fn from_bytes(
        engines: &Engines,
        name: &str,
        bytes: &[u8],
    ) -> Result<PolicyComponent, LoadError> {
        let loader = Loader::trusted(engines);
        PolicyComponent::load(name, bytes, &loader, &Cancellation::default())
    }

    /// Compiles a policy, `name` in its errors, from its bytes as `loader` says: by the
    /// compile helper within the load limits for [`Loader::untrusted`], its machine code
    /// cached like a prune component's. It is refused if it imports anything but the WASI
    /// interfaces every plugin may import, or does not export `pruner:policy/policy@0.1.0`
    /// with the contract's types.
    pub fn load(
        name: &str,
        bytes: &[u8],
        loader: &Loader,
        cancel: &Cancellation,
    ) -> Result<PolicyComponent, LoadError> {
        let invalid = |reason: String| LoadError::Invalid {
            name: name.to_string(),
            // On one line: wasmtime's parse errors may span several.
            reason: reason.split_whitespace().collect::<Vec<_>>().join(" "),
        };
        if !bytes.starts_with(WASM_MAGIC) {
            return Err(invalid("it is not a WebAssembly component".to_string()));
        }
        let compiled = compile(false, bytes, loader, cancel).map_err(invalid)?;
        Ok(PolicyComponent {
            name: name.to_string(),
            shipped: false,
            bytes: bytes.into(),
            loader: loader.clone(),
            transport: compiled.exports.packed.is_some(),
            compiled,
            fueled: Arc::default(),
        })
    }

    /// Whether it is one of the policies shipped with pruner, trusted code.
    pub fn is_shipped(&self) -> bool {
        self.shipped
    }

    /// The same policy asked about containers through the contract's `containers` function
    /// even if it exports the SDK's packed transport, as a policy built without the SDK is:
    /// both give the same decisions and the same errors, the packed one faster.
    pub fn without_transport(self) -> PolicyComponent {
        PolicyComponent {
            transport: false,
            ..self
        }
    }

    /// Whether its containers are asked through the SDK's packed transport: whether it
    /// exports the transport with the host's types (a policy built with the SDK does), unless
    /// it is [`PolicyComponent::without_transport`].
    pub fn has_transport(&self) -> bool {
        self.transport
    }

    /// The policy's name: the shipped policy's, or the file as given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Calls the function `function` picks with `params`, in a fresh instance within
    /// `limits`. A trap or a crossed limit is the policy's fault, as it is a plugin's.
    pub(crate) fn call<Params, Results>(
        &self,
        limits: Limits,
        function: impl FnOnce(&PolicyExports) -> Option<ComponentExportIndex>,
        params: Params,
    ) -> Result<Results, PolicyFault>
    where
        Params: ComponentNamedList + Lower,
        Results: ComponentNamedList + Lift,
    {
        let compiled = self.compiled(&limits)?;
        let cancel = Cancellation::default();
        let state = HostState::new(
            PruneKind::Containers,
            NO_DAEMON.clone(),
            cancel,
            limits,
            Removals::new(PruneKind::Containers, &PruneOptions::default()),
            Vec::new(),
        );
        let mut store =
            sandboxed_store(compiled.pre.engine(), state, &limits).map_err(sandbox_fault)?;
        let index = function(&compiled.exports).ok_or_else(|| {
            PolicyFault::Component("it does not export the function called".to_string())
        })?;
        let results = compiled.pre.instantiate(&mut store).and_then(|instance| {
            let func = instance.get_typed_func::<Params, Results>(&mut store, index)?;
            func.call(&mut store, params)
        });
        results.map_err(|err| sandbox_fault(fault::classify(err, store.data())))
    }

    /// The component compiled for a call within `limits`.
    fn compiled(&self, limits: &Limits) -> Result<&Compiled, PolicyFault> {
        if limits.fuel.is_none() {
            return Ok(&self.compiled);
        }
        self.fueled
            .get_or_init(|| compile(true, &self.bytes, &self.loader, &Cancellation::default()))
            .as_ref()
            .map_err(|err| PolicyFault::Component(err.clone()))
    }
}

/// Compiles a policy as `loader` says for the engine of calls with a fuel limit if `fuel`, else
/// of the others (or takes it from the cache), checks its imports and its export, and links the
/// WASI it may import.
fn compile(
    fuel: bool,
    bytes: &[u8],
    loader: &Loader,
    cancel: &Cancellation,
) -> Result<Compiled, String> {
    let engine = loader.engines.get(fuel);
    let component = cache::load_or_compile(engine, bytes, loader.cache_dir.as_deref(), || {
        loader
            .compiler
            .precompile(engine, fuel, bytes, &loader.limits, cancel)
    })
    .map_err(|err| format!("{err:#}"))?;
    check_imports(engine, &component)?;
    let mut linker = Linker::<HostState>::new(engine);
    sandbox::link_wasi(&mut linker, &[]).map_err(|err| format!("{err:#}"))?;
    let pre = linker
        .instantiate_pre(&component)
        .map_err(|err| format!("it does not fit the world pruner:policy/prune-policy: {err:#}"))?;
    Ok(Compiled {
        exports: PolicyExports::new(&pre).map_err(|err| format!("{err:#}"))?,
        pre,
    })
}

/// Refuses a component importing anything but the WASI interfaces every plugin may import:
/// a policy decides from what it is given, so it imports none of pruner's interfaces either.
fn check_imports(engine: &Engine, component: &Component) -> Result<(), String> {
    let forbidden: Vec<String> = component
        .component_type()
        .imports(engine)
        .map(|(name, _)| name)
        .filter(|name| name.starts_with("pruner:") || !sandbox::is_allowed(name, &[]))
        .map(|name| format!("`{name}`"))
        .collect();
    if forbidden.is_empty() {
        return Ok(());
    }
    Err(format!(
        "it imports {}, which pruner does not grant a policy (a policy may import wasi:io, \
         wasi:cli's environment, exit, standard streams and terminals, and \
         wasi:random/insecure-seed)",
        forbidden.join(", ")
    ))
}

/// A failed sandboxed call as the policy's fault.
fn sandbox_fault(err: PruneError) -> PolicyFault {
    match err {
        PruneError::Plugin(fault) => PolicyFault::Sandbox(fault),
        other => PolicyFault::Component(other.to_string()),
    }
}

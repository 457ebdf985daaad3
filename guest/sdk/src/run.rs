//! What [`export!`](crate::export) calls: the contract's three functions over a [`Policy`].

use pruner_guest::model::Reference;

use crate::bindings::exports::pruner::policy::policy as wit;
use crate::object::instant;
use crate::{Kept, Kind, Object, Options, Policy};

/// `policy.check`: no option the policy does not take, then the policy's own checks.
pub fn check<P: Policy>(
    kind: wit::PruneKind,
    options: Vec<wit::PolicyOption>,
) -> Result<(), String> {
    let kind = match kind {
        wit::PruneKind::Containers => Kind::Containers,
        wit::PruneKind::Networks => Kind::Networks,
    };
    configure::<P>(kind, options).map(drop)
}

/// `policy.containers`.
pub fn containers<P: Policy>(
    options: Vec<wit::PolicyOption>,
    clock: wit::ClockReading,
    containers: Vec<wit::Container>,
) -> Result<Vec<wit::Kept>, String> {
    let policy = configure::<P>(Kind::Containers, options)?;
    let objects: Vec<Object> = containers.into_iter().map(Object::from_container).collect();
    let kept = keep(&policy, &objects, clock);
    leave(objects);
    kept
}

/// `policy.networks`.
pub fn networks<P: Policy>(
    options: Vec<wit::PolicyOption>,
    clock: wit::ClockReading,
    networks: Vec<wit::Network>,
) -> Result<Vec<wit::Kept>, String> {
    let policy = configure::<P>(Kind::Networks, options)?;
    let objects: Vec<Object> = networks.into_iter().map(Object::from_network).collect();
    let kept = keep(&policy, &objects, clock);
    leave(objects);
    kept
}

/// The policy made from `options` for a prune of `kind`.
fn configure<P: Policy>(kind: Kind, options: Vec<wit::PolicyOption>) -> Result<P, String> {
    let options = Options::from(options);
    options.refuse_unknown(P::OPTIONS)?;
    P::new(kind, &options)
}

/// The policy's decisions on `objects`, as the contract's records.
fn keep<P: Policy>(
    policy: &P,
    objects: &[Object],
    clock: wit::ClockReading,
) -> Result<Vec<wit::Kept>, String> {
    let clock = Reference {
        now: instant(clock.now),
        utc_offset_seconds: clock.utc_offset_seconds,
    };
    let kept = policy.keep(objects, clock)?;
    Ok(kept
        .into_iter()
        .map(|Kept { id, reason }| wit::Kept { id, reason })
        .collect())
}

/// Leaves `objects` unfreed: every call runs in a fresh instance that the host drops right
/// after, so freeing the listing (a hundred thousand objects' strings) would only cost time.
fn leave<T>(objects: Vec<T>) {
    std::mem::forget(objects);
}

//! What [`export!`](crate::export) calls: the contract's three functions over a [`Policy`], and
//! the packed transport's `containers`, which decides as the contract's does.

use pruner_guest::model::{Instant, Reference};

use crate::bindings::exports::pruner::policy::policy as wit;
use crate::object::{Strings, instant};
use crate::transport::exports::pruner::policy_transport::packed;
use crate::{Kept, Kind, Object, Options, Policy, Which};

/// `policy.check`: no option the policy does not take, then the policy's own checks.
pub fn check<P: Policy>(
    kind: wit::PruneKind,
    options: Vec<wit::PolicyOption>,
) -> Result<(), String> {
    let kind = match kind {
        wit::PruneKind::Containers => Kind::Containers,
        wit::PruneKind::Networks => Kind::Networks,
    };
    configure::<P>(kind, Options::from(options)).map(drop)
}

/// `policy.containers`.
pub fn containers<P: Policy>(
    options: Vec<wit::PolicyOption>,
    clock: wit::ClockReading,
    containers: Vec<wit::Container>,
) -> Result<Vec<wit::Kept>, String> {
    let policy = configure::<P>(Kind::Containers, Options::from(options))?;
    let strings = Strings::of_containers(&containers);
    let objects = strings.containers(&containers);
    let kept = policy
        .keep(&objects, reference(clock))
        .map(|kept| by_id(kept, &objects));
    leave(objects);
    leave(strings);
    leave(containers);
    kept
}

/// `packed.containers`: `policy.containers` with the listing packed.
pub fn packed_containers<P: Policy>(
    options: Vec<packed::PolicyOption>,
    clock: packed::ClockReading,
    listing: packed::ContainerListing,
) -> Result<packed::Decisions, String> {
    let options = Options::new(options.into_iter().map(|o| (o.key, o.value)));
    let policy = configure::<P>(Kind::Containers, options)?;
    let clock = Reference {
        now: Instant::from_unix(clock.now.seconds, i64::from(clock.now.nanoseconds)),
        utc_offset_seconds: clock.utc_offset_seconds,
    };
    let strings = Strings::unpack(&listing);
    let objects = strings
        .as_ref()
        .and_then(|strings| strings.packed_containers(&listing));
    let decisions = match &objects {
        Some(objects) => policy
            .keep(objects, clock)
            .map(|kept| packed_decisions(kept, objects.len())),
        None => Err("the host's packed listing is malformed".to_string()),
    };
    leave(objects);
    leave(strings);
    leave(listing);
    decisions
}

/// `policy.networks`.
pub fn networks<P: Policy>(
    options: Vec<wit::PolicyOption>,
    clock: wit::ClockReading,
    networks: Vec<wit::Network>,
) -> Result<Vec<wit::Kept>, String> {
    let policy = configure::<P>(Kind::Networks, Options::from(options))?;
    let strings = Strings::of_networks(&networks);
    let objects = strings.networks(&networks);
    let kept = policy
        .keep(&objects, reference(clock))
        .map(|kept| by_id(kept, &objects));
    leave(objects);
    leave(strings);
    leave(networks);
    kept
}

/// The contract's answer: what a policy kept of `objects`, by ID.
fn by_id(kept: Vec<Kept>, objects: &[Object<'_>]) -> Vec<wit::Kept> {
    kept.into_iter()
        .map(|kept| wit::Kept {
            id: kept.id(objects).to_string(),
            reason: kept.reason,
        })
        .collect()
}

/// The packed transport's answer: what a policy kept of the `count` objects of the listing, by
/// index, and each reason once.
fn packed_decisions(kept: Vec<Kept>, count: usize) -> packed::Decisions {
    let mut decisions = packed::Decisions {
        kept: Vec::with_capacity(kept.len() * 2),
        ids: Vec::new(),
        reasons: Vec::new(),
    };
    for Kept { object, reason } in kept {
        let which = match object {
            Which::Shown(at) => at,
            Which::Named(id) => {
                decisions.ids.push(id);
                // A listing has fewer than 2³² containers, and a policy names fewer objects
                // than fit in its memory.
                (count + decisions.ids.len() - 1) as u32
            }
        };
        // A policy gives most of its objects the reason it gave the one before.
        if decisions.reasons.last() != Some(&reason) {
            decisions.reasons.push(reason);
        }
        decisions
            .kept
            .extend([which, (decisions.reasons.len() - 1) as u32]);
    }
    decisions
}

/// The policy made from `options` for a prune of `kind`.
fn configure<P: Policy>(kind: Kind, options: Options) -> Result<P, String> {
    options.refuse_unknown(P::OPTIONS)?;
    P::new(kind, &options)
}

/// The contract's clock reading as the rules' reference.
fn reference(clock: wit::ClockReading) -> Reference {
    Reference {
        now: instant(clock.now),
        utc_offset_seconds: clock.utc_offset_seconds,
    }
}

/// Leaves `listing` unfreed: every call runs in a fresh instance that the host drops right
/// after, so freeing the listing (a hundred thousand objects' strings) would only cost time.
fn leave<T>(listing: T) {
    std::mem::forget(listing);
}

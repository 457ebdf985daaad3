//! What [`export!`](crate::export) calls: the contract's three functions over a [`Policy`], and
//! the packed transport's `containers`, which decides as the contract's does.

use pruner_guest::model::{Instant, Reference};

use crate::bindings::exports::pruner::policy::policy as wit;
use crate::object::{Strings, instant};
use crate::transport::exports::pruner::policy_transport::packed;
use crate::{Kept, Kind, Options, Policy};

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
    let kept = policy.keep(&strings.containers(&containers), reference(clock));
    leave(strings);
    leave(containers);
    Ok(kept?
        .into_iter()
        .map(|Kept { id, reason }| wit::Kept { id, reason })
        .collect())
}

/// `packed.containers`: `policy.containers` with the listing packed.
pub fn packed_containers<P: Policy>(
    options: Vec<packed::PolicyOption>,
    clock: packed::ClockReading,
    listing: packed::ContainerListing,
) -> Result<Vec<packed::Kept>, String> {
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
    let kept = match &objects {
        Some(objects) => policy.keep(objects, clock),
        None => Err("the host's packed listing is malformed".to_string()),
    };
    leave(objects);
    leave(strings);
    leave(listing);
    Ok(kept?
        .into_iter()
        .map(|Kept { id, reason }| packed::Kept { id, reason })
        .collect())
}

/// `policy.networks`.
pub fn networks<P: Policy>(
    options: Vec<wit::PolicyOption>,
    clock: wit::ClockReading,
    networks: Vec<wit::Network>,
) -> Result<Vec<wit::Kept>, String> {
    let policy = configure::<P>(Kind::Networks, Options::from(options))?;
    let strings = Strings::of_networks(&networks);
    let kept = policy.keep(&strings.networks(&networks), reference(clock));
    leave(strings);
    leave(networks);
    Ok(kept?
        .into_iter()
        .map(|Kept { id, reason }| wit::Kept { id, reason })
        .collect())
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

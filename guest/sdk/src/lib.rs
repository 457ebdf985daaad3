//! Write a pruner prune policy in Rust.
//!
//! A policy narrows Docker's container prune and network prune: it is shown every object of
//! the daemon and answers which ones to keep, and why. Implement [`Policy`] and export it with
//! [`export!`]; build the crate as a `cdylib` for `wasm32-wasip2` and run it with
//! `pruner container prune --policy ./my_policy.wasm --policy-opt key=value`.
//!
//! ```
//! use pruner_policy::{Kept, Kind, Object, Options, Policy, Reference};
//!
//! struct KeepAll;
//!
//! impl Policy for KeepAll {
//!     const OPTIONS: &[&str] = &[];
//!
//!     fn new(_: Kind, _: &Options) -> Result<KeepAll, String> {
//!         Ok(KeepAll)
//!     }
//!
//!     fn keep(&self, objects: &[Object], _: Reference) -> Result<Vec<Kept>, String> {
//!         Ok(objects.iter().map(|object| Kept::new(object, "everything is kept")).collect())
//!     }
//! }
//!
//! pruner_policy::export!(KeepAll);
//! ```
//!
//! Docker's own parsers come with it, from the code of pruner's built-in prune rules:
//! [`timestamp::until`] (the `until` filter's durations, Unix times and RFC 3339 times),
//! [`duration::parse_duration`] (Go's durations) and [`LabelMatch`] (a `key` or `key=value`
//! label match). The contract itself is `wit/policy/policy.wit` (`pruner:policy@0.1.0`); a
//! policy in another language needs only that file.

mod object;
mod options;
#[doc(hidden)]
pub mod run;

pub use object::{Facts, Label, Object};
pub use options::Options;
pub use pruner_guest::labels::Wanted as LabelMatch;
pub use pruner_guest::model::{ContainerState, Instant, Reference};
pub use pruner_guest::{duration, timestamp, until};

/// The generated bindings of the `prune-policy` world (`wit/policy`).
#[doc(hidden)]
#[allow(unsafe_code, reason = "wit-bindgen's generated glue")]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/policy",
        world: "prune-policy",
        pub_export_macro: true,
        default_bindings_module: "pruner_policy::bindings",
    });
}

/// The generated bindings of pruner's packed transport (`wit/policy-transport`,
/// `pruner:policy-transport`), which [`export!`] exports beside the contract: the same
/// `containers` function with the listing packed into one text and tables of words, which the
/// host copies in at once instead of calling the policy's allocator about ten times a
/// container. Not a contract: it changes with the host, which calls the contract's functions
/// when it does not find it.
#[doc(hidden)]
pub mod transport {
    wit_bindgen::generate!({
        path: "../../wit/policy-transport",
        world: "packed-policy",
        pub_export_macro: true,
        default_bindings_module: "pruner_policy::transport",
    });
}

/// The prune a policy is asked about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `container prune`: the objects are containers.
    Containers,
    /// `network prune`: the objects are local and swarm networks.
    Networks,
}

/// A prune policy.
pub trait Policy: Sized {
    /// The option keys it takes; any other is refused as unknown before [`Policy::new`].
    const OPTIONS: &'static [&'static str];

    /// Reads the options given for a prune of `kind` (`--policy-opt key=value`). An error is
    /// the usage error the user sees, so it names the option and what is expected.
    fn new(kind: Kind, options: &Options) -> Result<Self, String>;

    /// Of `objects` (every container, or every network, of the daemon), those to keep, and
    /// why. An error fails the prune before anything is removed.
    fn keep(&self, objects: &[Object<'_>], clock: Reference) -> Result<Vec<Kept>, String>;
}

/// An object a policy keeps, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kept {
    object: Which,
    reason: String,
}

/// Which object a [`Kept`] keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Which {
    /// The object at this index of the listing the policy was shown.
    Shown(u32),
    /// The object with this ID.
    Named(String),
}

impl Kept {
    /// Keeps `object`, one of those the policy was shown, for `reason`: a few words the user
    /// reads after "kept `<object>`: ".
    pub fn new(object: &Object, reason: impl Into<String>) -> Kept {
        Kept {
            object: Which::Shown(object.at),
            reason: reason.into(),
        }
    }

    /// Keeps the object whose ID is `id`, for `reason`. An ID the policy was not shown fails
    /// the prune.
    pub fn by_id(id: impl Into<String>, reason: impl Into<String>) -> Kept {
        Kept {
            object: Which::Named(id.into()),
            reason: reason.into(),
        }
    }

    /// The kept object's ID, `objects` being those the policy was shown.
    fn id<'a>(&'a self, objects: &[Object<'a>]) -> &'a str {
        match &self.object {
            Which::Shown(at) => objects.get(*at as usize).map_or("", |object| object.id),
            Which::Named(id) => id,
        }
    }
}

/// An instant as RFC 3339 in UTC, e.g. `2026-11-27T10:00:00Z` (nanoseconds when it has any).
pub fn rfc3339(instant: Instant) -> String {
    chrono::DateTime::from_timestamp(instant.seconds, instant.nanos).map_or_else(
        || format!("{}s after the Unix epoch", instant.seconds),
        |time| time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
    )
}

/// Exports `$policy`, a type implementing [`Policy`], as the component's `pruner:policy/policy`,
/// and beside it pruner's packed transport of the container listing (not a contract: the host
/// uses it when it finds it, and the contract's functions otherwise; the policy decides the same
/// either way). The exports exist in the `wasm32` build only (a native build just checks the
/// policy).
#[macro_export]
macro_rules! export {
    ($policy:ty) => {
        #[cfg(target_arch = "wasm32")]
        #[allow(unsafe_code, reason = "wit-bindgen's generated exports")]
        const _: () = {
            use $crate::bindings::exports::pruner::policy::policy as wit;
            use $crate::bindings::exports::pruner::policy::policy::Guest;
            use $crate::transport::exports::pruner::policy_transport::packed;

            struct Export;

            impl Guest for Export {
                fn check(
                    kind: wit::PruneKind,
                    options: ::std::vec::Vec<wit::PolicyOption>,
                ) -> ::std::result::Result<(), ::std::string::String> {
                    $crate::run::check::<$policy>(kind, options)
                }

                fn containers(
                    options: ::std::vec::Vec<wit::PolicyOption>,
                    clock: wit::ClockReading,
                    containers: ::std::vec::Vec<wit::Container>,
                ) -> ::std::result::Result<::std::vec::Vec<wit::Kept>, ::std::string::String>
                {
                    $crate::run::containers::<$policy>(options, clock, containers)
                }

                fn networks(
                    options: ::std::vec::Vec<wit::PolicyOption>,
                    clock: wit::ClockReading,
                    networks: ::std::vec::Vec<wit::Network>,
                ) -> ::std::result::Result<::std::vec::Vec<wit::Kept>, ::std::string::String>
                {
                    $crate::run::networks::<$policy>(options, clock, networks)
                }
            }

            impl packed::Guest for Export {
                fn containers(
                    options: ::std::vec::Vec<packed::PolicyOption>,
                    clock: packed::ClockReading,
                    listing: packed::ContainerListing,
                ) -> ::std::result::Result<packed::Decisions, ::std::string::String> {
                    $crate::run::packed_containers::<$policy>(options, clock, listing)
                }
            }

    $crate::bindings::export!(Export with_types_in $crate::bindings);
    $crate::transport::export!(Export with_types_in $crate::transport);
        };

        #[cfg(not(target_arch = "wasm32"))]
        const _: () = {
            let _ = $crate::run::check::<$policy>;
            let _ = $crate::run::containers::<$policy>;
            let _ = $crate::run::networks::<$policy>;
            let _ = $crate::run::packed_containers::<$policy>;
        };
    };
}

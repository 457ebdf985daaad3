//! `--policy` and `--policy-opt`: the chain of prune policies, loaded and its options checked
//! by each policy before anything is touched. An unknown name, a file that cannot be read or
//! is not a policy, or options a policy refuses are usage errors (exit 125).

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;

use pruner_cli_core::policy_args::PolicyFlags;
use pruner_cli_core::{Failure, Kind};
use pruner_runtime::invariants::PruneKind;
use pruner_runtime::policy::{Kept, KeptLog, PolicyFault};
use pruner_runtime::{Cancellation, Policies, Policy, PolicyComponent};

use crate::plugin;

/// The policies of a `kind` prune, checked.
pub fn load(kind: Kind, flags: &PolicyFlags) -> Result<Policies, Failure> {
    let chain = load_each(flags, |policy| check(policy, kind))?;
    Ok(Policies::new(chain).with_log(Arc::new(StderrKept)))
}

/// The chains of an endpoint that serves both prunes, for container prunes and for network
/// prunes: each policy in the chains of the kinds it accepts (`exited-before` is for containers
/// only), with a line logged when it accepts only one. A policy that accepts neither, or
/// cannot be loaded, is a usage error; what the policies keep is logged.
pub fn by_kind(flags: &PolicyFlags) -> Result<(Policies, Policies), Failure> {
    let (mut containers, mut networks) = (Vec::new(), Vec::new());
    for policy in load_each(flags, |_| Ok(()))? {
        // `None` when the policy accepts `kind`, else its words.
        let refusal = |kind| match policy.check(kind) {
            Ok(()) => Ok(None),
            Err(err) => match err.fault {
                PolicyFault::Options(message) => Ok(Some(message)),
                _ => Err(Failure::Other(err.into())),
            },
        };
        let only = |kind: Kind, refusal: &str| {
            tracing::info!(
                "policy {} applies to {} prune only: {refusal}",
                policy.name(),
                kind.command()
            );
        };
        match (
            refusal(PruneKind::Containers)?,
            refusal(PruneKind::Networks)?,
        ) {
            (None, None) => {
                containers.push(policy.clone());
                networks.push(policy);
            }
            (None, Some(refusal)) => {
                only(Kind::Containers, &refusal);
                containers.push(policy);
            }
            (Some(refusal), None) => {
                only(Kind::Networks, &refusal);
                networks.push(policy);
            }
            (Some(refusal), Some(_)) => return Err(refused(policy.name(), &refusal)),
        }
    }
    Ok((Policies::new(containers), Policies::new(networks)))
}

/// The policies `flags` give, in order, each loaded and then `accept`ed (or the first failure).
fn load_each(
    flags: &PolicyFlags,
    mut accept: impl FnMut(&Policy) -> Result<(), Failure>,
) -> Result<Vec<Policy>, Failure> {
    let mut chain = Vec::new();
    for arg in flags.chain().map_err(Failure::Usage)? {
        let component = component(&arg.policy)
            .map_err(|err| Failure::Usage(format!("invalid --policy: {err:#}")))?;
        let policy = Policy::new(component, arg.options);
        accept(&policy)?;
        chain.push(policy);
    }
    Ok(chain)
}

/// Asks `policy` whether its options suit a `kind` prune: a refusal is a usage error in its
/// words.
fn check(policy: &Policy, kind: Kind) -> Result<(), Failure> {
    let kind = match kind {
        Kind::Containers => PruneKind::Containers,
        Kind::Networks => PruneKind::Networks,
    };
    policy.check(kind).map_err(|err| match err.fault {
        PolicyFault::Options(message) => refused(&err.policy, &message),
        _ => Failure::Other(err.into()),
    })
}

/// The usage error of options the policy `name` refuses, in its words.
fn refused(name: &str, message: &str) -> Failure {
    Failure::Usage(format!("invalid --policy-opt for policy {name}: {message}"))
}

/// A policy file (a path with a `/`, or a name ending in `.wasm`), read and compiled as
/// `--plugin`'s file is, within the load limits; else a shipped policy.
fn component(policy: &str) -> anyhow::Result<PolicyComponent> {
    if policy.contains('/') || policy.ends_with(".wasm") {
        let loader = plugin::loader()?;
        let cancel = Cancellation::default();
        let bytes = loader
            .read(Path::new(policy), &cancel)
            .map_err(plugin::explain)
            .with_context(|| format!("cannot read {policy}"))?;
        Ok(PolicyComponent::load(policy, &bytes, &loader, &cancel)?)
    } else {
        Ok(PolicyComponent::shipped(plugin::engines(), policy)?)
    }
}

/// What the policies kept, a line each on stderr, whatever the log level: the user asked for
/// the policies and is told what they held back; docker's stdout is unchanged.
struct StderrKept;

impl KeptLog for StderrKept {
    fn kept(&self, kept: &Kept) {
        eprintln!("{kept}");
    }
}

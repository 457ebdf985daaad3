//! The hostile policy (`tests/fixtures/components/hostile-policy`, built from the policy WIT alone):
//! whatever it does, the prune fails before anything is removed, with an error naming the
//! policy and its fault, the guard is released and the next prune succeeds.

use pruner_runtime::fault::Trapped;
use pruner_runtime::invariants::PruneKind;
use pruner_runtime::policy::{LoadError, PolicyFault};
use pruner_runtime::{Policies, Policy, PolicyComponent, PolicyError};

use super::*;

/// The policy's name in its errors.
const NAME: &str = "hostile-policy.wasm";

/// The hostile policy attacking with `attack`, compiled once per test binary.
fn hostile(attack: &str) -> Policy {
    static COMPILED: LazyLock<PolicyComponent> = LazyLock::new(|| {
        PolicyComponent::from_bytes(engines(), NAME, pruner_fixtures::HOSTILE_POLICY)
            .expect("the fixture loads")
    });
    Policy::new(COMPILED.clone(), [("attack", attack)])
}

/// The built-in component narrowed by the hostile policy attacking with `attack` within
/// `limits`.
fn narrowed_by(attack: &str, limits: Limits) -> Pruner {
    Pruner::new(builtin()).with_policies(Policies::new(vec![hostile(attack).with_limits(limits)]))
}

/// The policy's fault as the prune's error.
fn failed(fault: PolicyFault) -> PruneError {
    PruneError::Policy(PolicyError {
        policy: NAME.to_string(),
        fault,
    })
}

/// Asserts that both prunes of [`prunable`] fail with `fault`, nothing is removed and the
/// next prune succeeds; returns the container prune's error text.
fn assert_both_prunes_fail(pruner: &Pruner, fault: PolicyFault) -> String {
    let daemon = prunable();
    let err = prune_containers(pruner, &daemon).unwrap_err();
    assert_eq!(err, failed(fault.clone()));
    assert_eq!(err.status_code(), 500);
    assert_eq!(prune_networks(pruner, &daemon).unwrap_err(), failed(fault));
    assert_eq!(daemon.removals(), Vec::<String>::new());
    assert_eq!(daemon.events(), Vec::<(String, String)>::new());
    assert_next_prune_succeeds(pruner, &daemon);
    err.to_string()
}

#[test]
fn a_trapping_policy_fails_the_prune_quoting_its_panic() {
    let text = assert_both_prunes_fail(
        &narrowed_by("trap", Limits::default()),
        PolicyFault::Sandbox(PluginFault::Trap(Trapped {
            trap: "wasm `unreachable` instruction executed".to_string(),
            stderr: "thread '<unnamed>' (1) panicked at hostile-policy/src/lib.rs:58:19: policy \
                     bug: no decision note: run with `RUST_BACKTRACE=1` environment variable to \
                     display a backtrace"
                .to_string(),
        })),
    );
    assert!(
        text.starts_with(
            "prune policy hostile-policy.wasm trapped: wasm `unreachable` instruction executed; \
             its stderr: thread '<unnamed>' (1) panicked at"
        ),
        "{text}"
    );
}

#[test]
fn a_looping_policy_is_stopped_at_the_cpu_time_limit() {
    let limits = Limits {
        cpu_time: Duration::from_millis(50),
        ..Limits::default()
    };
    let text = assert_both_prunes_fail(
        &narrowed_by("loop", limits),
        PolicyFault::Sandbox(PluginFault::CpuTime(Duration::from_millis(50))),
    );
    assert_eq!(
        text,
        "prune policy hostile-policy.wasm exceeded its CPU time limit (50ms)"
    );
}

#[test]
fn a_looping_policy_is_stopped_at_the_fuel_limit_when_one_is_set() {
    let limits = Limits {
        fuel: Some(1_000_000),
        ..Limits::default()
    };
    assert_both_prunes_fail(
        &narrowed_by("loop", limits),
        PolicyFault::Sandbox(PluginFault::Fuel(1_000_000)),
    );
}

#[test]
fn a_policy_hoarding_memory_is_stopped_at_the_memory_limit() {
    let limits = Limits {
        memory_bytes: 64 << 20,
        ..Limits::default()
    };
    let text = assert_both_prunes_fail(
        &narrowed_by("memory", limits),
        PolicyFault::Sandbox(PluginFault::Memory(64 << 20)),
    );
    assert_eq!(
        text,
        "prune policy hostile-policy.wasm exceeded its memory limit (67108864 bytes)"
    );
}

#[test]
fn a_policy_keeping_an_object_it_was_not_given_breaks_a_host_rule() {
    let pruner = narrowed_by("unknown", Limits::default());
    let daemon = prunable();
    let unknown = "0".repeat(64);
    let err = prune_containers(&pruner, &daemon).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "prune policy hostile-policy.wasm broke a host rule: it kept container {unknown}, \
             which it was not given"
        )
    );
    assert_eq!(
        prune_networks(&pruner, &daemon).unwrap_err(),
        failed(PolicyFault::UnknownObject {
            kind: "network",
            id: unknown,
        })
    );
    assert_eq!(daemon.removals(), Vec::<String>::new());
    assert_next_prune_succeeds(&pruner, &daemon);
}

#[test]
fn a_policy_answering_with_a_huge_reason_crosses_the_message_limit() {
    assert_both_prunes_fail(
        &narrowed_by("long-reason", Limits::default()),
        PolicyFault::Sandbox(PluginFault::MessageBytes(65_536)),
    );
}

#[test]
fn a_policy_returning_an_error_fails_the_prune_with_it() {
    let text = assert_both_prunes_fail(
        &narrowed_by("error", Limits::default()),
        PolicyFault::Failed("the policy refuses to decide".to_string()),
    );
    assert_eq!(
        text,
        "prune policy hostile-policy.wasm failed: the policy refuses to decide"
    );
}

#[test]
fn a_policy_trapping_in_its_check_fails_the_check() {
    let err = hostile("check-trap")
        .check(PruneKind::Containers)
        .unwrap_err();
    assert_eq!(err.policy, NAME);
    assert!(
        err.to_string().starts_with(
            "prune policy hostile-policy.wasm trapped: wasm `unreachable` instruction executed; \
             its stderr: thread '<unnamed>' (1) panicked at hostile-policy/src/lib.rs:21:29: \
             policy bug: no check"
        ),
        "{err}"
    );
}

#[test]
fn a_prune_plugin_is_not_a_policy_nor_a_policy_a_prune_plugin() {
    let Err(err) = PolicyComponent::from_bytes(engines(), "panics.wasm", pruner_fixtures::PANICS)
    else {
        panic!("a prune plugin loaded as a policy");
    };
    assert_eq!(
        err,
        LoadError::Invalid {
            name: "panics.wasm".to_string(),
            reason: "it imports `pruner:api/types@0.1.0`, which pruner does not grant a \
                     policy (a policy may import wasi:io, wasi:cli's environment, exit, \
                     standard streams and terminals, and wasi:random/insecure-seed)"
                .to_string(),
        }
    );
    let err = PruneComponent::from_bytes(engines(), pruner_fixtures::HOSTILE_POLICY)
        .err()
        .expect("a policy is not a prune plugin");
    // The error and its sources, as the CLI prints them.
    let chain: Vec<String> =
        std::iter::successors(Some(&err as &dyn std::error::Error), |err| err.source())
            .map(ToString::to_string)
            .collect();
    assert!(
        chain.join(": ").contains("pruner:api/prune@0.1.0"),
        "{chain:?}"
    );
}

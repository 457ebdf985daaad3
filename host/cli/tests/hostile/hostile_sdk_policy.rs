//! The hostile policy built with the SDK (`fixtures/components/hostile-sdk-policy`), which
//! exports the packed transport beside the contract: whatever it does, the prune fails the
//! same way through the transport as through the contract's `containers`, naming the policy
//! and its fault, with nothing removed.

use pruner_runtime::policy::PolicyFault;
use pruner_runtime::{Policies, Policy, PolicyComponent, PolicyError};

use super::*;

/// The policy's name in its errors.
const NAME: &str = "hostile-sdk-policy.wasm";

/// The hostile SDK policy, compiled once per test binary.
fn compiled() -> PolicyComponent {
    static COMPILED: LazyLock<PolicyComponent> = LazyLock::new(|| {
        PolicyComponent::from_bytes(super::engines(), NAME, pruner_fixtures::HOSTILE_SDK_POLICY)
            .expect("the fixture loads")
    });
    COMPILED.clone()
}

/// The container prune's error through the transport and through the contract, after
/// checking that each removed nothing and left the guard free.
fn errors(attack: &str, limits: Limits) -> (PruneError, PruneError) {
    let through = |component: PolicyComponent| {
        let policy = Policy::new(component, [("attack", attack)]).with_limits(limits);
        let pruner = Pruner::new(builtin()).with_policies(Policies::new(vec![policy]));
        let daemon = prunable();
        let err = prune_containers(&pruner, &daemon).unwrap_err();
        assert_eq!(daemon.removals(), Vec::<String>::new());
        assert_next_prune_succeeds(&pruner, &daemon);
        err
    };
    let packed = compiled();
    assert!(packed.has_transport());
    let contract = compiled().without_transport();
    assert!(!contract.has_transport());
    (through(packed), through(contract))
}

/// Asserts that the attack fails the prune with `fault` through both paths.
fn assert_fails_alike(attack: &str, limits: Limits, fault: PolicyFault) {
    let expected = PruneError::Policy(PolicyError {
        policy: NAME.to_string(),
        fault,
    });
    let (packed, contract) = errors(attack, limits);
    assert_eq!(packed, expected, "through the transport");
    assert_eq!(contract, expected, "through the contract");
}

#[test]
fn keeping_an_object_it_was_not_given_breaks_the_host_rule_through_both_paths() {
    assert_fails_alike(
        "unknown",
        Limits::default(),
        PolicyFault::UnknownObject {
            kind: "container",
            id: "0".repeat(64),
        },
    );
}

#[test]
fn an_error_a_huge_reason_and_the_memory_limit_fail_alike_through_both_paths() {
    assert_fails_alike(
        "error",
        Limits::default(),
        PolicyFault::Failed("the policy refuses to decide".to_string()),
    );
    assert_fails_alike(
        "long-reason",
        Limits::default(),
        PolicyFault::Sandbox(PluginFault::MessageBytes(65_536)),
    );
    let limits = Limits {
        memory_bytes: 64 << 20,
        ..Limits::default()
    };
    assert_fails_alike(
        "memory",
        limits,
        PolicyFault::Sandbox(PluginFault::Memory(64 << 20)),
    );
}

#[test]
fn a_trap_and_a_loop_fail_alike_through_both_paths() {
    let (packed, contract) = errors("trap", Limits::default());
    assert_eq!(packed, contract);
    let text = packed.to_string();
    assert!(
        text.starts_with(
            "prune policy hostile-sdk-policy.wasm trapped: wasm `unreachable` instruction \
             executed; its stderr: thread '<unnamed>' (1) panicked at"
        ),
        "{text}"
    );
    assert!(text.contains("policy bug: no decision"), "{text}");
    let limits = Limits {
        fuel: Some(1_000_000),
        ..Limits::default()
    };
    assert_fails_alike(
        "loop",
        limits,
        PolicyFault::Sandbox(PluginFault::Fuel(1_000_000)),
    );
}

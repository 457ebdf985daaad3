//! The shipped prune policies compiled once per test binary, and a daemon whose prunes they
//! narrow, with their decisions recorded.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use pruner_runtime::policy::{Kept, KeptLog};
use pruner_runtime::{Policies, Policy, PolicyComponent, Pruner};

use crate::{COMPONENT, TestDaemon};

/// The shipped policy `name` with `options`, compiled once per test binary.
pub fn policy(name: &str, options: &[(&str, &str)]) -> Policy {
    Policy::new(shipped(name), options.iter().copied())
}

/// The shipped policy `name` with `options`, asked about containers through the contract's
/// `containers` function instead of the SDK's packed transport.
pub fn contract_policy(name: &str, options: &[(&str, &str)]) -> Policy {
    let component = shipped(name);
    assert!(component.has_transport(), "{name} exports the transport");
    Policy::new(component.without_transport(), options.iter().copied())
}

/// The shipped policy `name`, compiled once per test binary.
fn shipped(name: &str) -> PolicyComponent {
    static COMPILED: LazyLock<Mutex<HashMap<String, PolicyComponent>>> =
        LazyLock::new(Mutex::default);
    COMPILED
        .lock()
        .unwrap()
        .entry(name.to_string())
        .or_insert_with(|| {
            PolicyComponent::shipped(&crate::ENGINES, name).expect("a shipped policy")
        })
        .clone()
}

/// The decisions of a chain, as the CLI prints them.
#[derive(Default)]
pub struct RecordedKept(Mutex<Vec<String>>);

impl RecordedKept {
    /// The decisions so far, one line each.
    pub fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

impl KeptLog for RecordedKept {
    fn kept(&self, kept: &Kept) {
        self.0.lock().unwrap().push(kept.to_string());
    }
}

impl TestDaemon {
    /// From now on, every prune is narrowed by `chain`; its decisions are recorded in the
    /// returned log.
    pub fn narrow_by(&mut self, chain: Vec<Policy>) -> Arc<RecordedKept> {
        let log = Arc::new(RecordedKept::default());
        let policies = Policies::new(chain).with_log(log.clone());
        self.pruner = Pruner::new(COMPONENT.clone()).with_policies(policies);
        log
    }
}

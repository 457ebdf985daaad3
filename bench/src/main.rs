//! experiment
mod daemon;
mod measure;
mod native;
mod prune;
mod workload;
#[allow(dead_code)]
mod memory;
#[allow(dead_code)]
mod cold_start;
use std::sync::Arc;
use pruner::{Limits, PruneComponent};
fn main() -> anyhow::Result<()> {
    let component = PruneComponent::builtin()?;
    let daemon = Arc::new(workload::containers(0));
    let backends = prune::backends(&daemon);
    let n: u32 = std::env::args().nth(1).unwrap().parse()?;
    for _ in 0..5 {
        let t = measure::per_call(5, n, || component.check_instantiation(&backends, Limits::default()).unwrap());
        println!("{t:?}");
    }
    Ok(())
}

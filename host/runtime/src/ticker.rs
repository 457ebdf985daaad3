//! The engine-wide epoch ticker: one thread advances the engine's epoch every [`TICK`], so that
//! every running prune reaches its epoch deadline and has its CPU time checked that often.

use std::thread;
use std::time::Duration;

use wasmtime::Engine;

/// How often the epoch advances: the resolution of the CPU time limit.
pub const TICK: Duration = Duration::from_millis(10);

/// Starts the ticker of `engine`; it stops once the engine is dropped.
pub fn start(engine: &Engine) -> std::io::Result<()> {
    let engine = engine.weak();
    thread::Builder::new()
        .name("pruner-epoch".to_string())
        .spawn(move || {
            loop {
                thread::sleep(TICK);
                match engine.upgrade() {
                    Some(engine) => engine.increment_epoch(),
                    None => break,
                }
            }
        })
        .map(drop)
}

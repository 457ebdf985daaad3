//! Timing on a noisy machine: the two sides of a comparison alternate, sample by sample, so
//! that both see the same load, and the ratio is the median of the ratios of adjacent samples.

use std::time::{Duration, Instant};

/// One side of a comparison against the other, in the same run.
#[derive(Clone, Copy, Debug)]
pub struct Comparison {
    /// The baseline's median time.
    pub native: Duration,
    /// The component's median time.
    pub component: Duration,
    /// The median of the component's time over the baseline's, sample by sample.
    pub ratio: f64,
}

/// Times `native` and `component` `samples` times each, alternating which goes first, after
/// one warm-up run of each. Each closure prepares its run untimed and returns the time of the
/// part measured.
pub fn compare(
    samples: usize,
    mut native: impl FnMut() -> Duration,
    mut component: impl FnMut() -> Duration,
) -> Comparison {
    native();
    component();
    let mut natives = Vec::with_capacity(samples);
    let mut components = Vec::with_capacity(samples);
    for sample in 0..samples {
        if sample % 2 == 0 {
            natives.push(native());
            components.push(component());
        } else {
            components.push(component());
            natives.push(native());
        }
    }
    let ratios = natives
        .iter()
        .zip(&components)
        .map(|(native, component)| component.as_secs_f64() / native.as_secs_f64())
        .collect();
    Comparison {
        native: median(natives),
        component: median(components),
        ratio: median(ratios),
    }
}

/// The time of `run`.
pub fn time<T>(run: impl FnOnce() -> T) -> (Duration, T) {
    let start = Instant::now();
    let result = run();
    (start.elapsed(), result)
}

/// The median time of one call of `run`: `batches` batches of `calls` calls each, the median
/// of the batches' average.
pub fn per_call(batches: usize, calls: u32, mut run: impl FnMut()) -> Duration {
    run();
    let times = (0..batches)
        .map(|_| time(|| (0..calls).for_each(|_| run())).0 / calls)
        .collect();
    median(times)
}

/// The median of `values` (the upper one of the middle two for an even count).
pub fn median<T: PartialOrd + Copy>(mut values: Vec<T>) -> T {
    values.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    values[values.len() / 2]
}

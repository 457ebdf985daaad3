//! `pruner-bench`: what the sandbox costs. Runs every benchmark and prints a Markdown table
//! comparing, in the same run, the component in the wasmtime host with the same prune rules
//! compiled natively against the same in-memory daemon. Run it in release: `just bench`;
//! `just bench-policy` (argument `policy`) runs the policy's row alone.

mod cold_start;
mod daemon;
mod engine;
mod measure;
mod memory;
mod native;
mod prune;
mod state_file;
mod workload;

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use pruner_runtime::{Engines, Limits, PruneComponent, Pruner};

use measure::Comparison;
use memory::Side;

/// Container counts, with the samples of each side at that count.
const CONTAINER_RUNS: [(usize, usize); 3] = [(1_000, 201), (10_000, 41), (100_000, 11)];
/// The goal for the component's time over the native one's at 100,000 containers.
const RATIO_GOAL: f64 = 1.10;
/// The goal for the component's time over the native one's at 1,000 and 10,000 containers,
/// and for network prune.
const SMALL_RATIO_GOAL: f64 = 1.5;
/// The goal for the component's peak memory over the native one's.
const MEMORY_GOAL: f64 = 1.3;
/// The goal for the CLI's cold start, component precompiled.
const COLD_START_GOAL: Duration = Duration::from_millis(5);
/// The goal for a prune narrowed by `keep-recent` over the same prune without it.
const POLICY_GOAL: f64 = 1.20;
/// State files' container counts, with the samples of each side at that count.
const STATE_FILE_RUNS: [(usize, usize); 3] = [(10_000, 9), (100_000, 5), (1_000_000, 3)];
/// The goal for a state-file prune over reading and rewriting the file once.
const STATE_FILE_GOAL: f64 = 2.0;
/// Containers of the state-file prune under `wasmtime run`, and its samples of each side.
const WASMTIME_RUN: (usize, usize) = (100_000, 5);
/// The goal for the prune under `wasmtime run` over the native CLI's.
const WASMTIME_GOAL: f64 = 2.0;
/// The goal for pruner's prune on a real engine over docker's.
const ENGINE_GOAL: f64 = 1.0;
/// The argument that runs the policy's row alone.
const POLICY_ONLY: &str = "policy";
/// Local and swarm networks of the network prune.
const NETWORKS: (usize, usize) = (10_000, 1_000);

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some(memory::CHILD) => return memory::child(&args[1..]),
        Some(state_file::FLOOR) => return state_file::floor(&args[1..]),
        Some(engine::ENGINE_ONLY) => return engine::print_alone(),
        _ => {}
    }
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build; run `just bench` for release numbers");
    }
    let load_before = load_average();
    let component = PruneComponent::builtin(&Engines::builder().build())?;
    let pruner = Pruner::new(component.clone());
    let mut table = Table::default();
    let policy_only = match args.first().map(String::as_str) {
        None => false,
        Some(POLICY_ONLY) => true,
        Some(other) => anyhow::bail!(
            "unknown argument {other:?}; give none, {POLICY_ONLY} or {}",
            engine::ENGINE_ONLY
        ),
    };

    if policy_only {
        policy_row(&component, &mut table);
        println!("{}", machine(load_before, load_average()));
        println!();
        print!("{}", table.text);
        return Ok(());
    }

    let mut per_container = Vec::new();
    for (count, samples) in CONTAINER_RUNS {
        eprintln!("container prune of {count} containers…");
        let run = prune::containers(&pruner, count, samples);
        table.comparison(
            &format!(
                "container prune, {} containers ({} removed)",
                thousands(count),
                thousands(run.removed)
            ),
            run.comparison,
            Some(match count {
                100_000 => RATIO_GOAL,
                _ => SMALL_RATIO_GOAL,
            }),
        );
        per_container.push((count, run.comparison));
    }

    policy_row(&component, &mut table);

    eprintln!("network prune…");
    let (local, cluster) = NETWORKS;
    let run = prune::networks(&pruner, local, cluster, 41);
    table.comparison(
        &format!(
            "network prune, {} local + {} swarm networks ({} removed)",
            thousands(local),
            thousands(cluster),
            thousands(run.removed)
        ),
        run.comparison,
        Some(SMALL_RATIO_GOAL),
    );

    table.growth(
        "time per container, 1,000 → 10,000 → 100,000 containers",
        &per_container,
    );

    eprintln!("peak memory…");
    let count = 100_000;
    let native = memory::peak(Side::Native, count)?;
    let sandboxed = memory::peak(Side::Component, count)?;
    table.row(
        &format!(
            "peak memory of one prune of {} containers (RSS rise)",
            thousands(count)
        ),
        &mebibytes(native),
        &mebibytes(sandboxed),
        &format!("{:.2}×", sandboxed as f64 / native as f64),
        &verdict(
            &format!("≤ {MEMORY_GOAL:.1}×"),
            sandboxed as f64 <= native as f64 * MEMORY_GOAL,
        ),
    );

    eprintln!("instantiation…");
    let daemon = Arc::new(workload::containers(0));
    let backends = prune::backends(&daemon);
    let limits = Limits::default();
    let instantiation = measure::per_call(21, 2_000, || {
        component
            .check_instantiation(&backends, limits)
            .expect("the component instantiates");
    });
    table.row(
        "instantiation of the pre-compiled component (InstancePre, pooling allocator)",
        "–",
        &micros(instantiation),
        "",
        &verdict("≤ 10 µs", instantiation <= Duration::from_micros(10)),
    );

    eprintln!("CLI cold start…");
    let cold = cold_start::measure(15)?;
    table.row(
        "CLI cold start to first output, bundled example, component precompiled (cache)",
        "–",
        &millis(cold.precompiled),
        "",
        &verdict(
            &format!("≤ {} ms", COLD_START_GOAL.as_millis()),
            cold.precompiled <= COLD_START_GOAL,
        ),
    );
    table.row(
        "CLI cold start to first output, bundled example, compiling at start-up",
        "–",
        &millis(cold.compiling),
        "",
        "",
    );

    let mut per_container = Vec::new();
    for (count, samples) in STATE_FILE_RUNS {
        eprintln!("state-file prune of {count} containers…");
        let run = state_file::measure(count, samples)?;
        table.comparison(
            &format!(
                "state-file prune, {} containers ({} removed): `pruner container prune -f \
                 --state` (whole process; component column) against a process that reads and \
                 rewrites the file once (native column)",
                thousands(count),
                thousands(run.removed)
            ),
            run.comparison,
            (count == 100_000).then_some(STATE_FILE_GOAL),
        );
        per_container.push((count, run.comparison));
    }
    table.growth(
        "time per container of a state-file prune, 10,000 → 100,000 → 1,000,000 containers",
        &per_container,
    );

    let (count, samples) = WASMTIME_RUN;
    let name = format!(
        "the same state-file prune, {} containers, under `wasmtime run` of the composed \
         command `pruner-cli.wasm` (component column) against the native CLI (native column)",
        thousands(count)
    );
    match state_file::Wasmtime::find()? {
        state_file::Wasmtime::At(wasmtime) => {
            eprintln!("state-file prune of {count} containers under wasmtime run…");
            let run = state_file::under_wasmtime(count, samples, &wasmtime)?;
            table.comparison(&name, run.comparison, Some(WASMTIME_GOAL));
        }
        state_file::Wasmtime::Missing(why) => table.not_measured(&name, &why, WASMTIME_GOAL),
    }

    let name = "real engine: `pruner container prune -f` (component column) against \
                `docker container prune -f` (native column)";
    match engine::disposable() {
        Ok(()) => {
            eprintln!("real engine…");
            let run = engine::measure()?;
            table.comparison(
                &format!(
                    "real engine, {} {} containers ({}): `pruner container prune -f` \
                     (component column) against `docker container prune -f` (native column)",
                    thousands(run.count),
                    if run.started { "stopped" } else { "created" },
                    run.engine
                ),
                run.comparison,
                Some(ENGINE_GOAL),
            );
        }
        Err(why) if engine::required() => {
            anyhow::bail!("a Docker engine is required ($CI or PRUNER_REQUIRE_DOCKER=1): {why}")
        }
        Err(why) => table.not_measured(name, &why, ENGINE_GOAL),
    }

    println!("{}", machine(load_before, load_average()));
    println!();
    print!("{}", table.text);
    Ok(())
}

/// The policy's row: a prune of 100,000 containers narrowed by `keep-recent` against none.
fn policy_row(component: &PruneComponent, table: &mut Table) {
    eprintln!("container prune with a policy…");
    let count = 100_000;
    let run = prune::policy(component, count, 11);
    table.comparison(
        &format!(
            "container prune, {} containers: with `keep-recent` (500 per compose project; it \
             kept {} of the {} removed without it) against none (in the native column)",
            thousands(count),
            thousands(run.kept),
            thousands(run.removed)
        ),
        run.comparison,
        Some(POLICY_GOAL),
    );
}

/// The Markdown table being built.
struct Table {
    text: String,
}

impl Default for Table {
    fn default() -> Table {
        Table {
            text: "| benchmark | native | component | component / native | goal |\n\
                   |---|---:|---:|---:|---|\n"
                .to_string(),
        }
    }
}

impl Table {
    /// One row of cells.
    fn row(&mut self, name: &str, native: &str, component: &str, ratio: &str, goal: &str) {
        let _ = writeln!(
            self.text,
            "| {name} | {native} | {component} | {ratio} | {goal} |"
        );
    }

    /// A comparison's row, its ratio held against `goal` if there is one.
    fn comparison(&mut self, name: &str, c: Comparison, goal: Option<f64>) {
        let goal = goal.map_or(String::new(), |goal| {
            verdict(&format!("≤ {goal:.2}×"), c.ratio <= goal)
        });
        self.row(
            name,
            &millis(c.native),
            &millis(c.component),
            &format!("{:.2}×", c.ratio),
            &goal,
        );
    }

    /// A row that could not be measured, said loudly here and on stderr.
    fn not_measured(&mut self, name: &str, why: &str, goal: f64) {
        eprintln!("NOT MEASURED: {name}: {why}");
        self.row(
            name,
            "–",
            "–",
            &format!("**NOT MEASURED**: {why}"),
            &format!("≤ {goal:.2}× ?"),
        );
    }

    /// Time per container at each count, and how it grew from the smallest to the largest:
    /// linear when the component's grew at most half again as much as the native one's, which
    /// grows with cache misses alone (a quadratic step would grow a hundredfold).
    fn growth(&mut self, name: &str, runs: &[(usize, Comparison)]) {
        let per = |count: usize, time: Duration| time.as_nanos() as f64 / count as f64 / 1000.0;
        let side = |time: fn(&Comparison) -> Duration| {
            runs.iter()
                .map(|(count, c)| format!("{:.2}", per(*count, time(c))))
                .collect::<Vec<_>>()
                .join(" → ")
                + " µs"
        };
        let growth = |time: fn(&Comparison) -> Duration| {
            let (first, last) = (&runs[0], &runs[runs.len() - 1]);
            per(last.0, time(&last.1)) / per(first.0, time(&first.1))
        };
        let (native, component) = (growth(|c| c.native), growth(|c| c.component));
        self.row(
            name,
            &side(|c| c.native),
            &side(|c| c.component),
            &format!("grew {native:.2}× native, {component:.2}× component"),
            &verdict("linear", component <= native.max(1.0) * 1.5),
        );
    }
}

/// `goal`, marked met or not.
fn verdict(goal: &str, met: bool) -> String {
    format!("{goal} {}", if met { "✔" } else { "✘" })
}

fn millis(time: Duration) -> String {
    format!("{:.2} ms", time.as_secs_f64() * 1e3)
}

fn micros(time: Duration) -> String {
    format!("{:.1} µs", time.as_secs_f64() * 1e6)
}

fn mebibytes(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
}

/// `12345` as `12,345`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The one-minute load average.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".to_string())
}

/// The machine and how loaded it was.
fn machine(load_before: String, load_after: String) -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("model name")?.split_once(':'))
                .map(|(_, name)| name.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    format!(
        "Machine: {cpu}, {cores} cores; load average {load_before} before the run and \
         {load_after} after. Times are medians; a ratio is the median of the component's time \
         over the native one's across adjacent runs."
    )
}

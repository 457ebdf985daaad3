//! Peak memory of one container prune: a child process (this binary, [`CHILD`] mode) builds the
//! daemon, loads the component, resets the kernel's peak-RSS mark, prunes once and reports how
//! far its resident memory rose above where it stood before the prune.

use std::process::Command;
use std::sync::Arc;

use anyhow::{Context, ensure};
use pruner_runtime::{Cancellation, Engines, PruneComponent, Pruner};

use crate::{native, prune, workload};

/// The first argument that makes this binary the child.
pub const CHILD: &str = "peak-memory";

/// Which side prunes in the child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The native rules.
    Native,
    /// The component in the host.
    Component,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Native => "native",
            Side::Component => "component",
        }
    }
}

/// How much a prune of `count` containers by `side` raised the resident memory, in bytes.
pub fn peak(side: Side, count: usize) -> anyhow::Result<u64> {
    let output = Command::new(std::env::current_exe()?)
        .args([CHILD, side.name(), &count.to_string()])
        .output()?;
    ensure!(
        output.status.success(),
        "the peak-memory child failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)?
        .trim()
        .parse()
        .context("the peak-memory child prints a number")
}

/// The child: `args` are the side and the count; prints the rise in bytes.
pub fn child(args: &[String]) -> anyhow::Result<()> {
    let [side, count] = args else {
        anyhow::bail!("usage: pruner-bench {CHILD} native|component COUNT");
    };
    let count: usize = count.parse()?;
    let daemon = Arc::new(workload::containers(count));
    let backends = prune::backends(&daemon);
    let filters = workload::filters();
    let cancel = Cancellation::default();
    let pruner = Pruner::new(PruneComponent::builtin(&Engines::builder().build())?);

    std::fs::write("/proc/self/clear_refs", "5").context("reset the peak RSS")?;
    let before = status_bytes("VmRSS")?;
    let removed = match side.as_str() {
        "native" => native::prune_containers(&backends, &filters, &cancel)
            .map(|report| report.containers_deleted.len())
            .map_err(|err| anyhow::anyhow!("{err}"))?,
        "component" => pruner
            .prune_containers(&backends, &filters, &cancel)
            .map(|report| report.containers_deleted.len())?,
        other => anyhow::bail!("no side {other}"),
    };
    ensure!(removed > 0, "the prune removed nothing");
    println!("{}", status_bytes("VmHWM")?.saturating_sub(before));
    Ok(())
}

/// A `/proc/self/status` line's value (given in kB), in bytes.
fn status_bytes(field: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .with_context(|| format!("no {field} in /proc/self/status"))?;
    let kilobytes: u64 = line.trim().trim_end_matches("kB").trim().parse()?;
    Ok(kilobytes * 1024)
}

//! Progress on stderr (`--progress`): a line redrawn in place when stderr is a terminal, or a
//! line per step for logs. Never on stdout, which holds docker's output alone.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use pruner_cli_core::Kind;
use pruner_runtime::backend::WarningLog;
use pruner_runtime::humansize::human_size;
use pruner_runtime::preview::{Progress, ProgressFn};

/// How progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// One line, redrawn at most every [`REDRAW`] and cleared at the end.
    Terminal,
    /// A line per step.
    Plain,
}

/// The least time between two redraws of the terminal line.
const REDRAW: Duration = Duration::from_millis(100);

/// Erases the terminal line the cursor is on.
const CLEAR_LINE: &str = "\r\x1b[K";

/// The progress display of one prune; also the warning log while it runs, so that a
/// warning does not land on the end of the progress line.
pub struct Display {
    form: Form,
    kind: Kind,
    dry_run: bool,
    inner: Arc<dyn WarningLog>,
    /// On a terminal: when the line was last drawn, if it is on screen.
    drawn: Mutex<Option<Duration>>,
}

impl Display {
    /// The display of a `kind` prune (a dry run if `dry_run`) in `form`, logging warnings to
    /// `inner`.
    pub fn new(form: Form, kind: Kind, dry_run: bool, inner: Arc<dyn WarningLog>) -> Display {
        Display {
            form,
            kind,
            dry_run,
            inner,
            drawn: Mutex::new(None),
        }
    }

    /// The library's progress callback, showing on this display.
    pub fn callback(self: &Arc<Self>) -> ProgressFn {
        let display = Arc::clone(self);
        Arc::new(move |progress: &Progress| display.show(progress))
    }

    /// Clears the terminal line once the prune is over.
    pub fn finish(&self) {
        self.clear();
    }

    fn show(&self, progress: &Progress) {
        let line = self.line(progress);
        let mut stderr = std::io::stderr().lock();
        match self.form {
            Form::Plain => {
                let _ = writeln!(stderr, "{line}");
            }
            Form::Terminal => {
                let mut drawn = self.drawn.lock().unwrap_or_else(PoisonError::into_inner);
                if drawn.is_some_and(|at| progress.elapsed.saturating_sub(at) < REDRAW) {
                    return;
                }
                let _ = write!(stderr, "{CLEAR_LINE}{line}");
                let _ = stderr.flush();
                *drawn = Some(progress.elapsed);
            }
        }
    }

    /// `pruning containers: 2/4 candidates done, 2.501MB reclaimed, 0.3s elapsed`.
    fn line(&self, progress: &Progress) -> String {
        let verb = if self.dry_run {
            "previewing"
        } else {
            "pruning"
        };
        let done = format!("{}/{} candidates done", progress.done, progress.candidates);
        let elapsed = progress.elapsed.as_secs_f64();
        match self.kind {
            Kind::Containers => {
                let space = if self.dry_run {
                    "reclaimable"
                } else {
                    "reclaimed"
                };
                format!(
                    "{verb} containers: {done}, {} {space}, {elapsed:.1}s elapsed",
                    human_size(progress.space_reclaimed)
                )
            }
            Kind::Networks => format!("{verb} networks: {done}, {elapsed:.1}s elapsed"),
        }
    }

    /// Erases the terminal line if it is on screen.
    fn clear(&self) {
        let mut drawn = self.drawn.lock().unwrap_or_else(PoisonError::into_inner);
        if drawn.take().is_some() {
            let mut stderr = std::io::stderr().lock();
            let _ = write!(stderr, "{CLEAR_LINE}");
            let _ = stderr.flush();
        }
    }
}

impl WarningLog for Display {
    fn warn(&self, message: &str) {
        self.clear();
        self.inner.warn(message);
    }
}

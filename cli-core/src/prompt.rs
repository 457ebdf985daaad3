//! docker's confirmation prompt (docker/cli v24 `PromptForConfirmation`).

use std::io::{self, BufRead, Write};

/// The warning `container prune` shows.
pub const CONTAINERS: &str = "WARNING! This will remove all stopped containers.";
/// The warning `network prune` shows.
pub const NETWORKS: &str =
    "WARNING! This will remove all custom networks not used by at least one container.";

/// Shows `warning` and the question on stdout and reads one line from stdin: only `y` or `Y`
/// confirms; end of input declines.
pub fn confirm(warning: &str) -> io::Result<bool> {
    let mut stdout = io::stdout().lock();
    write!(
        stdout,
        "{warning}\nAre you sure you want to continue? [y/N] "
    )?;
    stdout.flush()?;
    let mut line = String::new();
    io::stdin().lock().read_line(&mut line)?;
    let answer = line.strip_suffix('\n').unwrap_or(&line);
    let answer = answer.strip_suffix('\r').unwrap_or(answer);
    Ok(answer == "y" || answer == "Y")
}

//! docker's confirmation prompt (docker/cli 28 `prompt.Confirm`).

use std::io::{self, BufRead, Write};

/// The warning `container prune` shows.
pub const CONTAINERS: &str = "WARNING! This will remove all stopped containers.";
/// The warning `network prune` shows.
pub const NETWORKS: &str =
    "WARNING! This will remove all custom networks not used by at least one container.";

/// Shows `warning` and the question on `out` and reads one line from stdin: `y` or `Y`, blanks
/// around it ignored, confirms; anything else, or end of input, declines.
pub fn confirm(warning: &str, out: &mut dyn Write) -> io::Result<bool> {
    write!(out, "{warning}\nAre you sure you want to continue? [y/N] ")?;
    out.flush()?;
    let mut line = String::new();
    io::stdin().lock().read_line(&mut line)?;
    Ok(confirms(&line))
}

/// Whether an answer confirms, as docker 28 reads it.
fn confirms(answer: &str) -> bool {
    answer.trim().eq_ignore_ascii_case("y")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_y_confirms_with_blanks_and_line_ends_ignored() {
        for yes in ["y", "Y", "y\n", " y\n", "y \r\n", "\tY\t\n"] {
            assert!(confirms(yes), "{yes:?}");
        }
        for no in ["", "\n", "n\n", "yes\n", "yy\n", "N"] {
            assert!(!confirms(no), "{no:?}");
        }
    }
}

//! docker's help and usage texts (docker/cli's cobra templates, pflag's flag listing), rendered
//! from pruner's clap definitions so that help, completion and man pages share one source.

use clap::{Arg, Command};

/// The commands listed under "Management Commands" in the root help, as docker lists the object
/// commands; the front end's own commands are listed under "Commands".
const MANAGEMENT: [&str; 2] = ["container", "network"];

/// The width docker wraps flag descriptions to when its output is not a terminal (80 columns,
/// less one).
const WIDTH: usize = 79;

/// cobra's minimum width of a command name in a command list.
const NAME_PADDING: usize = 11;

/// The command at `path` (subcommand names after the root) under `root`, which must be built.
pub(crate) fn find<'a>(root: &'a Command, path: &[String]) -> &'a Command {
    path.iter().fold(root, |command, name| {
        command
            .find_subcommand(name)
            .expect("a path of existing subcommands")
    })
}

/// `pruner container prune`: the command's full name.
pub(crate) fn command_path(root: &Command, path: &[String]) -> String {
    std::iter::once(root.get_name())
        .chain(path.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The usage line docker prints under a flag or argument error (cobra's `UseLine`):
/// `pruner [OPTIONS] COMMAND [ARG...]` for the root, `pruner container` for a command that has
/// commands, `pruner container prune [OPTIONS]` for one that runs.
pub(crate) fn error_usage(root: &Command, path: &[String]) -> String {
    let name = command_path(root, path);
    let command = find(root, path);
    if path.is_empty() {
        format!("{name} [OPTIONS] COMMAND [ARG...]")
    } else if command.has_subcommands() {
        name
    } else {
        leaf_usage(&name, command)
    }
}

/// docker's `--help` text of the command at `path`.
pub(crate) fn help(root: &Command, path: &[String]) -> String {
    let name = command_path(root, path);
    let command = find(root, path);
    let about = command
        .get_long_about()
        .or(command.get_about())
        .map(ToString::to_string)
        .unwrap_or_default();
    let mut out = String::new();
    if path.is_empty() {
        out.push_str(&format!("Usage:  {name} [OPTIONS] COMMAND\n\n{about}\n"));
        let (management, others): (Vec<&Command>, Vec<&Command>) = visible_subcommands(command)
            .into_iter()
            .partition(|sub| MANAGEMENT.contains(&sub.get_name()));
        out.push_str(&command_list("Management Commands", &management));
        out.push_str(&command_list("Commands", &others));
        out.push_str(&flag_list("Global Options", command.get_arguments()));
        out.push_str(&format!(
            "\nRun '{name} COMMAND --help' for more information on a command.\n"
        ));
    } else if command.has_subcommands() {
        out.push_str(&format!("Usage:  {name} COMMAND\n\n{about}\n"));
        out.push_str(&command_list("Commands", &visible_subcommands(command)));
        out.push_str(&flag_list("Options", local_arguments(command)));
        out.push_str(&format!(
            "\nRun '{name} COMMAND --help' for more information on a command.\n"
        ));
    } else {
        out.push_str(&format!(
            "Usage:  {}\n\n{about}\n",
            leaf_usage(&name, command)
        ));
        out.push_str(&flag_list("Options", local_arguments(command)));
    }
    out
}

/// The usage of a command that runs: its name, `[OPTIONS]` when it has flags of its own, and its
/// visible arguments.
fn leaf_usage(name: &str, command: &Command) -> String {
    let mut usage = name.to_string();
    if local_arguments(command).any(|arg| !arg.is_positional()) {
        usage.push_str(" [OPTIONS]");
    }
    for arg in local_arguments(command).filter(|arg| arg.is_positional()) {
        let value = arg
            .get_value_names()
            .and_then(|names| names.first())
            .map(ToString::to_string)
            .unwrap_or_else(|| arg.get_id().to_string().to_uppercase());
        usage.push(' ');
        usage.push_str(&value);
    }
    usage
}

/// The visible flags and arguments of `command` itself, not those of its parents.
fn local_arguments(command: &Command) -> impl Iterator<Item = &Arg> {
    command
        .get_arguments()
        .filter(|arg| !arg.is_hide_set() && !arg.is_global_set())
}

/// The visible subcommands, sorted by name as cobra sorts them.
fn visible_subcommands(command: &Command) -> Vec<&Command> {
    let mut subcommands: Vec<&Command> = command
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set())
        .collect();
    subcommands.sort_by_key(|sub| sub.get_name());
    subcommands
}

/// A titled list of commands (cobra's `rpad .Name .NamePadding` then the description), or
/// nothing.
fn command_list(title: &str, commands: &[&Command]) -> String {
    if commands.is_empty() {
        return String::new();
    }
    let padding = commands
        .iter()
        .map(|sub| sub.get_name().len())
        .max()
        .unwrap_or(0)
        .max(NAME_PADDING);
    let mut out = format!("\n{title}:\n");
    for sub in commands {
        let about = sub.get_about().map(ToString::to_string).unwrap_or_default();
        out.push_str(&format!("  {:<padding$} {about}\n", sub.get_name()));
    }
    out
}

/// A titled list of flags as pflag's `FlagUsagesWrapped` prints them, sorted by name, or nothing.
fn flag_list<'a>(title: &str, args: impl Iterator<Item = &'a Arg>) -> String {
    let mut flags: Vec<&Arg> = args
        .filter(|arg| !arg.is_hide_set() && !arg.is_positional())
        .collect();
    if flags.is_empty() {
        return String::new();
    }
    flags.sort_by_key(|arg| arg.get_long().unwrap_or_default());
    let lines: Vec<(String, String)> = flags.iter().map(|arg| flag_line(arg)).collect();
    // pflag pads every name column to the longest plus one, then joins with two spaces.
    let width = lines.iter().map(|(name, _)| name.len()).max().unwrap_or(0) + 1;
    let mut out = format!("\n{title}:\n");
    for (name, usage) in &lines {
        let spacing = " ".repeat(width - name.len());
        out.push_str(&format!(
            "{name} {spacing} {}\n",
            wrap(width + 2, WIDTH, usage)
        ));
    }
    out
}

/// One flag's name column (`  -f, --force`, `      --filter filter`) and description (with
/// pflag's `(default "text")` for a value other than the type's zero).
fn flag_line(arg: &Arg) -> (String, String) {
    let long = arg.get_long().unwrap_or_default();
    let mut name = match arg.get_short() {
        Some(short) => format!("  -{short}, --{long}"),
        None => format!("      --{long}"),
    };
    // A flag whose value is optional is a pflag bool: it shows no value and no default.
    let shows_value = arg.get_action().takes_values()
        && arg
            .get_num_args()
            .is_none_or(|range| range.min_values() > 0);
    let mut usage = arg.get_help().map(ToString::to_string).unwrap_or_default();
    if shows_value {
        if let Some(value) = arg.get_value_names().and_then(|names| names.first()) {
            name.push(' ');
            name.push_str(value);
        }
        if let Some(default) = arg.get_default_values().first() {
            usage.push_str(&format!(" (default {:?})", default.to_string_lossy()));
        }
    }
    (name, usage)
}

/// pflag's `wrap`: `text` wrapped to `width` columns, continuation lines indented by `indent`
/// (the first line is placed by the caller).
fn wrap(indent: usize, width: usize, text: &str) -> String {
    let mut indent = indent;
    let mut out = String::new();
    let mut room = width.saturating_sub(indent);
    if room < 24 {
        // Not enough room: the description starts on its own line, indented 16.
        indent = 16;
        room = width.saturating_sub(indent);
        out.push('\n');
        out.push_str(&" ".repeat(indent));
    }
    let newline = format!("\n{}", " ".repeat(indent));
    if room < 24 {
        // Still too narrow: pflag gives up wrapping (and drops the line break above).
        return text.replace('\n', &newline);
    }
    // Let a line run `SLOP` past the wrap point rather than leave a short last word alone.
    const SLOP: usize = 5;
    let room = room - SLOP;
    let (first, mut rest) = wrap_once(room, SLOP, text);
    out.push_str(&first.replace('\n', &newline));
    while !rest.is_empty() {
        let (line, remaining) = wrap_once(room, SLOP, rest);
        out.push_str(&newline);
        out.push_str(&line.replace('\n', &newline));
        rest = remaining;
    }
    out
}

/// pflag's `wrapN`: the first line of `text` up to `room` bytes (split at the last blank), and
/// the rest; the whole text when it fits within `room + slop`.
fn wrap_once(room: usize, slop: usize, text: &str) -> (&str, &str) {
    if room + slop > text.len() {
        return (text, "");
    }
    let head = &text[..floor_char_boundary(text, room)];
    let Some(blank) = head.rfind([' ', '\t', '\n']).filter(|&at| at > 0) else {
        return (text, "");
    };
    match head.rfind('\n') {
        Some(newline) if newline > 0 && newline < blank => (&text[..newline], &text[newline + 1..]),
        _ => (&text[..blank], &text[blank + 1..]),
    }
}

/// The largest char boundary of `text` at or below `at`.
fn floor_char_boundary(text: &str, at: usize) -> usize {
    (0..=at.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_follows_pflag_and_keeps_a_short_last_word_on_the_line() {
        // docker's `--config` line at 80 columns.
        let usage = "Location of client config files (default \"/root/.docker\")";
        assert_eq!(
            wrap(27, 79, usage),
            "Location of client config files (default\n                           \
             \"/root/.docker\")"
        );
        assert_eq!(
            wrap(27, 79, "Use TLS; implied by --tlsverify"),
            "Use TLS; implied by --tlsverify"
        );
    }

    #[test]
    fn a_narrow_room_starts_the_description_on_its_own_line() {
        assert_eq!(wrap(80, 99, "short"), "\n                short");
        assert_eq!(wrap(20, 30, "a\nb"), "a\n                b");
    }
}

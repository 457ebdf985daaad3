//! Reading the command line as docker 28 does: help (`-h/--help`, and a command given without
//! its subcommand), `-v/--version`, extra arguments, and flag errors in pflag's and cobra's words
//! with docker's exit codes (125 for a bad flag, 1 for an unknown command or extra arguments).

use std::ffi::OsString;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{ArgMatches, Args, Command, CommandFactory, FromArgMatches, Subcommand};

use crate::args::{Cli, ContainerCommand, NetworkCommand, Object, PruneArgs};
use crate::help;
use crate::run::Kind;

/// docker's exit code for a bad flag.
pub(crate) const EXIT_USAGE: u8 = 125;
/// docker's exit code for an unknown command or extra arguments.
const EXIT_ARGUMENTS: u8 = 1;

/// A command line that asks for work: its front end's flags and what to do.
#[derive(Debug)]
pub struct Invocation<X, T> {
    /// The front end's own flags.
    pub extra: X,
    /// What to do.
    pub action: Action<T>,
}

/// What a command line asks for.
#[derive(Debug)]
pub enum Action<T> {
    /// `pruner container prune` or `pruner network prune`, with its flags (boxed: they are
    /// many, a tool's few).
    Prune(Kind, Box<PruneArgs>),
    /// A command of the front end's own.
    Tool(T),
}

/// A run that ends at the command line, with what it prints and its exit code.
#[derive(Debug, PartialEq, Eq)]
pub struct Exit {
    /// What goes to stdout.
    pub stdout: String,
    /// What goes to stderr.
    pub stderr: String,
    /// The exit code.
    pub code: u8,
}

impl Exit {
    /// Prints the texts and returns the exit code.
    pub fn print(self) -> u8 {
        use std::io::Write;
        let _ = std::io::stdout().write_all(self.stdout.as_bytes());
        let _ = std::io::stderr().write_all(self.stderr.as_bytes());
        self.code
    }

    fn stdout(text: String) -> Exit {
        Exit {
            stdout: text,
            stderr: String::new(),
            code: 0,
        }
    }

    fn stderr(text: String, code: u8) -> Exit {
        Exit {
            stdout: String::new(),
            stderr: text,
            code,
        }
    }
}

/// The clap definition of the whole command line with front-end flags `X` and commands `T`,
/// built (global flags propagated): what help, completion scripts and man pages are made from.
pub fn command<X: Args, T: Subcommand>() -> Command {
    let mut command = Cli::<X, T>::command();
    command.build();
    command
}

/// Reads the process's arguments; a command line that asks for no work (help, version) or is
/// wrong is printed as docker prints it, and its exit code returned.
pub fn parse<X: Args, T: Subcommand>() -> Result<Invocation<X, T>, u8> {
    parse_from(std::env::args_os()).map_err(Exit::print)
}

/// Reads `args` (the program name first): the work asked for, or what to print and the exit
/// code.
pub fn parse_from<X: Args, T: Subcommand>(
    args: impl IntoIterator<Item = impl Into<OsString>>,
) -> Result<Invocation<X, T>, Exit> {
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    // A command given without its subcommand prints its help (below), as docker's do.
    let mut root = without_required_subcommands(Cli::<X, T>::command());
    let matches = root
        .try_get_matches_from_mut(&args)
        .map_err(|err| clap_error(&root, &args, &err))?;
    root.build();

    let (path, leaf) = subcommand_path(&matches);
    if leaf.get_flag("help") {
        return Err(Exit::stdout(help::help(&root, &path)));
    }
    if path.is_empty() && matches.get_flag("version") {
        return Err(Exit::stdout(format!(
            "{} version {}\n",
            root.get_name(),
            root.get_version().unwrap_or_default()
        )));
    }
    if help::find(&root, &path).has_subcommands() {
        return Err(Exit::stderr(help::help(&root, &path), 0));
    }
    if let Ok(Some(_)) = leaf.try_get_many::<String>("arguments") {
        let name = help::command_path(&root, &path);
        return Err(Exit::stderr(
            flag_error_text(
                &name,
                &help::error_usage(&root, &path),
                &format!("{}: '{name}' accepts no arguments", root.get_name()),
            ),
            EXIT_ARGUMENTS,
        ));
    }

    let cli =
        Cli::<X, T>::from_arg_matches(&matches).map_err(|err| clap_error(&root, &args, &err))?;
    let action = match cli.object {
        Object::Container {
            command: ContainerCommand::Prune(args),
        } => Action::Prune(Kind::Containers, Box::new(args)),
        Object::Network {
            command: NetworkCommand::Prune(args),
        } => Action::Prune(Kind::Networks, Box::new(args)),
        Object::Tool(tool) => Action::Tool(tool),
    };
    Ok(Invocation {
        extra: cli.extra,
        action,
    })
}

/// docker's text for a flag error in the command `name` (whose usage line is `usage`): the
/// message, the usage and where to read more.
pub(crate) fn flag_error_text(name: &str, usage: &str, message: &str) -> String {
    format!("{message}\n\nUsage:  {usage}\n\nRun '{name} --help' for more information\n")
}

/// `command` and every command under it, accepting to be given without a subcommand.
fn without_required_subcommands(command: Command) -> Command {
    let names: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_string())
        .collect();
    names.iter().fold(
        command
            .subcommand_required(false)
            .arg_required_else_help(false),
        |command, name| command.mut_subcommand(name, without_required_subcommands),
    )
}

/// The names of the subcommands given, and the matches of the last.
fn subcommand_path(matches: &ArgMatches) -> (Vec<String>, &ArgMatches) {
    let mut path = Vec::new();
    let mut leaf = matches;
    while let Some((name, sub)) = leaf.subcommand() {
        path.push(name.to_string());
        leaf = sub;
    }
    (path, leaf)
}

/// A clap parse error in docker's words and exit code.
fn clap_error(root: &Command, args: &[OsString], err: &clap::Error) -> Exit {
    let mut root = root.clone();
    root.build();
    let (path, unknown_flag) = scan(&root, args);
    let name = help::command_path(&root, &path);
    let usage = help::error_usage(&root, &path);
    let context = |kind| match err.get(kind) {
        Some(ContextValue::String(text)) => text.clone(),
        _ => String::new(),
    };
    let flag = |text: String| Exit::stderr(flag_error_text(&name, &usage, &text), EXIT_USAGE);
    // pflag reads every flag before cobra looks at the words.
    if let Some(message) = unknown_flag {
        return flag(message);
    }
    match err.kind() {
        ErrorKind::InvalidSubcommand | ErrorKind::UnknownArgument => {
            let given = match err.kind() {
                ErrorKind::InvalidSubcommand => context(ContextKind::InvalidSubcommand),
                _ => context(ContextKind::InvalidArg),
            };
            let message = format!("{}: unknown command: {name} {given}", root.get_name());
            let text = if path.is_empty() {
                format!("{message}\n\nRun '{name} --help' for more information\n")
            } else {
                flag_error_text(&name, &usage, &message)
            };
            Exit::stderr(text, EXIT_ARGUMENTS)
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            let arg = find_flag(&root, &path, &context(ContextKind::InvalidArg));
            let value = context(ContextKind::InvalidValue);
            let missing = err.kind() == ErrorKind::InvalidValue && value.is_empty();
            match arg {
                Some(arg) if missing => flag(match arg.get_short() {
                    Some(short) if given_short(args, short) => {
                        format!("flag needs an argument: '{short}' in -{short}")
                    }
                    _ => format!("flag needs an argument: --{}", long_name(arg)),
                }),
                Some(arg) => {
                    let reason = match err.kind() {
                        ErrorKind::ValueValidation => std::error::Error::source(err)
                            .map(ToString::to_string)
                            .unwrap_or_default(),
                        _ => possible_values(arg),
                    };
                    flag(format!(
                        "invalid argument {value:?} for {:?} flag: {reason}",
                        pflag_name(arg)
                    ))
                }
                None => flag(first_line(err)),
            }
        }
        ErrorKind::MissingRequiredArgument => {
            let names: Vec<String> = match err.get(ContextKind::InvalidArg) {
                Some(ContextValue::Strings(shown)) => shown
                    .iter()
                    .filter_map(|shown| find_flag(&root, &path, shown))
                    .map(|arg| long_name(arg).to_string())
                    .collect(),
                _ => Vec::new(),
            };
            flag(format!(
                "required flag(s) \"{}\" not set",
                names.join("\", \"")
            ))
        }
        _ => flag(first_line(err)),
    }
}

/// What `args` say, read as pflag and cobra read them: the subcommand names given (as far as
/// they name commands), and pflag's message for the first flag the command does not know. The
/// value of a flag that takes one is skipped, so that it is never taken for a name.
fn scan(root: &Command, args: &[OsString]) -> (Vec<String>, Option<String>) {
    let mut path = Vec::new();
    let mut command = root;
    let mut descending = true;
    let mut words = args.iter().skip(1).filter_map(|arg| arg.to_str());
    while let Some(word) = words.next() {
        match read_word(command, word) {
            Word::End => break,
            Word::Unknown(message) => return (path, Some(message)),
            Word::Flag { takes_next } => {
                if takes_next {
                    words.next();
                }
            }
            Word::Plain => match command.find_subcommand(word).filter(|_| descending) {
                Some(sub) => {
                    path.push(word.to_string());
                    command = sub;
                }
                None => descending = false,
            },
        }
    }
    (path, None)
}

/// One word of a command line, as pflag reads it.
enum Word {
    /// `--`: the flags end.
    End,
    /// A flag the command knows; `takes_next` when its value is the next word.
    Flag { takes_next: bool },
    /// A flag the command does not know, with pflag's message.
    Unknown(String),
    /// Not a flag.
    Plain,
}

/// How `command` reads `word`.
fn read_word(command: &Command, word: &str) -> Word {
    let required_value = |arg: &clap::Arg| {
        arg.get_action().takes_values()
            && arg
                .get_num_args()
                .is_none_or(|range| range.min_values() > 0)
    };
    if word == "--" {
        return Word::End;
    }
    if let Some(long) = word.strip_prefix("--") {
        let (name, value) = match long.split_once('=') {
            Some((name, _)) => (name, true),
            None => (long, false),
        };
        return match command
            .get_arguments()
            .find(|arg| arg.get_long() == Some(name))
        {
            Some(arg) => Word::Flag {
                takes_next: required_value(arg) && !value,
            },
            None => Word::Unknown(format!("unknown flag: --{name}")),
        };
    }
    let Some(shorts) = word.strip_prefix('-').filter(|shorts| !shorts.is_empty()) else {
        return Word::Plain;
    };
    for (at, short) in shorts.char_indices() {
        let Some(arg) = command
            .get_arguments()
            .find(|arg| arg.get_short() == Some(short))
        else {
            return Word::Unknown(format!(
                "unknown shorthand flag: '{short}' in -{}",
                &shorts[at..]
            ));
        };
        let rest = &shorts[at + short.len_utf8()..];
        if required_value(arg) {
            // The rest of the cluster is the value, or else the next word.
            return Word::Flag {
                takes_next: rest.is_empty(),
            };
        }
        if rest.starts_with('=') {
            // A bool's value: `-f=true`.
            break;
        }
    }
    Word::Flag { takes_next: false }
}

/// The flag of the command at `path` that clap names `shown` (e.g. `--force[=<bool>]`,
/// `-H <host>`).
fn find_flag<'a>(root: &'a Command, path: &[String], shown: &str) -> Option<&'a clap::Arg> {
    let command = help::find(root, path);
    let long: String = shown
        .split_once("--")
        .map(|(_, rest)| {
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect()
        })
        .unwrap_or_default();
    let short = shown.strip_prefix('-').and_then(|rest| rest.chars().next());
    command.get_arguments().find(|arg| {
        (!long.is_empty() && arg.get_long() == Some(long.as_str()))
            || (long.is_empty() && short.is_some() && arg.get_short() == short)
    })
}

/// The flag's long name.
fn long_name(arg: &clap::Arg) -> &str {
    arg.get_long().unwrap_or_default()
}

/// pflag's name of a flag in errors: `-f, --force` or `--filter`.
fn pflag_name(arg: &clap::Arg) -> String {
    match arg.get_short() {
        Some(short) => format!("-{short}, --{}", long_name(arg)),
        None => format!("--{}", long_name(arg)),
    }
}

/// Why a value is not one of a flag's accepted values.
fn possible_values(arg: &clap::Arg) -> String {
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .map(|value| format!("{:?}", value.get_name()))
        .collect();
    format!("expected {}", values.join(" or "))
}

/// Whether the flag was given by its one-letter name: the last argument is `-<short>` (or a
/// cluster ending in it).
fn given_short(args: &[OsString], short: char) -> bool {
    args.last()
        .and_then(|arg| arg.to_str())
        .is_some_and(|arg| !arg.starts_with("--") && arg.starts_with('-') && arg.ends_with(short))
}

/// The first line of clap's own message, without its `error: `.
fn first_line(err: &clap::Error) -> String {
    let rendered = err.render().to_string();
    let line = rendered.lines().next().unwrap_or_default();
    line.strip_prefix("error: ").unwrap_or(line).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{NoExtraFlags, NoTools};

    /// What `pruner <args>` prints and exits with when it stops at the command line.
    fn exit(args: &[&str]) -> Exit {
        let all = std::iter::once("pruner").chain(args.iter().copied());
        match parse_from::<NoExtraFlags, NoTools>(all) {
            Ok(invocation) => panic!("{args:?} parsed: {invocation:?}"),
            Err(exit) => exit,
        }
    }

    /// The prune flags `pruner <args>` parses to.
    fn prune(args: &[&str]) -> (Kind, PruneArgs) {
        let all = std::iter::once("pruner").chain(args.iter().copied());
        match parse_from::<NoExtraFlags, NoTools>(all) {
            Ok(Invocation {
                action: Action::Prune(kind, args),
                ..
            }) => (kind, *args),
            Ok(other) => panic!("{args:?}: {other:?}"),
            Err(exit) => panic!("{args:?}: {exit:?}"),
        }
    }

    #[test]
    fn pflags_bool_forms_set_force() {
        for (args, force) in [
            (&["container", "prune"][..], false),
            (&["container", "prune", "-f"], true),
            (&["container", "prune", "--force=false"], false),
            (&["network", "prune", "-f=true"], true),
            (&["network", "prune", "--force=T"], true),
            (&["container", "prune", "-f", "--force=0"], false),
        ] {
            assert_eq!(prune(args).1.force, force, "{args:?}");
        }
        assert_eq!(prune(&["network", "prune"]).0, Kind::Networks);
    }

    #[test]
    fn a_bad_bool_is_pflags_invalid_argument() {
        assert_eq!(
            exit(&["network", "prune", "--force=maybe"]),
            Exit::stderr(
                "invalid argument \"maybe\" for \"-f, --force\" flag: strconv.ParseBool: \
                 parsing \"maybe\": invalid syntax\n\nUsage:  pruner network prune [OPTIONS]\n\n\
                 Run 'pruner network prune --help' for more information\n"
                    .to_string(),
                125
            )
        );
    }

    #[test]
    fn a_bad_format_names_the_accepted_ones() {
        assert_eq!(
            exit(&["container", "prune", "--format", "yaml"]).stderr,
            "invalid argument \"yaml\" for \"--format\" flag: expected \"text\" or \"json\"\n\n\
             Usage:  pruner container prune [OPTIONS]\n\n\
             Run 'pruner container prune --help' for more information\n"
        );
    }

    #[test]
    fn help_goes_to_stdout_and_a_missing_command_prints_it_on_stderr() {
        let help = exit(&["network", "--help"]);
        assert_eq!(
            help,
            Exit::stdout(
                "Usage:  pruner network COMMAND\n\nManage networks\n\nCommands:\n  prune       \
                 Remove all unused networks\n\nRun 'pruner network COMMAND --help' for more \
                 information on a command.\n"
                    .to_string()
            )
        );
        assert_eq!(exit(&["network"]), Exit::stderr(help.stdout, 0));
        assert_eq!(exit(&[]).stderr, exit(&["--help"]).stdout);
    }

    #[test]
    fn a_flag_value_is_never_taken_for_a_command() {
        // `container` is the --filter's value here: the unknown flag is the prune's.
        assert_eq!(
            exit(&["network", "prune", "--filter", "container", "--bogus"]).stderr,
            "unknown flag: --bogus\n\nUsage:  pruner network prune [OPTIONS]\n\n\
             Run 'pruner network prune --help' for more information\n"
        );
    }
}

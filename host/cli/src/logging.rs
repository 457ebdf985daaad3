//! pruner's log lines on stderr: warnings and errors by default (`pruner serve`: information
//! too); `--log-level`, else `$PRUNER_LOG`, else `$RUST_LOG` (a level, or `target=level`
//! directives) choose more or less. Colour only when stderr is a terminal and `$NO_COLOR` is unset or empty.

use std::io::IsTerminal;

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::args::LogLevel;

/// Installs the log subscriber for the rest of the process; `serving` logs information by
/// default.
pub fn init(level: Option<LogLevel>, serving: bool) {
    let default = match serving {
        true => LevelFilter::INFO,
        false => LevelFilter::WARN,
    };
    let filter = match level {
        Some(level) => Targets::new().with_default(level_filter(level)),
        None => from_env(default),
    };
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty());
    let output = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .with_ansi(colour);
    tracing_subscriber::registry()
        .with(output)
        .with(filter)
        .init();
}

/// The filter `$PRUNER_LOG` or `$RUST_LOG` asks for; `default` when neither is set or parses.
fn from_env(default: LevelFilter) -> Targets {
    let fallback = Targets::new().with_default(default);
    ["PRUNER_LOG", "RUST_LOG"]
        .into_iter()
        .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
        .map_or(fallback.clone(), |directives| {
            directives.parse().unwrap_or_else(|err| {
                eprintln!("ignoring the log directives {directives:?}: {err}");
                fallback
            })
        })
}

/// The filter of a docker level (`fatal` is `error`: pruner logs nothing fatal).
fn level_filter(level: LogLevel) -> LevelFilter {
    match level {
        LogLevel::Debug => LevelFilter::DEBUG,
        LogLevel::Info => LevelFilter::INFO,
        LogLevel::Warn => LevelFilter::WARN,
        LogLevel::Error | LogLevel::Fatal => LevelFilter::ERROR,
    }
}

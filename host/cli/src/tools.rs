//! The commands of the native binary only: `pruner serve` (the Engine API endpoint, [`serve`]),
//! `pruner completion SHELL` and `pruner man --dir DIR` (the shell completion scripts and the
//! man pages, made from the same clap definitions as the command line itself).

use std::path::Path;

use clap::Command;
use clap_complete::Shell as Generator;

use crate::args::{NativeFlags, Shell, Tool};
use crate::serve;

/// Runs `tool` with the global `flags`; returns the exit code.
pub fn run(tool: Tool, flags: &NativeFlags) -> u8 {
    let command = pruner_cli_core::command::<NativeFlags, Tool>();
    let result = match tool {
        Tool::Serve(args) => return serve::run(&args, flags),
        Tool::Completion { shell } => {
            completion(command, shell);
            Ok(())
        }
        Tool::Man { dir } => man_pages(command, &dir),
    };
    match result {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("Error: {err:#}");
            1
        }
    }
}

/// Writes the completion script of `shell` to stdout.
fn completion(mut command: Command, shell: Shell) {
    let generator = match shell {
        Shell::Bash => Generator::Bash,
        Shell::Fish => Generator::Fish,
        Shell::Powershell => Generator::PowerShell,
        Shell::Zsh => Generator::Zsh,
    };
    clap_complete::generate(generator, &mut command, "pruner", &mut std::io::stdout());
}

/// Writes a man page for pruner and for each of its commands into `dir`.
fn man_pages(command: Command, dir: &Path) -> anyhow::Result<()> {
    use anyhow::Context;
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the directory {}", dir.display()))?;
    clap_mangen::generate_to(command, dir)
        .with_context(|| format!("cannot write the man pages into {}", dir.display()))
}

//! The command-line front end component (WIT world `cli`): `pruner container prune` and
//! `pruner network prune` with the native CLI's flags, prompt, output and exit codes (all of
//! them `pruner-cli-core`), pruning through its imports: `prune` from the prune component and
//! `state-file` from the backend component it is composed with.
//!
//! It is a `wasm32-wasip2` program (Rust exports `wasi:cli/run` for it); the native build only
//! says so.

#[cfg(target_arch = "wasm32")]
mod components;

#[cfg(target_arch = "wasm32")]
fn main() {
    use pruner_cli_core::args::{NoExtraFlags, NoTools};
    use pruner_cli_core::{Action, Invocation};

    let code = match pruner_cli_core::parse::<NoExtraFlags, NoTools>() {
        Ok(Invocation {
            extra,
            action: Action::Prune(kind, args),
        }) => pruner_cli_core::run(kind, &args, &extra, components::connect),
        Ok(Invocation {
            action: Action::Tool(tool),
            ..
        }) => match tool {},
        Err(code) => code,
    };
    components::exit(code)
}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    eprintln!(
        "pruner-cli is a wasm32-wasip2 component: build it with `cargo build --target \
         wasm32-wasip2` and run the composed target/components/pruner-cli.wasm with `wasmtime run`"
    );
    std::process::ExitCode::FAILURE
}

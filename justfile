# The everyday commands of pruner. `just --list` shows them.

# Prune the bundled example (a copy of it) and print docker's output.
example:
    cp examples/state.json /tmp/pruner-example.json
    cargo run -q -p pruner -- container prune -f --state /tmp/pruner-example.json --now 2026-11-27T12:00:00Z
    cargo run -q -p pruner -- network prune -f --state /tmp/pruner-example.json --now 2026-11-27T12:00:00Z

# Build everything, including the component.
build:
    cargo build --workspace

# Run every test (builds the component first).
test:
    cargo test --workspace

# Format and lint as CI does.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Show the component's WIT world (needs wasm-tools).
wit:
    wasm-tools component wit $(find target/debug/build -name pruner_guest.wasm -path '*component*' | head -n1)

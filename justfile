# The everyday commands of pruner. `just --list` shows them.

# Prune the bundled example (a copy of it) and print docker's output.
example:
    cp examples/state.json /tmp/pruner-example.json
    cargo run -q -p pruner -- container prune -f --state /tmp/pruner-example.json --now 2026-11-27T12:00:00Z
    cargo run -q -p pruner -- network prune -f --state /tmp/pruner-example.json --now 2026-11-27T12:00:00Z

# Install pruner into ~/.cargo/bin with its bash completion and man pages, for the current user.
install:
    cargo install --locked --path host/cli
    mkdir -p ~/.local/share/bash-completion/completions ~/.local/share/man/man1
    pruner completion bash > ~/.local/share/bash-completion/completions/pruner
    pruner man --dir ~/.local/share/man/man1

# Build everything, including the component.
build:
    cargo build --workspace

# Run every test (builds the component first).
test:
    cargo test --workspace

# Format and lint as CI does.
lint:
    cargo fmt --all -- --check
    cargo deny check licenses bans sources
    cargo clippy --workspace --all-targets -- -D warnings
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps
    cargo clippy --target wasm32-wasip2 -p pruner-guest -- -D warnings
    cargo clippy --target wasm32-wasip2 -p pruner-backend -p pruner-frontend -- -D warnings
    cargo clippy --target wasm32-wasip2 -p pruner-policy -p pruner-policy-keep-recent -p pruner-policy-protect -p pruner-policy-exited-before -- -D warnings

# Build the wasm components and compose them (wac-graph) into target/components/:
# pruner-cli.wasm (front end + prune + backend) and pruner-backend.wasm (prune + backend).
compose:
    cargo build -p pruner-components --features compositions
    ls -l target/components

# Prune a copy of the bundled example under the plain wasmtime CLI (needs wasmtime 48).
wasmtime-example: compose
    mkdir -p /tmp/pruner-wasmtime && cp examples/state.json /tmp/pruner-wasmtime/state.json
    wasmtime run --dir /tmp/pruner-wasmtime::/data target/components/pruner-cli.wasm container prune -f --state /data/state.json --now 2026-11-27T12:00:00Z
    wasmtime run --dir /tmp/pruner-wasmtime::/data --invoke 'networks([])' target/components/pruner-backend.wasm

# Show the component's WIT world (needs wasm-tools).
wit:
    wasm-tools component wit $(find target/debug/build -name pruner_guest.wasm -path '*component*' | head -n1)

# Fuzz each parser of untrusted text for `seconds` (cargo-fuzz, nightly); CI runs 8 s each.
fuzz seconds="600":
    command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
    cd fuzz && for target in filters_json filter_flag timestamps; do cargo +nightly fuzz run $target -- -max_total_time={{seconds}}; done

# What the sandbox (limits, metering, host rules) costs the built-in component: a 100k-container prune.
sandbox-cost:
    cargo run --release -q -p pruner-runtime --example sandbox_cost

# What the sandbox costs, as the README's performance table: the component against the same rules
# compiled natively, instantiation, CLI cold start, growth and peak memory (release, about a minute).
bench:
    cargo build --release -q -p pruner --bin pruner
    cargo run --release -q -p pruner-bench

# Every row of `just bench`, the real engine's too: on a dockerd of its own (.ci/dockerd.sh:
# Debian's docker.io, installed when missing, stopped on exit), which the run may fill and empty.
bench-all:
    bash -c 'source .ci/dockerd.sh && trap pruner_dockerd_stop EXIT && pruner_dockerd_start && PRUNER_DOCKER_DISPOSABLE=1 PRUNER_REQUIRE_DOCKER=1 PRUNER_REQUIRE_WASMTIME=1 just bench'

# The real engine's row alone, on the engine at $DOCKER_HOST (`just bench` runs it only when
# PRUNER_DOCKER_DISPOSABLE=1): 300 stopped containers, pruner's prune against docker's.
bench-engine:
    cargo build --release -q -p pruner --bin pruner
    cargo run --release -q -p pruner-bench -- engine

# The benchmark's policy row alone: a 100k-container prune with `keep-recent` against none.
bench-policy:
    cargo run --release -q -p pruner-bench -- policy

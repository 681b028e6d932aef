# Developer shortcuts. `just --list` shows them. CI runs `bash .ci/run`.

# The README quick start, paper mode (no account needed).
paper:
    cargo run -p hedge-cli -- --paper funding

# The test suite (the README's test command).
test:
    cargo test --workspace

# Everything CI runs: fmt, clippy, tests.
ci:
    bash .ci/run

fmt:
    cargo fmt --all

clippy:
    cargo clippy --workspace --all-targets -- -D warnings

# Criterion benches (not part of the tests); figures go to each crate's benches/BENCHMARKS.md.
bench:
    cargo bench --workspace

# Check a vector file in the official format (default: the shared fixtures).
vectors-edgex path="../shared/fixtures/edgex-vectors.json":
    cargo run -q -p venue-edgex --example check_vectors -- {{path}}

vectors-lighter path="../shared/fixtures/lighter-vectors.json":
    cargo run -q -p venue-lighter --example check_vectors -- {{path}}

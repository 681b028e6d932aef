# Developer shortcuts. `just --list` shows them. CI runs `bash .ci/run`.

# The README quick start: the rotation bot in paper mode, two cycles at 3600x (no account needed).
paper:
    cargo run -p rotation-bot -- --paper --speed 3600 --cycles 2

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

# Chaos: many open/close rounds in paper mode with random injected faults, checking that no
# naked leg is ever left unreported (a short version runs in `cargo test`).
chaos rounds="300" seed="20261125":
    CHAOS_ROUNDS={{rounds}} CHAOS_SEED={{seed}} cargo test -p hedge-app --release --test chaos -- --nocapture

# Criterion benches (not part of the tests); figures go to each crate's benches/BENCHMARKS.md.
bench:
    cargo bench --workspace

# Check a vector file in the official format (default: the shared fixtures).
vectors-edgex path="../shared/fixtures/edgex-vectors.json":
    cargo run -q -p venue-edgex --example check_vectors -- {{path}}

vectors-lighter path="../shared/fixtures/lighter-vectors.json":
    cargo run -q -p venue-lighter --example check_vectors -- {{path}}

# Crash: kill -9 of the real hedge-cli at each protocol step (drawn from a seed, with faults)
# against the simulator as a live venue, then status/open/close; prints the figures
# (rounds, kill points, outcomes, double opens, resent orders). A short version runs in `cargo test`.
crash rounds="100" seed="20261201":
    CRASH_ROUNDS={{rounds}} CRASH_SEED={{seed}} cargo test -p hedge-cli --test crash -- --nocapture

# Naked-leg time per fault kind: every simulator fault kind on both venues for open and close,
# printing the naked_ms table (a short version runs in `cargo test`).
naked:
    NAKED_TABLE=1 cargo test -p hedge-app --test naked -- --nocapture

# 30 simulated days of the rotation bot in paper mode (about 12 minutes), then its board.
bot-paper-30d:
    rm -rf paper-30d
    -timeout -s INT 730 cargo run -q -p rotation-bot -- --paper --paper-dir paper-30d --speed 3600
    cargo run -q -p rotation-bot -- --paper --paper-dir paper-30d status

# Bot crash: kill -9 of the real rotation-bot at points drawn from a seed (engine protocol
# steps, bot states, start-up, random moments) against the simulator as a live venue,
# restarting it each time, until N cycles completed; prints the figures (kills and where,
# cycles, restarts that found a hedge, double opens, duplicate orders). A short version
# (three kills) runs in `cargo test`.
bot-crash cycles="50" seed="20261201":
    BOT_CRASH_CYCLES={{cycles}} BOT_CRASH_SEED={{seed}} cargo test -p rotation-bot --test crash -- --nocapture

# The liquidation monitor's drills in the simulator (price moves, venue liquidation, naked
# leg, refused orders, unreadable venue), measured: level reached, action, time from the move
# to the action; prints the README's table. The crash drill alone runs in `cargo test`.
monitor-drills:
    LIQ_DRILLS=1 cargo test -p liq-monitor --test drills every_drill_measured -- --nocapture

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

# Bot chaos: the real rotation-bot cycling against the simulator as a live venue while
# faults drawn from a seed are armed on both venues; prints cycles, faults armed and fired by
# kind, the longest naked leg seen at the venues (ms), HALTs. A short version runs in
# `cargo test`.
bot-chaos cycles="30" seed="20261202":
    BOT_CHAOS_CYCLES={{cycles}} BOT_CHAOS_SEED={{seed}} cargo test -p rotation-bot --test chaos -- --nocapture

# Renders an HTML report to a PNG in headless Chromium, for people to look at (not part of the
# tests; needs `chromium`, or CHROMIUM=/path/to/chrome). Without the HTML file it first
# writes one: the 30-day paper backtest's report (`backtest --paper --days 30 --report`), or,
# in a build whose backtest has no --report, the bot's own report after a short paper run
# (4 cycles at 3600x under paper-shot/).
report-shot html="report.html" png="report.png" width="1000" height="2600":
    #!/usr/bin/env bash
    set -euo pipefail
    if [ ! -f "{{html}}" ]; then
        if cargo run -q -p rotation-bot -- backtest --help | grep -q -- '--report'; then
            cargo run -q -p rotation-bot -- backtest --paper --days 30 --report "{{html}}"
        else
            cargo run -q -p rotation-bot -- --paper --paper-dir paper-shot --speed 3600 --cycles 4
            cargo run -q -p rotation-bot -- --paper --paper-dir paper-shot report --report "{{html}}"
        fi
    fi
    browser="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}"
    if [ -z "$browser" ]; then
        echo "report-shot: no Chromium found (install chromium, or set CHROMIUM=/path/to/chrome)" >&2
        exit 1
    fi
    "$browser" --headless --disable-gpu --no-sandbox --hide-scrollbars \
        --window-size={{width}},{{height}} --screenshot="$(realpath -m "{{png}}")" \
        "file://$(realpath "{{html}}")"
    echo "wrote {{png}} from {{html}}"

# Backtest: 30 days of the simulator's funding history through the bot's decisions (no network).
backtest days="30":
    cargo run -q -p rotation-bot -- backtest --paper --days {{days}}

# Backtest sweep example: entry bar x planned hold, ranked by net PnL, winner's config printed.
backtest-sweep days="30":
    cargo run -q -p rotation-bot -- backtest --paper --days {{days}} --sweep min_net_apr_threshold=5,20,50 --sweep hold_duration_hours=8,16,24

# Backtest speed: the 90-day 15-symbol replay and the sweep scaling (criterion, release).
bench-backtest:
    cargo bench -p hedge-backtest --bench replay

# The liquidation monitor's drills in the simulator (price moves, venue liquidation, naked
# leg, refused orders, unreadable venue), measured: level reached, action, time from the move
# to the action; prints the README's table. The crash drill alone runs in `cargo test`.
monitor-drills:
    LIQ_DRILLS=1 cargo test -p liq-monitor --test drills every_drill_measured -- --nocapture

# record-market soak: ROUNDS restarts of the real recorder in paper mode, each stopped after a
# random time by SIGTERM, SIGINT or SIGKILL (kills sometimes leave a torn line); the files must
# stay clean and the trade ids contiguous. The default tests run three restarts.
record-soak rounds="30" seed="20261201":
    RECORD_SOAK_ROUNDS={{rounds}} RECORD_SOAK_SEED={{seed}} cargo test -p hedge-examples --test record_paper soak -- --nocapture

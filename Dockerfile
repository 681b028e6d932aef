# Multi-stage build of the three binaries. Build: docker build -t delta-neutral .
FROM rust:1-slim-bookworm AS builder
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p hedge-cli -p rotation-bot -p liq-monitor

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 hedge
WORKDIR /app
COPY --from=builder /src/target/release/hedge-cli /src/target/release/rotation-bot /src/target/release/liq-monitor /usr/local/bin/
COPY configs/ /app/configs/
RUN mkdir -p /app/logs /app/data && chown hedge /app/logs /app/data
USER hedge
CMD ["rotation-bot", "--config", "/app/rotation_bot_config.json"]

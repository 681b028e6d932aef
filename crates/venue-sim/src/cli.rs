//! The `venue-sim` command line: `venue-sim serve [OPTIONS]`, `venue-sim --help`.
//!
//! Parsing lives here (not in the binary) so that it is tested; the binary only runs the
//! parsed [`Command`].

use crate::paper::{self, PaperOptions};
use rust_decimal::Decimal;
use std::path::PathBuf;
use std::sync::Arc;
use venue_api::ScaledClock;
use venue_edgex::ApiVersion;

/// Largest `--speed` accepted: beyond it a day of simulated time passes in under a second
/// and the EdgeX/Lighter request timestamps of real-time clients fall outside every window.
pub const MAX_SPEED: u32 = 100_000;

/// Usage text (`--help`).
pub const USAGE: &str =
    "usage: venue-sim serve [--state PATH | --state-dir DIR | --no-state] [--reset] [--seed N]
                       [--speed N] [--sim-fault SPEC] [--collateral USD]
                       [--lighter-fill-delay MS] [--edgex-api v1|v2] [--ports E,EW,L,LW]
                       [--rate-limit E,L] [--funding-episodes on|off]
                       [--sim-move SYMBOL:PCT[@SECONDS]]...
       venue-sim --help

Runs a loopback EdgeX + Lighter simulator (PAPER: no real venue, no real money) until Ctrl-C
or SIGTERM; the state is saved after every order and on exit, so a later `serve` on the same
state continues it.
  --state PATH             state file (default ./paper/sim_state.json)
  --state-dir DIR          state file DIR/sim_state.json
  --no-state               keep the state in memory only
  --reset                  start from a fresh state
  --seed N                 seed of prices and funding for a fresh state
  --speed N                run the simulator's clock N times faster than real time (1..=100000;
                           clients on real time are then refused for expired timestamps;
                           funding runs N times faster, prices keep their real pace)
  --sim-fault SPEC         inject faults, e.g. lighter:sendTx:reject:1 (also VENUE_SIM_FAULTS)
  --collateral USD         collateral of new paper accounts on each venue (default 1000)
  --lighter-fill-delay MS  clock ms before a Lighter tx executes and its fill shows
                           (default 1500, as the venue's 1-3 s; 0 = at once;
                           also VENUE_SIM_LIGHTER_FILL_DELAY_MS)
  --edgex-api v1|v2        EdgeX credentials to print: v1 (Stark key, default) or v2 (API key,
                           passphrase, secret, trading key); both generations are served
  --ports E,EW,L,LW        ports of EdgeX REST, EdgeX WS, Lighter REST, Lighter WS on
                           127.0.0.1 (0 = any free port, the default)
  --rate-limit E,L         requests a minute on EdgeX and on Lighter (0 = unlimited, the
                           default; Lighter's standard account has 60, its sendTx/sendTxBatch
                           are not counted); over it: HTTP 429 with Retry-After
  --funding-episodes on|off  funding dislocations (hours where one venue's rate on one symbol
                           departs by 50-300 % APR and decays; default on; also
                           VENUE_SIM_FUNDING_EPISODES)
  --sim-move SYMBOL:PCT[@SECONDS]  move SYMBOL's fair price on both venues by PCT percent
                           (signed, above -100), at once or linearly over SECONDS of simulated
                           time from the start; repeatable (also VENUE_SIM_MOVES, comma-
                           separated). Accounts below their maintenance margin are liquidated
                           as the venues do (Lighter: partial cuts; /api/v1/liquidations)

Output (stdout), one item per line, in this order: a PAPER banner; `EdgeX   REST <url>   WS <url>`;
`Lighter REST <url>   WS <url>`; a `#` comment; `NAME=value` lines (EDGEX_BASE_URL, EDGEX_WS_URL,
EDGEX_API_VERSION, EDGEX_ACCOUNT_ID, the EdgeX keys, LIGHTER_BASE_URL, LIGHTER_WS_URL,
LIGHTER_CHAIN_ID, LIGHTER_ACCOUNT_INDEX, LIGHTER_API_KEY_INDEX, LIGHTER_PRIVATE_KEY,
VENUE_SIM_STATE, VENUE_SIM_LIGHTER_FILL_DELAY_MS); then `VENUE_SIM_READY=1` once it serves.";

/// What the command line asks for.
#[derive(Debug, Clone)]
pub enum Command {
    /// Print [`USAGE`] and exit 0.
    Help,
    /// Serve until Ctrl-C / SIGTERM.
    Serve(PaperOptions),
}

fn speed(text: &str) -> Result<u32, String> {
    text.parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_SPEED).contains(n))
        .ok_or_else(|| {
            format!("--speed must be a whole number from 1 to {MAX_SPEED}, got {text:?}")
        })
}

fn ports(text: &str) -> Result<[u16; 4], String> {
    let bad =
        || format!("--ports needs four port numbers E,EW,L,LW (0 = any free port), got {text:?}");
    let parts: Vec<u16> = text
        .split(',')
        .map(|p| p.trim().parse::<u16>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad())?;
    let ports: [u16; 4] = parts.try_into().map_err(|_| bad())?;
    let mut fixed: Vec<u16> = ports.iter().copied().filter(|p| *p != 0).collect();
    fixed.sort_unstable();
    if fixed.windows(2).any(|w| w[0] == w[1]) {
        return Err(format!("--ports: the same port is given twice in {text:?}"));
    }
    Ok(ports)
}

fn rate_limit(text: &str) -> Result<[Option<u32>; 2], String> {
    let bad = || format!("--rate-limit needs two whole numbers E,L (0 = unlimited), got {text:?}");
    let parts: Vec<u32> = text
        .split(',')
        .map(|p| p.trim().parse::<u32>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad())?;
    match parts.as_slice() {
        [e, l] => Ok([(*e > 0).then_some(*e), (*l > 0).then_some(*l)]),
        _ => Err(bad()),
    }
}

/// Parses the arguments after the program name; `env` reads the environment
/// (`VENUE_SIM_FAULTS`, `VENUE_SIM_LIGHTER_FILL_DELAY_MS`, `VENUE_SIM_FUNDING_EPISODES`;
/// flags win over it).
pub fn parse(args: &[String], env: &dyn Fn(&str) -> Option<String>) -> Result<Command, String> {
    match args.first().map(String::as_str) {
        Some("--help" | "-h" | "help") => return Ok(Command::Help),
        Some("serve") => {}
        Some(other) => return Err(format!("unknown command {other:?} (expected serve)")),
        None => return Err("missing command (expected serve)".into()),
    }
    if args[1..].iter().any(|a| a == "--help" || a == "-h") {
        return Ok(Command::Help);
    }
    let mut o = PaperOptions {
        lighter_fill_delay: paper::REALISTIC_LIGHTER_FILL_DELAY,
        ..PaperOptions::default()
    }
    .with_env(env)
    .map_err(|e| e.to_string())?
    .with_env_moves(env)
    .map_err(|e| e.to_string())?;
    let mut i = 1;
    let value = |i: usize| {
        args.get(i + 1)
            .cloned()
            .ok_or_else(|| format!("{} needs a value", args[i]))
    };
    while i < args.len() {
        let flag = args[i].as_str();
        let takes_value = !matches!(flag, "--no-state" | "--reset");
        let v = if takes_value {
            value(i)?
        } else {
            String::new()
        };
        match flag {
            "--state" => o.state_path = Some(PathBuf::from(v)),
            "--state-dir" => o.state_path = Some(PathBuf::from(v).join("sim_state.json")),
            "--no-state" => o.state_path = None,
            "--reset" => o.reset = true,
            "--seed" => {
                o.seed = Some(
                    v.parse()
                        .map_err(|_| format!("--seed needs a whole number, got {v:?}"))?,
                )
            }
            "--speed" => {
                let n = speed(&v)?;
                o.clock = Some(Arc::new(ScaledClock::new(chrono::Utc::now(), n)));
                // Funding runs N times faster; prices keep their real pace.
                o.price_time_divisor = n;
            }
            "--sim-fault" => {
                crate::faults::parse_spec(&v).map_err(|e| e.to_string())?;
                o.faults = Some(match o.faults.take() {
                    Some(f) => format!("{f},{v}"),
                    None => v,
                });
            }
            "--collateral" => {
                let c: Decimal = v
                    .parse()
                    .ok()
                    .filter(|c: &Decimal| *c > Decimal::ZERO)
                    .ok_or_else(|| format!("--collateral needs a positive decimal, got {v:?}"))?;
                o.edgex_collateral = c;
                o.lighter_collateral = c;
            }
            "--lighter-fill-delay" => {
                o.lighter_fill_delay = paper::parse_fill_delay_ms(&v)
                    .map_err(|e| format!("--lighter-fill-delay {v:?}: {e}"))?;
            }
            "--edgex-api" => {
                o.edgex_api = match v.to_ascii_lowercase().as_str() {
                    "v1" => ApiVersion::V1,
                    "v2" => ApiVersion::V2,
                    _ => return Err(format!("--edgex-api must be v1 or v2, got {v:?}")),
                };
            }
            "--ports" => o.ports = ports(&v)?,
            "--rate-limit" => o.requests_per_minute = rate_limit(&v)?,
            "--sim-move" => o.moves.push(
                v.parse::<crate::engine::PriceMove>()
                    .map_err(|e| format!("--sim-move {e}"))?,
            ),
            "--funding-episodes" => {
                o.funding_episodes = paper::parse_on_off(&v)
                    .map_err(|e| format!("--funding-episodes {v:?}: {e}"))?;
            }
            other => return Err(format!("unknown option {other}")),
        }
        i += if takes_value { 2 } else { 1 };
    }
    Ok(Command::Serve(o))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn serve(text: &str) -> PaperOptions {
        match parse(&args(text), &no_env).unwrap() {
            Command::Serve(o) => o,
            Command::Help => panic!("help for {text}"),
        }
    }

    #[test]
    fn help_in_every_place() {
        for text in ["--help", "-h", "help", "serve --help", "serve --seed 3 -h"] {
            assert!(matches!(parse(&args(text), &no_env), Ok(Command::Help)));
        }
    }

    #[test]
    fn options() {
        let o = serve("serve --state-dir /tmp/x --seed 9 --ports 0,0,7001,7002 --lighter-fill-delay 0 --edgex-api V2 --collateral 500 --reset --rate-limit 0,60");
        assert_eq!(o.requests_per_minute, [None, Some(60)]);
        assert_eq!(o.state_path, Some(PathBuf::from("/tmp/x/sim_state.json")));
        assert_eq!(o.seed, Some(9));
        assert_eq!(o.ports, [0, 0, 7001, 7002]);
        assert_eq!(o.lighter_fill_delay, Duration::ZERO);
        assert_eq!(o.edgex_api, ApiVersion::V2);
        assert_eq!(o.edgex_collateral, Decimal::from(500));
        assert!(o.reset);
        assert!(o.funding_episodes, "episodes are on by default");
        assert!(!serve("serve --funding-episodes OFF").funding_episodes);
        let off = |k: &str| (k == paper::ENV_FUNDING_EPISODES).then(|| "off".to_string());
        let Ok(Command::Serve(o)) = parse(&args("serve"), &off) else {
            panic!()
        };
        assert!(!o.funding_episodes);
        let Ok(Command::Serve(o)) = parse(&args("serve --funding-episodes on"), &off) else {
            panic!()
        };
        assert!(o.funding_episodes, "the flag wins");
        let bad = |k: &str| (k == paper::ENV_FUNDING_EPISODES).then(|| "maybe".to_string());
        let e = parse(&args("serve"), &bad).unwrap_err();
        assert!(
            e.contains("VENUE_SIM_FUNDING_EPISODES") && e.contains("maybe"),
            "{e}"
        );
        let d = serve("serve --no-state");
        assert_eq!(d.state_path, None);
        assert_eq!(d.lighter_fill_delay, paper::REALISTIC_LIGHTER_FILL_DELAY);
        assert_eq!(d.edgex_api, ApiVersion::V1);
        assert_eq!(d.ports, [0; 4]);
        let env = |k: &str| (k == paper::ENV_LIGHTER_FILL_DELAY).then(|| "250".to_string());
        let Ok(Command::Serve(o)) = parse(&args("serve"), &env) else {
            panic!()
        };
        assert_eq!(o.lighter_fill_delay, Duration::from_millis(250));
        let Ok(Command::Serve(o)) = parse(&args("serve --lighter-fill-delay 10"), &env) else {
            panic!()
        };
        assert_eq!(
            o.lighter_fill_delay,
            Duration::from_millis(10),
            "the flag wins"
        );
    }

    #[test]
    fn sim_moves_repeat_and_add_to_the_environment() {
        let env = |k: &str| (k == paper::ENV_MOVES).then(|| "SOL:5".to_string());
        let o = match parse(
            &args("serve --sim-move BTC:-30@600 --sim-move eth:+2"),
            &env,
        ) {
            Ok(Command::Serve(o)) => o,
            other => panic!("{other:?}"),
        };
        let shown: Vec<String> = o.moves.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["SOL:5", "BTC:-30@600", "ETH:2"]);
        let bad = |k: &str| (k == paper::ENV_MOVES).then(|| "BTC:-30,ETH:x".to_string());
        let e = parse(&args("serve"), &bad).unwrap_err();
        assert!(
            e.contains("VENUE_SIM_MOVES") && e.contains("PCT \"x\""),
            "{e}"
        );
    }

    #[test]
    fn errors_name_the_option_and_value() {
        let cases = [
            ("serve --speed 0", "--speed"),
            ("serve --speed 1000000000", "1000000000"),
            ("serve --speed -3", "--speed"),
            ("serve --speed", "--speed needs a value"),
            ("serve --ports 1,2,3", "--ports"),
            ("serve --ports 1,2,3,x", "--ports"),
            ("serve --ports 5,5,0,0", "twice"),
            ("serve --rate-limit 60", "--rate-limit"),
            ("serve --rate-limit a,b", "--rate-limit"),
            ("serve --lighter-fill-delay 1.5", "--lighter-fill-delay"),
            ("serve --edgex-api v3", "v3"),
            ("serve --funding-episodes sometimes", "sometimes"),
            ("serve --collateral -5", "--collateral"),
            ("serve --sim-fault edgex:x:explode", "explode"),
            (
                "serve --sim-move BTC:abc",
                "--sim-move \"BTC:abc\": PCT \"abc\"",
            ),
            ("serve --sim-move BTC:-30@soon", "SECONDS \"soon\""),
            ("serve --sim-move -30", "PCT"),
            ("serve --bogus", "--bogus"),
            ("frobnicate", "frobnicate"),
            ("", "missing command"),
        ];
        for (text, want) in cases {
            let e = parse(&args(text), &no_env).unwrap_err();
            assert!(e.contains(want), "{text}: {e}");
        }
    }
}

//! Injectable faults, per venue and endpoint, from code or from a string spec.
//!
//! # Grammar (`--sim-fault`, `VENUE_SIM_FAULTS`)
//!
//! ```text
//! SPEC     := RULE ( ("," | ";" | whitespace) RULE )*
//! RULE     := VENUE ":" ENDPOINT ":" FAULT [ ":" COUNT ]
//! VENUE    := "edgex" | "lighter" | "*"
//! ENDPOINT := the last path segment of the REST call, case-insensitive
//!             (EdgeX: createOrder, getDepth, getTicker, getMetaData, getAccountAsset,
//!              updateLeverageSetting, cancelOrderByClientOrderId, getOrderByClientOrderId, ...;
//!              Lighter: sendTx, sendTxBatch, orderBooks, orderBookDetails, orderBookOrders,
//!              recentTrades, nextNonce, account, accountActiveOrders, fundings,
//!              funding-rates, ...)
//!             | "ws" (the WebSocket stream) | "*" (any REST endpoint)
//! FAULT    := "reject"              the venue's error answer (EdgeX envelope / Lighter 400)
//!           | "delay" ["=" MS]      answer late (default 2000 ms of real time)
//!           | "timeout"             never answer (the request is held until the client gives up)
//!           | "429" ["=" SECS]      HTTP 429 with Retry-After (default 1 s); alias "ratelimit"
//!           | "5xx" ["=" STATUS]    HTTP 5xx (default 503); also "500", "502", "503", "504"
//!           | "malformed"           HTTP 200 with a body that is not JSON
//!           | "partial"             the next order fills at most half (order endpoints only)
//!           | "booked-5xx" ["=" STATUS]  process the request (the order IS booked), then answer
//!                                 HTTP 5xx (default 502), like a gateway failing after the venue
//!                                 accepted the order
//!           | "late" ["=" MS]       order endpoints: booked and answered at once, but the order
//!                                 executes (and its fill shows in order status and positions)
//!                                 only MS of clock time later (default 2000; Lighter's 1-3 s)
//!           | "dropped"             order endpoints: answered 200 (valid signature, nonce), but
//!                                 never executed; on Lighter the nonce is NOT consumed
//!           | "drop"                close the WebSocket ("ws" endpoint only)
//!           | "gap"                 swallow one order-book update ("ws" endpoint only): the
//!                                 next one does not chain (Lighter `begin_nonce` != the last
//!                                 `nonce`, EdgeX `startVersion` != the last `endVersion`)
//!           | "stall" ["=" MS]      a stale feed ("ws" endpoint only): every WebSocket of the
//!                                 venue stays open, answers pings and keeps pinging, but
//!                                 pushes no book, ticker or trade update for MS of clock
//!                                 time (default: for good) from the first push after the
//!                                 rule is added; then the next push carries everything that
//!                                 changed meanwhile. A book or trade subscription made
//!                                 while stalled gets nothing (not even its snapshot) until
//!                                 the stall ends, so reconnecting cannot bring the book
//!                                 back early. Account channels keep
//!                                 flowing. The rule fires once (COUNT, if given, must be 1);
//!                                 `*:ws:stall` stalls both venues
//! COUNT    := how many times the rule fires (default: every time)
//! ```
//!
//! Examples: `lighter:sendTx:reject:1`, `edgex:createOrder:timeout`,
//! `edgex:getDepth:429=2:3`, `*:*:delay=500`, `lighter:ws:drop:1`,
//! `edgex:createOrder:booked-5xx=504:1`, `lighter:sendTx:late=2500`, `lighter:sendTx:dropped:1`,
//! `edgex:ws:stall`, `lighter:ws:stall=5000`.
//!
//! A request is processed even when its client has gone away (a `delay` longer than the
//! client's timeout still executes the order, as a real venue would); only `timeout` never
//! processes it.

use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use crate::engine::VenueKind;

/// What goes wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// The venue's rejection.
    Reject,
    /// Answer after this long.
    Delay(Duration),
    /// Never answer (the request is not processed).
    Timeout,
    /// Process the request (an order is booked), then never answer: a lost answer that
    /// the client must resolve by looking the order up.
    LostAnswer,
    /// HTTP 429 with `Retry-After` in seconds.
    RateLimited(u64),
    /// HTTP 5xx.
    ServerError(u16),
    /// 200 with a non-JSON body.
    Malformed,
    /// Cap the next order's fill at half.
    PartialFill,
    /// Close the WebSocket.
    WsDrop,
    /// Swallow one order-book update on the WebSocket (a sequencing gap).
    WsGap,
    /// Process the request (the order is booked), then answer this HTTP 5xx.
    BookedServerError(u16),
    /// Order endpoints: accept and answer now, execute this much clock time later.
    Late(Duration),
    /// Order endpoints: answer 200 without executing (Lighter: nonce not consumed).
    Dropped,
    /// Stall the venue's WebSocket market data for this long of clock time (`None` = for
    /// good): connections stay open and answer pings, but push no book/ticker/trade update.
    WsStall(Option<Duration>),
}

/// One rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// Venue, `None` = both.
    pub venue: Option<VenueKind>,
    /// Endpoint (lower case), `None` = any REST endpoint.
    pub endpoint: Option<String>,
    /// The fault.
    pub kind: FaultKind,
    /// Firings left, `None` = unlimited.
    pub remaining: Option<u32>,
    /// Matching requests to let through before the rule arms (`endpoint@N` in a spec).
    pub skip: u32,
}

impl FaultRule {
    /// A rule that fires every time.
    pub fn new(venue: Option<VenueKind>, endpoint: Option<&str>, kind: FaultKind) -> Self {
        Self {
            venue,
            endpoint: endpoint.map(str::to_ascii_lowercase),
            kind,
            remaining: None,
            skip: 0,
        }
    }

    /// Lets the first `n` matching requests through before firing.
    pub fn after(mut self, n: u32) -> Self {
        self.skip = n;
        self
    }

    /// Limits the rule to `count` firings.
    pub fn times(mut self, count: u32) -> Self {
        self.remaining = Some(count);
        self
    }
}

/// A spec that does not follow the grammar; names the offending rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad fault rule {rule:?}: {reason} (expected venue:endpoint[@skip]:fault[:count], e.g. lighter:sendTx:reject:1)")]
pub struct FaultSpecError {
    /// The rule as given.
    pub rule: String,
    /// What is wrong.
    pub reason: String,
}

fn parse_kind(text: &str) -> Result<FaultKind, String> {
    let (name, arg) = match text.split_once('=') {
        Some((n, a)) => (n, Some(a)),
        None => (text, None),
    };
    let num = |default: u64| -> Result<u64, String> {
        match arg {
            None => Ok(default),
            Some(a) => a
                .trim_end_matches("ms")
                .trim_end_matches('s')
                .parse::<u64>()
                .map_err(|_| format!("{a:?} is not a number")),
        }
    };
    let lower = name.to_ascii_lowercase();
    Ok(match lower.as_str() {
        "reject" => FaultKind::Reject,
        "delay" => FaultKind::Delay(Duration::from_millis(num(2000)?)),
        "timeout" => FaultKind::Timeout,
        "lost" | "lost-answer" => FaultKind::LostAnswer,
        "429" | "ratelimit" | "rate-limit" => FaultKind::RateLimited(num(1)?),
        "5xx" => {
            let s = num(503)?;
            if !(500..600).contains(&s) {
                return Err(format!("status {s} is not 5xx"));
            }
            FaultKind::ServerError(s as u16)
        }
        "500" | "502" | "503" | "504" => FaultKind::ServerError(lower.parse().unwrap_or(503)),
        "malformed" => FaultKind::Malformed,
        "partial" | "partial-fill" => FaultKind::PartialFill,
        "drop" | "ws-drop" => FaultKind::WsDrop,
        "gap" | "ws-gap" => FaultKind::WsGap,
        "booked-5xx" => {
            let s = num(502)?;
            if !(500..600).contains(&s) {
                return Err(format!("status {s} is not 5xx"));
            }
            FaultKind::BookedServerError(s as u16)
        }
        "late" => FaultKind::Late(Duration::from_millis(num(2000)?)),
        "dropped" => FaultKind::Dropped,
        "stall" | "ws-stall" => FaultKind::WsStall(match arg {
            None => None,
            Some(_) => Some(Duration::from_millis(num(0)?)),
        }),
        _ => return Err(format!("unknown fault {name:?}")),
    })
}

impl FromStr for FaultRule {
    type Err = FaultSpecError;

    fn from_str(rule: &str) -> Result<Self, Self::Err> {
        let err = |reason: String| FaultSpecError {
            rule: rule.to_string(),
            reason,
        };
        let parts: Vec<&str> = rule.split(':').map(str::trim).collect();
        if !(3..=4).contains(&parts.len()) {
            return Err(err("expected 3 or 4 ':'-separated fields".into()));
        }
        let venue = match parts[0].to_ascii_lowercase().as_str() {
            "edgex" => Some(VenueKind::Edgex),
            "lighter" => Some(VenueKind::Lighter),
            "*" | "any" => None,
            other => return Err(err(format!("unknown venue {other:?}"))),
        };
        let (endpoint_text, skip) = match parts[1].split_once('@') {
            Some((e, n)) => (
                e.trim(),
                n.trim()
                    .parse::<u32>()
                    .map_err(|_| err(format!("skip {n:?} after '@' is not a whole number")))?,
            ),
            None => (parts[1], 0),
        };
        if endpoint_text.is_empty() {
            return Err(err("empty endpoint".into()));
        }
        let endpoint = (endpoint_text != "*").then(|| endpoint_text.to_ascii_lowercase());
        let kind = parse_kind(parts[2]).map_err(err)?;
        let is_ws = endpoint.as_deref() == Some("ws");
        if matches!(
            kind,
            FaultKind::WsDrop | FaultKind::WsGap | FaultKind::WsStall(_)
        ) != is_ws
        {
            return Err(err(
                "\"drop\", \"gap\" and \"stall\" go with the \"ws\" endpoint, and only they do"
                    .into(),
            ));
        }
        let remaining = match parts.get(3) {
            None => None,
            Some(c) => Some(
                c.parse::<u32>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| err(format!("count {c:?} is not a positive integer")))?,
            ),
        };
        if matches!(kind, FaultKind::WsStall(_)) && remaining.is_some_and(|n| n != 1) {
            return Err(err(
                "\"stall\" fires once; give its length as stall=MS instead of a count".into(),
            ));
        }
        Ok(FaultRule {
            venue,
            endpoint,
            kind,
            remaining,
            skip,
        })
    }
}

/// Parses a whole spec (empty = no rules).
pub fn parse_spec(spec: &str) -> Result<Vec<FaultRule>, FaultSpecError> {
    spec.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|r| !r.trim().is_empty())
        .map(FaultRule::from_str)
        .collect()
}

/// The live rule set of a simulator (shared by its front-ends; tests add rules at any time).
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<FaultRule>>,
    /// Per venue [EdgeX, Lighter]: clock time (ms) until which its WebSocket market data is
    /// stalled (`i64::MAX` = for good).
    stalled_until: Mutex<[Option<i64>; 2]>,
}

/// Which class of fault a caller can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Http,
    Partial,
    Order,
    Ws,
    WsGap,
    WsStall,
}

fn class_of(kind: FaultKind) -> Class {
    match kind {
        FaultKind::PartialFill => Class::Partial,
        FaultKind::WsDrop => Class::Ws,
        FaultKind::WsGap => Class::WsGap,
        FaultKind::WsStall(_) => Class::WsStall,
        FaultKind::Late(_) | FaultKind::Dropped => Class::Order,
        _ => Class::Http,
    }
}

impl Faults {
    /// No rules.
    pub fn new() -> Self {
        Self::default()
    }

    /// From a spec string.
    pub fn from_spec(spec: &str) -> Result<Self, FaultSpecError> {
        let f = Self::new();
        for r in parse_spec(spec)? {
            f.add(r);
        }
        Ok(f)
    }

    /// Adds a rule.
    pub fn add(&self, rule: FaultRule) {
        self.lock().push(rule);
    }

    /// Adds the rules of a spec string.
    pub fn add_spec(&self, spec: &str) -> Result<(), FaultSpecError> {
        let rules = parse_spec(spec)?;
        self.lock().extend(rules);
        Ok(())
    }

    /// Removes every rule and ends any stall.
    pub fn clear(&self) {
        self.lock().clear();
        *self.stalled_until.lock().unwrap_or_else(|p| p.into_inner()) = [None, None];
    }

    /// Rules still armed.
    pub fn rules(&self) -> Vec<FaultRule> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<FaultRule>> {
        self.rules.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn take(&self, venue: VenueKind, endpoint: &str, class: Class) -> Option<FaultKind> {
        let endpoint = endpoint.to_ascii_lowercase();
        let mut rules = self.lock();
        let matches = |r: &FaultRule| {
            class_of(r.kind) == class
                && r.venue.is_none_or(|v| v == venue)
                && match &r.endpoint {
                    None => !matches!(class, Class::Ws | Class::WsGap | Class::WsStall),
                    Some(e) => *e == endpoint,
                }
        };
        // Rules still skipping count this request and stay silent; the first armed one fires.
        let pos = rules.iter().position(|r| r.skip == 0 && matches(r));
        for r in rules.iter_mut().filter(|r| r.skip > 0 && matches(r)) {
            r.skip -= 1;
        }
        let pos = pos?;
        let kind = rules[pos].kind;
        if let Some(n) = rules[pos].remaining.as_mut() {
            *n -= 1;
            if *n == 0 {
                rules.remove(pos);
            }
        }
        Some(kind)
    }

    /// The HTTP-level fault for a request, consuming one firing.
    pub fn take_http(&self, venue: VenueKind, endpoint: &str) -> Option<FaultKind> {
        self.take(venue, endpoint, Class::Http)
    }

    /// True (consuming one firing) when the next order on `endpoint` must fill partially.
    pub fn take_partial(&self, venue: VenueKind, endpoint: &str) -> bool {
        self.take(venue, endpoint, Class::Partial).is_some()
    }

    /// The order-execution fault (`late`, `dropped`) for the next order request on
    /// `endpoint`, consuming one firing.
    pub fn take_order(&self, venue: VenueKind, endpoint: &str) -> Option<FaultKind> {
        self.take(venue, endpoint, Class::Order)
    }

    /// True (consuming one firing) when the next order-book update must be swallowed.
    pub fn take_ws_gap(&self, venue: VenueKind) -> bool {
        self.take(venue, "ws", Class::WsGap).is_some()
    }

    /// True (consuming one firing) when the venue's WebSocket must drop now.
    pub fn take_ws_drop(&self, venue: VenueKind) -> bool {
        self.take(venue, "ws", Class::Ws).is_some()
    }

    /// True while the venue's WebSocket market data is stalled at clock time `now_ms`: a
    /// pending `stall` rule starts its window now (and is used up; a `*` rule stalls both
    /// venues from now).
    pub fn ws_stalled(&self, venue: VenueKind, now_ms: i64) -> bool {
        let fired = {
            let mut rules = self.lock();
            let pos = rules.iter().position(|r| {
                matches!(r.kind, FaultKind::WsStall(_))
                    && r.venue.is_none_or(|v| v == venue)
                    && r.endpoint.as_deref() == Some("ws")
            });
            pos.map(|p| rules.remove(p))
        };
        let mut until = self.stalled_until.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(FaultRule {
            kind: FaultKind::WsStall(length),
            venue: which,
            ..
        }) = fired
        {
            let end = length.map_or(i64::MAX, |d| {
                now_ms.saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            });
            for (i, v) in [VenueKind::Edgex, VenueKind::Lighter]
                .into_iter()
                .enumerate()
            {
                if which.is_none_or(|w| w == v) {
                    until[i] = Some(until[i].map_or(end, |u| u.max(end)));
                }
            }
        }
        let i = match venue {
            VenueKind::Edgex => 0,
            VenueKind::Lighter => 1,
        };
        until[i].is_some_and(|u| now_ms < u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_lets_the_first_requests_through() {
        let f = Faults::from_spec("lighter:sendTx@2:reject:1").unwrap();
        assert_eq!(
            f.rules()[0],
            FaultRule::new(Some(VenueKind::Lighter), Some("sendtx"), FaultKind::Reject)
                .times(1)
                .after(2)
        );
        assert_eq!(f.take_http(VenueKind::Lighter, "sendTx"), None);
        assert_eq!(f.take_http(VenueKind::Lighter, "nextNonce"), None);
        assert_eq!(f.take_http(VenueKind::Lighter, "sendTx"), None);
        assert_eq!(
            f.take_http(VenueKind::Lighter, "sendTx"),
            Some(FaultKind::Reject)
        );
        assert_eq!(f.take_http(VenueKind::Lighter, "sendTx"), None);
        assert!(Faults::from_spec("lighter:sendTx@x:reject").is_err());
        assert_eq!(
            Faults::from_spec("edgex:createOrder:lost:1")
                .unwrap()
                .rules()[0]
                .kind,
            FaultKind::LostAnswer
        );
    }

    #[test]
    fn grammar_table() {
        let ok: &[(&str, FaultRule)] = &[
            (
                "lighter:sendTx:reject:1",
                FaultRule::new(Some(VenueKind::Lighter), Some("sendtx"), FaultKind::Reject)
                    .times(1),
            ),
            (
                "edgex:createOrder:timeout",
                FaultRule::new(
                    Some(VenueKind::Edgex),
                    Some("createorder"),
                    FaultKind::Timeout,
                ),
            ),
            (
                "edgex:getDepth:429=2:3",
                FaultRule::new(
                    Some(VenueKind::Edgex),
                    Some("getdepth"),
                    FaultKind::RateLimited(2),
                )
                .times(3),
            ),
            (
                "*:*:delay=500",
                FaultRule::new(None, None, FaultKind::Delay(Duration::from_millis(500))),
            ),
            (
                "lighter:ws:drop:1",
                FaultRule::new(Some(VenueKind::Lighter), Some("ws"), FaultKind::WsDrop).times(1),
            ),
            (
                "edgex:getTicker:502",
                FaultRule::new(
                    Some(VenueKind::Edgex),
                    Some("getticker"),
                    FaultKind::ServerError(502),
                ),
            ),
            (
                "edgex:createOrder:booked-5xx:1",
                FaultRule::new(
                    Some(VenueKind::Edgex),
                    Some("createorder"),
                    FaultKind::BookedServerError(502),
                )
                .times(1),
            ),
            (
                "lighter:sendTx:booked-5xx=504",
                FaultRule::new(
                    Some(VenueKind::Lighter),
                    Some("sendtx"),
                    FaultKind::BookedServerError(504),
                ),
            ),
            (
                "lighter:sendTx@1:late=2500",
                FaultRule::new(
                    Some(VenueKind::Lighter),
                    Some("sendtx"),
                    FaultKind::Late(Duration::from_millis(2500)),
                )
                .after(1),
            ),
            (
                "edgex:createOrder:late",
                FaultRule::new(
                    Some(VenueKind::Edgex),
                    Some("createorder"),
                    FaultKind::Late(Duration::from_millis(2000)),
                ),
            ),
            (
                "lighter:sendTx:dropped:1",
                FaultRule::new(Some(VenueKind::Lighter), Some("sendtx"), FaultKind::Dropped)
                    .times(1),
            ),
            (
                "edgex:createOrder:partial:2",
                FaultRule::new(
                    Some(VenueKind::Edgex),
                    Some("createorder"),
                    FaultKind::PartialFill,
                )
                .times(2),
            ),
        ];
        let ok = &[
            ok,
            &[
                (
                    "edgex:ws:stall",
                    FaultRule::new(Some(VenueKind::Edgex), Some("ws"), FaultKind::WsStall(None)),
                ),
                (
                    "lighter:ws:stall=1500:1",
                    FaultRule::new(
                        Some(VenueKind::Lighter),
                        Some("ws"),
                        FaultKind::WsStall(Some(Duration::from_millis(1500))),
                    )
                    .times(1),
                ),
            ][..],
        ]
        .concat();
        for (text, want) in ok.iter() {
            assert_eq!(&text.parse::<FaultRule>().unwrap(), want, "{text}");
        }
        for bad in [
            "edgex:createOrder",
            "kraken:x:reject",
            "edgex:x:explode",
            "edgex:x:reject:0",
            "edgex:x:5xx=404",
            "edgex:x:booked-5xx=404",
            "edgex:x:late=soon",
            "edgex:x:drop",
            "edgex:ws:reject",
            "edgex:getDepth:gap",
            "edgex:getDepth:stall",
            "edgex:ws:stall=soon",
            "edgex:ws:stall:2",
            "a:b:c:d:e",
        ] {
            let e = bad.parse::<FaultRule>().unwrap_err();
            assert!(e.to_string().contains(bad), "{e}");
        }
        assert_eq!(
            parse_spec("edgex:a:reject, lighter:b:timeout;*:*:malformed")
                .unwrap()
                .len(),
            3
        );
        assert!(parse_spec("").unwrap().is_empty());
    }

    #[test]
    fn counts_and_classes() {
        let f =
            Faults::from_spec("lighter:sendTx:reject:1,lighter:sendTx:partial:1,lighter:ws:drop:1")
                .unwrap();
        assert_eq!(f.take_http(VenueKind::Edgex, "sendTx"), None);
        assert_eq!(
            f.take_http(VenueKind::Lighter, "SENDTX"),
            Some(FaultKind::Reject)
        );
        assert_eq!(f.take_http(VenueKind::Lighter, "sendTx"), None);
        assert!(f.take_partial(VenueKind::Lighter, "sendtx"));
        assert!(!f.take_partial(VenueKind::Lighter, "sendtx"));
        assert!(f.take_ws_drop(VenueKind::Lighter));
        assert!(f.rules().is_empty());
        f.add_spec("lighter:sendTx:dropped:1").unwrap();
        assert_eq!(f.take_http(VenueKind::Lighter, "sendTx"), None);
        assert_eq!(
            f.take_order(VenueKind::Lighter, "sendTx"),
            Some(FaultKind::Dropped)
        );
        assert!(f.rules().is_empty());
        f.add(FaultRule::new(None, None, FaultKind::Malformed));
        assert_eq!(
            f.take_http(VenueKind::Edgex, "x"),
            Some(FaultKind::Malformed)
        );
        assert_eq!(
            f.take_http(VenueKind::Lighter, "y"),
            Some(FaultKind::Malformed)
        );
        assert!(!f.take_ws_drop(VenueKind::Lighter));
        f.clear();
        assert!(f.rules().is_empty());
    }

    #[test]
    fn stall_windows_run_on_clock_time() {
        let f = Faults::from_spec("lighter:ws:stall=1000,edgex:ws:drop:1").unwrap();
        assert!(!f.ws_stalled(VenueKind::Edgex, 0));
        // the window starts at the first look, not when the rule was added
        assert!(f.ws_stalled(VenueKind::Lighter, 5_000));
        assert!(f.ws_stalled(VenueKind::Lighter, 5_999));
        assert!(!f.ws_stalled(VenueKind::Lighter, 6_000));
        assert!(!f.ws_stalled(VenueKind::Lighter, 7_000), "it fires once");
        assert_eq!(f.rules().len(), 1, "the drop rule is untouched");
        f.add_spec("*:ws:stall").unwrap();
        assert!(f.ws_stalled(VenueKind::Edgex, 10_000));
        assert!(f.ws_stalled(VenueKind::Lighter, 10_000));
        assert!(f.ws_stalled(VenueKind::Lighter, i64::MAX - 1), "for good");
        assert!(!f.take_ws_gap(VenueKind::Edgex));
        f.clear();
        assert!(!f.ws_stalled(VenueKind::Edgex, 10_000));
    }
}

//! Wire -> domain conversions: the one place where missing fields, units and grids are checked.
//!
//! Rules kept here (spec §2): equity is `collateralAssetModelList[].totalEquity` and available
//! `availableAmount` of the collateral coin (never `collateralList[].amount`); a position is
//! flat when `|openSize| < stepSize`; the funding interval comes from the contract's
//! `fundingRateIntervalMin` (a contract without it is an error); top of book comes from depth.

use super::models::{
    AccountAsset, Contract, Depth, FundingRateItem, MetaData, OrderItem, PositionTransaction,
    Ticker,
};
use crate::config::ApiVersion;
use crate::error::decode_error;
use crate::signing::eip712::{Address, Eip712Domain};
use crate::signing::order_v1::V1ContractParams;
use crate::signing::order_v2::V2ContractParams;
use crate::signing::{parse_hex_biguint, parse_hex_or_dec};
use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use std::collections::HashMap;
use venue_api::{
    Balance, BookLevel, BookSource, ClientOrderId, FundingPayment, FundingPoint, FundingRate,
    LeverageSetting, MarginMode, MarketId, MarketInfo, MarketStatus, OrderState, OrderStatus,
    Position, Side, TopOfBook, VenueError,
};

fn missing(what: &str) -> VenueError {
    decode_error(format!("missing or malformed {what}"), "")
}

/// Milliseconds since the epoch (as text) to a UTC time.
pub fn ms_to_time(text: &str) -> Result<DateTime<Utc>, VenueError> {
    text.trim()
        .parse::<i64>()
        .ok()
        .and_then(|ms| Utc.timestamp_millis_opt(ms).single())
        .ok_or_else(|| missing(&format!("millisecond time {text:?}")))
}

/// One contract with what the adapter derived from it.
#[derive(Debug, Clone)]
pub struct ContractEntry {
    /// Base asset (`BTC`).
    pub symbol: String,
    /// The wire contract.
    pub contract: Contract,
    /// Domain view.
    pub info: MarketInfo,
}

/// Parsed metadata: contracts of the configured quote, by symbol and by id.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// The raw metadata.
    pub meta: MetaData,
    /// Symbol -> contract.
    pub by_symbol: HashMap<String, ContractEntry>,
    /// Contract id -> symbol.
    pub symbol_by_id: HashMap<String, String>,
    /// Quote currency (as configured).
    pub quote: String,
    /// Every contract name the venue lists (for the unknown-pair error).
    pub offered: Vec<String>,
}

/// Quote coins that stand for one another: V1 lists `BTCUSD`, V2 lists `BTCUSDC` (live
/// captures, `../shared/docs/findings/live-edgex.md` row 2); a config saying either finds both.
fn quote_family(quote: &str) -> &'static [&'static str] {
    match quote {
        "USD" | "USDC" => &["USD", "USDC"],
        "USDT" => &["USDT"],
        _ => &[],
    }
}

impl Catalog {
    /// Builds the catalog for `quote`. A contract's base and quote are read from the
    /// metadata's coins (`baseCoinId`/`quoteCoinId` -> `coinList[].coinName`), so `BTCUSD`
    /// (V1) and `BTCUSDC` (V2) both resolve as `BTC` for a configured quote of `USD` or
    /// `USDC` (an exact quote match wins when a base is listed with both). Without coin ids
    /// the contract name minus the quote is used. Contracts that cannot be parsed are skipped
    /// with a warning, so one bad listing cannot hide the others.
    pub fn new(meta: MetaData, quote: &str) -> Self {
        let quote = quote.to_ascii_uppercase();
        let family: Vec<String> = match quote_family(&quote) {
            [] => vec![quote.clone()],
            f => f.iter().map(|q| (*q).to_string()).collect(),
        };
        let coin_name = |id: Option<&str>| -> Option<String> {
            let id = id?;
            meta.coin_list
                .iter()
                .find(|c| c.coin_id.as_deref() == Some(id))
                .and_then(|c| c.coin_name.as_deref())
                .map(str::to_ascii_uppercase)
        };
        let mut by_symbol: HashMap<String, ContractEntry> = HashMap::new();
        let mut symbol_by_id = HashMap::new();
        let mut offered = Vec::new();
        let maintenance = meta
            .global
            .maintenance_reason
            .as_deref()
            .is_some_and(|r| !r.trim().is_empty());
        for contract in &meta.contract_list {
            let Some(name) = contract.contract_name.as_deref() else {
                continue;
            };
            offered.push(name.to_string());
            let from_coins = match (
                coin_name(contract.base_coin_id.as_deref()),
                coin_name(contract.quote_coin_id.as_deref()),
            ) {
                (Some(base), Some(q)) if family.contains(&q) => Some((base, q)),
                (Some(_), Some(_)) => continue,
                _ => None,
            };
            let Some((symbol, contract_quote)) = from_coins.or_else(|| {
                // no coin ids: the name minus the longest quote of the family it ends with
                let mut fam = family.clone();
                fam.sort_by_key(|q| std::cmp::Reverse(q.len()));
                fam.into_iter().find_map(|q| {
                    name.to_ascii_uppercase()
                        .strip_suffix(q.as_str())
                        .filter(|s| !s.is_empty())
                        .map(|s| (s.to_string(), q))
                })
            }) else {
                continue;
            };
            if let Some(existing) = by_symbol.get(&symbol) {
                // both BTCUSD and BTCUSDC listed: the configured quote wins
                if existing.info.quote == quote || contract_quote != quote {
                    continue;
                }
            }
            match market_info(&symbol, &contract_quote, contract, maintenance) {
                Ok(info) => {
                    symbol_by_id.insert(info.market_id.0.clone(), symbol.clone());
                    by_symbol.insert(
                        symbol.clone(),
                        ContractEntry {
                            symbol,
                            contract: contract.clone(),
                            info,
                        },
                    );
                }
                Err(e) => tracing::warn!(contract = name, error = %e, "skipping EdgeX contract"),
            }
        }
        offered.sort();
        Self {
            meta,
            by_symbol,
            symbol_by_id,
            quote,
            offered,
        }
    }

    /// The contract of a base symbol; an unknown one is an error naming what EdgeX offers.
    pub fn entry(&self, symbol: &str) -> Result<&ContractEntry, VenueError> {
        let wanted = symbol.to_ascii_uppercase();
        self.by_symbol.get(&wanted).ok_or_else(|| {
            const SHOWN: usize = 40;
            let mut list = self
                .offered
                .iter()
                .take(SHOWN)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if self.offered.len() > SHOWN {
                list.push_str(&format!(", ... ({} in all)", self.offered.len()));
            }
            let quotes = match quote_family(&self.quote) {
                [] => self.quote.clone(),
                family => family.join("/"),
            };
            VenueError::UnknownMarket(format!(
                "{wanted}{}: EdgeX lists no {wanted} contract quoted in {quotes}; it offers: {list}",
                self.quote
            ))
        })
    }

    /// The collateral coin id: `global.starkExCollateralCoin.coinId`, else the coin named like
    /// the quote, else "1000" (EdgeX's USD).
    pub fn collateral_coin_id(&self) -> String {
        self.meta
            .global
            .stark_ex_collateral_coin
            .as_ref()
            .and_then(|c| c.coin_id.clone())
            .or_else(|| {
                self.meta
                    .coin_list
                    .iter()
                    .find(|c| c.coin_name.as_deref() == Some(self.quote.as_str()))
                    .and_then(|c| c.coin_id.clone())
            })
            .unwrap_or_else(|| "1000".to_string())
    }

    /// What a V1 order signature needs for this contract.
    pub fn v1_params(&self, entry: &ContractEntry) -> Result<V1ContractParams, VenueError> {
        let c = &entry.contract;
        let coin = self
            .meta
            .global
            .stark_ex_collateral_coin
            .as_ref()
            .ok_or_else(|| missing("global.starkExCollateralCoin"))?;
        let hex = |v: &Option<String>, what: &str| {
            v.as_deref()
                .and_then(parse_hex_biguint)
                .ok_or_else(|| missing(what))
        };
        Ok(V1ContractParams {
            contract_id: entry.info.market_id.0.clone(),
            synthetic_asset_id: hex(&c.stark_ex_synthetic_asset_id, "starkExSyntheticAssetId")?,
            synthetic_resolution: hex(&c.stark_ex_resolution, "contract starkExResolution")?,
            collateral_asset_id: hex(&coin.stark_ex_asset_id, "collateral starkExAssetId")?,
            collateral_resolution: hex(&coin.stark_ex_resolution, "collateral starkExResolution")?,
            taker_fee_rate: c
                .default_taker_fee_rate
                .ok_or_else(|| missing("defaultTakerFeeRate"))?,
        })
    }

    /// What a V2 order signature needs for this contract.
    pub fn v2_params(&self, entry: &ContractEntry) -> Result<V2ContractParams, VenueError> {
        let c = &entry.contract;
        let g = &self.meta.global;
        let quote_id = c
            .quote_coin_id
            .as_deref()
            .ok_or_else(|| missing("quoteCoinId"))?;
        let coin = self
            .meta
            .coin_list
            .iter()
            .find(|coin| coin.coin_id.as_deref() == Some(quote_id))
            .ok_or_else(|| missing(&format!("coinList entry {quote_id}")))?;
        let chain = g
            .native_chain_id
            .as_deref()
            .or(g.chain_id.as_deref())
            .ok_or_else(|| missing("global.chainId"))?;
        Ok(V2ContractParams {
            contract_id: entry
                .info
                .market_id
                .0
                .parse()
                .map_err(|_| missing("contractId"))?,
            collateral_coin_id: quote_id.parse().map_err(|_| missing("quote coinId"))?,
            synthetic_resolution: c
                .resolution
                .as_deref()
                .and_then(parse_hex_or_dec)
                .ok_or_else(|| missing("contract resolution"))?,
            collateral_resolution: coin
                .resolution
                .as_deref()
                .and_then(parse_hex_or_dec)
                .ok_or_else(|| missing("coin resolution"))?,
            taker_fee_rate: c.default_taker_fee_rate,
            maker_fee_rate: c.default_maker_fee_rate,
            domain: Eip712Domain {
                chain_id: parse_hex_or_dec(chain).ok_or_else(|| missing("global.chainId"))?,
                verifying_contract: g
                    .contract_address
                    .as_deref()
                    .and_then(Address::parse)
                    .ok_or_else(|| missing("global.contractAddress"))?,
            },
        })
    }

    /// Whether the metadata carries what signing needs for `version` (checked at start-up).
    pub fn supports(&self, version: ApiVersion, entry: &ContractEntry) -> Result<(), VenueError> {
        match version {
            ApiVersion::V1 => self.v1_params(entry).map(|_| ()),
            ApiVersion::V2 => self.v2_params(entry).map(|_| ()),
        }
    }
}

/// The maintenance rate of the contract's first risk tier (smallest positions): the rate
/// the venue applies, `starkExRisk / 2^32`, else the displayed `maintenanceMarginRate`.
fn base_tier_maintenance(c: &Contract) -> Option<Decimal> {
    let tier = c
        .risk_tier_list
        .iter()
        .min_by_key(|t| t.position_value_upper_bound.unwrap_or(Decimal::MAX))?;
    tier.stark_ex_risk
        .and_then(|r| r.checked_div(Decimal::from(1u64 << 32)))
        .or(tier.maintenance_margin_rate)
        .filter(|r| *r > Decimal::ZERO)
}

/// Domain facts of one contract.
pub fn market_info(
    symbol: &str,
    quote: &str,
    c: &Contract,
    maintenance: bool,
) -> Result<MarketInfo, VenueError> {
    let id = c.contract_id.clone().ok_or_else(|| missing("contractId"))?;
    let tick = c
        .tick_size
        .filter(|t| *t > Decimal::ZERO)
        .ok_or_else(|| missing("tickSize"))?;
    let step = c
        .step_size
        .filter(|s| *s > Decimal::ZERO)
        .ok_or_else(|| missing("stepSize"))?;
    let tier_max = c.risk_tier_list.iter().filter_map(|t| t.max_leverage).max();
    let status = if maintenance || c.enable_trade == Some(false) {
        MarketStatus::Inactive
    } else if c.enable_open_position == Some(false) {
        MarketStatus::ReduceOnly
    } else {
        MarketStatus::Active
    };
    Ok(MarketInfo {
        symbol: symbol.to_string(),
        quote: quote.to_string(),
        market_id: MarketId(id),
        tick_size: tick,
        step_size: step,
        min_size: c.min_order_size.unwrap_or(step),
        min_quote: None,
        max_leverage: c.display_max_leverage.or(tier_max),
        default_leverage: c.default_leverage,
        taker_fee: c.default_taker_fee_rate,
        maker_fee: c.default_maker_fee_rate,
        funding_interval_minutes: c
            .funding_rate_interval_min
            .as_deref()
            .and_then(|m| m.trim().parse().ok()),
        status,
        maintenance_margin_fraction: base_tier_maintenance(c),
    })
}

/// The funding interval of a contract; absent is an error (never assumed).
pub fn funding_interval(entry: &ContractEntry) -> Result<u32, VenueError> {
    entry
        .info
        .funding_interval_minutes
        .filter(|m| *m > 0)
        .ok_or_else(|| missing(&format!("fundingRateIntervalMin of {}", entry.symbol)))
}

/// Best bid/ask of a depth snapshot (asks ascending, bids descending; we take the extremes
/// anyway so an unsorted answer cannot mislead).
pub fn top_of_book(depth: &Depth, now: DateTime<Utc>, source: BookSource) -> TopOfBook {
    let level = |l: &super::models::Level| BookLevel {
        price: l.price,
        size: l.size,
    };
    let positive = |l: &&super::models::Level| l.size > Decimal::ZERO;
    TopOfBook {
        bid: depth
            .bids
            .iter()
            .filter(positive)
            .max_by(|a, b| a.price.cmp(&b.price))
            .map(level),
        ask: depth
            .asks
            .iter()
            .filter(positive)
            .min_by(|a, b| a.price.cmp(&b.price))
            .map(level),
        time: now,
        source,
    }
}

/// An optional millisecond time where `"0"` means "none".
fn opt_time(text: Option<&str>) -> Result<Option<DateTime<Utc>>, VenueError> {
    text.filter(|t| t.trim() != "0").map(ms_to_time).transpose()
}

/// Current funding from a ticker.
pub fn funding_rate(ticker: &Ticker, interval_minutes: u32) -> Result<FundingRate, VenueError> {
    Ok(FundingRate {
        rate: ticker
            .funding_rate
            .ok_or_else(|| missing("ticker fundingRate"))?,
        interval_minutes,
        next_funding_time: opt_time(ticker.next_funding_time.as_deref())?,
        time: opt_time(ticker.funding_time.as_deref())?,
    })
}

/// Settled funding points, newest first.
pub fn funding_points(
    items: &[FundingRateItem],
    interval_minutes: u32,
) -> Result<Vec<FundingPoint>, VenueError> {
    let mut out = Vec::with_capacity(items.len());
    for item in items.iter().filter(|i| i.is_settlement != Some(false)) {
        let time = item
            .funding_time
            .as_deref()
            .or(item.funding_timestamp.as_deref())
            .ok_or_else(|| missing("fundingTime"))?;
        out.push(FundingPoint {
            time: ms_to_time(time)?,
            rate: item.funding_rate.ok_or_else(|| missing("fundingRate"))?,
            interval_minutes: item
                .funding_rate_interval_min
                .as_deref()
                .and_then(|m| m.parse().ok())
                .unwrap_or(interval_minutes),
        });
    }
    out.sort_by_key(|p| std::cmp::Reverse(p.time));
    Ok(out)
}

/// Equity and available of the collateral coin (the totalEquity trap: never `amount`).
pub fn balance(asset: &AccountAsset, collateral_coin_id: &str) -> Result<Balance, VenueError> {
    let model = asset
        .collateral_asset_model_list
        .iter()
        .find(|m| m.coin_id.as_deref() == Some(collateral_coin_id))
        .ok_or_else(|| {
            missing(&format!(
                "collateralAssetModelList entry for coin {collateral_coin_id}"
            ))
        })?;
    let equity = model.total_equity.ok_or_else(|| missing("totalEquity"))?;
    let available = model
        .available_amount
        .ok_or_else(|| missing("availableAmount"))?;
    let margin_usage = match model.initial_margin_requirement {
        Some(im) if equity > Decimal::ZERO => im.checked_div(equity),
        _ => None,
    };
    Ok(Balance {
        equity,
        available,
        margin_usage,
        maintenance_margin: model.stark_ex_risk_value,
        initial_margin: model.initial_margin_requirement,
    })
}

/// Open positions; `mark` gives a price for contracts without a `positionAssetList` entry
/// (the manual `mark × openSize − openValue` fallback).
pub fn positions(
    asset: &AccountAsset,
    catalog: &Catalog,
    mark: &HashMap<String, Decimal>,
) -> Result<Vec<Position>, VenueError> {
    let mut out = Vec::new();
    for p in &asset.position_list {
        let cid = p
            .contract_id
            .as_deref()
            .ok_or_else(|| missing("position contractId"))?;
        let size = p.open_size.ok_or_else(|| missing("openSize"))?;
        let Some(symbol) = catalog.symbol_by_id.get(cid) else {
            if !size.is_zero() {
                tracing::warn!(contract_id = cid, %size, "EdgeX position in a contract outside the configured quote");
            }
            continue;
        };
        let entry = catalog.entry(symbol)?;
        if size.abs() < entry.info.step_size {
            continue;
        }
        let open_value = p.open_value;
        let pa = asset
            .position_asset_list
            .iter()
            .find(|a| a.contract_id.as_deref() == Some(cid));
        let manual_entry = open_value.and_then(|v| v.abs().checked_div(size.abs()));
        let manual_pnl = match (mark.get(cid), open_value) {
            (Some(m), Some(v)) => Some(*m * size - v),
            _ => None,
        };
        out.push(Position {
            symbol: symbol.clone(),
            market_id: MarketId(cid.to_string()),
            size,
            entry_price: pa
                .and_then(|a| a.avg_entry_price)
                .filter(|p| !p.is_zero())
                .or(manual_entry),
            unrealized_pnl: pa.and_then(|a| a.unrealize_pnl).or(manual_pnl),
            liquidation_price: pa.and_then(|a| a.liquidate_price).filter(|p| !p.is_zero()),
            leverage: pa.and_then(|a| a.max_leverage),
            // the start of the current term on the position's side (`longTermCreatedTime` /
            // `shortTermCreatedTime`); "0" or absent = not reported
            opened_at: if size > Decimal::ZERO {
                p.long_term_created_time.as_deref()
            } else {
                p.short_term_created_time.as_deref()
            }
            .filter(|t| !t.trim().is_empty() && t.trim() != "0")
            .map(ms_to_time)
            .transpose()?,
            // oracle mark = positionValue / openSize (both signed alike); without a
            // positionAssetList entry, the price the manual PnL fallback used
            mark_price: pa
                .and_then(|a| a.position_value)
                .and_then(|v| v.checked_div(size))
                .filter(|m| *m > Decimal::ZERO)
                .or_else(|| mark.get(cid).copied()),
            maintenance_margin_fraction: pa.and_then(|a| a.stark_ex_risk_rate),
        });
    }
    Ok(out)
}

/// Contracts whose position lacks a `positionAssetList` entry (they need a mark price).
pub fn positions_needing_mark(asset: &AccountAsset) -> Vec<String> {
    asset
        .position_list
        .iter()
        .filter(|p| p.open_size.is_some_and(|s| !s.is_zero()))
        .filter_map(|p| p.contract_id.clone())
        .filter(|cid| {
            !asset
                .position_asset_list
                .iter()
                .any(|a| a.contract_id.as_deref() == Some(cid))
        })
        .collect()
}

/// Leverage in the venue's order of precedence (DOC:2980): the account's setting for this
/// contract, then the account's default setting, then the contract's default; a tier counts
/// only when `isSetMaxLeverage` is true.
pub fn leverage(
    asset: &AccountAsset,
    entry: &ContractEntry,
) -> Result<LeverageSetting, VenueError> {
    let account = &asset.account;
    let set = |s: Option<&crate::http::models::TradeSetting>, what: &str| {
        s.filter(|s| s.is_set_max_leverage == Some(true))
            .map(|s| s.max_leverage.ok_or_else(|| missing(what)))
    };
    let chosen = set(
        account
            .contract_id_to_trade_setting
            .get(&entry.info.market_id.0),
        "contractIdToTradeSetting.maxLeverage",
    )
    .or_else(|| {
        set(
            account.default_trade_setting.as_ref(),
            "defaultTradeSetting.maxLeverage",
        )
    });
    match chosen {
        Some(leverage) => Ok(LeverageSetting {
            leverage: leverage?,
            margin_mode: MarginMode::Cross,
            explicitly_set: true,
        }),
        None => Ok(LeverageSetting {
            leverage: entry
                .info
                .default_leverage
                .ok_or_else(|| missing("defaultLeverage"))?,
            margin_mode: MarginMode::Cross,
            explicitly_set: false,
        }),
    }
}

/// An order read back.
pub fn order_status(item: &OrderItem, requested: ClientOrderId) -> Result<OrderStatus, VenueError> {
    let side = match item.side.as_deref() {
        Some("BUY") => Side::Buy,
        Some("SELL") => Side::Sell,
        other => return Err(missing(&format!("order side {other:?}"))),
    };
    let state = match item.status.as_deref() {
        Some("PENDING") | Some("UNTRIGGERED") => OrderState::Pending,
        Some("OPEN") | Some("CANCELING") => OrderState::Open,
        Some("FILLED") => OrderState::Filled,
        Some("CANCELED") => OrderState::Canceled,
        other => return Err(missing(&format!("order status {other:?}"))),
    };
    // `cumFillSize` is the size "after censorship", `cumMatchSize` the size matched
    // (DOC:4776/4783): a final read taken before censorship caught up must not under-book
    // a fill, so the larger of the two is the fill.
    let fill = item.cum_fill_size.unwrap_or(Decimal::ZERO).abs();
    let matched = item.cum_match_size.unwrap_or(Decimal::ZERO).abs();
    let filled = fill.max(matched);
    let average = |value: Option<Decimal>, size: Decimal| match value {
        Some(v) if size > Decimal::ZERO => v.abs().checked_div(size),
        _ => None,
    };
    // the average of the larger figure when its value is given, else of the censored fill
    let avg = if matched > fill {
        average(item.cum_match_value, matched).or_else(|| average(item.cum_fill_value, fill))
    } else {
        average(item.cum_fill_value, fill)
    };
    let client_id = item
        .client_order_id
        .as_deref()
        .and_then(|c| c.parse::<u64>().ok())
        .and_then(ClientOrderId::new)
        .unwrap_or(requested);
    Ok(OrderStatus {
        client_id,
        venue_order_id: item.id.clone(),
        side,
        size: item.size.ok_or_else(|| missing("order size"))?,
        price: item.price.ok_or_else(|| missing("order price"))?,
        state,
        filled_size: filled,
        avg_fill_price: avg,
        fee: item.cum_fill_fee.map(|f| f.abs()),
        reason: item
            .cancel_reason
            .clone()
            .filter(|r| !r.is_empty() && r != "UNKNOWN_ORDER_CANCEL_REASON"),
    })
}

fn transaction_time(t: &PositionTransaction) -> Option<&str> {
    // `fundingTime: "0"` means absent: fall back to `createdTime`
    t.funding_time
        .as_deref()
        .filter(|f| !f.trim().is_empty() && f.trim() != "0")
        .or(t.created_time.as_deref())
}

/// True unless the page's first row is older than its last (a page of 0-1 rows counts as
/// newest first).
pub fn page_is_newest_first(items: &[PositionTransaction]) -> bool {
    let time =
        |t: &PositionTransaction| transaction_time(t).and_then(|s| s.trim().parse::<i64>().ok());
    match (items.first().and_then(time), items.last().and_then(time)) {
        (Some(first), Some(last)) => first >= last,
        _ => true,
    }
}

/// Funding payments of one contract since `since`, newest first.
pub fn funding_payments(
    items: &[PositionTransaction],
    contract_id: &str,
    since: Option<DateTime<Utc>>,
) -> Result<Vec<FundingPayment>, VenueError> {
    let mut out = Vec::new();
    for t in items {
        if t.kind.as_deref() != Some("SETTLE_FUNDING_FEE")
            || t.contract_id.as_deref() != Some(contract_id)
        {
            continue;
        }
        let time = transaction_time(t).ok_or_else(|| missing("fundingTime"))?;
        let time = ms_to_time(time)?;
        if since.is_some_and(|s| time < s) {
            continue;
        }
        out.push(FundingPayment {
            time,
            amount: t
                .delta_funding_fee
                .ok_or_else(|| missing("deltaFundingFee"))?,
        });
    }
    out.sort_by_key(|p| std::cmp::Reverse(p.time));
    Ok(out)
}

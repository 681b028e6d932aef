//! EdgeX JSON shapes (all numbers as strings), built from engine data.

use crate::engine::{
    Account, CancelReason, Exchange, FundingRecord, MarketSpec, Order, OrderState, Tif, Trading,
    Valuation, VenueKind,
};
use rust_decimal::Decimal;
use serde_json::{json, Value};

/// Collateral coin id (USD).
pub const COLLATERAL_COIN_ID: &str = "1000";
/// Collateral StarkEx asset id.
pub const COLLATERAL_ASSET_ID: &str =
    "0x2ce625e94458d39dd0bf3b45a843544dd4a14b8169045a3a3d15aa564b936c5";
/// Collateral resolution exponent (10^6).
pub const COLLATERAL_RESOLUTION_EXP: u32 = 6;
/// V2 EIP-712 chain id.
pub const V2_CHAIN_ID: &str = "0x38";
/// V2 verifying contract.
pub const V2_CONTRACT_ADDRESS: &str = "0x0000000000000000000000000000000000e49e5d";

/// The success envelope.
pub fn ok(data: Value, now_ms: i64) -> Value {
    json!({
        "code": "SUCCESS", "data": data, "msg": null, "errorParam": null,
        "requestTime": now_ms.to_string(), "responseTime": now_ms.to_string(),
        "traceId": format!("sim{now_ms:x}"),
    })
}

/// An error envelope.
pub fn err(code: &str, msg: &str, param: Value, now_ms: i64) -> Value {
    json!({
        "code": code, "data": null, "msg": msg, "errorParam": param,
        "requestTime": now_ms.to_string(), "responseTime": now_ms.to_string(),
        "traceId": format!("sim{now_ms:x}"),
    })
}

fn s(d: Decimal) -> String {
    d.normalize().to_string()
}

fn hex_u(v: u64) -> String {
    format!("0x{v:x}")
}

/// Synthetic asset id of a contract: the ASCII of `SYMBOL-EXP`, as StarkEx lists them.
pub fn synthetic_asset_id(m: &MarketSpec) -> String {
    let text = format!("{}-{}", m.symbol, m.resolution_exp);
    let mut bytes = text.into_bytes();
    bytes.resize(15, 0);
    format!("0x{}", hex::encode(bytes))
}

/// `10^exp` as hex.
pub fn resolution_hex(exp: u32) -> String {
    hex_u(10u64.saturating_pow(exp))
}

/// `maxOrderBuyPriceRatio` / `minOrderSellPriceRatio` of every contract: createOrder refuses
/// a buy above oracle × (1 + ratio) or a sell below oracle × (1 − ratio)
/// (`ORDER_PRICE_OUT_OF_RANGE`, with the bound in `errorParam`).
pub const PRICE_BAND_RATIO: Decimal = Decimal::from_parts(5, 0, 0, false, 2);

fn contract(m: &MarketSpec, quote: &str) -> Value {
    json!({
        "contractId": m.market_id,
        "contractName": format!("{}{quote}", m.symbol),
        "baseCoinId": m.market_id.replacen("1000", "2000", 1),
        "quoteCoinId": COLLATERAL_COIN_ID,
        "tickSize": s(m.tick),
        "stepSize": s(m.step),
        "minOrderSize": s(m.min_size),
        "maxOrderSize": s(m.max_size),
        "maxOrderBuyPriceRatio": s(PRICE_BAND_RATIO),
        "minOrderSellPriceRatio": s(PRICE_BAND_RATIO),
        "maxPositionSize": s(m.max_size),
        "riskTierList": [{"tier": 1, "positionValueUpperBound": "1000000", "maxLeverage": m.max_leverage.to_string(),
                          "maintenanceMarginRate": s(m.maintenance_fraction().round_dp(4)),
                          "starkExRisk": m.edgex_stark_ex_risk().to_string(),
                          "starkExUpperBound": (1_000_000u128 << 32).to_string()}],
        "defaultTakerFeeRate": s(m.taker_fee),
        "defaultMakerFeeRate": s(m.maker_fee),
        "defaultLeverage": m.default_leverage.to_string(),
        "displayMaxLeverage": m.max_leverage.to_string(),
        "displayMinLeverage": "1",
        "enableTrade": m.trading != Trading::Inactive,
        "enableDisplay": true,
        "enableOpenPosition": m.trading == Trading::Active,
        "fundingRateIntervalMin": m.funding_interval_min.to_string(),
        "fundingImpactMarginNotional": "500",
        "fundingMaxRate": "0.000234",
        "fundingMinRate": "-0.000234",
        "starkExSyntheticAssetId": synthetic_asset_id(m),
        "starkExResolution": resolution_hex(m.resolution_exp),
        "resolution": resolution_hex(m.resolution_exp),
    })
}

/// `getMetaData` data (V1 and V2 fields together), contracts named `SYMBOL+USD`.
pub fn metadata(ex: &Exchange) -> Value {
    metadata_quoted(ex, "USD")
}

/// `getMetaData` data with contracts named `SYMBOL+quote` and the collateral coin named
/// `quote` (live V2: `BTCUSDC`, `USDC`).
pub fn metadata_quoted(ex: &Exchange, quote: &str) -> Value {
    let collateral = json!({
        "coinId": COLLATERAL_COIN_ID, "coinName": quote, "stepSize": "0.000001",
        "starkExAssetId": COLLATERAL_ASSET_ID,
        "starkExResolution": resolution_hex(COLLATERAL_RESOLUTION_EXP),
        "resolution": resolution_hex(COLLATERAL_RESOLUTION_EXP),
    });
    let contracts: Vec<Value> = ex
        .markets_of(VenueKind::Edgex)
        .map(|m| contract(m, quote))
        .collect();
    let mut coins = vec![collateral.clone()];
    for m in ex.markets_of(VenueKind::Edgex) {
        coins.push(json!({
            "coinId": m.market_id.replacen("1000", "2000", 1), "coinName": m.symbol,
            "stepSize": s(m.step), "starkExAssetId": null, "starkExResolution": null,
        }));
    }
    json!({
        "global": {
            "appName": "edgeX (venue-sim)", "appEnv": "paper", "appOnlySignOn": "",
            "feeAccountId": "0", "feeAccountL2Key": "",
            "poolAccountId": "0", "poolAccountL2Key": "",
            "fastWithdrawAccountId": "0", "fastWithdrawAccountL2Key": "",
            "fastWithdrawMaxAmount": "0", "fastWithdrawRegistryAddress": "",
            "starkExChainId": "0x1", "starkExContractAddress": "",
            "starkExCollateralCoin": collateral,
            "starkExMaxFundingRate": 12000,
            "starkExOrdersTreeHeight": 64, "starkExPositionsTreeHeight": 64,
            "starkExFundingValidityPeriod": 604800, "starkExPriceValidityPeriod": 31536000,
            "maintenanceReason": "",
            "chainId": V2_CHAIN_ID, "nativeChainId": V2_CHAIN_ID,
            "contractAddress": V2_CONTRACT_ADDRESS,
        },
        "coinList": coins,
        "contractList": contracts,
    })
}

/// A ticker.
pub fn ticker(ex: &Exchange, m: &MarketSpec) -> Value {
    let mark = ex.mark(VenueKind::Edgex, &m.market_id).unwrap_or_default();
    let (rate, start, next) = ex
        .current_funding(VenueKind::Edgex, &m.market_id)
        .unwrap_or((Decimal::ZERO, 0, 0));
    json!({
        "contractId": m.market_id, "contractName": format!("{}USD", m.symbol),
        "priceChange": "0", "priceChangePercent": "0", "trades": "0",
        "size": "0", "value": "0", "high": s(mark), "low": s(mark), "open": s(mark),
        "close": s(mark), "highTime": "0", "lowTime": "0",
        "startTime": (ex.now_ms - 86_400_000).to_string(), "endTime": ex.now_ms.to_string(),
        "lastPrice": s(mark), "indexPrice": s(mark), "oraclePrice": s(mark),
        "openInterest": "0", "fundingRate": s(rate),
        "fundingTime": start.to_string(), "nextFundingTime": next.to_string(),
    })
}

/// A depth snapshot of `level` levels.
pub fn depth(ex: &Exchange, m: &MarketSpec, level: usize, version: i64) -> Value {
    let book = ex
        .book(VenueKind::Edgex, &m.market_id)
        .unwrap_or_default()
        .truncated(level);
    let side = |ls: &[crate::engine::Level]| -> Vec<Value> {
        ls.iter()
            .map(|l| json!({"price": s(l.price), "size": s(l.size)}))
            .collect()
    };
    json!({
        "startVersion": version.to_string(), "endVersion": version.to_string(),
        "level": level.to_string(), "contractId": m.market_id,
        "contractName": format!("{}USD", m.symbol), "depthType": "SNAPSHOT",
        "asks": side(&book.asks), "bids": side(&book.bids),
    })
}

/// A funding-rate object.
pub fn funding_item(
    ex: &Exchange,
    m: &MarketSpec,
    time_ms: i64,
    rate: Decimal,
    settled: bool,
) -> Value {
    let mark = ex.mark(VenueKind::Edgex, &m.market_id).unwrap_or_default();
    json!({
        "contractId": m.market_id, "fundingTime": time_ms.to_string(),
        "fundingTimestamp": time_ms.to_string(), "oraclePrice": s(mark), "indexPrice": s(mark),
        "fundingRate": s(rate), "isSettlement": settled, "forecastFundingRate": s(rate),
        "previousFundingRate": s(rate), "previousFundingTimestamp": time_ms.to_string(),
        "premiumIndex": "0", "avgPremiumIndex": "0", "premiumIndexTimestamp": time_ms.to_string(),
        "interestRate": "0.0001", "fundingRateIntervalMin": m.funding_interval_min.to_string(),
    })
}

fn tif_text(t: Tif) -> &'static str {
    match t {
        Tif::Ioc => "IMMEDIATE_OR_CANCEL",
        Tif::Gtc | Tif::Gtt(_) => "GOOD_TIL_CANCEL",
        Tif::PostOnly(_) => "POST_ONLY",
    }
}

fn reason_text(r: Option<CancelReason>) -> &'static str {
    match r {
        None => "UNKNOWN_ORDER_CANCEL_REASON",
        Some(CancelReason::User) => "USER_CANCELED",
        Some(CancelReason::Expired) => "EXPIRE_CANCELED",
        Some(CancelReason::CouldNotFill) | Some(CancelReason::PostOnly) => "COULD_NOT_FILL",
        Some(CancelReason::ReduceOnly) => "REDUCE_ONLY_CANCELED",
        Some(CancelReason::Margin) => "MARGIN_NOT_ENOUGH",
        Some(CancelReason::Rejected) => "INTERNAL_FAILED",
    }
}

/// An order as read back.
pub fn order(o: &Order, account_id: &str) -> Value {
    let status = match o.state {
        OrderState::Open => "OPEN",
        OrderState::Filled => "FILLED",
        OrderState::Canceled => "CANCELED",
    };
    json!({
        "id": o.order_id.to_string(), "userId": account_id, "accountId": account_id,
        "coinId": COLLATERAL_COIN_ID, "contractId": o.market_id,
        "side": match o.side { venue_api::Side::Buy => "BUY", venue_api::Side::Sell => "SELL" },
        "price": s(o.price), "size": s(o.size), "clientOrderId": o.client_id,
        "type": "LIMIT", "timeInForce": tif_text(o.tif), "reduceOnly": o.reduce_only,
        "triggerPrice": "0", "triggerPriceType": "UNKNOWN_PRICE_TYPE",
        "expireTime": o.tif.expiry_ms().unwrap_or(0).to_string(),
        "sourceKey": "", "isPositionTpsl": false,
        "l2Nonce": o.nonce.to_string(),
        "status": status,
        "cancelReason": if o.state == OrderState::Canceled { reason_text(o.cancel_reason) } else { "UNKNOWN_ORDER_CANCEL_REASON" },
        "cumFillSize": s(o.filled), "cumFillValue": s(o.filled_value),
        "cumFillFee": s(-o.fee), "maxFillPrice": "0", "minFillPrice": "0",
        "cumLiquidateFee": "0", "cumRealizePnl": "0", "cumMatchSize": s(o.filled),
        "cumMatchValue": s(o.filled_value), "cumMatchFee": s(-o.fee),
        "createdTime": o.created_ms.to_string(), "updatedTime": o.updated_ms.to_string(),
    })
}

/// How long after a liquidation cut the account reads `isLiquidating: true` (the venue's
/// liquidation is a process, not an instant; the simulator's cuts are instant).
pub const LIQUIDATING_FOR_MS: i64 = 60_000;

/// `getAccountAsset` data at simulated time `now_ms`.
pub fn account_asset(account: &Account, val: &Valuation, stark_y: &str, now_ms: i64) -> Value {
    let liquidating = val.equity < val.maintenance_margin
        || account
            .liquidations
            .last()
            .is_some_and(|l| now_ms - l.time_ms < LIQUIDATING_FOR_MS);
    let settings: serde_json::Map<String, Value> = account
        .leverage
        .iter()
        .map(|(cid, lev)| {
            (
                cid.clone(),
                json!({"isSetFeeRate": false, "takerFeeRate": "", "makerFeeRate": "",
                       "isSetFeeDiscount": false, "takerFeeDiscount": "", "makerFeeDiscount": "",
                       "isSetMaxLeverage": true, "maxLeverage": lev.to_string()}),
            )
        })
        .collect();
    let positions: Vec<Value> = val
        .positions
        .iter()
        .filter(|p| !p.size.is_zero())
        .map(|p| {
            json!({
                "userId": account.id, "accountId": account.id, "coinId": COLLATERAL_COIN_ID,
                "contractId": p.market_id, "openSize": s(p.size), "openValue": s(p.open_value),
                "openFee": s(p.open_fee), "fundingFee": s(p.funding_fee),
                "longTermCount": 0, "longTermStat": {}, "shortTermCount": 0, "shortTermStat": {},
                "createdTime": "0", "updatedTime": "0",
            })
        })
        .collect();
    let position_assets: Vec<Value> = val
        .positions
        .iter()
        .filter(|p| !p.size.is_zero())
        .map(|p| {
            json!({
                "userId": account.id, "accountId": account.id, "coinId": COLLATERAL_COIN_ID,
                "contractId": p.market_id, "positionValue": s(p.value.round_dp(6)),
                "maxLeverage": s(p.leverage), "initialMarginRequirement": s(p.initial_margin.round_dp(6)),
                "starkExRiskRate": s(p.maintenance_fraction), "starkExRiskValue": s(p.maintenance_margin),
                "avgEntryPrice": s(p.entry_price),
                "liquidatePrice": s(p.liquidation_price.unwrap_or_default()), "bankruptPrice": "0",
                "worstClosePrice": "0", "unrealizePnl": s(p.unrealized_pnl.round_dp(6)),
                "termRealizePnl": s(p.realized), "totalRealizePnl": s(p.realized),
            })
        })
        .collect();
    json!({
        "account": {
            "id": account.id, "userId": account.id, "ethAddress": "",
            "l2Key": account.edgex_auth.stark_public_key.as_deref().map(|k| format!("0x{k}")).unwrap_or_default(),
            "l2KeyYCoordinate": stark_y, "clientAccountId": "main",
            "isSystemAccount": false, "defaultTradeSetting": {"isSetMaxLeverage": false, "maxLeverage": ""},
            "contractIdToTradeSetting": settings, "maxLeverageLimit": "0",
            "createOrderPerMinuteLimit": 0, "createOrderDelayMillis": 0,
            "extraType": "", "extraDataJson": "", "status": "NORMAL", "isLiquidating": liquidating,
            "createdTime": "0", "updatedTime": "0",
        },
        "collateralList": [{
            "userId": account.id, "accountId": account.id, "coinId": COLLATERAL_COIN_ID,
            "amount": s(val.raw_collateral.round_dp(6)), "legacyAmount": "0",
            "cumDepositAmount": "0", "cumWithdrawAmount": "0", "cumTransferInAmount": "0",
            "cumTransferOutAmount": "0", "cumPositionBuyAmount": "0", "cumPositionSellAmount": "0",
            "cumFillFeeAmount": "0", "cumFundingFeeAmount": "0", "cumFillFeeIncomeAmount": "0",
            "createdTime": "0", "updatedTime": "0",
        }],
        "positionList": positions,
        "positionAssetList": position_assets,
        "collateralAssetModelList": [{
            "userId": account.id, "accountId": account.id, "coinId": COLLATERAL_COIN_ID,
            "totalEquity": s(val.equity.round_dp(6)),
            "totalPositionValueAbs": s(val.position_value_abs.round_dp(6)),
            "initialMarginRequirement": s(val.initial_margin.round_dp(6)),
            "starkExRiskValue": s(val.maintenance_margin), "pendingWithdrawAmount": "0", "pendingTransferOutAmount": "0",
            "orderFrozenAmount": s(val.order_margin.round_dp(6)),
            "availableAmount": s(val.available.round_dp(6)),
        }],
    })
}

/// A funding payment as a position transaction.
pub fn funding_transaction(r: &FundingRecord, account_id: &str) -> Value {
    json!({
        "id": r.id.to_string(), "userId": account_id, "accountId": account_id,
        "coinId": COLLATERAL_COIN_ID, "contractId": r.market_id, "type": "SETTLE_FUNDING_FEE",
        "deltaOpenSize": "0", "deltaOpenValue": "0", "deltaOpenFee": "0",
        "deltaFundingFee": s(r.amount), "fundingTime": r.time_ms.to_string(),
        "fundingRate": s(r.rate), "fundingIndexPrice": s(r.mark), "fundingOraclePrice": s(r.mark),
        "fundingPositionSize": s(r.size), "censorStatus": "L2_APPROVED",
        "createdTime": r.time_ms.to_string(), "updatedTime": r.time_ms.to_string(),
    })
}

/// Renames `contractName` of every object in `v` (a ticker or depth array) to
/// `SYMBOL+quote`, for the V2 names.
pub fn requote(v: &mut Value, quote: &str) {
    if let Some(items) = v.as_array_mut() {
        for item in items {
            if let Some(name) = item.get("contractName").and_then(Value::as_str) {
                let base = name.strip_suffix("USD").unwrap_or(name).to_string();
                item["contractName"] = Value::String(format!("{base}{quote}"));
            }
        }
    }
}

/// One public trade of the `trades.{contractId}` channel (the venue's WebSocket docs,
/// "Subscribe to Latest Trades": `ticketId`, `time` (ms), `price`, `size`, `value`,
/// `takerOrderId`, `makerOrderId`, `takerAccountId`, `makerAccountId`, `contractId`,
/// `isBestMatch`, `isBuyerMaker`; all numbers as strings; `isBuyerMaker` false = the taker
/// bought). Source: doc/websocket_info.txt of djienne/CROSS_EXCHANGE_DELTA_NEUTRAL (the
/// EdgeX API docs); the SDK (edgex-python-sdk `ws/manager.py`) subscribes `trades.{id}`.
/// EdgeX has no public REST endpoint for trades.
pub fn trade(m: &MarketSpec, t: &crate::engine::TapeTrade) -> Value {
    let order = |id: u64| {
        if id == 0 {
            ((1u64 << 40) + t.id).to_string()
        } else {
            id.to_string()
        }
    };
    let acct = |a: &str| {
        if a.is_empty() {
            "1".to_string()
        } else {
            a.to_string()
        }
    };
    json!({
        "ticketId": t.id.to_string(),
        "time": t.time_ms.to_string(),
        "price": s(t.price),
        "size": s(t.size),
        "value": s(t.price * t.size),
        "takerOrderId": order(t.taker_order_id),
        "makerOrderId": order(t.maker_order_id),
        "takerAccountId": acct(&t.taker_account),
        "makerAccountId": acct(&t.maker_account),
        "contractId": m.market_id,
        "isBestMatch": true,
        "isBuyerMaker": t.taker_side == venue_api::Side::Sell,
    })
}

//! Private account reads and the leverage setting.

use super::EdgexVenue;
use crate::http::client::decode_data;
use crate::http::models::{AccountAsset, Page, PositionTransaction};
use crate::http::parse;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::collections::HashMap;
use venue_api::{Balance, FundingPayment, LeverageSetting, Position, VenueError};

/// Page size of the funding-payment scan, and how many pages at most.
const PAGE: usize = 100;
const MAX_PAGES: usize = 20;

impl EdgexVenue {
    /// `getAccountAsset` of the configured account.
    pub async fn account_asset(&self) -> Result<AccountAsset, VenueError> {
        let account = self.account_id()?.to_string();
        let data = self
            .http
            .get(
                "private/account/getAccountAsset",
                &[("accountId", account)],
                true,
            )
            .await?;
        decode_data("getAccountAsset", data)
    }

    /// Start-up self-check of the credentials: an authenticated read of the account; on V1 the
    /// account's `l2Key` must equal our Stark public key (a wrong key would sign orders the
    /// venue rejects).
    pub async fn check_credentials(&self) -> Result<(), VenueError> {
        let asset = self.account_asset().await?;
        if let Some(ours) = self.stark_public_key_hex() {
            let theirs = asset
                .account
                .l2_key
                .as_deref()
                .and_then(crate::signing::parse_hex_biguint);
            let ours = crate::signing::parse_hex_biguint(&ours);
            if theirs.is_none() || theirs != ours {
                return Err(VenueError::Auth(
                    "EDGEX_STARK_PRIVATE_KEY does not match the account's l2Key".to_string(),
                ));
            }
        }
        Ok(())
    }

    pub(crate) async fn account_balance(&self) -> Result<Balance, VenueError> {
        let cat = self.catalog(None).await?;
        let asset = self.account_asset().await?;
        parse::balance(&asset, &cat.collateral_coin_id())
    }

    pub(crate) async fn account_positions(&self) -> Result<Vec<Position>, VenueError> {
        let cat = self.catalog(None).await?;
        let asset = self.account_asset().await?;
        let mut marks: HashMap<String, Decimal> = HashMap::new();
        for cid in parse::positions_needing_mark(&asset) {
            if !cat.symbol_by_id.contains_key(&cid) {
                continue;
            }
            let ticker = self.ticker(&cid).await?;
            if let Some(mark) = ticker.oracle_price.or(ticker.last_price) {
                marks.insert(cid, mark);
            }
        }
        parse::positions(&asset, &cat, &marks)
    }

    pub(crate) async fn account_leverage(
        &self,
        symbol: &str,
    ) -> Result<LeverageSetting, VenueError> {
        let cat = self.catalog_with(symbol).await?;
        let asset = self.account_asset().await?;
        parse::leverage(&asset, cat.entry(symbol)?)
    }

    pub(crate) async fn update_leverage(
        &self,
        symbol: &str,
        leverage: u32,
    ) -> Result<(), VenueError> {
        let cat = self.catalog_with(symbol).await?;
        let entry = cat.entry(symbol)?;
        if leverage == 0 {
            return Err(VenueError::InvalidRequest(
                "leverage must be at least 1".to_string(),
            ));
        }
        if let Some(max) = entry.info.max_leverage {
            if Decimal::from(leverage) > max {
                return Err(VenueError::InvalidRequest(format!(
                    "leverage {leverage} above {symbol}'s maximum {max}"
                )));
            }
        }
        let mut body = Map::new();
        body.insert(
            "accountId".into(),
            Value::String(self.account_id()?.to_string()),
        );
        body.insert(
            "contractId".into(),
            Value::String(entry.info.market_id.0.clone()),
        );
        body.insert("leverage".into(), Value::String(leverage.to_string()));
        self.http
            .post("private/account/updateLeverageSetting", body)
            .await
            .map(|_| ())
    }

    pub(crate) async fn account_funding_payments(
        &self,
        symbol: &str,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<FundingPayment>, VenueError> {
        let cat = self.catalog_with(symbol).await?;
        let cid = cat.entry(symbol)?.info.market_id.0.clone();
        let account = self.account_id()?.to_string();
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut query = vec![
                ("accountId", account.clone()),
                ("filterTypeList", "SETTLE_FUNDING_FEE".to_string()),
                ("filterContractIdList", cid.clone()),
                ("size", PAGE.to_string()),
            ];
            if let Some(c) = &cursor {
                query.push(("offsetData", c.clone()));
            }
            let data = self
                .http
                .get("private/account/getPositionTransactionPage", &query, true)
                .await?;
            let page: Page<PositionTransaction> = decode_data("getPositionTransactionPage", data)?;
            let all_in_range = page.data_list.len();
            let items = parse::funding_payments(&page.data_list, &cid, since)?;
            // Stopping at `since` is only right when pages run newest first; the order is
            // not documented, so it is read from the page itself (ascending pages go on).
            let newest_first = parse::page_is_newest_first(&page.data_list);
            let reached_since = newest_first && items.len() < all_in_range;
            out.extend(items);
            cursor = page.next_page_offset_data.filter(|c| !c.is_empty());
            if cursor.is_none() || reached_since || all_in_range == 0 {
                break;
            }
        }
        out.sort_by_key(|p| std::cmp::Reverse(p.time));
        Ok(out)
    }
}

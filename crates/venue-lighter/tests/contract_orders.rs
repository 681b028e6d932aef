//! Writes against a mock Lighter: the exact `sendTx` form, nonce handling after each kind
//! of answer, cancels, leverage, and order reads.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use lighter_crypto::PublicKey;
use rust_decimal_macros::dec;
use serde_json::Value;
use venue_api::{ClientOrderId, OrderRequest, OrderState, Side, TimeInForce, Venue, VenueError};
use venue_lighter::signing::signer::signature_from_base64;
use venue_lighter::signing::tx::UnsignedTx;
use venue_lighter::LighterPreparedOrder;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PK: &str = "e9e7323aab3def4fdec83873efa9417057eebcafa013d1e7dbcf9ccbc60de50864dfc5a5a6464226";

async fn mount_nonce(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/api/v1/nextNonce"))
        .and(query_param("account_index", "123456"))
        .and(query_param("api_key_index", "3"))
        .respond_with(json("nextNonce.json"))
        .mount(server)
        .await;
}

fn order(cid: u64) -> OrderRequest {
    OrderRequest {
        symbol: "ETH".into(),
        side: Side::Buy,
        size: dec!(0.0150),
        price: dec!(3021.45),
        time_in_force: TimeInForce::ImmediateOrCancel,
        reduce_only: false,
        client_id: ClientOrderId::new(cid).unwrap(),
        expires_at: None,
    }
}

async fn sent_forms(server: &MockServer, p: &str) -> Vec<Vec<(String, String)>> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == p)
        .map(|r| form_pairs(&r.body))
        .collect()
}

/// Recomputes the digest from the JSON fields and checks the signature (proves the JSON,
/// the hash and the signature agree).
fn assert_signed_by_fixture_key(tx_info: &str, chain_id: u32) {
    let v: Value = serde_json::from_str(tx_info).unwrap();
    let sig = signature_from_base64(v["Sig"].as_str().unwrap()).unwrap();
    let pk = PublicKey::from_hex(PK).unwrap();
    let doc = serde_json::json!({"kind": "CreateOrder", "inputs": {
        "account_index": v["AccountIndex"], "api_key_index": v["ApiKeyIndex"], "nonce": v["Nonce"],
        "market_index": v["MarketIndex"], "client_order_index": v["ClientOrderIndex"], "base_amount": v["BaseAmount"],
        "price": v["Price"], "is_ask": v["IsAsk"], "order_type": v["Type"], "time_in_force": v["TimeInForce"],
        "reduce_only": v["ReduceOnly"], "trigger_price": v["TriggerPrice"], "order_expiry": v["OrderExpiry"]}});
    let tx: UnsignedTx = venue_lighter::signing::vectors::rebuild_tx(
        "CreateOrder",
        &doc["inputs"],
        v["ExpiredAt"].as_u64().unwrap(),
    )
    .unwrap();
    assert_eq!(
        tx.tx_info_json(v["Sig"].as_str().unwrap()),
        tx_info,
        "byte-exact layout"
    );
    assert!(pk.verify(&tx.digest(chain_id), &sig));
}

#[tokio::test]
async fn prepare_signs_and_submit_sends_the_exact_form() {
    let server = MockServer::start().await;
    mount_markets(&server).await;
    mount_nonce(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/v1/sendTx"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .respond_with(json("sendTx.json"))
        .expect(2)
        .mount(&server)
        .await;
    let v = venue(&server);
    let a = v.prepare_order(&order(1001)).await.unwrap();
    let b = v.prepare_order(&order(1002)).await.unwrap();
    assert_eq!(
        sent_forms(&server, "/api/v1/sendTx").await.len(),
        0,
        "prepare never sends"
    );
    let pa = a.payload_ref::<LighterPreparedOrder>().unwrap();
    let pb = b.payload_ref::<LighterPreparedOrder>().unwrap();
    assert_eq!(
        (pa.signed.nonce, pb.signed.nonce),
        (722, 723),
        "fetched once, then local"
    );
    assert!(
        !format!("{a:?}").contains("Sig"),
        "Debug of a prepared order does not dump the tx"
    );

    let ack = v.submit_order(a).await.unwrap();
    assert_eq!(ack.client_id.get(), 1001);
    assert_eq!(
        ack.tx_hash.as_deref(),
        Some("174f216e9f7d83b064260079f1e4b0be0f7adcc915807fcbddb6c7dc44622183929dbc0493c6e654")
    );
    v.submit_order(b).await.unwrap();

    let forms = sent_forms(&server, "/api/v1/sendTx").await;
    let keys: Vec<&str> = forms[0].iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["tx_type", "tx_info"], "exactly these form fields");
    assert_eq!(forms[0][0].1, "14");
    let info = &forms[0][1].1;
    let sig = serde_json::from_str::<Value>(info).unwrap()["Sig"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(sig.len(), 108);
    let expected = format!(
        "{{\"AccountIndex\":123456,\"ApiKeyIndex\":3,\"MarketIndex\":0,\"ClientOrderIndex\":1001,\"BaseAmount\":150,\
         \"Price\":302145,\"IsAsk\":0,\"Type\":0,\"TimeInForce\":0,\"ReduceOnly\":0,\"TriggerPrice\":0,\"OrderExpiry\":0,\
         \"ExpiredAt\":1795490774000,\"Nonce\":722,\"Sig\":\"{sig}\",\"L2TxAttributes\":null}}"
    );
    assert_eq!(info, &expected);
    assert_signed_by_fixture_key(info, 304);
}

#[tokio::test]
async fn prepare_refuses_off_grid_orders_without_using_a_nonce() {
    let server = MockServer::start().await;
    mount_markets(&server).await;
    let v = venue(&server);
    let mut o = order(5);
    o.price = dec!(3021.455);
    assert!(matches!(
        v.prepare_order(&o).await,
        Err(VenueError::InvalidRequest(_))
    ));
    assert!(sent_forms(&server, "/api/v1/nextNonce").await.is_empty());
    let ro = read_only_venue(&server);
    let err = ro.prepare_order(&order(5)).await.unwrap_err();
    assert!(
        matches!(&err, VenueError::Auth(m) if m.contains("LIGHTER_PRIVATE_KEY")),
        "{err:?}"
    );
}

#[tokio::test]
async fn invalid_nonce_is_resigned_and_resent_once_and_invalid_signature_is_auth() {
    let server = MockServer::start().await;
    mount_markets(&server).await;
    mount_nonce(&server).await;
    let reply = |f: &str| ResponseTemplate::new(400).set_body_raw(fixture(f), "application/json");
    for (response, times) in [
        (reply("error-invalid-nonce.json"), 1),
        (json("sendTx.json"), 1),
        (reply("error-invalid-signature.json"), 1),
        (reply("error-invalid-nonce.json"), 2),
    ] {
        Mock::given(method("POST"))
            .and(path("/api/v1/sendTx"))
            .respond_with(response)
            .up_to_n_times(times)
            .mount(&server)
            .await;
    }
    let v = venue(&server);
    // 21104: the tx did not execute; re-signed with a fresh nonce and sent once more
    let ack = v
        .submit_order(v.prepare_order(&order(1)).await.unwrap())
        .await
        .unwrap();
    assert!(ack.tx_hash.is_some());
    let sends = sent_forms(&server, "/api/v1/sendTx").await;
    assert_eq!(sends.len(), 2);
    assert_eq!(sent_forms(&server, "/api/v1/nextNonce").await.len(), 2);
    let info = |form: &Vec<(String, String)>| -> Value {
        serde_json::from_str(&form.iter().find(|(k, _)| k == "tx_info").unwrap().1).unwrap()
    };
    assert_eq!(
        info(&sends[0])["ClientOrderIndex"],
        info(&sends[1])["ClientOrderIndex"]
    );
    assert_ne!(info(&sends[0])["Sig"], info(&sends[1])["Sig"], "re-signed");
    // a definite rejection gives the nonce back
    let p = v.prepare_order(&order(2)).await.unwrap();
    let nonce = p
        .payload_ref::<LighterPreparedOrder>()
        .unwrap()
        .signed
        .nonce;
    assert_eq!(nonce, 723);
    let err = v.submit_order(p).await.unwrap_err();
    assert_eq!(err, VenueError::Auth("21120 invalid signature".into()));
    let p = v.prepare_order(&order(3)).await.unwrap();
    assert_eq!(
        p.payload_ref::<LighterPreparedOrder>()
            .unwrap()
            .signed
            .nonce,
        723
    );
    // 21104 twice: the error is returned after exactly one resend
    let before = sent_forms(&server, "/api/v1/sendTx").await.len();
    let err = v.submit_order(p).await.unwrap_err();
    assert!(venue_lighter::error::is_nonce_error(&err), "{err:?}");
    assert!(!err.outcome_unknown());
    assert_eq!(
        sent_forms(&server, "/api/v1/sendTx").await.len(),
        before + 2
    );
}

#[tokio::test]
async fn a_gateway_5xx_on_send_is_outcome_unknown_and_the_nonce_is_never_handed_back() {
    for status in [500u16, 502, 503, 504] {
        let server = MockServer::start().await;
        mount_markets(&server).await;
        mount_nonce(&server).await;
        Mock::given(method("POST"))
            .and(path("/api/v1/sendTx"))
            .respond_with(ResponseTemplate::new(status).set_body_string("<html>gateway</html>"))
            .mount(&server)
            .await;
        let v = venue(&server);
        let err = v
            .submit_order(v.prepare_order(&order(1)).await.unwrap())
            .await
            .unwrap_err();
        assert!(err.outcome_unknown(), "{status}: {err:?}");
        assert_eq!(sent_forms(&server, "/api/v1/sendTx").await.len(), 1);
        // the next tx asks the venue for the nonce instead of reusing 722 locally
        v.prepare_order(&order(2)).await.unwrap();
        assert_eq!(
            sent_forms(&server, "/api/v1/nextNonce").await.len(),
            2,
            "{status}"
        );
    }
}

#[tokio::test]
async fn send_failures_are_typed_and_never_retried() {
    for f in FAILURES {
        let server = MockServer::start().await;
        mount_markets(&server).await;
        mount_nonce(&server).await;
        Mock::given(method("POST"))
            .and(path("/api/v1/sendTx"))
            .respond_with(failure_response(f))
            .mount(&server)
            .await;
        let v = venue(&server);
        let err = v
            .submit_order(v.prepare_order(&order(9)).await.unwrap())
            .await
            .unwrap_err();
        assert_write_failure(f, &err);
        assert_eq!(
            sent_forms(&server, "/api/v1/sendTx").await.len(),
            1,
            "{f:?}: a write is sent once"
        );
        if f == Failure::Malformed {
            assert!(
                err.outcome_unknown(),
                "unparseable answer to a write: look the order up"
            );
        }
    }
}

#[tokio::test]
async fn next_nonce_failures_map_to_typed_errors() {
    for f in FAILURES {
        let server = MockServer::start().await;
        mount_markets(&server).await;
        Mock::given(method("GET"))
            .and(path("/api/v1/nextNonce"))
            .respond_with(failure_response(f))
            .mount(&server)
            .await;
        assert_failure(
            f,
            &venue(&server).prepare_order(&order(9)).await.unwrap_err(),
        );
    }
}

#[tokio::test]
async fn cancels_and_leverage_are_signed_txs() {
    let server = MockServer::start().await;
    mount_markets(&server).await;
    mount_nonce(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/v1/sendTx"))
        .respond_with(json("sendTx.json"))
        .mount(&server)
        .await;
    let v = venue(&server);
    v.cancel_order("ETH", ClientOrderId::new(1001).unwrap())
        .await
        .unwrap();
    v.cancel_all("BTC").await.unwrap();
    v.set_leverage("ETH", 5).await.unwrap();
    assert!(
        matches!(
            v.set_leverage("ETH", 51).await,
            Err(VenueError::InvalidRequest(_))
        ),
        "above 50x max"
    );
    let forms = sent_forms(&server, "/api/v1/sendTx").await;
    assert_eq!(forms.len(), 3);
    let info = |i: usize| serde_json::from_str::<Value>(&forms[i][1].1).unwrap();
    assert_eq!(forms[0][0].1, "15");
    assert_eq!(
        (
            info(0)["MarketIndex"].as_u64(),
            info(0)["Index"].as_u64(),
            info(0)["Nonce"].as_u64()
        ),
        (Some(0), Some(1001), Some(722))
    );
    assert_eq!(forms[1][0].1, "16");
    assert_eq!(info(1)["TimeInForce"], 0);
    assert_eq!(
        info(1)["L2TxAttributes"],
        serde_json::json!({"5": 1}),
        "cancel-all restricted to BTC"
    );
    assert_eq!(forms[2][0].1, "20");
    assert_eq!(
        (
            info(2)["InitialMarginFraction"].as_u64(),
            info(2)["MarginMode"].as_u64()
        ),
        (Some(2000), Some(0))
    );
    assert_eq!(info(2)["Nonce"], 724);
}

#[tokio::test]
async fn batch_send_form_is_two_json_arrays() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/sendTxBatch"))
        .respond_with(json("sendTxBatch.json"))
        .mount(&server)
        .await;
    let v = venue(&server);
    let signer = v.signer().unwrap();
    let mk = |nonce: i64| {
        let tx = UnsignedTx::new(
            signer.header(nonce, 1_795_490_175_000),
            venue_lighter::signing::TxBody::CancelOrder(venue_lighter::signing::CancelOrder {
                market_index: 0,
                index: 7,
            }),
        );
        signer.sign(&tx).unwrap()
    };
    let txs = [mk(10), mk(11)];
    assert_eq!(v.http().volume_quota_remaining(), None, "none seen yet");
    let hashes = v.http().send_tx_batch(&txs).await.unwrap();
    assert_eq!(hashes.len(), 2);
    // the answer's volume quota is kept and shown with the rate-limit figures (doctor)
    assert_eq!(v.http().volume_quota_remaining(), Some(998));
    assert!(v
        .http()
        .rate_limit_headers()
        .contains(&("volume_quota_remaining".to_string(), "998".to_string())));
    let forms = sent_forms(&server, "/api/v1/sendTxBatch").await;
    assert_eq!(forms[0][0], ("tx_types".to_string(), "[15,15]".to_string()));
    let infos: Vec<String> = serde_json::from_str(&forms[0][1].1).unwrap();
    assert_eq!(infos, vec![txs[0].tx_info.clone(), txs[1].tx_info.clone()]);
    assert!(v.http().send_tx_batch(&[]).await.is_err());
}

#[tokio::test]
async fn open_orders_and_status_by_client_id() {
    let server = MockServer::start().await;
    mount_markets(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/accountActiveOrders"))
        .and(query_param("account_index", "123456"))
        .and(query_param("market_id", "0"))
        .respond_with(json("accountActiveOrders.json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/accountInactiveOrders"))
        .respond_with(json("accountInactiveOrders.json"))
        .mount(&server)
        .await;
    let v = venue(&server);
    let open = v.open_orders("ETH").await.unwrap();
    assert_eq!(open.len(), 2);
    assert_eq!(
        (open[0].side, open[0].filled_size, open[0].avg_fill_price),
        (Side::Buy, dec!(0.04), Some(dec!(2990)))
    );
    let filled = v
        .order_status("ETH", ClientOrderId::new(990).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (filled.state, filled.filled_size),
        (OrderState::Filled, dec!(0.15))
    );
    let canceled = v
        .order_status("ETH", ClientOrderId::new(991).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(canceled.state, OrderState::Canceled);
    assert_eq!(
        v.order_status("ETH", ClientOrderId::new(4242).unwrap())
            .await
            .unwrap(),
        None
    );
    let reqs = server.received_requests().await.unwrap();
    assert!(reqs
        .iter()
        .filter(|r| r.url.path().starts_with("/api/v1/account"))
        .all(|r| r.headers.contains_key("authorization")));
}

#[tokio::test]
async fn active_orders_failures_map_to_typed_errors() {
    for f in FAILURES {
        let server = MockServer::start().await;
        mount_markets(&server).await;
        Mock::given(method("GET"))
            .and(path("/api/v1/accountActiveOrders"))
            .respond_with(failure_response(f))
            .mount(&server)
            .await;
        assert_failure(f, &venue(&server).open_orders("ETH").await.unwrap_err());
    }
}

#[tokio::test]
async fn api_key_check() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/apikeys"))
        .respond_with(json("apikeys.json"))
        .mount(&server)
        .await;
    venue(&server).check_api_key().await.unwrap();
    let server = MockServer::start().await;
    let other = fixture("apikeys.json").replace("e9e7", "e9e8");
    Mock::given(method("GET"))
        .and(path("/api/v1/apikeys"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(other, "application/json"))
        .mount(&server)
        .await;
    assert!(matches!(
        venue(&server).check_api_key().await,
        Err(VenueError::Auth(_))
    ));
}

#[tokio::test]
async fn a_prepared_order_dropped_unsent_gives_its_nonce_back() {
    let server = MockServer::start().await;
    mount_markets(&server).await;
    mount_nonce(&server).await;
    let v = venue(&server);
    let a = v.prepare_order(&order(1)).await.unwrap();
    assert_eq!(
        a.payload_ref::<LighterPreparedOrder>()
            .unwrap()
            .signed
            .nonce,
        722
    );
    drop(a); // e.g. the other leg failed to prepare
    let b = v.prepare_order(&order(2)).await.unwrap();
    assert_eq!(
        b.payload_ref::<LighterPreparedOrder>()
            .unwrap()
            .signed
            .nonce,
        722,
        "no gap"
    );
    assert_eq!(sent_forms(&server, "/api/v1/nextNonce").await.len(), 1);
}

#[tokio::test]
async fn inactive_orders_failures_map_to_typed_errors() {
    for f in FAILURES {
        let server = MockServer::start().await;
        mount_markets(&server).await;
        Mock::given(method("GET"))
            .and(path("/api/v1/accountActiveOrders"))
            .respond_with(json("accountActiveOrders.json"))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/api/v1/accountInactiveOrders"))
            .respond_with(failure_response(f))
            .mount(&server)
            .await;
        let err = venue(&server)
            .order_status("ETH", ClientOrderId::new(4242).unwrap())
            .await
            .unwrap_err();
        assert_failure(f, &err);
    }
}

#[tokio::test]
async fn api_keys_failures_map_to_typed_errors() {
    for f in FAILURES {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/api/v1/apikeys"))
            .respond_with(failure_response(f))
            .mount(&server)
            .await;
        assert_failure(f, &venue(&server).check_api_key().await.unwrap_err());
    }
}

#[tokio::test]
async fn batch_failures_map_to_typed_errors_and_are_sent_once() {
    for f in FAILURES {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/api/v1/sendTxBatch"))
            .respond_with(failure_response(f))
            .mount(&server)
            .await;
        let v = venue(&server);
        let signer = v.signer().unwrap();
        let tx = UnsignedTx::new(
            signer.header(10, 1_795_490_175_000),
            venue_lighter::signing::TxBody::CancelOrder(venue_lighter::signing::CancelOrder {
                market_index: 0,
                index: 7,
            }),
        );
        let signed = signer.sign(&tx).unwrap();
        assert_write_failure(f, &v.http().send_tx_batch(&[signed]).await.unwrap_err());
        assert_eq!(sent_forms(&server, "/api/v1/sendTxBatch").await.len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_reach_the_venue_in_nonce_order_whatever_the_submit_order() {
    let server = MockServer::start().await;
    mount_markets(&server).await;
    mount_nonce(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/v1/sendTx"))
        .respond_with(json("sendTx.json"))
        .mount(&server)
        .await;
    let v = std::sync::Arc::new(venue(&server));
    let a = v.prepare_order(&order(1)).await.unwrap();
    let b = v.prepare_order(&order(2)).await.unwrap();
    let vb = v.clone();
    let late = tokio::spawn(async move { vb.submit_order(b).await });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(
        sent_forms(&server, "/api/v1/sendTx").await.is_empty(),
        "723 waits for 722"
    );
    v.submit_order(a).await.unwrap();
    late.await.unwrap().unwrap();
    let nonces: Vec<u64> = sent_forms(&server, "/api/v1/sendTx")
        .await
        .iter()
        .map(|f| {
            serde_json::from_str::<Value>(&f[1].1).unwrap()["Nonce"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(nonces, [722, 723]);
}

#[tokio::test]
async fn status_by_client_index_is_one_exact_request_and_not_found_resyncs_the_nonce() {
    let server = MockServer::start().await;
    mount_markets(&server).await;
    mount_nonce(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/accountOrders"))
        .and(query_param("account_index", "123456"))
        .and(query_param("client_order_indexes", "990"))
        .respond_with(json("accountOrders.json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/accountOrders"))
        .and(query_param("client_order_indexes", "4242"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"code":200,"next_cursor":"","orders":[]}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let v = venue(&server);
    let filled = v
        .order_status("ETH", ClientOrderId::new(990).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (filled.state, filled.filled_size),
        (OrderState::Filled, dec!(0.15))
    );
    let reqs = server.received_requests().await.unwrap();
    assert!(reqs
        .iter()
        .filter(|r| r.url.path() == "/api/v1/accountOrders")
        .all(|r| r.headers.contains_key("authorization")));
    assert!(!reqs
        .iter()
        .any(|r| r.url.path().contains("InactiveOrders") || r.url.path().contains("ActiveOrders")));
    // a nonce held locally is dropped when a looked-up order is not found
    drop(v.prepare_order(&order(7)).await.unwrap());
    assert_eq!(sent_forms(&server, "/api/v1/nextNonce").await.len(), 1);
    assert_eq!(
        v.order_status("ETH", ClientOrderId::new(4242).unwrap())
            .await
            .unwrap(),
        None
    );
    drop(v.prepare_order(&order(8)).await.unwrap());
    assert_eq!(sent_forms(&server, "/api/v1/nextNonce").await.len(), 2);
}

#[tokio::test]
async fn resync_checks_the_api_key_once_per_process_and_a_wrong_key_sends_nothing() {
    let server = MockServer::start().await;
    mount_markets(&server).await;
    mount_nonce(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/apikeys"))
        .and(query_param("account_index", "123456"))
        .and(query_param("api_key_index", "3"))
        .respond_with(json("apikeys.json"))
        .expect(1)
        .mount(&server)
        .await;
    let v = venue(&server);
    v.resync().await.unwrap();
    v.resync().await.unwrap();

    let server = MockServer::start().await;
    mount_markets(&server).await;
    mount_nonce(&server).await;
    let other = fixture("apikeys.json").replace("e9e7", "e9e8");
    Mock::given(method("GET"))
        .and(path("/api/v1/apikeys"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(other, "application/json"))
        .expect(2)
        .mount(&server)
        .await;
    let v = venue(&server);
    for _ in 0..2 {
        let err = v.resync().await.unwrap_err();
        assert!(matches!(err, VenueError::Auth(_)), "{err:?}");
    }
    let sent = server.received_requests().await.unwrap();
    assert!(
        sent.iter().all(|r| r.method.as_str() == "GET"),
        "nothing sent"
    );
}

#[tokio::test]
async fn expires_at_caps_the_tx_deadline_and_a_past_moment_is_refused() {
    let server = MockServer::start().await;
    mount_markets(&server).await;
    mount_nonce(&server).await;
    let v = venue(&server);
    let mut req = order(5);
    req.expires_at = Some(now() + chrono::Duration::seconds(30));
    let p = v.prepare_order(&req).await.unwrap();
    let tx: Value = serde_json::from_str(
        &p.payload_ref::<LighterPreparedOrder>()
            .unwrap()
            .signed
            .tx_info,
    )
    .unwrap();
    assert_eq!(
        tx["ExpiredAt"].as_i64().unwrap(),
        now().timestamp_millis() + 30_000
    );
    drop(p);
    req.expires_at = Some(now());
    assert!(matches!(
        v.prepare_order(&req).await.unwrap_err(),
        VenueError::InvalidRequest(_)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_sends_go_ahead_of_queued_reads_in_the_request_budget() {
    let server = MockServer::start().await;
    mount_markets(&server).await;
    mount_nonce(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/v1/sendTx"))
        .respond_with(json("sendTx.json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/orderBookOrders"))
        .respond_with(json("orderBookOrders.json"))
        .mount(&server)
        .await;
    // 600 a minute (one token per 100 ms), burst 10, 3 kept for writes
    let config = venue_lighter::LighterConfig::new(
        server.uri(),
        "ws://127.0.0.1:9/stream",
        Some(venue_api::Secret::new(SK)),
        Some(ACCOUNT),
        Some(KEY_INDEX),
    )
    .unwrap();
    let mut s = settings();
    s.requests_per_minute = 600;
    let v = std::sync::Arc::new(
        venue_lighter::LighterVenue::with_parts(
            config,
            s,
            std::sync::Arc::new(venue_api::ManualClock::new(now())),
        )
        .unwrap(),
    );
    v.market("ETH").await.unwrap(); // 2 reads: orderBooks + orderBookDetails
    let mut polls = Vec::new();
    for _ in 0..10 {
        let v = v.clone();
        polls.push(tokio::spawn(async move { v.top_of_book("ETH").await }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    let order = v.prepare_order(&order(77)).await.unwrap();
    v.submit_order(order).await.unwrap();
    for p in polls {
        p.await.unwrap().unwrap();
    }
    let paths: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_string())
        .collect();
    let send = paths.iter().position(|p| p == "/api/v1/sendTx").unwrap();
    let reads_before = paths[..send]
        .iter()
        .filter(|p| p.as_str() == "/api/v1/orderBookOrders")
        .count();
    // reads may use 10 - 3 = 7 banked tokens (2 went to the market list): 5 polls, then the
    // nonce read and sendTx take reserved tokens ahead of the 5 polls still waiting
    assert!(
        reads_before <= 6,
        "{reads_before} polls went first: {paths:?}"
    );
}

//! A minimal HTTP/1.1 server on hyper for the front-ends, plus fault application.
//!
//! Handlers get a fully read [`SimRequest`] and return a [`SimResponse`]; this module owns
//! the accept loop and the translation of injected HTTP faults into responses.

use crate::faults::FaultKind;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A request, fully read.
#[derive(Debug, Clone)]
pub struct SimRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// Path without query.
    pub path: String,
    /// Decoded query pairs, in order.
    pub query: Vec<(String, String)>,
    /// Headers (names lower case).
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl SimRequest {
    /// First query value of `name`.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A header value (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body decoded as `application/x-www-form-urlencoded`.
    pub fn form(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(&self.body).into_owned().collect()
    }

    /// The last path segment (the endpoint name faults match on).
    pub fn endpoint(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or("")
    }
}

/// A response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimResponse {
    /// HTTP status.
    pub status: u16,
    /// Body text.
    pub body: String,
    /// `Retry-After` seconds.
    pub retry_after: Option<u64>,
    /// Content type.
    pub content_type: &'static str,
}

impl SimResponse {
    /// A JSON response.
    pub fn json(status: u16, body: String) -> Self {
        Self {
            status,
            body,
            retry_after: None,
            content_type: "application/json",
        }
    }

    /// A JSON response from a value.
    pub fn value(status: u16, body: &serde_json::Value) -> Self {
        Self::json(status, body.to_string())
    }
}

/// The async handler of one server.
pub type Handler =
    Arc<dyn Fn(SimRequest) -> Pin<Box<dyn Future<Output = SimResponse> + Send>> + Send + Sync>;

async fn to_sim_request(req: hyper::Request<Incoming>) -> Result<SimRequest, hyper::Error> {
    use http_body_util::BodyExt;
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = req
        .uri()
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = req.into_body().collect().await?.to_bytes().to_vec();
    Ok(SimRequest {
        method,
        path,
        query,
        headers,
        body,
    })
}

fn to_hyper(resp: SimResponse) -> hyper::Response<Full<hyper::body::Bytes>> {
    let mut builder = hyper::Response::builder()
        .status(resp.status)
        .header("content-type", resp.content_type);
    if let Some(s) = resp.retry_after {
        builder = builder.header("retry-after", s.to_string());
    }
    builder
        .body(Full::new(hyper::body::Bytes::from(resp.body)))
        .unwrap_or_else(|_| hyper::Response::new(Full::new(hyper::body::Bytes::new())))
}

/// The answer of a `booked-5xx` fault (given after the request was processed).
pub fn server_error(status: u16) -> SimResponse {
    SimResponse {
        status,
        body: format!("<html><body>{status} (injected by venue-sim)</body></html>"),
        retry_after: None,
        content_type: "text/html",
    }
}

/// Serves `handler` on `listener` until the returned task is aborted.
pub fn serve(listener: TcpListener, handler: Handler) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let handler = handler.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| {
                    let handler = handler.clone();
                    async move {
                        let resp = match to_sim_request(req).await {
                            // A venue keeps processing a request it has received when the
                            // client goes away (a delayed order still executes): the handler
                            // runs in its own task, which a dropped connection does not cancel.
                            Ok(r) => tokio::spawn(handler(r)).await.unwrap_or_else(|e| {
                                SimResponse::json(500, format!("{{\"error\":\"{e}\"}}"))
                            }),
                            Err(e) => SimResponse::json(400, format!("{{\"error\":\"{e}\"}}")),
                        };
                        Ok::<_, std::convert::Infallible>(to_hyper(resp))
                    }
                });
                if let Err(e) = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await
                {
                    tracing::debug!(error = %e, "sim connection ended");
                }
            });
        }
    })
}

/// What a front-end does with an injected HTTP fault: `None` = go on (after a delay),
/// `Some(response)` = answer this instead. `reject` is the venue's rejection answer;
/// `hold` is how long a "timeout" holds the request before giving up itself.
pub async fn apply_fault(
    kind: FaultKind,
    reject: impl FnOnce() -> SimResponse,
    hold: Duration,
) -> Option<SimResponse> {
    match kind {
        FaultKind::Delay(d) => {
            tokio::time::sleep(d).await;
            None
        }
        FaultKind::Timeout => {
            tokio::time::sleep(hold).await;
            Some(SimResponse::json(504, "{}".into()))
        }
        FaultKind::RateLimited(secs) => Some(SimResponse {
            status: 429,
            body: "{\"code\":429,\"message\":\"Too Many Requests\"}".into(),
            retry_after: Some(secs),
            content_type: "application/json",
        }),
        FaultKind::ServerError(status) => Some(server_error(status)),
        FaultKind::Malformed => Some(SimResponse {
            status: 200,
            body: "<html>this is not JSON (injected by venue-sim)".into(),
            retry_after: None,
            content_type: "text/html",
        }),
        FaultKind::Reject => Some(reject()),
        // Handled by the front-ends around routing.
        FaultKind::PartialFill
        | FaultKind::WsDrop
        | FaultKind::WsGap
        | FaultKind::WsStall(_)
        | FaultKind::LostAnswer
        | FaultKind::BookedServerError(_)
        | FaultKind::Late(_)
        | FaultKind::Dropped => None,
    }
}

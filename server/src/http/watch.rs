//! Watching the service: `/metrics` in the Prometheus text format, and the layer that
//! times every request by its route's template ([`crate::metrics`] holds the series).
//!
//! `/metrics` tells how much the CA issues and when its CRL lapses, which is no
//! stranger's business: with no token configured it answers loopback clients only;
//! with `metrics_token_sha256` set it answers only a request bearing the token.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::problem::ApiError;
use crate::ra::RaError;
use crate::state::AppState;

/// The content type of the OpenMetrics text the encoder writes.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Whether a request from `peer` with `headers` may read the metrics, when the
/// configured token's SHA-256 is `token_sha256`.
fn allowed(
    token_sha256: Option<&str>,
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    let Some(want) = token_sha256 else {
        return match peer {
            Some(p) if p.ip().is_loopback() => Ok(()),
            _ => Err(ApiError::rejected(
                StatusCode::FORBIDDEN,
                "the metrics answer loopback clients only; set metrics_token_sha256 to scrape from elsewhere",
            )),
        };
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| Sha256::digest(t.trim().as_bytes()));
    let want = hex::decode(want.trim()).ok();
    match (presented, want) {
        // Digests of equal length compared whole: no early exit tells how much matched.
        (Some(got), Some(want)) if want.len() == got.len() => {
            let diff = got.iter().zip(&want).fold(0u8, |d, (a, b)| d | (a ^ b));
            if diff == 0 {
                return Ok(());
            }
        }
        _ => {}
    }
    Err(ApiError::rejected(
        StatusCode::UNAUTHORIZED,
        "the metrics need the bearer token whose SHA-256 is configured",
    ))
}

/// `GET /metrics`.
pub(super) async fn metrics(
    State(state): State<AppState>,
    req: Request,
) -> Result<Response, ApiError> {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(p)| *p);
    allowed(
        state.config().metrics_token_sha256.as_deref(),
        peer,
        req.headers(),
    )?;
    let now = state.now();
    let gauges = state
        .with_both(move |ca, ra| crate::metrics::read(ca, ra, now))
        .await?;
    let text = state
        .metrics()
        .render(&gauges)
        .map_err(|_| RaError::internal("the metrics could not be written"))?;
    Ok(([(header::CONTENT_TYPE, OPENMETRICS)], text).into_response())
}

/// Times a request and counts it under its route's template.
pub(super) async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = std::time::Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let method = match *req.method() {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        // A client's made-up method does not make a series of its own.
        _ => "other",
    };
    let response = next.run(req).await;
    state.metrics().request(
        method,
        &route,
        response.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn bearer(token: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            format!("Bearer {token}").parse().unwrap(),
        );
        h
    }

    /// The metrics are not a stranger's, with or without a token.
    #[test]
    fn only_loopback_without_a_token_and_only_the_token_with_one() {
        let lo: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let lo6: SocketAddr = "[::1]:5000".parse().unwrap();
        let far: SocketAddr = "192.0.2.7:5000".parse().unwrap();
        let none = HeaderMap::new();
        assert!(allowed(None, Some(lo), &none).is_ok());
        assert!(allowed(None, Some(lo6), &none).is_ok());
        assert_eq!(allowed(None, Some(far), &none).unwrap_err().status, 403);
        assert_eq!(allowed(None, None, &none).unwrap_err().status, 403);
        let hash = hex::encode(Sha256::digest(b"s3cret"));
        let with = Some(hash.as_str());
        assert!(allowed(with, Some(far), &bearer("s3cret")).is_ok());
        for (peer, headers) in [
            (lo, none.clone()),
            (far, none.clone()),
            (far, bearer("s3cret!")),
            (far, bearer("")),
            (lo, bearer(&hash)),
        ] {
            assert_eq!(
                allowed(with, Some(peer), &headers).unwrap_err().status,
                401,
                "{peer} {headers:?}"
            );
        }
        assert_eq!(
            allowed(Some("not hex"), Some(lo), &bearer("s3cret"))
                .unwrap_err()
                .status,
            401
        );
    }
}

//! Per-client rate limits (tower_governor) on the routes a stranger can reach with a
//! guess: a staff password, a one-time password, a confirmation token, a custodian's
//! share. The client is its address, which the accept loop puts on every request
//! (`crate::listener`); beyond the budget, a 429 problem document with `Retry-After`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tower_governor::GovernorError;
use tower_governor::key_extractor::KeyExtractor;

use super::problem::ApiError;
use super::{console, operations, portal, registry, revocations};
use crate::state::AppState;

/// The client's address; a request made in-process, with none (the fuzz harness
/// calls the router directly), counts as the unspecified address, so it is limited
/// like any other client rather than refused.
#[derive(Debug, Clone, Copy)]
struct ClientAddress;

impl KeyExtractor for ClientAddress {
    type Key = IpAddr;

    fn extract<T>(&self, req: &Request<T>) -> Result<IpAddr, GovernorError> {
        let ip = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        // One IPv6 host commonly holds a whole /64: it is one client.
        Ok(match ip {
            IpAddr::V6(v6) => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
            v4 => v4,
        })
    }
}

/// The routes a stranger can reach with a guess (a staff password, a one-time
/// password, a confirmation token, a share), each client address held to the
/// configured rate (`rate_limit_burst`, `rate_limit_refill_seconds`); beyond it, 429
/// with `Retry-After`.
pub(super) fn guessable(state: &AppState) -> Router<AppState> {
    let routes = Router::new()
        .route(
            "/enroll",
            get(portal::enroll_page).post(portal::enroll_form),
        )
        .route(
            "/revocation/confirm",
            get(revocations::confirm_page).post(revocations::confirm_submit),
        )
        .route("/api/enroll", post(portal::enroll_api))
        .route("/api/ra/login", post(registry::login))
        .route("/ra/login", get(console::login_page).post(console::login))
        .route(
            "/api/ra/activation",
            get(operations::activation_status).post(operations::enter_share),
        );
    let config = state.config();
    let limit = tower_governor::governor::GovernorConfigBuilder::default()
        .period(std::time::Duration::from_secs(
            config.rate_limit_refill_seconds.max(1),
        ))
        .burst_size(config.rate_limit_burst)
        .key_extractor(ClientAddress)
        .finish();
    let Some(limit) = limit else {
        return routes; // a burst of 0: no limit
    };
    // Forget clients whose budget is full again, so the table does not grow for ever;
    // the task ends with the router that holds the limiter.
    let limiter = std::sync::Arc::downgrade(limit.limiter());
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            let Some(limiter) = limiter.upgrade() else {
                break;
            };
            limiter.retain_recent();
        }
    });
    routes.route_layer(
        tower_governor::GovernorLayer::new(limit).error_handler(|e| match e {
            GovernorError::TooManyRequests { wait_time, .. } => {
                let mut r = ApiError::rejected(
                    StatusCode::TOO_MANY_REQUESTS,
                    format!("too many requests from this address; try again in {wait_time} s"),
                )
                .into_response();
                r.headers_mut().insert(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from(wait_time.max(1)),
                );
                r
            }
            other => {
                tracing::error!(error = %other, "the rate limit could not tell the client");
                ApiError::rejected(StatusCode::INTERNAL_SERVER_ERROR, "the server failed")
                    .into_response()
            }
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(addr: &str) -> IpAddr {
        let mut req = Request::new(());
        req.extensions_mut()
            .insert(ConnectInfo(addr.parse::<SocketAddr>().unwrap()));
        ClientAddress.extract(&req).unwrap()
    }

    #[test]
    fn a_client_is_its_address_or_its_ipv6_slash_64() {
        assert_eq!(key("192.0.2.7:1"), key("192.0.2.7:2"));
        assert_ne!(key("192.0.2.7:1"), key("192.0.2.8:1"));
        assert_eq!(
            key("[2001:db8:1:2:aaaa::1]:1"),
            key("[2001:db8:1:2:bbbb::9]:1")
        );
        assert_ne!(key("[2001:db8:1:2::1]:1"), key("[2001:db8:1:3::1]:1"));
        assert_eq!(
            ClientAddress.extract(&Request::new(())).unwrap(),
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        );
    }
}

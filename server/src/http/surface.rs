//! One error surface: the answers made below or beside the handlers (axum's path and
//! query rejections, the method router's 405, the body limit's 413, the timeout's
//! 408: plain text or no body) leave as problem documents like the handlers' own
//! (the portal's HTML error pages, for a person at a form, stay pages), keeping their headers
//! (`Allow`, `Retry-After`); and the request's headers are bounded here, below
//! hyper's own limits, so a request with too many or too large headers gets a
//! problem document too rather than hyper's bare 431.

use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::problem::ApiError;

/// Most header fields a request may carry; hyper's own limit is set above it
/// ([`HYPER_MAX_HEADERS`]) so that ours answers first.
pub const MAX_HEADERS: usize = 64;
/// Most bytes of header names and values a request may carry.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// hyper's limit on header fields, past which it answers a bare 431 itself.
pub const HYPER_MAX_HEADERS: usize = 4 * MAX_HEADERS;

/// Refuses a request whose headers pass [`MAX_HEADERS`] or [`MAX_HEADER_BYTES`], with
/// a problem document, before any handler reads it. An error answer to a request
/// that came with a body says `Connection: close`: the handler may have answered
/// without reading the body, and hyper then closes the connection, so a client must
/// not send its next request on it.
pub async fn guard(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let headers = request.headers();
    let bytes: usize = headers
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len())
        .sum();
    if headers.len() > MAX_HEADERS || bytes > MAX_HEADER_BYTES {
        let mut response = ApiError::rejected(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!(
                "the request's headers are too large: at most {MAX_HEADERS} fields and {MAX_HEADER_BYTES} bytes"
            ),
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return response;
    }
    let has_body = headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0");
    let mut response = as_problem(next.run(request).await, &method).await;
    if has_body && response.status().as_u16() >= 400 {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// Most bytes of a plain-text error body read to reword it.
const MAX_PLAIN_BODY: usize = 4 * 1024;

/// Made below the handlers: no body type, or axum's plain text. (The portal's own
/// error pages, HTML for a person at a browser form, are left as they are.)
fn is_bare(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|v| v.as_bytes().starts_with(b"text/plain"))
}

/// Rewrites an error answer that is not a problem document into one: the detail says
/// what the client can do, from the status and axum's own words where it gave some.
/// (axum adds a 405's `Allow` header above the layers, after this has run.)
async fn as_problem(response: Response, method: &Method) -> Response {
    let status = response.status();
    if status.as_u16() < 400 || !is_bare(&response) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let said = axum::body::to_bytes(body, MAX_PLAIN_BODY)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let detail = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            format!(
                "this resource does not answer {method}; its Allow header lists what it answers"
            )
        }
        StatusCode::REQUEST_TIMEOUT => {
            "the request took too long to arrive or to be answered".to_string()
        }
        StatusCode::PAYLOAD_TOO_LARGE => {
            "the request body is larger than this server takes".to_string()
        }
        _ if status.is_client_error() && !said.is_empty() => {
            format!("the request is not one this resource takes: {said}")
        }
        _ => status
            .canonical_reason()
            .unwrap_or("the request failed")
            .to_string(),
    };
    let mut problem = ApiError::rejected(status, detail).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            problem.headers_mut().insert(name, value.clone());
        }
    }
    problem
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_problem(response: &Response) -> bool {
        response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"))
    }

    fn plain(status: StatusCode, text: &str) -> Response {
        (status, text.to_string()).into_response()
    }

    async fn body(r: Response) -> serde_json::Value {
        let b = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        serde_json::from_slice(&b).unwrap()
    }

    #[tokio::test]
    async fn a_plain_error_becomes_a_problem_and_keeps_its_headers() {
        let mut r = plain(StatusCode::SERVICE_UNAVAILABLE, "");
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("7"));
        let r = as_problem(r, &Method::GET).await;
        assert_eq!(r.status(), 503);
        assert_eq!(r.headers()[header::RETRY_AFTER], "7");
        assert!(is_problem(&r));
        assert_eq!(body(r).await["status"], 503);
        let r = as_problem(plain(StatusCode::METHOD_NOT_ALLOWED, ""), &Method::PUT).await;
        assert!(body(r).await["detail"].as_str().unwrap().contains("PUT"));
        let r = as_problem(
            plain(StatusCode::BAD_REQUEST, "Invalid URL: x"),
            &Method::GET,
        )
        .await;
        assert!(
            body(r).await["detail"]
                .as_str()
                .unwrap()
                .contains("Invalid URL: x")
        );
        let ok = as_problem(plain(StatusCode::OK, "fine"), &Method::GET).await;
        assert!(!is_problem(&ok));
        let page = (
            StatusCode::UNAUTHORIZED,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<p>try again</p>",
        )
            .into_response();
        let page = as_problem(page, &Method::POST).await;
        assert!(!is_problem(&page), "a person's error page stays a page");
    }
}

//! Slow clients (issue 7): a client that never finishes its headers is disconnected
//! after `header_timeout_seconds`, one that never finishes its body is answered 408
//! after `request_timeout_seconds`, and neither keeps the service from answering others.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// Everything the server sends on `stream` until it closes it or `limit` passes.
async fn read_all(stream: &mut tokio::net::TcpStream, limit: Duration) -> (String, Duration) {
    let start = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(limit.saturating_sub(start.elapsed()), stream.read(&mut buf))
            .await
        {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => {
                got.extend_from_slice(&buf[..n]);
                if got.windows(4).any(|w| w == b"\r\n\r\n") && !got.starts_with(b"HTTP/1.1 1") {
                    break;
                }
            }
        }
    }
    (String::from_utf8_lossy(&got).into_owned(), start.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_off_and_others_are_still_served() {
    let h = start_with(|c| {
        c.header_timeout_seconds = 1;
        c.request_timeout_seconds = 2;
    })
    .await;
    let addr = h.base.trim_start_matches("http://").to_string();

    // Headers that never end: the connection is closed after about a second.
    let mut headers = tokio::net::TcpStream::connect(&addr).await.unwrap();
    headers
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: inkan\r\n")
        .await
        .unwrap();
    // A body that never ends: 408 after about two seconds.
    let mut body = tokio::net::TcpStream::connect(&addr).await.unwrap();
    body.write_all(
        b"POST /api/enroll HTTP/1.1\r\nHost: inkan\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"pass",
    )
    .await
    .unwrap();

    // Meanwhile the service answers everyone else.
    let (status, _) = get(&client(), format!("{}/healthz", h.base)).await;
    assert_eq!(status, 200);

    let (_, waited) = read_all(&mut headers, Duration::from_secs(15)).await;
    assert!(
        waited < Duration::from_secs(8),
        "slow headers were cut off after {waited:?}"
    );
    let (answer, waited) = read_all(&mut body, Duration::from_secs(15)).await;
    assert!(
        answer.starts_with("HTTP/1.1 408"),
        "{answer:?} after {waited:?}"
    );
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("content-type: application/problem+json"),
        "{answer:?}"
    );
    assert!(waited < Duration::from_secs(8), "{waited:?}");
}

/// A connection that never sends a byte is closed after the header timeout, and the
/// server holds at most `max_connections`: one more is told 503 in a problem document
/// with Retry-After and closed, while the server recovers as soon as slots free.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_connections_are_closed_and_connections_are_capped() {
    let h = start_with(|c| {
        c.header_timeout_seconds = 1;
        c.max_connections = 3;
    })
    .await;
    let addr = h.base.trim_start_matches("http://").to_string();
    let mut silent = Vec::new();
    for _ in 0..3 {
        silent.push(tokio::net::TcpStream::connect(&addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut extra = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (said, _) = read_all(&mut extra, Duration::from_secs(3)).await;
    assert!(said.starts_with("HTTP/1.1 503"), "{said:?}");
    assert!(
        said.contains("application/problem+json") && said.contains("retry-after"),
        "{said}"
    );
    // The silent ones are closed after about a second, having sent nothing.
    for s in &mut silent {
        let (got, waited) = read_all(s, Duration::from_secs(5)).await;
        assert!(got.is_empty(), "{got:?}");
        assert!(waited < Duration::from_secs(4), "closed after {waited:?}");
    }
    // One byte, as the start of an HTTP/2 preface that never comes: closed too.
    let mut one = tokio::net::TcpStream::connect(&addr).await.unwrap();
    one.write_all(b"P").await.unwrap();
    let (_, waited) = read_all(&mut one, Duration::from_secs(5)).await;
    assert!(
        waited < Duration::from_secs(4),
        "one byte held a connection {waited:?}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, _) = get(&client(), format!("{}/healthz", h.base)).await;
    assert_eq!(status, 200);
}

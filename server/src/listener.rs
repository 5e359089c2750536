//! The accept loop: axum's own `serve` has no header read timeout, so a client that
//! opens a connection and trickles its headers could hold it forever. This loop runs
//! each connection through hyper with one, closes a connection that sends nothing at
//! all within the same time (hyper's timer starts only with the first byte), serves at
//! most `max_connections` at once (one more gets a 503 problem document and is
//! closed), and lets open connections finish their request on shutdown.

/// How often a flood of refused connections is logged.
const WARN_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Serves `app` on `listener` until `shutdown` changes, then lets every open connection
/// finish its request. Unlike `axum::serve`, a connection that has not sent a request's
/// headers within `header_timeout` is closed, so slow clients cannot hold connections
/// open; request bodies and handlers are bounded by the router's own timeout.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
    header_timeout: std::time::Duration,
    max_connections: usize,
) -> std::io::Result<()> {
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(max_connections.max(1)));
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::service::TowerToHyperService;
    // HTTP/1.1 only: the service needs nothing of HTTP/2, and HTTP/2 (or telling the
    // two apart) would wait for its preface with no timeout, so a connection sending
    // one byte could hold a slot for ever.
    let mut builder = Builder::new(TokioExecutor::new()).http1_only();
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        // Above the router's own bound, so that one answers with a problem document.
        .max_headers(crate::http::HEADER_FIELDS_HYPER_REFUSES);
    let mut connections = tokio::task::JoinSet::new();
    let (mut refused, mut last_warned) = (0u64, None);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait, do not spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => break,
        };
        // The client's address, for the per-client rate limits.
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            // Under a flood this happens thousands of times a second: one warning a
            // minute, with the count since the last, is what an operator can read.
            refused += 1;
            if last_warned.is_none_or(|t: std::time::Instant| t.elapsed() >= WARN_EVERY) {
                tracing::warn!(%peer, max_connections, refused, "too many connections: answered 503");
                last_warned = Some(std::time::Instant::now());
                refused = 0;
            }
            connections.spawn(refuse(stream));
            continue;
        };
        let service = TowerToHyperService::new(tower::Layer::layer(
            &axum::Extension(axum::extract::ConnectInfo(peer)),
            app.clone(),
        ));
        let builder = builder.clone();
        let mut stop = shutdown.clone();
        connections.spawn(async move {
            let _slot = slot;
            // A connection that sends nothing is closed after the header timeout too.
            let mut first = [0u8; 1];
            match tokio::time::timeout(header_timeout, stream.peek(&mut first)).await {
                Ok(Ok(n)) if n > 0 => {}
                _ => {
                    tracing::debug!(%peer, "connection sent nothing: closed");
                    return;
                }
            }
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                served = connection.as_mut() => {
                    if let Err(e) = served {
                        tracing::debug!(%peer, error = %e, "connection ended");
                    }
                    return;
                }
                _ = stop.changed() => connection.as_mut().graceful_shutdown(),
            }
            let _ = connection.await;
        });
        // Reap finished connections as we go.
        while connections.try_join_next().is_some() {}
    }
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// Answers a connection beyond the cap with a 503 problem document and closes it.
async fn refuse(mut stream: tokio::net::TcpStream) {
    use tokio::io::AsyncWriteExt as _;
    const BODY: &str = r#"{"type":"about:blank","title":"Service Unavailable","status":503,"detail":"the server is serving as many connections as it may; try again shortly"}"#;
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/problem+json\r\nretry-after: 5\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{BODY}",
        BODY.len()
    );
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.write_all(answer.as_bytes()),
    )
    .await;
    let _ = stream.shutdown().await;
}

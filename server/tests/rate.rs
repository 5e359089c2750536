//! Per-client rate limits on the endpoints a stranger can reach with a guess: past
//! its burst, a client address gets 429 problem documents with `Retry-After` on the
//! staff login, the enrollment and the revocation confirmation, while the routes that
//! need no guess (the repository) still answer it.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn a_client_guessing_too_fast_is_told_to_wait() {
    let h = start_with(|c| {
        c.rate_limit_burst = 3;
        c.rate_limit_refill_seconds = 600;
    })
    .await;
    let c = client();
    let login = || {
        c.post(format!("{}/api/ra/login", h.base))
            .json(&json!({ "login": "olive", "password": "a guess" }))
            .send()
    };
    for _ in 0..3 {
        assert_eq!(login().await.unwrap().status(), 401);
    }
    let r = login().await.unwrap();
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait >= 1, "{wait}");
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["status"], 429, "{v}");
    // The budget is the client's across the guessable endpoints.
    let (s, _) = enroll(&h, "nohandle-nosecret", &csr(1)).await;
    assert_eq!(s, 429);
    let r = c
        .get(format!("{}/revocation/confirm?token=abc", h.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    // What needs no guess is not limited.
    for _ in 0..10 {
        let r = c
            .get(format!("{}/repository", h.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
}

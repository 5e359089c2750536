//! One error surface, over real HTTP: every route, sent what it does not take (a
//! wrong method, a path or query parameter that does not parse or is not UTF-8, a
//! body that is not JSON, of the wrong type or too large, too many or too large
//! headers), answers with an `application/problem+json` document whose status is the
//! answer's; an error answer to a request with a body says `Connection: close`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::*;

/// Every route of the router, as (method, path with `{}` for its parameter).
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/openapi.json"),
    ("GET", "/metrics"),
    ("GET", "/language"),
    ("GET", "/assets/{}"),
    ("GET", "/ra"),
    ("GET", "/ra/login"),
    ("POST", "/ra/login"),
    ("POST", "/ra/logout"),
    ("POST", "/ra/applications"),
    ("GET", "/ra/applications/new"),
    ("GET", "/ra/applications/{}"),
    ("POST", "/ra/applications/{}/steps"),
    ("POST", "/ra/revocations"),
    ("GET", "/ra/revocations/new"),
    ("GET", "/ra/revocations/{}"),
    ("POST", "/ra/revocations/{}/steps"),
    ("GET", "/ra/developers"),
    ("POST", "/ra/developers"),
    ("GET", "/ra/developers/new"),
    ("GET", "/ra/developers/{}"),
    ("GET", "/ra/developers/{}/removal"),
    ("GET", "/ra/developers/{}/registration"),
    ("POST", "/ra/developers/{}/registration"),
    ("POST", "/api/ra/developers/{}/registration"),
    ("POST", "/ra/developers/{}/removal"),
    ("GET", "/ra/developers/{}/trail"),
    ("GET", "/ra/certificates/{}/trail"),
    ("GET", "/ra/removals/{}"),
    ("POST", "/ra/removals/{}/steps"),
    ("GET", "/api/ra/applications"),
    ("GET", "/api/ra/revocations"),
    ("GET", "/api/ra/developers"),
    ("GET", "/"),
    ("GET", "/repository"),
    ("GET", "/repository/ca-certs.pem"),
    ("GET", "/repository/cps"),
    ("GET", "/repository/crl"),
    ("GET", "/repository/notices"),
    ("GET", "/repository/audit-head"),
    ("GET", "/enroll"),
    ("POST", "/enroll"),
    ("GET", "/download/{}"),
    ("GET", "/revocation/confirm"),
    ("POST", "/revocation/confirm"),
    ("POST", "/api/enroll"),
    ("POST", "/api/ra/login"),
    ("POST", "/api/ra/logout"),
    ("GET", "/api/ra/me"),
    ("POST", "/api/ra/developers"),
    ("GET", "/api/ra/developers/{}"),
    ("POST", "/api/ra/developers/{}/removal"),
    ("POST", "/api/ra/applications"),
    ("GET", "/api/ra/applications/{}"),
    ("POST", "/api/ra/applications/{}/steps"),
    ("POST", "/api/ra/revocations"),
    ("GET", "/api/ra/revocations/overdue"),
    ("GET", "/api/ra/revocations/{}"),
    ("POST", "/api/ra/revocations/{}/steps"),
    ("GET", "/api/ra/developer-removals/{}"),
    ("POST", "/api/ra/developer-removals/{}/steps"),
    ("GET", "/api/ra/renewal-notices"),
    ("POST", "/api/ra/renewal-notices/{}/sent"),
    ("POST", "/api/ra/room-entries"),
    ("POST", "/api/ra/ca-events"),
    ("GET", "/api/ra/operator-actions"),
    ("GET", "/api/ra/activation"),
    ("POST", "/api/ra/activation"),
];

/// The POST routes that take no body (a broken one is not theirs to refuse).
const NO_BODY: &[&str] = &["/api/ra/logout", "/api/ra/developers/{}/removal"];

/// Asserts `r` is a problem document of its own status; returns (status, detail).
async fn problem(what: &str, r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    assert!(status >= 400, "{what}: answered {status}");
    assert_eq!(
        r.headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string()),
        Some("application/problem+json".to_string()),
        "{what}: {status}"
    );
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["status"], status, "{what}: {v}");
    let detail = v["detail"].as_str().unwrap_or_default().to_string();
    assert!(!detail.is_empty(), "{what}: {v}");
    (status, detail)
}

#[tokio::test]
async fn every_route_answers_what_it_does_not_take_with_a_problem_document() {
    let h = start().await;
    // A logged-in client, so that the session check is not what answers.
    let staff = staff(&h, "sam").await;
    for (method, path) in ROUTES {
        let url = |p: &str| format!("{}{}", h.base, path.replace("{}", p));
        // A method the route does not answer.
        let wrong = if *method == "GET" { "DELETE" } else { "PUT" };
        let r = staff
            .request(wrong.parse().unwrap(), url("1"))
            .send()
            .await
            .unwrap();
        let allow = r.headers().get("allow").cloned();
        let (s, detail) = problem(&format!("{wrong} {path}"), r).await;
        assert_eq!(s, 405, "{wrong} {path}");
        assert!(detail.contains(wrong), "{wrong} {path}: {detail}");
        assert!(
            allow.is_some_and(|a| a.to_str().unwrap().contains(method)),
            "{wrong} {path}: Allow"
        );
        // Path parameters that do not parse, or are not UTF-8.
        if path.contains("{}") {
            for bad in ["not-a-number", "%FF%FE"] {
                let r = staff
                    .request(method.parse().unwrap(), url(bad))
                    .header("content-type", "application/json")
                    .body("{}")
                    .send()
                    .await
                    .unwrap();
                problem(&format!("{method} {path} with {bad}"), r).await;
            }
        }
        if *method == "POST" && !NO_BODY.contains(path) {
            let not_json = staff
                .post(url("1"))
                .header("content-type", "application/json")
                .body("{not json")
                .send()
                .await
                .unwrap();
            let connection = not_json.headers().get("connection").cloned();
            problem(&format!("POST {path} with a broken body"), not_json).await;
            assert_eq!(
                connection.as_ref().map(|v| v.to_str().unwrap()),
                Some("close"),
                "POST {path}"
            );
            let huge = staff
                .post(url("1"))
                .header("content-type", "application/json")
                .body(vec![b' '; 2 << 20])
                .send()
                .await;
            // The server may close before the whole body is sent; when it answers,
            // it is a problem document.
            if let Ok(r) = huge {
                problem(&format!("POST {path} with a huge body"), r).await;
            }
        }
    }
}

#[tokio::test]
async fn queries_headers_and_unknown_paths_are_problem_documents_too() {
    let h = start().await;
    let c = client();
    // No token: 400; a token that is not UTF-8 is no token of ours: 404.
    for (query, status) in [("", 400), ("?nothing=1", 400), ("?token=%FF%FE", 404)] {
        let r = c
            .get(format!("{}/revocation/confirm{query}", h.base))
            .send()
            .await
            .unwrap();
        let (s, _) = problem(&format!("confirm{query}"), r).await;
        assert_eq!(s, status, "confirm{query}");
    }
    let r = c
        .get(format!("{}/no/such/thing", h.base))
        .send()
        .await
        .unwrap();
    assert_eq!(problem("unknown path", r).await.0, 404);
    let mut many = reqwest::header::HeaderMap::new();
    for i in 0..100 {
        many.insert(
            reqwest::header::HeaderName::from_bytes(format!("x-h{i}").as_bytes()).unwrap(),
            "1".parse().unwrap(),
        );
    }
    let r = c
        .get(format!("{}/healthz", h.base))
        .headers(many)
        .send()
        .await
        .unwrap();
    assert_eq!(problem("100 headers", r).await.0, 431);
    let r = c
        .get(format!("{}/healthz", h.base))
        .header("x-big", "a".repeat(20 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(problem("a 20 KiB header", r).await.0, 431);
    let r = c
        .post(format!("{}/api/ra/developers", h.base))
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    let connection = r.headers().get("connection").cloned();
    problem("a body without a session", r).await;
    assert_eq!(connection.unwrap(), "close");
}

/// `/openapi.json` documents every route the router answers (the list above, each of
/// which answers 405, not 404, to a method it lacks) and nothing else, with the
/// session required exactly where the route asks for one.
#[tokio::test]
async fn the_openapi_document_lists_exactly_the_routes() {
    let h = start().await;
    let (s, doc) = get(&client(), format!("{}/openapi.json", h.base)).await;
    assert_eq!(s, 200);
    let shape = |p: &str| {
        let mut out = String::new();
        let mut skip = false;
        for c in p.chars() {
            match c {
                '{' => {
                    skip = true;
                    out.push_str("{}");
                }
                '}' => skip = false,
                _ if skip => {}
                _ => out.push(c),
            }
        }
        out
    };
    let mut documented: Vec<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), shape(path)))
        })
        .collect();
    documented.sort();
    let mut routes: Vec<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_string(), (*p).to_string()))
        .collect();
    // And the latest CRL at the path of the policy's CRL URL.
    let crl_url = h.policy.definition().crl_url.unwrap();
    let crl_path = &crl_url[crl_url.find("://").unwrap() + 3..];
    let crl_path = &crl_path[crl_path.find('/').unwrap()..];
    let r = client()
        .delete(format!("{}{crl_path}", h.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405, "the router answers {crl_path}");
    routes.push(("GET".into(), crl_path.to_string()));
    routes.sort();
    assert_eq!(documented, routes);
    // Anonymous routes carry no security requirement; staff routes do.
    for (path, anonymous) in [
        ("/api/enroll", true),
        ("/revocation/confirm", true),
        ("/api/ra/me", false),
    ] {
        let method = if path == "/api/ra/me" { "get" } else { "post" };
        let op = &doc["paths"][path][method];
        assert_eq!(op.get("security").is_none(), anonymous, "{path}: {op}");
    }
    // What a body may leave out is not marked required.
    let developer = &doc["paths"]["/api/ra/developers"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"];
    let required: Vec<&str> = developer["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(!required.contains(&"permitted") && !required.contains(&"registration_form"));
    assert!(developer["properties"].get("registration_form").is_some());
}

/// The repository publishes the audit log's last entry for anyone to record: its
/// sequence number and hash, the same the CLI's `inkan audit head` gives, moving on
/// as the CA works.
#[tokio::test]
async fn the_audit_head_is_published() {
    let h = start().await;
    let url = format!("{}/repository/audit-head", h.base);
    let (s, first) = get(&client(), url.clone()).await;
    assert_eq!(s, 200, "{first}");
    assert_eq!(first["hash"].as_str().map(str::len), Some(64), "{first}");
    // The service's jobs may have written since; the entry published is in the log,
    // with that hash.
    let seq = first["seq"].as_i64().unwrap();
    let hash: Vec<u8> = store(&h)
        .query_opt(
            "SELECT hash FROM audit WHERE seq = ?1",
            &[inkan_runtime::sql::Param::Int(seq)],
        )
        .unwrap()
        .unwrap()
        .get(0)
        .unwrap();
    assert_eq!(first["hash"].as_str(), Some(hex::encode(hash).as_str()));
    staff(&h, "olive").await; // a login is audited
    let (_, then) = get(&client(), url).await;
    assert!(
        then["seq"].as_u64() > first["seq"].as_u64(),
        "{first} {then}"
    );
}

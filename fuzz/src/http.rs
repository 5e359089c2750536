//! The harness of the `http` fuzz target, shared with the corpus replay in
//! `server/tests/corpus.rs` (included there by path, so the stable test suite replays
//! every checked-in input): a real CA and RA behind the service's router, an operator
//! session, and one call that sends a body to one of the endpoints that read one.
//!
//! What it holds: whatever the body, the service answers without panicking, never with
//! a 5xx, and every error is a problem document.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use axum::body::Body;
use axum::http::{Request, header};
use inkan_runtime::ca::{Ca, InitOptions};
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::signer::SoftwareSigner;
use tower::ServiceExt as _;

/// Endpoints that read a body: path, content type, whether the operator's session
/// cookie goes with it.
pub const ENDPOINTS: [(&str, &str, bool); 12] = [
    ("/api/enroll", "application/json", false),
    ("/enroll", "application/x-www-form-urlencoded", false),
    ("/api/ra/login", "application/json", false),
    (
        "/revocation/confirm",
        "application/x-www-form-urlencoded",
        false,
    ),
    ("/api/ra/developers", "application/json", true),
    (
        "/api/ra/developers/123456/removal",
        "application/json",
        true,
    ),
    ("/api/ra/applications", "application/json", true),
    ("/api/ra/applications/1/steps", "application/json", true),
    ("/api/ra/revocations", "application/json", true),
    ("/api/ra/revocations/1/steps", "application/json", true),
    ("/api/ra/room-entries", "application/json", true),
    ("/api/ra/activation", "application/json", true),
];

const STAFF_PASSWORD: &str = "a long fuzzing password";

/// A service to send bodies to.
pub struct Service {
    runtime: tokio::runtime::Runtime,
    router: axum::Router,
    cookie: String,
    _dir: tempfile::TempDir,
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

impl Service {
    /// A CA under the faithful policy from fixture keys, active, with an operator
    /// logged in.
    pub fn start() -> Service {
        let dir = tempfile::tempdir().unwrap();
        let ca_dir = dir.path().join("ca");
        let policy = inkan_policies::by_id("jpcert-ssl-client").unwrap();
        let key_source = |p: &'static inkan_runtime::policy::CertificateProfile| {
            let pem = std::fs::read_to_string(
                fixtures().join(format!("ca-{}-{}.key.pem", p.name, p.key_bits)),
            )
            .unwrap();
            SoftwareSigner::from_pkcs8_pem(&pem)
        };
        let options = InitOptions {
            allow_clock_override: false,
            custody_waiver: Some("fuzzing on fixture keys"),
            key_source: &key_source,
            progress: &|_| {},
            store: None,
        };
        let (ca, shares) = Ca::init(&ca_dir, policy, Timestamp::now(), &options).unwrap();
        let mut ra = inkan_server::ra::Ra::open(&ca_dir, policy.definition()).unwrap();
        ra.add_staff(
            "olive",
            "Olive Ono",
            "operator",
            STAFF_PASSWORD,
            Timestamp::now(),
            "fuzz",
        )
        .unwrap();
        drop((ra, ca));
        let mut config = inkan_server::Config::load(&ca_dir).unwrap();
        config.dir = ca_dir;
        // Every input comes from one in-process client: no per-client rate limit.
        config.rate_limit_burst = 0;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let (router, cookie) = runtime.block_on(async {
            let state =
                inkan_server::AppState::open(config, &|id| inkan_policies::by_id(id)).unwrap();
            for share in &shares {
                let status = state
                    .enter_share(share.to_text(), "custodian".into())
                    .await
                    .unwrap();
                if status.active {
                    break;
                }
            }
            let router = inkan_server::http::router(state);
            let login = Request::post("/api/ra/login")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(format!(
                    r#"{{"login":"olive","password":"{STAFF_PASSWORD}"}}"#
                )))
                .unwrap();
            let answer = router.clone().oneshot(login).await.unwrap();
            assert_eq!(answer.status(), 200, "the operator logs in");
            let cookie = answer
                .headers()
                .get(header::SET_COOKIE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(';').next())
                .unwrap()
                .to_string();
            (router, cookie)
        });
        Service {
            runtime,
            router,
            cookie,
            _dir: dir,
        }
    }

    /// Sends `body` to the endpoint `selector` picks; panics on a 5xx answer or an
    /// error that is not a problem document.
    pub fn exercise(&self, selector: u8, body: &[u8]) {
        let (path, content_type, session) = ENDPOINTS[usize::from(selector) % ENDPOINTS.len()];
        let mut request = Request::post(path).header(header::CONTENT_TYPE, content_type);
        if session {
            request = request.header(header::COOKIE, &self.cookie);
        }
        let request = request.body(Body::from(body.to_vec())).unwrap();
        let answer = self
            .runtime
            .block_on(self.router.clone().oneshot(request))
            .unwrap();
        let status = answer.status();
        assert!(
            !status.is_server_error(),
            "{path} answered {status} to {:?}",
            String::from_utf8_lossy(body)
        );
        if status.is_client_error() && path.starts_with("/api/") {
            let kind = answer
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            assert_eq!(kind, "application/problem+json", "{path} answered {status}");
        }
    }
}

//! The HTTP surface: the public repository (R-2.4-ACCESS), the subscriber portal and
//! its JSON twin (R-4.2-PASSWORD, R-4.4-RECEIPT), the RA API (every route behind a
//! session and a role check, deny by default), revocation confirmation, `/healthz`
//! and `/openapi.json`. Every error is `application/problem+json`.

use axum::Router;
use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use inkan_runtime::audit::Event;
use inkan_runtime::ca::{Ca, IssueRequest};
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::policy::{CertificateProfile, Role};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{COOKIE, Session};
use crate::error::ApiError;
use crate::ra::{Developer, RaStore};
use crate::state::AppState;

/// A JSON body whose rejection is a problem document.
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|j| ApiJson(j.0))
            .map_err(|e: JsonRejection| ApiError::rejected(e.status(), e.body_text()))
    }
}

/// A form body whose rejection is a problem document.
pub struct ApiForm<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiForm<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        axum::Form::<T>::from_request(req, state)
            .await
            .map(|f| ApiForm(f.0))
            .map_err(|e: FormRejection| ApiError::rejected(e.status(), e.body_text()))
    }
}

fn pem(label: &str, der: &[u8]) -> Result<String, ApiError> {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der)
        .map_err(|e| ApiError::internal(e.to_string()))
}

/// The path part of the policy's CRL URL (`/ca-info/crl-list.crl`), where the
/// repository serves the latest CRL.
pub fn crl_path(state: &AppState) -> String {
    state
        .policy()
        .definition()
        .crl_url
        .and_then(|u| u.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.find('/').map(|i| rest[i..].to_string()))
        .filter(|p| p != "/" && !p.starts_with("/api/") && !p.starts_with("/repository"))
        .unwrap_or_else(|| "/crl".into())
}

/// Errors made below the handlers (the request timeout's 408) come without a body;
/// they leave as problem documents like every other error.
async fn bare_errors_as_problems(response: Response) -> Response {
    let status = response.status();
    if status == StatusCode::REQUEST_TIMEOUT
        && !response.headers().contains_key(header::CONTENT_TYPE)
    {
        return ApiError::rejected(
            status,
            "the request took too long to arrive or to be answered",
        )
        .into_response();
    }
    response
}

/// Builds the router with its limits and logging.
pub fn router(state: AppState) -> Router {
    let crl = crl_path(&state);
    let limit = state.config().max_body_bytes;
    let timeout = std::time::Duration::from_secs(state.config().request_timeout_seconds);
    Router::new()
        .route("/healthz", get(healthz))
        .route("/openapi.json", get(openapi))
        .route("/", get(home))
        .route("/repository", get(repository))
        .route("/repository/ca-certs.pem", get(ca_certs))
        .route("/repository/cps", get(cps))
        .route("/repository/crl", get(latest_crl))
        .route("/repository/notices", get(notices))
        .route(&crl, get(latest_crl))
        .route("/enroll", get(enroll_page).post(enroll_form))
        .route("/download/{serial}", get(download))
        .route(
            "/revocation/confirm",
            get(confirm_page).post(confirm_submit),
        )
        .route("/api/enroll", post(enroll_api))
        .route("/api/ra/login", post(login))
        .route("/api/ra/logout", post(logout))
        .route("/api/ra/me", get(me))
        .route("/api/ra/developers", post(add_developer))
        .route("/api/ra/developers/{number}", get(get_developer))
        .route(
            "/api/ra/developers/{number}/removal",
            post(remove_developer),
        )
        .route("/api/ra/applications", post(receive_application))
        .route("/api/ra/applications/{id}", get(get_application))
        .route("/api/ra/applications/{id}/examination", post(examine))
        .route("/api/ra/applications/{id}/decision", post(decide))
        .route("/api/ra/revocations", post(request_revocation))
        .route("/api/ra/revocations/overdue", get(overdue))
        .route("/api/ra/revocations/{id}", get(get_revocation))
        .route(
            "/api/ra/revocations/{id}/phone-confirmation",
            post(phone_confirmation),
        )
        .route("/api/ra/room-entries", post(room_entry))
        .route("/api/ra/operator-actions", get(operator_actions))
        .route(
            "/api/ra/activation",
            get(activation_status).post(enter_share),
        )
        .fallback(|| async { ApiError::not_found("no such resource") })
        .layer(DefaultBodyLimit::max(limit))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(axum::middleware::map_response(bare_errors_as_problems))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

async fn healthz(State(state): State<AppState>) -> Result<axum::Json<Value>, ApiError> {
    let policy = state.policy().definition();
    state.with_ra(|_| Ok(())).await?;
    Ok(axum::Json(
        json!({ "status": "ok", "policy": policy.id, "policy_sha256": policy.sha256 }),
    ))
}

async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::document().to_string(),
    )
}

const STYLE: &str = "body{font-family:sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;line-height:1.5}textarea{width:100%;font-family:monospace}pre{background:#f4f4f4;padding:1rem;overflow-x:auto}.error{color:#a00}label{display:block;margin-top:1rem}";

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body><h1>{}</h1>{body}</body></html>",
        escape(title),
        escape(title)
    ))
}

/// HTML-escapes text.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

async fn home(State(state): State<AppState>) -> Html<String> {
    let def = state.policy().definition();
    page(
        def.title,
        "<p><a href=\"/enroll\">Get your certificate</a> with the password your applicant manager gave you.</p><p><a href=\"/repository\">Repository</a>: CA certificates, CRL, CPS.</p>",
    )
}

async fn repository(State(state): State<AppState>) -> Html<String> {
    let crl = crl_path(&state);
    page(
        "Repository",
        &format!(
            "<ul><li><a href=\"/repository/ca-certs.pem\">CA certificates</a> (PEM, root first)</li><li><a href=\"{}\">Latest CRL</a> (DER)</li><li><a href=\"/repository/cps\">Certification Practice Statement</a> (rendered from the policy)</li><li><a href=\"/repository/notices\">Notices</a></li></ul><p>Anyone may read the repository; nothing in it can be written over HTTP (R-2.4-ACCESS).</p>",
            escape(&crl)
        ),
    )
}

async fn ca_certs(State(state): State<AppState>) -> Result<Response, ApiError> {
    let ders = state.with_both(|ca, _| Ok(ca.ca_certificates()?)).await?;
    let mut body = String::new();
    for d in ders {
        body.push_str(&pem("CERTIFICATE", &d)?);
    }
    Ok(([(header::CONTENT_TYPE, "application/x-pem-file")], body).into_response())
}

async fn latest_crl(State(state): State<AppState>) -> Result<Response, ApiError> {
    let crl = state
        .with_both(|ca, _| {
            let issuer = ca
                .policy()
                .definition()
                .crls
                .first()
                .map(|c| c.issuer)
                .ok_or_else(|| ApiError::not_found("the policy publishes no CRL"))?;
            Ok(inkan_runtime::store::Store::latest_crl(ca.store(), issuer)?)
        })
        .await?;
    let (_, der) = crl.ok_or_else(|| ApiError::not_found("no CRL has been published yet"))?;
    Ok(([(header::CONTENT_TYPE, "application/pkix-crl")], der).into_response())
}

/// Notices (R-2.2-PUBLISH): the CA's announcements, read from `notices.html` in the
/// CA directory if the operator has written one.
async fn notices(State(state): State<AppState>) -> Html<String> {
    let def = state.policy().definition();
    let own = std::fs::read_to_string(state.config().dir.join("notices.html")).ok();
    let body = own.unwrap_or_else(|| "<p>There are no notices at present.</p>".into());
    let official = def
        .notices_url
        .map(|u| {
            format!(
                "<p>The CPS publishes notices at <code>{}</code>.</p>",
                escape(u)
            )
        })
        .unwrap_or_default();
    page("Notices", &format!("{body}{official}"))
}

/// The CPS sections the policy determines, rendered from it (also in docs/cps/).
async fn cps(State(state): State<AppState>) -> Html<String> {
    Html(state.policy().definition().cps_html.to_string())
}

// --- Enrollment (R-4.2-PASSWORD, R-4.2-PROMPT, R-6.1-CA-CERT-DELIVERY, R-4.4-RECEIPT) ---

#[derive(Deserialize)]
struct EnrollBody {
    password: String,
    csr: String,
}

pub(crate) struct Enrolled {
    serial: String,
    subject: String,
    certificate: String,
    chain: String,
    download: String,
}

fn subscriber_profile(ca: &Ca) -> Result<&'static CertificateProfile, ApiError> {
    ca.policy()
        .definition()
        .certificates
        .iter()
        .find(|p| p.role == Role::Subscriber)
        .ok_or_else(|| ApiError::internal("the policy has no subscriber profile"))
}

async fn enroll(state: &AppState, body: EnrollBody) -> Result<Enrolled, ApiError> {
    state.enroll(body.password, body.csr).await
}

/// A claimed password's holder: (holder id, developer, person).
type Claim = (i64, u64, u64);

/// Enrolls a batch (the worker in `state` calls this with every enrollment waiting):
/// each request is checked and its password claimed on its own, the claimed ones are
/// issued together by `Ca::issue_many`, and every subscriber gets their own answer.
/// Nothing is spent while the CA keys are locked, nor on a bad request; a password
/// whose issuance fails is given back.
pub(crate) fn enroll_batch(
    ca: &mut Ca,
    ra: &mut dyn RaStore,
    max_failures: i64,
    jobs: Vec<crate::state::EnrollJob>,
) {
    let now = Timestamp::now();
    let number = |s: &str| {
        s.parse::<u64>()
            .map_err(|_| ApiError::internal(format!("stored number `{s}` is not a number")))
    };
    let mut claimed: Vec<(crate::state::EnrollJob, Claim)> = Vec::new();
    for job in jobs {
        let claim = (|| {
            ca.ensure_active()?;
            inkan_runtime::csr::check(job.csr.as_bytes(), subscriber_profile(ca)?)?;
            let (hid, developer, person) = ra.redeem(job.password.trim(), now, max_failures)?;
            match (number(&developer), number(&person)) {
                (Ok(d), Ok(p)) => Ok((hid, d, p)),
                (Err(e), _) | (_, Err(e)) => {
                    ra.release(hid)?;
                    Err(e)
                }
            }
        })();
        match claim {
            Ok(c) => claimed.push((job, c)),
            Err(e) => {
                let _ = job.reply.send(Err(e));
            }
        }
    }
    if claimed.is_empty() {
        return;
    }
    let actors: Vec<String> = claimed
        .iter()
        .map(|(_, (hid, _, _))| format!("password:{hid}"))
        .collect();
    let requests: Vec<IssueRequest<'_>> = claimed
        .iter()
        .zip(&actors)
        .map(|((job, (_, developer, person)), actor)| IssueRequest {
            actor,
            csr: job.csr.as_bytes(),
            profile: None,
            fields: vec![("developer".into(), *developer), ("person".into(), *person)],
        })
        .collect();
    let outcomes: Vec<Result<inkan_runtime::ca::Issued, ApiError>> =
        match ca.issue_many(&requests, now) {
            Ok(all) => all.into_iter().map(|r| r.map_err(ApiError::from)).collect(),
            Err(e) => {
                let e = ApiError::from(e);
                requests.iter().map(|_| Err(e.clone())).collect()
            }
        };
    drop(requests);
    let chain = (|| {
        let mut chain = String::new();
        let issuer = subscriber_profile(ca)?.issuer.unwrap_or_default();
        for der in ca.chain(issuer)? {
            chain.push_str(&pem("CERTIFICATE", &der)?);
        }
        Ok::<_, ApiError>(chain)
    })();
    let mut links = Vec::new();
    for ((_, (hid, _, _)), outcome) in claimed.iter().zip(&outcomes) {
        match outcome {
            Ok(issued) => links.push((*hid, issued.serial.as_str())),
            Err(_) => {
                if let Err(e) = ra.release(*hid) {
                    tracing::error!(hid, error = %e, "could not give a password back");
                }
            }
        }
    }
    let mut tokens = match ra.issued_many(&links) {
        Ok(tokens) => Ok(tokens.into_iter()),
        Err(e) => Err(e),
    };
    drop(links);
    for ((job, _), outcome) in claimed.into_iter().zip(outcomes) {
        let answer = outcome.and_then(|issued| {
            let token = match &mut tokens {
                Ok(t) => t
                    .next()
                    .ok_or_else(|| ApiError::internal("no download token was made"))?,
                Err(e) => return Err(e.clone()),
            };
            Ok(Enrolled {
                download: format!("/download/{}?token={token}", issued.serial),
                certificate: pem("CERTIFICATE", &issued.der)?,
                chain: chain.clone()?,
                serial: issued.serial,
                subject: issued.subject,
            })
        });
        let _ = job.reply.send(answer);
    }
}

async fn enroll_api(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<EnrollBody>,
) -> Result<Response, ApiError> {
    let e = enroll(&state, body).await?;
    Ok((StatusCode::CREATED, axum::Json(json!({ "serial": e.serial, "subject": e.subject, "certificate": e.certificate, "chain": e.chain, "download": e.download }))).into_response())
}

const ENROLL_FORM: &str = r#"<p>Paste your PKCS#10 certificate request, or choose the file, and type the password your applicant manager gave you. Your private key never leaves your computer.</p>
<form method="post" action="/enroll">
<label for="file">Request file</label><input id="file" type="file" accept=".csr,.pem,.req">
<label for="csr">Certificate request (PEM)</label><textarea id="csr" name="csr" rows="14" required></textarea>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="one-time-code" required>
<p><button type="submit" id="submit">Get my certificate</button></p>
</form>
<script>document.getElementById('file').addEventListener('change',function(e){var f=e.target.files[0];if(!f)return;var r=new FileReader();r.onload=function(){document.getElementById('csr').value=r.result;};r.readAsText(f);});</script>"#;

async fn enroll_page() -> Html<String> {
    page("Get your certificate", ENROLL_FORM)
}

async fn enroll_form(
    State(state): State<AppState>,
    ApiForm(body): ApiForm<EnrollBody>,
) -> Response {
    match enroll(&state, body).await {
        Ok(e) => page(
            "Your certificate",
            &format!(
                "<p id=\"issued\">Issued to <code>{}</code>, serial <code>{}</code>.</p><p><a id=\"download-cert\" href=\"{}&amp;what=certificate\">Download the certificate</a> · <a id=\"download-chain\" href=\"{}&amp;what=chain\">Download it with the CA chain</a></p><pre>{}</pre>",
                escape(&e.subject),
                escape(&e.serial),
                escape(&e.download),
                escape(&e.download),
                escape(&e.certificate)
            ),
        )
        .into_response(),
        Err(e) => (e.status, page("Your certificate was not issued", &format!("<p class=\"error\" id=\"error\">{}</p><p><a href=\"/enroll\">Try again</a></p>", escape(&e.detail)))).into_response(),
    }
}

#[derive(Deserialize)]
struct DownloadQuery {
    token: String,
    what: Option<String>,
}

async fn download(
    State(state): State<AppState>,
    Path(serial): Path<String>,
    Query(q): Query<DownloadQuery>,
) -> Result<Response, ApiError> {
    let chain = q.what.as_deref() == Some("chain");
    let body = state
        .with_both(move |ca, ra| {
            ra.download(&serial, &q.token, Timestamp::now())?;
            let record = inkan_runtime::store::Store::certificate(ca.store(), &serial)?
                .ok_or_else(|| ApiError::not_found("no such certificate"))?;
            let mut body = pem("CERTIFICATE", &record.der.unwrap_or_default())?;
            if chain {
                for der in ca.chain(record.issuer.as_deref().unwrap_or_default())? {
                    body.push_str(&pem("CERTIFICATE", &der)?);
                }
            }
            Ok(body)
        })
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-pem-file"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"certificate.pem\"",
            ),
        ],
        body,
    )
        .into_response())
}

// --- RA sessions ---

#[derive(Deserialize)]
struct LoginBody {
    login: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<Response, ApiError> {
    let minutes = state.config().session_minutes;
    let (token, staff) = state
        .with_ra(move |ra| ra.login(&body.login, &body.password, Timestamp::now(), minutes))
        .await?;
    let cookie = format!(
        "{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        minutes * 60
    );
    Ok((
        [(header::SET_COOKIE, cookie)],
        axum::Json(json!({ "login": staff.login, "role": staff.role })),
    )
        .into_response())
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<StatusCode, ApiError> {
    let token = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string());
    if let Some(t) = token {
        state.with_ra(move |ra| ra.logout(&t)).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn me(session: Session) -> axum::Json<Value> {
    axum::Json(json!({ "login": session.0.login, "role": session.0.role }))
}

// --- Developers ---

async fn add_developer(
    State(state): State<AppState>,
    session: Session,
    body: Result<ApiJson<Developer>, ApiError>,
) -> Result<StatusCode, ApiError> {
    let actor = session.require(&["operator"])?.login.clone();
    let ApiJson(d) = body?;
    state
        .with_ra(move |ra| ra.add_developer(&d, Timestamp::now(), &actor))
        .await?;
    Ok(StatusCode::CREATED)
}

async fn get_developer(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
) -> Result<axum::Json<Developer>, ApiError> {
    session.require(&["operator", "examiner", "supervisor"])?;
    let d = state
        .with_ra(move |ra| ra.developer(&number))
        .await?
        .ok_or_else(|| ApiError::not_found("no such developer"))?;
    Ok(axum::Json(d))
}

/// R-4.11-LEAVE: removing a developer revokes all its subscribers' certificates in
/// one transaction, then republishes the CRL.
async fn remove_developer(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    let actor = session.require(&["supervisor"])?.login.clone();
    let revoked = state
        .with_both(move |ca, ra| {
            let now = Timestamp::now();
            ca.ensure_active()?;
            ra.developer(&number)?
                .filter(|d| d.status == "listed")
                .ok_or_else(|| ApiError::not_found(format!("no listed developer {number}")))?;
            let serials = certificates_of(ca, &number)?;
            let reason = reason_for(ca, "affiliationChanged")?;
            ca.revoke_all(&serials, reason, now, &actor)?;
            ra.remove_developer(&number, now, &actor)?;
            ca.crl(None, now, &actor)?;
            Ok(serials)
        })
        .await?;
    Ok(axum::Json(json!({ "revoked": revoked })))
}

/// Serials of the unrevoked certificates whose subscriber name carries `developer`.
fn certificates_of(ca: &Ca, developer: &str) -> Result<Vec<String>, ApiError> {
    let profile = subscriber_profile(ca)?;
    let codec = profile
        .subscriber_name
        .ok_or_else(|| ApiError::internal("no name template"))?;
    let wanted: u64 = developer
        .parse()
        .map_err(|_| ApiError::bad_request("a developer number has 6 digits"))?;
    let mut out = Vec::new();
    for r in inkan_runtime::store::Store::certificates(ca.store(), profile.name)? {
        if r.revoked.is_some() {
            continue;
        }
        let cn = r
            .subject
            .split(',')
            .find_map(|p| p.strip_prefix("CN="))
            .unwrap_or_default();
        if (codec.parse)(cn).is_ok_and(|parts| {
            parts
                .fields
                .iter()
                .any(|(f, v)| *f == "developer" && *v == wanted)
        }) {
            out.push(r.serial);
        }
    }
    Ok(out)
}

/// The policy's reason name mapped to an RFC 5280 code, e.g. `developer-removed`.
fn reason_for(ca: &Ca, code_name: &str) -> Result<&'static str, ApiError> {
    let code = match code_name {
        "affiliationChanged" => 3,
        _ => 0,
    };
    ca.policy()
        .definition()
        .reasons
        .iter()
        .find(|r| r.code == code)
        .map(|r| r.name)
        .ok_or_else(|| ApiError::internal(format!("the policy maps no reason to {code_name}")))
}

// --- Applications ---

#[derive(Deserialize)]
struct ApplicationBody {
    developer: String,
    form_email: String,
    holders: Vec<String>,
}

async fn receive_application(
    State(state): State<AppState>,
    session: Session,
    body: Result<ApiJson<ApplicationBody>, ApiError>,
) -> Result<Response, ApiError> {
    let actor = session.require(&["operator"])?.login.clone();
    let ApiJson(b) = body?;
    let id = state
        .with_ra(move |ra| {
            ra.receive_application(
                &b.developer,
                &b.form_email,
                &b.holders,
                Timestamp::now(),
                &actor,
            )
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({ "id": id, "status": "received" })),
    )
        .into_response())
}

async fn get_application(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<axum::Json<crate::ra::Application>, ApiError> {
    session.require(&["operator", "examiner", "supervisor"])?;
    Ok(axum::Json(
        state.with_ra(move |ra| ra.application(id)).await?,
    ))
}

#[derive(Deserialize)]
struct Decision {
    approve: bool,
    #[serde(default)]
    note: String,
}

async fn examine(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    body: Result<ApiJson<Decision>, ApiError>,
) -> Result<axum::Json<crate::ra::Application>, ApiError> {
    let actor = session.require(&["examiner"])?.login.clone();
    let ApiJson(d) = body?;
    Ok(axum::Json(
        state
            .with_ra(move |ra| ra.examine(id, d.approve, &d.note, Timestamp::now(), &actor))
            .await?,
    ))
}

/// The supervisor's decision; on approval the passwords are in this answer and
/// nowhere else (they are stored only as hashes).
async fn decide(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    body: Result<ApiJson<Decision>, ApiError>,
) -> Result<axum::Json<Value>, ApiError> {
    let actor = session.require(&["supervisor"])?.login.clone();
    let ApiJson(d) = body?;
    let days = state.config().otp_valid_days;
    let passwords = state
        .with_ra(move |ra| ra.decide(id, d.approve, Timestamp::now(), &actor, days))
        .await?;
    let list: Vec<Value> = passwords
        .iter()
        .map(|(person, password)| json!({ "person": person, "password": password }))
        .collect();
    Ok(axum::Json(
        json!({ "id": id, "status": if d.approve { "approved" } else { "rejected" }, "passwords": list, "valid_days": days }),
    ))
}

// --- Revocation ---

#[derive(Deserialize)]
struct RevocationBody {
    serial: String,
    developer: String,
    reason: String,
    /// `manager` (a form from the applicant manager) or `ca`.
    requested_by: String,
}

/// Adds `n` business days (Monday to Friday; public holidays are not modelled).
fn business_days(from: Timestamp, n: u32) -> Timestamp {
    let mut t = from;
    let mut left = n;
    while left > 0 {
        t = Timestamp::from_unix(t.unix() + 86_400).unwrap_or(t);
        // 1970-01-01 was a Thursday: weekday 0 = Thursday.
        let weekday = (t.unix().div_euclid(86_400) + 3).rem_euclid(7); // 0 = Monday
        if weekday < 5 {
            left -= 1;
        }
    }
    t
}

async fn request_revocation(
    State(state): State<AppState>,
    session: Session,
    body: Result<ApiJson<RevocationBody>, ApiError>,
) -> Result<Response, ApiError> {
    let staff = session.require(&["operator", "supervisor"])?.clone();
    let ApiJson(b) = body?;
    let public_url = state.config().public_url.clone();
    let answer = state
        .with_both(move |ca, ra| {
            let now = Timestamp::now();
            ca.ensure_active()?;
            let serial = inkan_runtime::ca::normalise_serial(&b.serial)?;
            let reason = ca.policy().reason(&b.reason).ok_or_else(|| ApiError::bad_request(format!("unknown reason `{}` (R-4.9-REASONS)", b.reason)))?;
            let developer = ra.developer(&b.developer)?.ok_or_else(|| ApiError::not_found(format!("no developer {}", b.developer)))?;
            // R-4.9-WHO: a manager may ask only for certificates of their own organisation.
            if !certificates_of(ca, &developer.number)?.contains(&serial) {
                return Err(ApiError::forbidden(format!("certificate {serial} is not an unrevoked certificate of developer {}; a manager may request revocation only of their own organisation's certificates (R-4.9-WHO)", developer.number)));
            }
            let deadline = business_days(now, ca.policy().definition().revocation_deadline_business_days.unwrap_or(10));
            match (b.requested_by.as_str(), reason.urgent) {
                ("manager", false) => {
                    if staff.role != "operator" {
                        return Err(ApiError::forbidden("an operator records revocation forms (R-5.2-RA-ROLES)"));
                    }
                    let (id, token) = ra.request_revocation(&serial, &developer.number, reason.name, "manager", true, deadline, now, &staff.login)?;
                    let link = format!("{public_url}/revocation/confirm?token={}", token.unwrap_or_default());
                    let body = format!(
                        "Dear {},\n\nWe received a request to revoke certificate\n{serial}\nof developer {}, for the reason: {}.\n\nIt is revoked only if you confirm here:\n{link}\n\nIf you did not ask for this, ignore this message.\n",
                        developer.manager_name, developer.number, reason.name
                    );
                    ra.queue_mail(&developer.manager_email, &format!("Confirm the revocation of certificate {serial}"), &body, now)?;
                    Ok(json!({ "id": id, "status": "awaiting-confirmation", "deadline": deadline.to_string() }))
                }
                ("manager", true) => {
                    if staff.role != "operator" {
                        return Err(ApiError::forbidden("an operator records revocation forms (R-5.2-RA-ROLES)"));
                    }
                    let (id, _) = ra.request_revocation(&serial, &developer.number, reason.name, "manager", false, deadline, now, &staff.login)?;
                    Ok(json!({ "id": id, "status": "awaiting-phone-confirmation", "deadline": deadline.to_string(), "next": "two staff each record the telephone confirmation (R-4.9-COMPROMISE)" }))
                }
                ("ca", _) => {
                    if staff.role != "supervisor" {
                        return Err(ApiError::forbidden("a revocation by the CA itself is decided by the supervisor (R-4.9-WHO)"));
                    }
                    let (id, _) = ra.request_revocation(&serial, &developer.number, reason.name, "ca", false, deadline, now, &staff.login)?;
                    ca.revoke(&serial, reason.name, now, &staff.login)?;
                    ra.mark_revoked(id, now)?;
                    ca.crl(None, now, &staff.login)?;
                    Ok(json!({ "id": id, "status": "revoked" }))
                }
                _ => Err(ApiError::bad_request("requested_by is `manager` or `ca`")),
            }
        })
        .await?;
    state.wake();
    Ok((StatusCode::CREATED, axum::Json(answer)).into_response())
}

async fn get_revocation(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<axum::Json<crate::ra::RevocationRequest>, ApiError> {
    session.require(&["operator", "supervisor"])?;
    Ok(axum::Json(
        state.with_ra(move |ra| ra.revocation(id)).await?,
    ))
}

/// R-4.9-COMPROMISE, R-5.7-COMPROMISE: two different staff each record the telephone
/// confirmation; the second revokes at once and republishes the CRL.
async fn phone_confirmation(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<axum::Json<Value>, ApiError> {
    let staff = session.require(&["operator", "supervisor"])?.clone();
    let answer = state
        .with_both(move |ca, ra| {
            let now = Timestamp::now();
            ca.ensure_active()?;
            let req = ra.revocation(id)?;
            if req.status != "awaiting-phone-confirmation" {
                return Err(ApiError::conflict(format!("request {id} is {}", req.status)));
            }
            match ra.phone_confirmed_by(id)? {
                None => {
                    ra.first_phone_confirmation(id, now, &staff.login)?;
                    Ok(json!({ "id": id, "status": "awaiting-phone-confirmation", "confirmations": 1 }))
                }
                Some(first) if first == staff.login => Err(ApiError::forbidden("the second telephone confirmation must be recorded by a different person (R-5.2-SEPARATION)")),
                Some(_) => {
                    ra.audit(now, &staff.login, "ra-operation", &[("operation", "phone-confirmation"), ("request", &id.to_string())])?;
                    ca.revoke(&req.serial, &req.reason, now, &staff.login)?;
                    ra.mark_revoked(id, now)?;
                    ca.crl(None, now, &staff.login)?;
                    Ok(json!({ "id": id, "status": "revoked", "confirmations": 2 }))
                }
            }
        })
        .await?;
    Ok(axum::Json(answer))
}

async fn overdue(
    State(state): State<AppState>,
    session: Session,
) -> Result<axum::Json<Value>, ApiError> {
    session.require(&["operator", "supervisor"])?;
    let list = state.with_ra(|ra| ra.overdue(Timestamp::now())).await?;
    Ok(axum::Json(json!({ "overdue": list })))
}

#[derive(Deserialize)]
struct ConfirmQuery {
    token: String,
}

async fn confirm_page(
    State(state): State<AppState>,
    Query(q): Query<ConfirmQuery>,
) -> Result<Html<String>, ApiError> {
    let token = q.token.clone();
    let req = state
        .with_ra(move |ra| ra.request_by_token(&token))
        .await?
        .ok_or_else(|| ApiError::not_found("this confirmation link is unknown or already used"))?;
    Ok(page(
        "Confirm revocation",
        &format!(
            "<p>Revoke certificate <code>{}</code> of developer {}, reason {}?</p><form method=\"post\" action=\"/revocation/confirm\"><input type=\"hidden\" name=\"token\" value=\"{}\"><button type=\"submit\" id=\"confirm\">Revoke it</button></form>",
            escape(&req.serial),
            escape(&req.developer),
            escape(&req.reason),
            escape(&q.token)
        ),
    ))
}

/// The manager's confirmation (R-3.4-REVOKE-CONFIRM): only now is the certificate
/// revoked, and the CRL republished at once (R-4.9-CRL-24H).
async fn confirm_submit(
    State(state): State<AppState>,
    ApiForm(q): ApiForm<ConfirmQuery>,
) -> Result<Html<String>, ApiError> {
    let serial = state
        .with_both(move |ca, ra| {
            let now = Timestamp::now();
            ca.ensure_active()?;
            let req = ra.request_by_token(&q.token)?.ok_or_else(|| {
                ApiError::not_found("this confirmation link is unknown or already used")
            })?;
            let actor = format!("manager:{}", req.developer);
            ca.revoke(&req.serial, &req.reason, now, &actor)?;
            ra.mark_revoked(req.id, now)?;
            ca.crl(None, now, &actor)?;
            Ok(req.serial)
        })
        .await?;
    Ok(page(
        "Revoked",
        &format!(
            "<p id=\"revoked\">Certificate <code>{}</code> is revoked, and the CRL is republished.</p>",
            escape(&serial)
        ),
    ))
}

// --- Key activation (R-6.2-M-OF-N) ---

fn status_json(s: Option<inkan_runtime::custody::ActivationStatus>) -> Value {
    match s {
        Some(s) if !s.active => json!({ "active": false, "entered": s.have, "needed": s.need }),
        _ => json!({ "active": true }),
    }
}

async fn activation_status(
    State(state): State<AppState>,
    session: Session,
) -> Result<axum::Json<Value>, ApiError> {
    session.require(&[
        "facility-administrator",
        "supervisor",
        "operator",
        "examiner",
    ])?;
    Ok(axum::Json(
        state
            .with_both(|ca, _| Ok(status_json(ca.activation())))
            .await?,
    ))
}

#[derive(Deserialize)]
struct ShareBody {
    share: String,
}

/// A custodian enters a share, through a staff session. The share is checked and kept
/// in memory only; the entry (never the value) is audited.
async fn enter_share(
    State(state): State<AppState>,
    session: Session,
    body: Result<ApiJson<ShareBody>, ApiError>,
) -> Result<axum::Json<Value>, ApiError> {
    let actor = session
        .require(&[
            "facility-administrator",
            "supervisor",
            "operator",
            "examiner",
        ])?
        .login
        .clone();
    let ApiJson(b) = body?;
    let status = state.enter_share(b.share, actor).await?;
    Ok(axum::Json(if status.active {
        json!({ "active": true })
    } else {
        json!({ "active": false, "entered": status.have, "needed": status.need })
    }))
}

// --- RA events ---

#[derive(Deserialize)]
struct RoomEntry {
    person: String,
}

async fn room_entry(
    State(state): State<AppState>,
    session: Session,
    body: Result<ApiJson<RoomEntry>, ApiError>,
) -> Result<StatusCode, ApiError> {
    let actor = session.require(&["facility-administrator"])?.login.clone();
    let ApiJson(b) = body?;
    state
        .with_ra(move |ra| {
            ra.audit(
                Timestamp::now(),
                &actor,
                "ra-room-entry",
                &[("person", &b.person)],
            )
        })
        .await?;
    Ok(StatusCode::CREATED)
}

/// The operators' actions, for the supervisor's review (R-5.2-DUAL-CHECK).
async fn operator_actions(
    State(state): State<AppState>,
    session: Session,
) -> Result<axum::Json<Value>, ApiError> {
    session.require(&["supervisor"])?;
    let list = state
        .with_both(|ca, ra: &mut dyn RaStore| {
            let operators = ra.operator_logins()?;
            let entries = inkan_runtime::store::Store::audit_entries(ca.store())?;
            Ok(entries
                .into_iter()
                .filter(|e| operators.contains(&e.actor))
                .map(|e| json!({ "seq": e.seq, "at": e.at.to_string(), "actor": e.actor, "event": e.event, "details": serde_json::from_str::<Value>(&e.details).unwrap_or(Value::Null) }))
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(axum::Json(json!({ "actions": list })))
}

/// Records an RA event from a job.
pub fn audit_event(ca: &mut Ca, event: Event) -> Result<(), ApiError> {
    Ok(ca.audit(event)?)
}

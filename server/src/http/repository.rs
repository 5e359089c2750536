//! The public repository (R-2.2-PUBLISH, R-2.4-ACCESS): CA certificates, the latest
//! CRL (also at the path of the policy's CRL URL), the CPS rendered from the policy,
//! notices; with `/healthz` and `/openapi.json`. Anyone may read it; nothing in it can
//! be written over HTTP.

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};

use super::pages::{escape, page};
use super::problem::ApiError;
use crate::ra::RaError;
use crate::ra::enrollment::pem;
use crate::state::AppState;

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

pub(super) async fn healthz(State(state): State<AppState>) -> Result<axum::Json<Value>, ApiError> {
    let policy = state.policy().definition();
    state.with_ra(|_| Ok::<_, RaError>(())).await?;
    Ok(axum::Json(
        json!({ "status": "ok", "policy": policy.id, "policy_sha256": policy.sha256 }),
    ))
}

pub(super) async fn openapi(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        super::openapi::document(state.policy(), &crl_path(&state)).to_string(),
    )
}

pub(super) async fn home(State(state): State<AppState>) -> Html<String> {
    let def = state.policy().definition();
    page(
        def.title,
        "<p><a href=\"/enroll\">Get your certificate</a> with the password your applicant manager gave you.</p><p><a href=\"/repository\">Repository</a>: CA certificates, CRL, CPS.</p>",
    )
}

pub(super) async fn repository(State(state): State<AppState>) -> Html<String> {
    let crl = crl_path(&state);
    page(
        "Repository",
        &format!(
            "<ul><li><a href=\"/repository/ca-certs.pem\">CA certificates</a> (PEM, root first)</li><li><a href=\"{}\">Latest CRL</a> (DER)</li><li><a href=\"/repository/cps\">Certification Practice Statement</a> (rendered from the policy)</li><li><a href=\"/repository/notices\">Notices</a></li></ul><p>Anyone may read the repository; nothing in it can be written over HTTP (R-2.4-ACCESS).</p>",
            escape(&crl)
        ),
    )
}

pub(super) async fn ca_certs(State(state): State<AppState>) -> Result<Response, ApiError> {
    let ders = state
        .with_both(|ca, _| Ok::<_, RaError>(ca.ca_certificates()?))
        .await?;
    let mut body = String::new();
    for d in ders {
        body.push_str(&pem("CERTIFICATE", &d)?);
    }
    Ok(([(header::CONTENT_TYPE, "application/x-pem-file")], body).into_response())
}

/// The audit log's last entry, by sequence number and hash, for anyone to record: a
/// head witnessed outside the database lets `inkan audit verify --witnessed` find
/// entries removed after it, even past the last signed checkpoint and while the CA
/// is locked (R-5.4-PROTECT). It says how much the CA has done, nothing of what.
pub(super) async fn audit_head(
    State(state): State<AppState>,
) -> Result<axum::Json<Value>, ApiError> {
    let (seq, hash) = state
        .with_both(|ca, _| Ok::<_, RaError>(ca.store().audit_tip()?))
        .await?;
    Ok(axum::Json(json!({ "seq": seq, "hash": hex::encode(hash) })))
}

pub(super) async fn latest_crl(State(state): State<AppState>) -> Result<Response, ApiError> {
    let crl = state
        .with_both(|ca, _| {
            let issuer = ca
                .policy()
                .definition()
                .crls
                .first()
                .map(|c| c.issuer)
                .ok_or_else(|| RaError::not_found("the policy publishes no CRL"))?;
            Ok::<_, RaError>(inkan_runtime::store::Store::latest_crl(ca.store(), issuer)?)
        })
        .await?;
    let (_, der) = crl.ok_or_else(|| ApiError::not_found("no CRL has been published yet"))?;
    Ok(([(header::CONTENT_TYPE, "application/pkix-crl")], der).into_response())
}

/// Notices (R-2.2-PUBLISH): the CA's announcements, read from `notices.html` in the
/// CA directory if the operator has written one.
pub(super) async fn notices(State(state): State<AppState>) -> Html<String> {
    let def = state.policy().definition();
    let own = std::fs::read_to_string(state.config().dir.join("notices.html")).ok();
    let mut body = String::new();
    // R-6.2-HSM: a CA running on software keys under a policy that wants an HSM says
    // so here, to everyone, first.
    if let Some(reason) = state.custody_waiver() {
        body.push_str(&format!(
            "<p class=\"warning\"><strong>This CA is not for production use.</strong> Its keys are software keys, where its policy requires a hardware security module (R-6.2-HSM). Recorded when it was made: {}.</p>",
            escape(reason)
        ));
    }
    body.push_str(&own.unwrap_or_else(|| {
        if body.is_empty() {
            "<p>There are no notices at present.</p>".into()
        } else {
            String::new()
        }
    }));
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
pub(super) async fn cps(State(state): State<AppState>) -> Html<String> {
    Html(state.policy().definition().cps_html.to_string())
}

//! The public repository (R-2.2-PUBLISH, R-2.4-ACCESS): CA certificates, the latest
//! CRL (also at the path of the policy's CRL URL), the CPS rendered from the policy,
//! notices; with `/healthz` and `/openapi.json`. Anyone may read it; nothing in it can
//! be written over HTTP.

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};

use super::lang::Lang;
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

pub(super) async fn home(State(state): State<AppState>, lang: Lang) -> Html<String> {
    let def = state.policy().definition();
    let tr = &lang.tr;
    let link = |href: &str, id: &str| format!("<a href=\"{href}\">{}</a>", escape(&tr.t(id)));
    page(
        &lang,
        def.title,
        &format!(
            "<p>{}</p><p>{}</p>",
            tr.html(
                "home-enroll",
                &[("link", &link("/enroll", "home-enroll-link"))]
            ),
            tr.html(
                "home-repository",
                &[("link", &link("/repository", "home-repository-link"))]
            ),
        ),
    )
}

pub(super) async fn repository(State(state): State<AppState>, lang: Lang) -> Html<String> {
    let crl = crl_path(&state);
    let tr = &lang.tr;
    let link =
        |href: &str, id: &str| format!("<a href=\"{}\">{}</a>", escape(href), escape(&tr.t(id)));
    page(
        &lang,
        &tr.t("repository-title"),
        &format!(
            "<ul><li>{}</li><li>{}</li><li>{}</li><li>{}</li></ul><p>{}</p>",
            tr.html(
                "repository-ca-certs",
                &[(
                    "link",
                    &link("/repository/ca-certs.pem", "repository-ca-certs-link")
                )]
            ),
            tr.html(
                "repository-crl",
                &[("link", &link(&crl, "repository-crl-link"))]
            ),
            tr.html(
                "repository-cps",
                &[("link", &link("/repository/cps", "repository-cps-link"))]
            ),
            link("/repository/notices", "repository-notices-link"),
            escape(&tr.t("repository-access")),
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
pub(super) async fn notices(State(state): State<AppState>, lang: Lang) -> Html<String> {
    let def = state.policy().definition();
    let tr = &lang.tr;
    let own = std::fs::read_to_string(state.config().dir.join("notices.html")).ok();
    let mut body = String::new();
    // R-6.2-HSM: a CA running on software keys under a policy that wants an HSM says
    // so here, to everyone, first.
    if let Some(reason) = state.custody_waiver() {
        body.push_str(&format!(
            "<p class=\"warning\"><strong>{}</strong> {}</p>",
            escape(&tr.t("notices-not-for-production")),
            tr.html("notices-software-keys", &[("reason", &escape(reason))])
        ));
    }
    body.push_str(&own.unwrap_or_else(|| {
        if body.is_empty() {
            format!("<p>{}</p>", escape(&tr.t("notices-none")))
        } else {
            String::new()
        }
    }));
    let official = def
        .notices_url
        .map(|u| {
            format!(
                "<p>{}</p>",
                tr.html(
                    "notices-official",
                    &[("url", &format!("<code>{}</code>", escape(u)))]
                )
            )
        })
        .unwrap_or_default();
    page(&lang, &tr.t("notices-title"), &format!("{body}{official}"))
}

/// The CPS sections the policy determines, rendered from it (also in docs/cps/).
pub(super) async fn cps(State(state): State<AppState>) -> Html<String> {
    Html(state.policy().definition().cps_html.to_string())
}

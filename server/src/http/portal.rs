//! The subscriber portal (R-4.2-PASSWORD, R-4.2-PROMPT, R-6.1-CA-CERT-DELIVERY,
//! R-4.4-RECEIPT): enrollment with a one-time password and a PKCS#10 request, as a
//! page and as JSON, and the certificate download whose first use is the receipt.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::extract::{ApiForm, ApiJson};
use super::lang::Lang;
use super::pages::{escape, page};
use super::problem::ApiError;
use crate::ra::RaError;
use crate::ra::enrollment::{Enrolled, pem};
use crate::state::AppState;

#[derive(Deserialize)]
pub(super) struct EnrollBody {
    password: String,
    csr: String,
}

async fn enroll(state: &AppState, body: EnrollBody) -> Result<Enrolled, ApiError> {
    Ok(state.enroll(body.password, body.csr).await?)
}

pub(super) async fn enroll_api(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<EnrollBody>,
) -> Result<Response, ApiError> {
    let e = enroll(&state, body).await?;
    Ok((StatusCode::CREATED, axum::Json(json!({ "serial": e.serial, "subject": e.subject, "certificate": e.certificate, "chain": e.chain, "download": e.download }))).into_response())
}

/// The enrollment form: paste a request or choose its file, and the password.
fn enroll_form_html(lang: &Lang) -> String {
    let tr = &lang.tr;
    let t = |id: &str| escape(&tr.t(id));
    format!(
        r#"<p>{}</p>
<form method="post" action="/enroll">
<label for="file">{}</label><input id="file" type="file" accept=".csr,.pem,.req">
<label for="csr">{}</label><textarea id="csr" name="csr" rows="14" required></textarea>
<label for="password">{}</label><input id="password" name="password" type="password" autocomplete="one-time-code" required>
<p><button type="submit" id="submit">{}</button></p>
</form>
<script>document.getElementById('file').addEventListener('change',function(e){{var f=e.target.files[0];if(!f)return;var r=new FileReader();r.onload=function(){{document.getElementById('csr').value=r.result;}};r.readAsText(f);}});</script>"#,
        t("enroll-intro"),
        t("enroll-file"),
        t("enroll-csr"),
        t("enroll-password"),
        t("enroll-submit"),
    )
}

/// Enrollment in the browser: hidden until `enroll.js` runs, which makes the key,
/// the request and the PKCS#12 on the page. The policy's key size is the page's.
fn browser_form_html(lang: &Lang, key_bits: u32) -> String {
    let tr = &lang.tr;
    let t = |id: &str| escape(&tr.t(id));
    format!(
        r#"<section><h2>{}</h2><form id="browser-enroll" hidden data-key-bits="{key_bits}" data-msg-short="{}" data-msg-mismatch="{}" data-msg-working="{}">
<p>{}</p>
<label for="otp">{}</label><input id="otp" name="otp" type="password" autocomplete="one-time-code" required>
<label for="passphrase">{}</label><input id="passphrase" name="passphrase" type="password" autocomplete="new-password" minlength="8" required>
<label for="passphrase2">{}</label><input id="passphrase2" name="passphrase2" type="password" autocomplete="new-password" minlength="8" required>
<p><button type="submit" id="make">{}</button> <span id="browser-status" role="status"></span></p>
<p class="error" id="browser-error" role="alert"></p>
<p id="p12-ready" hidden>{} <code id="p12-serial"></code> · <a id="download-p12" download="certificate.p12">{}</a></p>
</form></section>
<script src="/assets/pki.min.js"></script><script src="/assets/enroll.js"></script>
<section><h2>{}</h2>"#,
        t("browser-title"),
        t("browser-short"),
        t("browser-mismatch"),
        t("browser-working"),
        t("browser-intro"),
        t("enroll-password"),
        t("browser-passphrase"),
        t("browser-passphrase2"),
        t("browser-make"),
        t("browser-ready"),
        t("browser-download"),
        t("paste-title"),
    )
}

pub(super) async fn enroll_page(State(state): State<AppState>, lang: Lang) -> Html<String> {
    let key_bits =
        crate::ra::enrollment::subscriber_profile_of(state.policy()).map_or(2048, |p| p.key_bits);
    let body = format!(
        "{}{}</section>",
        browser_form_html(&lang, key_bits),
        enroll_form_html(&lang)
    );
    page(&lang, &lang.tr.t("enroll-title"), &body)
}

pub(super) async fn enroll_form(
    State(state): State<AppState>,
    lang: Lang,
    ApiForm(body): ApiForm<EnrollBody>,
) -> Response {
    let tr = &lang.tr;
    match enroll(&state, body).await {
        Ok(e) => page(
            &lang,
            &tr.t("enrolled-title"),
            &format!(
                "<p id=\"issued\">{}</p><p><a id=\"download-cert\" href=\"{}&amp;what=certificate\">{}</a> · <a id=\"download-chain\" href=\"{}&amp;what=chain\">{}</a></p><pre>{}</pre>",
                tr.html(
                    "enrolled-issued",
                    &[
                        ("subject", &format!("<code>{}</code>", escape(&e.subject))),
                        ("serial", &format!("<code>{}</code>", escape(&e.serial))),
                    ]
                ),
                escape(&e.download),
                escape(&tr.t("enrolled-download-certificate")),
                escape(&e.download),
                escape(&tr.t("enrolled-download-chain")),
                escape(&e.certificate)
            ),
        )
        .into_response(),
        Err(e) => (
            e.status,
            page(
                &lang,
                &tr.t("enroll-failed-title"),
                &format!(
                    "<p class=\"error\" id=\"error\">{}</p><p><a href=\"/enroll\">{}</a></p>",
                    escape(&e.detail),
                    escape(&tr.t("enroll-try-again"))
                ),
            ),
        )
            .into_response(),
    }
}

#[derive(Deserialize)]
pub(super) struct DownloadQuery {
    token: String,
    what: Option<String>,
}

pub(super) async fn download(
    State(state): State<AppState>,
    Path(serial): Path<String>,
    Query(q): Query<DownloadQuery>,
) -> Result<Response, ApiError> {
    let now = state.now();
    let chain = q.what.as_deref() == Some("chain");
    let body = state
        .with_both(move |ca, ra| {
            ra.download(&serial, &q.token, now)?;
            let record = inkan_runtime::store::Store::certificate(ca.store(), &serial)?
                .ok_or_else(|| RaError::not_found("no such certificate"))?;
            let mut body = pem("CERTIFICATE", &record.der.unwrap_or_default())?;
            if chain {
                for der in ca.chain(record.issuer.as_deref().unwrap_or_default())? {
                    body.push_str(&pem("CERTIFICATE", &der)?);
                }
            }
            Ok::<_, RaError>(body)
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

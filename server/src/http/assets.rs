//! The files the subscriber portal's pages load, built into the binary: the PKI.js
//! bundle (`server/assets/pki.min.js`, rebuilt by `server/assets/pki/build.sh` from
//! the pinned versions), the portal's own script, and the bundled packages' licences,
//! which travel with the bundle.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::problem::ApiError;

/// Each file: its name under `/assets/`, its content type, its bytes.
const FILES: &[(&str, &str, &str)] = &[
    (
        "pki.min.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/pki.min.js"),
    ),
    (
        "enroll.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/enroll.js"),
    ),
    (
        "licenses/pkijs.LICENSE",
        "text/plain; charset=utf-8",
        include_str!("../../assets/licenses/pkijs.LICENSE"),
    ),
    (
        "licenses/asn1js.LICENSE",
        "text/plain; charset=utf-8",
        include_str!("../../assets/licenses/asn1js.LICENSE"),
    ),
    (
        "licenses/bytestreamjs.LICENSE",
        "text/plain; charset=utf-8",
        include_str!("../../assets/licenses/bytestreamjs.LICENSE"),
    ),
    (
        "licenses/peculiar-utils.LICENSE",
        "text/plain; charset=utf-8",
        include_str!("../../assets/licenses/peculiar-utils.LICENSE"),
    ),
    (
        "licenses/noble-hashes.LICENSE",
        "text/plain; charset=utf-8",
        include_str!("../../assets/licenses/noble-hashes.LICENSE"),
    ),
];

/// `GET /assets/{*name}`.
pub(super) async fn asset(Path(name): Path<String>) -> Response {
    match FILES.iter().find(|(n, _, _)| *n == name) {
        Some((_, kind, body)) => (
            [
                (header::CONTENT_TYPE, *kind),
                // The same binary serves the same bytes: an hour's cache is safe, and a
                // new release is seen within it.
                (header::CACHE_CONTROL, "public, max-age=3600"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            *body,
        )
            .into_response(),
        None => ApiError::not_found("no such asset").into_response(),
    }
}

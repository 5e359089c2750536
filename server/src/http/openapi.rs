//! The OpenAPI 3.1 document served at `/openapi.json`: every route, who may call it,
//! and the CPS rule it serves. Errors are RFC 9457 problem documents throughout.

use serde_json::{Value, json};

fn op(summary: &str, roles: &str, rules: &str, body: Option<Value>, ok: &str) -> Value {
    let mut o = json!({
        "summary": summary,
        "description": format!("Roles: {roles}. CPS: {rules}."),
        "responses": {
            ok: { "description": "success" },
            "default": { "description": "problem", "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } }
        }
    });
    if let Some(schema) = body {
        o["requestBody"] =
            json!({ "required": true, "content": { "application/json": { "schema": schema } } });
    }
    if roles != "anyone" {
        o["security"] = json!([{ "session": [] }]);
    }
    o
}

fn obj(fields: &[(&str, &str)]) -> Value {
    let props: serde_json::Map<String, Value> = fields
        .iter()
        .map(|(k, t)| ((*k).to_string(), json!({ "type": t })))
        .collect();
    let required: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
    json!({ "type": "object", "properties": props, "required": required })
}

/// The document.
pub fn document() -> Value {
    let decision = obj(&[("approve", "boolean")]);
    json!({
        "openapi": "3.1.0",
        "info": { "title": "inkan CA service", "version": env!("CARGO_PKG_VERSION") },
        "components": {
            "securitySchemes": { "session": { "type": "apiKey", "in": "cookie", "name": crate::http::extract::COOKIE } },
            "schemas": { "Problem": obj(&[("type", "string"), ("title", "string"), ("status", "integer"), ("detail", "string")]) }
        },
        "paths": {
            "/healthz": { "get": op("Liveness and the policy enforced", "anyone", "-", None, "200") },
            "/repository/ca-certs.pem": { "get": op("CA certificates, root first", "anyone", "R-2.2-PUBLISH, R-2.4-ACCESS", None, "200") },
            "/repository/crl": { "get": op("The latest CRL (application/pkix-crl); also at the path of the policy's CRL URL", "anyone", "R-2.2-PUBLISH, R-4.9-CRL-24H", None, "200") },
            "/repository/notices": { "get": op("Notices", "anyone", "R-2.2-PUBLISH", None, "200") },
            "/repository/cps": { "get": op("The CPS rendered from the policy", "anyone", "R-2.2-PUBLISH", None, "200") },
            "/api/enroll": { "post": op("Enroll with a one-time password and a PKCS#10 request; returns the certificate and the CA chain", "anyone (holds a password)", "R-4.2-PASSWORD, R-4.2-PROMPT, R-6.1-CA-CERT-DELIVERY", Some(obj(&[("password", "string"), ("csr", "string")])), "201") },
            "/download/{serial}": { "get": op("Download a certificate (query: token, what=certificate|chain); the first download is recorded as receipt", "anyone (holds the token)", "R-4.4-RECEIPT", None, "200") },
            "/api/ra/login": { "post": op("Log in; sets the session cookie", "anyone", "R-5.2-OPERATOR-AUTH, R-5.4-RA-EVENTS", Some(obj(&[("login", "string"), ("password", "string")])), "200") },
            "/api/ra/logout": { "post": op("End the session", "any staff", "-", None, "204") },
            "/api/ra/me": { "get": op("The logged-in staff member", "any staff", "-", None, "200") },
            "/api/ra/developers": { "post": op("Register a product developer", "operator", "R-3.2-CLASSES, R-4.1-ELIGIBLE, R-9.3-CONFIDENTIAL", Some(obj(&[("number", "string"), ("name", "string"), ("class", "string"), ("registration", "string"), ("permitted", "boolean"), ("manager_name", "string"), ("manager_address", "string"), ("manager_email", "string"), ("manager_phone", "string")])), "201") },
            "/api/ra/developers/{number}": { "get": op("A developer, confidential fields included", "operator, examiner, supervisor", "R-9.3-CONFIDENTIAL", None, "200") },
            "/api/ra/developers/{number}/removal": { "post": op("Remove a developer from the list, revoking all its certificates in one transaction", "supervisor", "R-4.11-LEAVE", None, "200") },
            "/api/ra/applications": { "post": op("Record a received application form", "operator", "R-5.4-RA-EVENTS, R-3.2-EMAIL-MATCH, R-4.1-ELIGIBLE", Some(obj(&[("developer", "string"), ("form_email", "string"), ("holders", "array")])), "201") },
            "/api/ra/applications/{id}": { "get": op("An application", "operator, examiner, supervisor", "R-4.2-FLOW", None, "200") },
            "/api/ra/applications/{id}/examination": { "post": op("The examiner's check", "examiner", "R-5.2-DUAL-CHECK", Some(decision.clone()), "200") },
            "/api/ra/applications/{id}/decision": { "post": op("The supervisor's final check; approval returns one password per holder, once", "supervisor (not the examiner)", "R-5.2-DUAL-CHECK, R-4.2-FLOW", Some(decision), "200") },
            "/api/ra/revocations": { "post": op("Record a revocation form (manager) or a CA revocation", "operator (manager forms), supervisor (CA)", "R-4.9-WHO, R-3.4-REVOKE-CONFIRM, R-4.9-DEADLINE", Some(obj(&[("serial", "string"), ("developer", "string"), ("reason", "string"), ("requested_by", "string")])), "201") },
            "/api/ra/revocations/{id}": { "get": op("A revocation request", "operator, supervisor", "R-4.9-DEADLINE", None, "200") },
            "/api/ra/revocations/{id}/phone-confirmation": { "post": op("Record a telephone confirmation of a key-compromise request; the second, by another person, revokes at once", "operator, supervisor", "R-4.9-COMPROMISE, R-5.7-COMPROMISE", None, "200") },
            "/api/ra/revocations/overdue": { "get": op("Revocation requests past their deadline", "operator, supervisor", "R-4.9-DEADLINE", None, "200") },
            "/api/ra/activation": {
                "get": op("Whether the CA keys are active, and how many shares are in", "any staff", "R-6.2-M-OF-N", None, "200"),
                "post": op("A custodian enters an activation share; the keys activate at the threshold", "any staff (the custodian)", "R-6.2-M-OF-N", Some(obj(&[("share", "string")])), "200")
            },
            "/api/ra/room-entries": { "post": op("Record an RA room entry", "facility-administrator", "R-5.4-RA-EVENTS", Some(obj(&[("person", "string")])), "201") },
            "/api/ra/operator-actions": { "get": op("The operators' actions, for review", "supervisor", "R-5.2-DUAL-CHECK", None, "200") },
            "/revocation/confirm": { "get": op("The manager's confirmation page (query: token)", "anyone (holds the token)", "R-3.4-REVOKE-CONFIRM", None, "200") }
        }
    })
}

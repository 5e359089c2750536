//! The OpenAPI 3.1 document served at `/openapi.json`: every route, who may call it,
//! and the CPS rule it serves. Errors are RFC 9457 problem documents throughout.

use inkan_runtime::actions::RaAction;
use inkan_runtime::policy::Policy;
use inkan_runtime::workflow::Subject;
use serde_json::{Value, json};

use crate::ra::workflow::{opening_actions, step_actions};

/// Who may call a route.
enum Who<'a> {
    /// No session needed; the text says what the caller holds, if anything.
    Anyone(&'a str),
    /// Any logged-in staff member.
    Staff,
    /// Staff whose role the policy gives one of these actions.
    Action(&'a [RaAction]),
}

impl Who<'_> {
    /// The roles, as the policy says, in words.
    fn text(&self, policy: &dyn Policy) -> String {
        match self {
            Who::Anyone(what) => (*what).to_string(),
            Who::Staff => "any staff".to_string(),
            Who::Action(actions) => {
                let mut roles: Vec<&str> = actions
                    .iter()
                    .flat_map(|a| policy.roles_that_may(*a))
                    .collect();
                roles.sort_unstable();
                roles.dedup();
                let names: Vec<&str> = actions.iter().map(|a| a.name()).collect();
                format!("{} (action {})", roles.join(", "), names.join(" or "))
            }
        }
    }
}

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
    if !roles.starts_with("anyone") {
        o["security"] = json!([{ "session": [] }]);
    }
    o
}

fn obj(fields: &[(&str, &str)]) -> Value {
    obj_with(fields, &[])
}

/// An object schema: `fields` required, `optional` not.
fn obj_with(fields: &[(&str, &str)], optional: &[(&str, &str)]) -> Value {
    let props: serde_json::Map<String, Value> = fields
        .iter()
        .chain(optional)
        .map(|(k, t)| ((*k).to_string(), json!({ "type": t })))
        .collect();
    let required: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
    json!({ "type": "object", "properties": props, "required": required })
}

/// A page or a file for a person's browser: no JSON body, anyone may fetch it.
fn page(summary: &str, rules: &str) -> Value {
    op(summary, "anyone", rules, None, "200")
}

/// The document, with the roles the policy gives each action; `crl_path` is where the
/// repository serves the latest CRL besides `/repository/crl`.
pub fn document(policy: &dyn Policy, crl_path: &str) -> Value {
    let who = |w: Who<'_>| w.text(policy);
    let step = obj(&[("action", "string"), ("accept", "boolean")]);
    // The actions the policy's workflows of each kind of case take steps with.
    let (app_steps, rev_steps, rem_steps) = (
        step_actions(policy, Subject::Application),
        step_actions(policy, Subject::Revocation),
        step_actions(policy, Subject::DeveloperRemoval),
    );
    let opening = opening_actions(policy, Subject::Revocation);
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": { "title": "inkan CA service", "version": env!("CARGO_PKG_VERSION") },
        "components": {
            "securitySchemes": { "session": { "type": "apiKey", "in": "cookie", "name": crate::http::extract::COOKIE } },
            "schemas": { "Problem": obj(&[("type", "string"), ("title", "string"), ("status", "integer"), ("detail", "string")]) }
        },
        "paths": {
            "/healthz": { "get": op("Liveness and the policy enforced", &who(Who::Anyone("anyone")), "-", None, "200") },
            "/repository/ca-certs.pem": { "get": op("CA certificates, root first", &who(Who::Anyone("anyone")), "R-2.2-PUBLISH, R-2.4-ACCESS", None, "200") },
            "/repository/crl": { "get": op("The latest CRL (application/pkix-crl); also at the path of the policy's CRL URL", &who(Who::Anyone("anyone")), "R-2.2-PUBLISH, R-4.9-CRL-24H", None, "200") },
            "/repository/notices": { "get": op("Notices", &who(Who::Anyone("anyone")), "R-2.2-PUBLISH", None, "200") },
            "/repository/cps": { "get": op("The CPS rendered from the policy", &who(Who::Anyone("anyone")), "R-2.2-PUBLISH", None, "200") },
            "/api/enroll": { "post": op("Enroll with a one-time password and a PKCS#10 request; returns the certificate and the CA chain", &who(Who::Anyone("anyone (holds a password)")), "R-4.2-PASSWORD, R-4.2-PROMPT, R-6.1-CA-CERT-DELIVERY", Some(obj(&[("password", "string"), ("csr", "string")])), "201") },
            "/download/{serial}": { "get": op("Download a certificate (query: token, what=certificate|chain); the first download is recorded as receipt", &who(Who::Anyone("anyone (holds the token)")), "R-4.4-RECEIPT", None, "200") },
            "/api/ra/login": { "post": op("Log in; sets the session cookie", &who(Who::Anyone("anyone")), "R-5.2-OPERATOR-AUTH, R-5.4-RA-EVENTS", Some(obj(&[("login", "string"), ("password", "string")])), "200") },
            "/api/ra/logout": { "post": op("End the session", &who(Who::Staff), "-", None, "204") },
            "/api/ra/me": { "get": op("The logged-in staff member", &who(Who::Staff), "-", None, "200") },
            "/api/ra/developers": { "get": op("Developers whose number starts with, or whose name contains, `q`; by number, `limit` (at most 100) after `after`; `next` names the next page", &who(Who::Action(&[RaAction::ReadDeveloper])), "R-9.3-CONFIDENTIAL", None, "200"), "post": op("Register a product developer, with the evidence of the RA's check where the policy's registration form for its class asks for it", &who(Who::Action(&[RaAction::RegisterDeveloper])), "R-3.2-CLASSES, R-4.1-ELIGIBLE, R-3.2-ORG-CHECK, R-9.3-CONFIDENTIAL", Some(obj_with(&[("number", "string"), ("name", "string"), ("class", "string"), ("registration", "string"), ("manager_name", "string"), ("manager_address", "string"), ("manager_email", "string"), ("manager_phone", "string")], &[("permitted", "boolean"), ("registration_form", "object")])), "201") },
            "/api/ra/developers/{number}": { "get": op("A developer, confidential fields included", &who(Who::Action(&[RaAction::ReadDeveloper])), "R-9.3-CONFIDENTIAL", None, "200") },
            "/api/ra/developers/{number}/registration": { "post": op("Change a listed developer's class, registration or permission to apply, with the policy's registration form for the class", &who(Who::Action(&[RaAction::RegisterDeveloper])), "R-3.2-CLASSES, R-4.1-ELIGIBLE, R-3.2-ORG-CHECK", Some(obj_with(&[("class", "string"), ("registration", "string")], &[("permitted", "boolean"), ("registration_form", "object")])), "204") },
            "/api/ra/developers/{number}/removal": { "post": op("Propose removing a developer from the list: opens a case of the policy's removal workflow, whose countersigning step revokes all its certificates in one transaction", &who(Who::Action(&[RaAction::RemoveDeveloper])), "R-4.11-LEAVE, R-5.2-SEPARATION", None, "201") },
            "/api/ra/developer-removals/{id}": { "get": op("A developer's removal and the steps taken on it", &who(Who::Action(&[RaAction::ReadDeveloper])), "R-4.11-LEAVE", None, "200") },
            "/api/ra/developer-removals/{id}/steps": { "post": op("Take the next step of a removal, as the policy's workflow names it", &who(Who::Action(&rem_steps)), "R-4.11-LEAVE, R-5.2-SEPARATION", Some(step.clone()), "200") },
            "/api/ra/applications": { "get": op("Application forms by id, `limit` (at most 100) after `after`: `queue=mine` those waiting for a step the caller's role takes, `open=true` those not at an end, `state=` one state; `next` names the next page", &who(Who::Action(&[RaAction::ReadApplication])), "R-4.2-FLOW", None, "200"), "post": op("Record a received application form", &who(Who::Action(&[RaAction::ReceiveApplication])), "R-5.4-RA-EVENTS, R-3.2-EMAIL-MATCH, R-4.1-ELIGIBLE, R-3.2-FORM-A, R-3.2-FORM-B", Some(obj_with(&[("developer", "string"), ("holders", "array")], &[("form", "object")])), "201") },
            "/api/ra/applications/{id}": { "get": op("An application", &who(Who::Action(&[RaAction::ReadApplication])), "R-4.2-FLOW", None, "200") },
            "/api/ra/applications/{id}/steps": { "post": op("Take the next step of an application (examination, final check), as the policy's workflow names it; the approving step returns one password per holder, once", &who(Who::Action(&app_steps)), "R-4.2-FLOW, R-5.2-DUAL-CHECK, R-4.2-PASSWORD", Some(step.clone()), "200") },
            "/api/ra/revocations": { "get": op("Revocation requests by id, with their deadline and whether they are overdue; the filters and paging of the application list", &who(Who::Action(&[RaAction::ReadRevocation])), "R-4.9-DEADLINE", None, "200"), "post": op("Open a revocation request (requested_by: applicant-manager or ca) in the workflow the policy gives its requester and reason", &who(Who::Action(&opening)), "R-4.9-WHO, R-4.9-DEADLINE, R-3.4-REVOKE-FORM", Some(obj_with(&[("serial", "string"), ("developer", "string"), ("reason", "string"), ("requested_by", "string")], &[("form", "object")])), "201") },
            "/api/ra/revocations/{id}": { "get": op("A revocation request and the steps taken on it", &who(Who::Action(&[RaAction::ReadRevocation])), "R-4.9-DEADLINE", None, "200") },
            "/api/ra/revocations/{id}/steps": { "post": op("Take the next step of a revocation request (form checks, telephone confirmations, countersigning), as the policy's workflow names it", &who(Who::Action(&rev_steps)), "R-5.2-DUAL-CHECK, R-4.9-COMPROMISE, R-5.7-COMPROMISE, R-5.2-SEPARATION", Some(step), "200") },
            "/api/ra/revocations/overdue": { "get": op("Revocation requests past their deadline", &who(Who::Action(&[RaAction::ListOverdueRevocations])), "R-4.9-DEADLINE", None, "200") },
            "/api/ra/activation": {
                "get": op("Whether the CA keys are active, and how many shares are in", &who(Who::Action(&[RaAction::ReadActivation])), "R-6.2-M-OF-N", None, "200"),
                "post": op("A custodian enters an activation share; the keys activate at the threshold", &who(Who::Action(&[RaAction::EnterActivationShare])), "R-6.2-M-OF-N", Some(obj(&[("share", "string")])), "200")
            },
            "/api/ra/renewal-notices": { "get": op("Renewal notices still to send, with each manager's registered address and due date", &who(Who::Action(&[RaAction::ListRenewalNotices])), "R-4.6-RENEWAL, R-3.3-RENEW-NOTICE, R-9.3-CONFIDENTIAL", None, "200") },
            "/api/ra/renewal-notices/{id}/sent": { "post": op("Record a renewal notice sent; late after its due date", &who(Who::Action(&[RaAction::RecordRenewalNotice])), "R-4.6-RENEWAL, R-3.3-RENEW-NOTICE", Some(obj(&[("reference", "string")])), "200") },
            "/api/ra/room-entries": { "post": op("Record an RA room entry", &who(Who::Action(&[RaAction::RecordRoomEntry])), "R-5.4-RA-EVENTS", Some(obj(&[("person", "string")])), "201") },
            "/api/ra/ca-events": { "post": op("Record a CA event that happens outside software (room entry and exit, system access, security file operations): one the policy marks `entered`", &who(Who::Action(&[RaAction::RecordCaEvent])), "R-5.4-CA-EVENTS", Some(obj(&[("event", "string"), ("person", "string"), ("note", "string")])), "201") },
            "/api/ra/operator-actions": { "get": op("The operators' actions, for review", &who(Who::Action(&[RaAction::ReviewActions])), "R-5.2-DUAL-CHECK", None, "200") },
            "/revocation/confirm": {
                "get": op("The manager's confirmation page (query: token)", &who(Who::Anyone("anyone (holds the token)")), "R-3.4-REVOKE-CONFIRM", None, "200"),
                "post": op("The manager confirms the revocation (form field: token); the confirming step revokes", &who(Who::Anyone("anyone (holds the token)")), "R-3.4-REVOKE-CONFIRM", None, "200")
            },
            "/": { "get": page("The service's front page", "-") },
            "/openapi.json": { "get": page("This document", "-") },
            "/metrics": { "get": op("The operator's metrics, in the Prometheus (OpenMetrics) text format: loopback clients only, or the bearer of the token whose SHA-256 `metrics_token_sha256` holds", &who(Who::Anyone("loopback, or the metrics token's bearer")), "-", None, "200") },
            "/repository/audit-head": { "get": page("The audit log's last entry: {seq, hash}, for anyone to record and later check with `inkan audit verify --witnessed SEQ:HASH`", "R-5.4-PROTECT") },
            "/repository": { "get": page("The repository's index", "R-2.2-PUBLISH, R-2.4-ACCESS") },
            "/enroll": {
                "get": page("The subscriber portal's enrollment page", "R-4.2-PASSWORD"),
                "post": op("Enroll from the portal's form (password, csr): the certificate page, or an HTML error page for the person at the form", &who(Who::Anyone("anyone (holds a password)")), "R-4.2-PASSWORD, R-4.2-PROMPT", None, "200")
            }
        }
    });
    // The console's pages, the language switch and the portal's assets, in a literal
    // of their own.
    let console = json!({
            "/assets/{name}": { "get": page("The scripts the portal's pages load (pki.min.js: PKI.js and asn1js; enroll.js) and the bundled packages' licences (licenses/*.LICENSE)", "-") },
            "/language": { "get": page("The language switch (query: to, back): keeps the choice in a cookie and goes back to the page", "-") },
            "/ra": { "get": page("The RA console: what waits for the logged-in staff member (their role's queues, overdue revocations, the keys' activation)", "R-4.2-FLOW, R-4.9-DEADLINE") },
            "/ra/login": { "get": page("The console's login form", "R-5.2-OPERATOR-AUTH"), "post": page("Log in from the form (login, password); sets the session cookie", "R-5.2-OPERATOR-AUTH") },
            "/ra/logout": { "post": page("Log out from the console (form: csrf)", "-") },
            "/ra/applications": { "post": page("Record a received application form from the console (form: csrf, developer, the policy's fields, holders)", "R-3.2-FORM-A, R-3.2-FORM-B, R-5.4-RA-EVENTS") },
            "/ra/applications/new": { "get": page("The application form for a developer (query: developer), drawn from the policy's form for its class", "R-3.2-FORM-A, R-3.2-FORM-B") },
            "/ra/applications/{id}": { "get": page("An application form, its steps, and the next step's buttons for the caller's role", "R-4.2-FLOW, R-5.2-DUAL-CHECK") },
            "/ra/applications/{id}/steps": { "post": page("Take a step from the console (form: csrf, action, accept); the approving step shows the passwords once", "R-4.2-FLOW, R-4.2-PASSWORD") },
            "/ra/revocations": { "post": page("Record a revocation request from the console (form: csrf, developer, serial, reason, requested_by, the manager's form's fields)", "R-4.9-WHO, R-3.4-REVOKE-FORM, R-4.9-DEADLINE") },
            "/ra/revocations/new": { "get": page("The revocation request form (query: developer, serial): the policy's reasons and requesters this role may open, the manager's form for the developer's class", "R-4.9-WHO, R-3.4-REVOKE-FORM") },
            "/ra/revocations/{id}": { "get": page("A revocation request, its steps, and the next step's buttons for the caller's role", "R-4.9-DEADLINE, R-5.2-DUAL-CHECK") },
            "/ra/revocations/{id}/steps": { "post": page("Take a step from the console (form: csrf, action, accept)", "R-5.2-DUAL-CHECK") },
            "/ra/developers/new": { "get": page("Registering a developer: the policy's classes, then the class's form (query: class) with the policy's registration form", "R-3.2-CLASSES, R-3.2-ORG-CHECK") },
            "/ra/developers": { "post": page("Register a developer from the console (form: csrf, class, the record's fields, the registration form's fields)", "R-3.2-CLASSES, R-4.1-ELIGIBLE, R-3.2-ORG-CHECK"), "get": page("The developer registry, searched (query: q, after)", "R-9.3-CONFIDENTIAL") },
            "/ra/developers/{number}/removal": { "get": page("What removing a developer does (the certificates it revokes, the steps still needed), before anyone confirms", "R-4.11-LEAVE"), "post": page("Propose the removal from the console (form: csrf): opens a case of the policy's removal workflow", "R-4.11-LEAVE, R-5.2-SEPARATION") },
            "/ra/developers/{number}/registration": { "get": page("Changing a developer's class or registration (query: class): the policy's classes, registrations and registration form", "R-3.2-CLASSES, R-4.1-ELIGIBLE"), "post": page("Change it from the console (form: csrf, class, registration, permitted, the registration form's fields)", "R-3.2-CLASSES, R-4.1-ELIGIBLE, R-3.2-ORG-CHECK") },
            "/ra/developers/{number}/trail": { "get": page("The audit log's entries naming a developer or one of its certificates", "R-5.4-RA-EVENTS") },
            "/ra/certificates/{serial}/trail": { "get": page("The audit log's entries naming a certificate", "R-5.4-CA-EVENTS") },
            "/ra/removals/{id}": { "get": page("A developer's removal, its steps, and the countersigning button for the role the workflow gives it", "R-4.11-LEAVE") },
            "/ra/removals/{id}/steps": { "post": page("Take a step of a removal from the console (form: csrf, action, accept)", "R-4.11-LEAVE, R-5.2-SEPARATION") },
            "/ra/developers/{number}": { "get": page("A developer's record", "R-9.3-CONFIDENTIAL") }
    });
    if let (Some(paths), Some(more)) = (doc["paths"].as_object_mut(), console.as_object()) {
        paths.extend(more.clone());
    }
    // The latest CRL again, at the path of the policy's CRL URL.
    doc["paths"][crl_path] = json!({
        "get": page("The latest CRL, at the path of the policy's CRL URL", "R-2.2-PUBLISH, R-4.9-CRL-24H")
    });
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The actions a route's description names for the roles that may call it.
    fn actions(doc: &Value, path: &str, method: &str) -> Vec<String> {
        let text = doc["paths"][path][method]["description"]
            .as_str()
            .unwrap_or_default();
        let named = text
            .split_once("(action ")
            .and_then(|(_, rest)| rest.split_once(')'))
            .map_or("", |(named, _)| named);
        let mut v: Vec<String> = named.split(" or ").map(str::to_string).collect();
        v.sort();
        v
    }

    /// The actions each case route names (and so the roles it lists) are those of the
    /// faithful policy's workflows of that kind of case, as its YAML writes them
    /// (transcribed here, not read from the compiled model): which open a revocation,
    /// and which take each kind's steps.
    #[test]
    fn the_case_routes_name_the_actions_of_their_own_workflows() {
        let policy = inkan_policies::by_id("jpcert-ssl-client").expect("shipped policy");
        let doc = document(policy, "/crl");
        assert_eq!(
            actions(&doc, "/api/ra/revocations", "post"),
            ["record-revocation-form", "revoke-as-ca"]
        );
        assert_eq!(
            actions(&doc, "/api/ra/applications/{id}/steps", "post"),
            ["decide-application", "examine-application"]
        );
        assert_eq!(
            actions(&doc, "/api/ra/revocations/{id}/steps", "post"),
            [
                "accept-revocation-form",
                "confirm-revocation-by-phone",
                "countersign-ca-revocation",
                "examine-revocation-form"
            ]
        );
        assert_eq!(
            actions(&doc, "/api/ra/developer-removals/{id}/steps", "post"),
            ["countersign-developer-removal"]
        );
    }
}

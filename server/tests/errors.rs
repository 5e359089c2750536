//! Errors keep their meaning from the store to the client (issue 14): the store sorts
//! a failure into unavailable, constraint or corrupt, the runtime and the RA keep it as
//! a typed source, and the HTTP layer answers each with its own status, once:
//! a constraint the database enforces -> 409, a database that cannot be reached or is
//! locked -> 503 with Retry-After (`service_faults.rs`), data that cannot be read
//! back -> 500. The client never sees the database's own words. Each test runs on the
//! store the harness makes (SQLite, or PostgreSQL when `INKAN_TEST_POSTGRES` is set)
//! and damages it in that database's own terms.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::*;
use serde_json::json;

/// A constraint the database holds, met by no check in the code: an application
/// refused by a trigger that plays a constraint (SQLite's RAISE(ABORT) is a constraint
/// failure; on PostgreSQL the trigger raises check_violation, 23514).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_constraint_the_database_enforces_answers_409_without_its_words() {
    let h = start().await;
    let db = store(&h);
    if db.location().is_postgres() {
        db.execute("CREATE FUNCTION no_forms() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no_forms_secret_words' USING ERRCODE = '23514'; END $$", &[]).unwrap();
        db.execute("CREATE TRIGGER no_forms BEFORE INSERT ON applications FOR EACH ROW EXECUTE FUNCTION no_forms()", &[]).unwrap();
    } else {
        db.execute(
            "CREATE TRIGGER no_forms BEFORE INSERT ON applications BEGIN SELECT RAISE(ABORT, 'no_forms_secret_words'); END;",
            &[],
        )
        .unwrap();
    }
    let op = staff(&h, "olive").await;
    let (s, v) = post(
        &op,
        format!("{}/api/ra/developers", h.base),
        developer("818181", "m@d.example"),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = post(
        &op,
        format!("{}/api/ra/applications", h.base),
        json!({ "developer": "818181", "form": application_form("m@d.example"), "holders": ["000001"] }),
    )
    .await;
    assert_eq!(s, 409, "{v}");
    let detail = v["detail"].as_str().unwrap();
    assert!(detail.contains("nothing was changed"), "{detail}");
    assert!(
        !detail.contains("no_forms_secret_words") && !detail.contains("applications"),
        "the database's words stay in the log: {detail}"
    );
    let forms: Vec<i64> = db
        .query("SELECT id FROM applications", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0).unwrap())
        .collect();
    assert!(forms.is_empty(), "nothing was recorded: {forms:?}");
}

/// A stored value this code cannot read back: a revocation request whose deadline
/// was overwritten with text behind the server's back (on PostgreSQL the column's
/// type is changed first, as a careless migration would). Answered 500 with the fixed
/// detail that says the records are damaged; other requests still work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_that_cannot_be_read_back_answers_500_and_says_the_records_are_damaged() {
    let h = start().await;
    let passwords = approved(&h, "828282", "m@d.example", &["000001"]).await;
    let (s, issued) = enroll(&h, &passwords[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{issued}");
    let serial = issued["serial"].as_str().unwrap();
    let op = staff(&h, "olive").await;
    let (s, v) = post(
        &op,
        format!("{}/api/ra/revocations", h.base),
        json!({ "serial": serial, "developer": "828282", "reason": "other", "requested_by": "applicant-manager", "form": revocation_paper() }),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let db = store(&h);
    if db.location().is_postgres() {
        db.execute(
            "ALTER TABLE revocation_requests ALTER COLUMN deadline_at TYPE TEXT",
            &[],
        )
        .unwrap();
    }
    db.execute(
        "UPDATE revocation_requests SET deadline_at = 'soon' WHERE id = ?1",
        &[inkan_runtime::sql::Param::Int(id)],
    )
    .unwrap();
    let (s, v) = get(&op, format!("{}/api/ra/revocations/{id}", h.base)).await;
    assert_eq!(s, 500, "{v}");
    let detail = v["detail"].as_str().unwrap();
    assert!(detail.contains("damaged or edited"), "{detail}");
    assert!(!detail.contains("soon"), "{detail}");
    let (s, v) = get(&op, format!("{}/api/ra/me", h.base)).await;
    assert_eq!(s, 200, "the server goes on: {v}");
}

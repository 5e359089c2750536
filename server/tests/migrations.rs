//! The RA schema's migrations to policy workflows (version 3) and policy eligibility
//! (version 4) keep what was recorded: version 3 keeps the cases recorded
//! before it: on a store at version 2 with an examined application, a key-compromise
//! request with its first telephone confirmation, a form awaiting the manager's link
//! and a CA revocation, migrating moves each into the faithful policy's workflow at the
//! same point, with its history as steps, and the foreign keys still hold; a step taken
//! before the upgrade still counts against the same person after it (R-5.2-SEPARATION).
//! Run on SQLite, and on PostgreSQL when the suite has one.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use inkan_runtime::sql::{Db, Location, Param};
use inkan_server::ra::MIGRATIONS;

const BEFORE: &str = "
INSERT INTO ra_staff (login, person, role, password_hash, created_at) VALUES
  ('olive', 'Olive Ono', 'operator', 'x', 1), ('erin', 'Erin Endo', 'examiner', 'x', 1),
  ('sam', 'Sam Saito', 'supervisor', 'x', 1);
INSERT INTO developers (number, name, class, registration, permitted, manager_name,
  manager_address, manager_email, manager_phone, status, created_at)
  VALUES ('123456', 'Example', 'A', 'full', 0, 'M', 'A', 'm@x', '1', 'listed', 1);
INSERT INTO applications (id, developer, form_email, received_by, received_at, status,
  examined_by, examined_at) VALUES (7, '123456', 'm@x', 'olive', 10, 'examined', 'erin', 20);
INSERT INTO holders (application, person) VALUES (7, '000001');
INSERT INTO revocation_requests (id, serial, developer, reason, requested_by, recorded_by,
  accepted_at, deadline_at, confirm_hash, phone_confirmed_by, status) VALUES
  (1, '0a', '123456', 'key-compromise', 'manager', 'olive', 30, 99, NULL, 'olive',
   'awaiting-phone-confirmation'),
  (2, '0b', '123456', 'key-loss', 'manager', 'olive', 31, 99, X'00', NULL,
   'awaiting-confirmation'),
  (3, '0c', '123456', 'other', 'ca', 'sam', 32, 99, NULL, NULL, 'revoked');
";

/// A store at `location` at version 2, holding [`BEFORE`].
fn at_version_2(location: &Location) -> Db {
    let db = Db::open(location).unwrap();
    db.migrate("ra", &MIGRATIONS[..2]).unwrap();
    let before = if location.is_postgres() {
        BEFORE.replace("X'00'", "'\\x00'::bytea")
    } else {
        BEFORE.to_string()
    };
    for statement in before.split(';').filter(|s| !s.trim().is_empty()) {
        db.execute(statement, &[]).unwrap();
    }
    db
}

fn check(location: Location) {
    let db = at_version_2(&location);
    db.migrate("ra", MIGRATIONS).unwrap();

    let app = db
        .query_opt(
            "SELECT workflow, status FROM applications WHERE id = 7",
            &[],
        )
        .unwrap()
        .unwrap();
    let app: (String, String) = (app.get(0).unwrap(), app.get(1).unwrap());
    assert_eq!(app, ("application".into(), "examined".into()));
    let steps: Vec<(String, String, String)> = db
        .query(
            "SELECT action, coalesce(person, ''), to_state FROM workflow_steps WHERE subject = 'application' AND case_id = 7 ORDER BY id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0).unwrap(), r.get(1).unwrap(), r.get(2).unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            (
                "receive-application".into(),
                "Olive Ono".into(),
                "received".into()
            ),
            (
                "examine-application".into(),
                "Erin Endo".into(),
                "examined".into()
            ),
        ]
    );
    let requests: Vec<(i64, String, String, String)> = db
        .query(
            "SELECT id, requested_by, workflow, status FROM revocation_requests ORDER BY id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.get(0).unwrap(),
                r.get(1).unwrap(),
                r.get(2).unwrap(),
                r.get(3).unwrap(),
            )
        })
        .collect();
    let row = |id: i64, by: &str, flow: &str, state: &str| {
        (id, by.to_string(), flow.to_string(), state.to_string())
    };
    assert_eq!(
        requests,
        [
            row(
                1,
                "applicant-manager",
                "revocation-for-compromise",
                "phone-confirmed-once"
            ),
            row(
                2,
                "applicant-manager",
                "revocation-by-form",
                "awaiting-confirmation"
            ),
            row(3, "ca", "revocation-by-ca", "revoked"),
        ]
    );
    // The first telephone confirmation binds its person, so the second must differ.
    let first: i64 = db
        .query_opt(
            "SELECT count(*) FROM workflow_steps WHERE subject = 'revocation' AND case_id = ?1 AND action = 'confirm-revocation-by-phone' AND person = 'Olive Ono'",
            &[Param::Int(1)],
        )
        .unwrap()
        .unwrap()
        .get(0)
        .unwrap();
    assert_eq!(first, 1);
    if !location.is_postgres() {
        let broken = db.query("PRAGMA foreign_key_check", &[]).unwrap();
        assert!(broken.is_empty(), "foreign keys hold after the rebuilds");
    }
    // Version 4: a class and a registration the schema once refused are the policy's
    // to allow now; the developer and what refers to it are intact.
    db.execute(
        "UPDATE developers SET class = 'C', registration = 'trial' WHERE number = '123456'",
        &[],
    )
    .unwrap();
    let refs: i64 = db
        .query_opt(
            "SELECT count(*) FROM applications WHERE developer = '123456'",
            &[],
        )
        .unwrap()
        .unwrap()
        .get(0)
        .unwrap();
    assert_eq!(refs, 1);
    // Every case names a workflow the faithful policy has, in a state it has.
    let policy = inkan_policies::by_id("jpcert-ssl-client")
        .unwrap()
        .definition();
    for (_, _, flow, state) in &requests {
        let w = inkan_runtime::workflow::named(policy.workflows, flow).unwrap();
        assert!(
            w.start == state || w.steps.iter().any(|s| s.to == state),
            "{flow}: {state}"
        );
    }
}

#[test]
fn version_3_moves_earlier_cases_into_the_faithful_workflows_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    check(Location::Sqlite(tmp.path().join("ra.sqlite")));
}

#[test]
fn version_3_moves_earlier_cases_into_the_faithful_workflows_on_postgres() {
    let Some(url) = inkan_tests::test_store() else {
        return;
    };
    check(Location::Postgres(url));
}

/// The key-compromise request recorded before version 3 had its first telephone
/// confirmation by olive. After the upgrade its second must be another person's: the
/// step recorded then names olive's person, and the check compares persons, so olive
/// is refused and another operator is not.
/// Proves: R-5.2-SEPARATION.
#[test]
fn a_step_taken_before_the_upgrade_still_counts_against_its_person() {
    use inkan_runtime::actions::RaAction;
    use inkan_runtime::workflow::{By, Subject};
    use inkan_server::ra::workflow::{Case, check};
    use inkan_server::ra::{RaError, Staff};

    let tmp = tempfile::tempdir().unwrap();
    let db = at_version_2(&Location::Sqlite(tmp.path().join("ca.sqlite")));
    db.execute(
        "INSERT INTO ra_staff (login, person, role, password_hash, created_at) VALUES ('otto', 'Otto Oda', 'operator', 'x', 1)",
        &[],
    )
    .unwrap();
    drop(db);
    let policy = inkan_policies::by_id("jpcert-ssl-client").unwrap();
    let ra = inkan_server::ra::Ra::open(tmp.path(), policy.definition()).unwrap();
    let case = Case::load(policy, &ra, Subject::Revocation, 1).unwrap();
    assert_eq!(case.state, "phone-confirmed-once");
    let by = By::Staff(RaAction::ConfirmRevocationByPhone);
    let operator = |login: &str| Staff {
        login: login.into(),
        role: "operator".into(),
    };
    let again = check(policy, &ra, &case, by, Some(&operator("olive")), true);
    assert!(
        matches!(&again, Err(RaError::Forbidden(d)) if d.contains("R-5.2-SEPARATION")),
        "{again:?}"
    );
    let other = check(policy, &ra, &case, by, Some(&operator("otto")), true);
    assert!(other.is_ok(), "{other:?}");
}

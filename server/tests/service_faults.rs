//! Faults under the running service (issue 7). Injected: the database aborts the
//! statement that records a signed certificate (a trigger), as a full disk or a failing
//! connection would. Checked: the subscriber gets a clear 503 problem, nothing is
//! delivered that is not recorded, the record whose signature was dropped is pending
//! and audited, the password is given back, and the same password enrolls once the
//! fault clears, with no restart. Each test runs on the store the harness makes
//! (SQLite, or PostgreSQL when `INKAN_TEST_POSTGRES` is set) and injects the fault in
//! that database's own terms.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrollment_survives_a_failing_database_and_recovers_by_itself() {
    let h = start().await;
    let passwords = approved(&h, "717171", "m@d.example", &["000001"]).await;
    let password = &passwords[0].1;
    let db = store(&h);
    let postgres = db.location().is_postgres();
    if postgres {
        // 53100 is disk_full: the database refusing the write as a full disk would.
        db.execute("CREATE FUNCTION injected() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected fault' USING ERRCODE = '53100'; END $$", &[]).unwrap();
        db.execute("CREATE TRIGGER injected BEFORE UPDATE OF der ON certificates FOR EACH ROW EXECUTE FUNCTION injected()", &[]).unwrap();
    } else {
        db.execute(
            "CREATE TRIGGER injected BEFORE UPDATE OF der ON certificates BEGIN SELECT RAISE(ABORT, 'injected fault'); END;",
            &[],
        )
        .unwrap();
    }

    let (status, problem) = enroll(&h, password, &csr(1)).await;
    assert_eq!(status, 503, "{problem}");
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("nothing was issued that is not recorded"),
        "{detail}"
    );
    assert!(
        !detail.contains("injected"),
        "internals stay in the log: {detail}"
    );
    let pending: Vec<String> = db
        .query(
            "SELECT serial FROM certificates WHERE status = 'pending'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0).unwrap())
        .collect();
    assert_eq!(
        pending.len(),
        1,
        "the dropped signature's record is pending"
    );
    let audited: String = db
        .query_opt(
            "SELECT details FROM audit WHERE event = 'issuance-failed' ORDER BY seq DESC LIMIT 1",
            &[],
        )
        .unwrap()
        .unwrap()
        .get(0)
        .unwrap();
    assert!(audited.contains(&pending[0]), "{audited}");

    if postgres {
        db.execute("DROP TRIGGER injected ON certificates", &[])
            .unwrap();
    } else {
        db.execute("DROP TRIGGER injected", &[]).unwrap();
    }
    let (status, issued) = enroll(&h, password, &csr(1)).await;
    assert_eq!(status, 201, "the password was given back: {issued}");
    assert_ne!(issued["serial"].as_str().unwrap(), pending[0]);
}

/// Injected: another process holds the database's write lock (SQLite) or an exclusive
/// lock on the tables an enrollment touches (PostgreSQL) longer than the busy or lock
/// timeout (10 s), as an unreachable or wedged database would look. Checked: the
/// enrollment is answered 503 with the fixed detail, the password is not spent, and once
/// the lock is let go the same password enrolls, with no restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrollment_answers_503_while_the_database_is_locked_and_recovers_by_itself() {
    let h = start().await;
    let passwords = approved(&h, "727272", "m@d.example", &["000001"]).await;
    let password = passwords[0].1.clone();
    let db = store(&h);
    let (locked_tx, locked) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        // A write transaction: SQLite takes the database's write lock at its start.
        db.write(|tx| {
            if db.location().is_postgres() {
                tx.execute(
                    "LOCK TABLE holders, sequences, certificates IN ACCESS EXCLUSIVE MODE",
                    &[],
                )?;
            }
            locked_tx.send(()).unwrap();
            std::thread::sleep(std::time::Duration::from_secs(12));
            Ok::<_, inkan_runtime::sql::SqlError>(())
        })
        .unwrap();
    });
    locked.recv().unwrap();
    let answer = client()
        .post(format!("{}/api/enroll", h.base))
        .json(&serde_json::json!({ "password": password, "csr": csr(1) }))
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    let retry = answer.headers().get("retry-after").cloned();
    let problem: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(status, 503, "{problem}");
    assert_eq!(
        retry.as_ref().and_then(|v| v.to_str().ok()),
        Some("5"),
        "an unavailable store says when to try again"
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("try again later"),
        "{problem}"
    );
    holder.join().unwrap();
    let (status, issued) = enroll(&h, &password, &csr(1)).await;
    assert_eq!(status, 201, "the password was not spent: {issued}");
}

/// Injected (PostgreSQL only; an SQLite file has no connection to lose): the database
/// drops every connection the server holds (`pg_terminate_backend`), as a restart or a
/// failover would. Checked: no request gets worse than a 503, no password is spent by a
/// failed attempt, and every enrollment succeeds again with no restart of the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrollment_recovers_after_the_database_drops_its_connections() {
    let h = start().await;
    let db = store(&h);
    if !db.location().is_postgres() {
        return;
    }
    let passwords = approved(&h, "737373", "m@d.example", &["000001", "000002"]).await;
    let dropped = db
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
            &[],
        )
        .unwrap();
    assert!(
        dropped >= 2,
        "the CA's and the RA's connections were dropped"
    );
    for (i, (_, password)) in passwords.iter().enumerate() {
        let mut answers = Vec::new();
        loop {
            let (status, body) = enroll(&h, password, &csr(i as u32 + 1)).await;
            answers.push(status);
            match status {
                201 => break,
                503 if answers.len() < 4 => continue,
                _ => panic!("answers {answers:?}, last {body}"),
            }
        }
    }
}

/// A message whose lines are long or not ASCII (a manager's name in Japanese) is sent,
/// encoded as lettre chooses; forcing 7bit on it used to panic the mail job.
#[tokio::test]
async fn mail_with_long_and_japanese_lines_is_delivered() {
    let h = start().await;
    let state = h.server.as_ref().unwrap().state.clone();
    let body = format!(
        "Mail-check: 鈴木 花子 様\n{}\n",
        "a line longer than any SMTP relay wraps ".repeat(8)
    );
    let now = state.now();
    state
        .with_ra(move |ra| ra.queue_mail("m@mail.example", "更新のお知らせ", &body, now))
        .await
        .unwrap();
    inkan_server::mail::deliver(&state).await.unwrap();
    let mail = h.sink.wait_for("m@mail.example").await;
    assert!(mail.contains("Content-Transfer-Encoding"), "{mail}");
    let unsent = state.with_ra(|ra| ra.unsent(10)).await.unwrap();
    assert!(unsent.is_empty(), "recorded sent: {unsent:?}");
}

-- Workflows are the policy's (R-4.2-FLOW, R-5.2-DUAL-CHECK): the states a case can be
-- in are no longer fixed by the schema, each case names the workflow it runs in, and
-- every step taken is kept with the person who took it, so a check by a different
-- person can be held. Cases recorded before this version ran in the flows the faithful
-- policy now names (`application`, `revocation-by-form`, `revocation-for-compromise`,
-- `revocation-by-ca`); their history moves into `workflow_steps`.
-- SQLite cannot drop a CHECK: the two tables are rebuilt. `holders` refers to
-- `applications`, so foreign keys are checked at commit, once the rows are back.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE workflow_steps (
    id INTEGER PRIMARY KEY,
    subject TEXT NOT NULL,
    case_id INTEGER NOT NULL,
    action TEXT NOT NULL,
    login TEXT NOT NULL,
    person TEXT,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX workflow_steps_case ON workflow_steps (subject, case_id);

INSERT INTO workflow_steps (subject, case_id, action, login, person, from_state, to_state, at)
SELECT 'application', id, 'receive-application', received_by,
       (SELECT person FROM ra_staff WHERE login = received_by), '', 'received', received_at
FROM applications;
INSERT INTO workflow_steps (subject, case_id, action, login, person, from_state, to_state, at)
SELECT 'application', id, 'examine-application', examined_by,
       (SELECT person FROM ra_staff WHERE login = examined_by), 'received',
       CASE WHEN status = 'rejected' AND decided_by IS NULL THEN 'rejected' ELSE 'examined' END,
       examined_at
FROM applications WHERE examined_by IS NOT NULL;
INSERT INTO workflow_steps (subject, case_id, action, login, person, from_state, to_state, at)
SELECT 'application', id, 'decide-application', decided_by,
       (SELECT person FROM ra_staff WHERE login = decided_by), 'examined', status, decided_at
FROM applications WHERE decided_by IS NOT NULL;

CREATE TABLE applications_v2 AS SELECT * FROM applications;
DROP TABLE applications;
CREATE TABLE applications (
    id INTEGER PRIMARY KEY,
    developer TEXT NOT NULL REFERENCES developers(number),
    form_email TEXT NOT NULL,
    received_by TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    workflow TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT
);
-- Inserting each parent row again settles the deferred check of the holders that
-- refer to it.
INSERT INTO applications (id, developer, form_email, received_by, received_at, workflow, status, note)
SELECT id, developer, form_email, received_by, received_at, 'application', status, note FROM applications_v2;
DROP TABLE applications_v2;

INSERT INTO workflow_steps (subject, case_id, action, login, person, from_state, to_state, at)
SELECT 'revocation', id, CASE WHEN requested_by = 'ca' THEN 'revoke-as-ca' ELSE 'record-revocation-form' END,
       recorded_by, (SELECT person FROM ra_staff WHERE login = recorded_by), '',
       CASE WHEN status = 'revoked' THEN 'revoked' ELSE status END, accepted_at
FROM revocation_requests;
INSERT INTO workflow_steps (subject, case_id, action, login, person, from_state, to_state, at)
SELECT 'revocation', id, 'confirm-revocation-by-phone', phone_confirmed_by,
       (SELECT person FROM ra_staff WHERE login = phone_confirmed_by),
       'awaiting-phone-confirmation', 'phone-confirmed-once', accepted_at
FROM revocation_requests WHERE phone_confirmed_by IS NOT NULL;

CREATE TABLE revocation_requests_v3 (
    id INTEGER PRIMARY KEY,
    serial TEXT NOT NULL,
    developer TEXT NOT NULL,
    reason TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    workflow TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    accepted_at INTEGER NOT NULL,
    deadline_at INTEGER NOT NULL,
    confirm_hash BLOB,
    status TEXT NOT NULL,
    revoked_at INTEGER
);
INSERT INTO revocation_requests_v3 (id, serial, developer, reason, requested_by, workflow, recorded_by, accepted_at, deadline_at, confirm_hash, status, revoked_at)
SELECT id, serial, developer, reason,
       CASE WHEN requested_by = 'ca' THEN 'ca' ELSE 'applicant-manager' END,
       CASE WHEN requested_by = 'ca' THEN 'revocation-by-ca'
            WHEN confirm_hash IS NULL THEN 'revocation-for-compromise'
            ELSE 'revocation-by-form' END,
       recorded_by, accepted_at, deadline_at, confirm_hash,
       CASE WHEN status = 'awaiting-phone-confirmation' AND phone_confirmed_by IS NOT NULL
            THEN 'phone-confirmed-once' ELSE status END,
       revoked_at
FROM revocation_requests;
DROP TABLE revocation_requests;
ALTER TABLE revocation_requests_v3 RENAME TO revocation_requests;

-- A developer's removal from the list (R-4.11-LEAVE), decided and countersigned.
CREATE TABLE developer_removals (
    id INTEGER PRIMARY KEY,
    developer TEXT NOT NULL REFERENCES developers(number),
    workflow TEXT NOT NULL,
    status TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at INTEGER NOT NULL,
    note TEXT
);

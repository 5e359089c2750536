-- The CA's tables (SQLite). Idempotent: a store made before migrations were
-- recorded already has them.
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS certificates (
    serial TEXT PRIMARY KEY,
    profile TEXT NOT NULL,
    issuer TEXT,
    subject TEXT NOT NULL,
    subject_cn TEXT,
    not_before INTEGER NOT NULL,
    not_after INTEGER NOT NULL,
    tbs BLOB NOT NULL,
    der BLOB,
    status TEXT NOT NULL CHECK (status IN ('pending', 'issued', 'failed')),
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    reason TEXT,
    reason_code INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS certificates_subject_cn ON certificates(subject_cn) WHERE subject_cn IS NOT NULL;
-- Covers the CRL query, so a CRL reads only revocations, never certificate bodies.
CREATE INDEX IF NOT EXISTS certificates_revoked ON certificates(issuer, serial, revoked_at, reason_code, not_after) WHERE revoked_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS sequences (
    profile TEXT NOT NULL,
    identity TEXT NOT NULL,
    fiscal_year INTEGER NOT NULL,
    next INTEGER NOT NULL,
    PRIMARY KEY (profile, identity, fiscal_year)
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    event TEXT NOT NULL,
    retention TEXT NOT NULL,
    details TEXT NOT NULL,
    prev BLOB NOT NULL,
    hash BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_checkpoints (
    seq INTEGER NOT NULL,
    hash BLOB NOT NULL,
    at INTEGER NOT NULL,
    signature BLOB NOT NULL,
    anchor INTEGER NOT NULL,
    PRIMARY KEY (seq, anchor)
);
CREATE TABLE IF NOT EXISTS crls (
    issuer TEXT NOT NULL,
    number INTEGER NOT NULL,
    this_update INTEGER NOT NULL,
    next_update INTEGER NOT NULL,
    der BLOB NOT NULL,
    PRIMARY KEY (issuer, number)
);

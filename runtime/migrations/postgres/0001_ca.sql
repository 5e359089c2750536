-- The CA's tables (PostgreSQL). Serials compare as bytes (COLLATE "C"), so a
-- CRL lists them in the order of their octets whatever the database's locale.
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS certificates (
    serial TEXT COLLATE "C" PRIMARY KEY,
    profile TEXT NOT NULL,
    issuer TEXT,
    subject TEXT NOT NULL,
    subject_cn TEXT,
    not_before BIGINT NOT NULL,
    not_after BIGINT NOT NULL,
    tbs BYTEA NOT NULL,
    der BYTEA,
    status TEXT NOT NULL CHECK (status IN ('pending', 'issued', 'failed')),
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    reason TEXT,
    reason_code BIGINT
);
CREATE UNIQUE INDEX IF NOT EXISTS certificates_subject_cn ON certificates(subject_cn) WHERE subject_cn IS NOT NULL;
-- Covers the CRL query, so a CRL reads only revocations, never certificate bodies.
CREATE INDEX IF NOT EXISTS certificates_revoked ON certificates(issuer, serial, revoked_at, reason_code, not_after) WHERE revoked_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS sequences (
    profile TEXT NOT NULL,
    identity TEXT NOT NULL,
    fiscal_year BIGINT NOT NULL,
    next BIGINT NOT NULL,
    PRIMARY KEY (profile, identity, fiscal_year)
);
CREATE TABLE IF NOT EXISTS audit (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    event TEXT NOT NULL,
    retention TEXT NOT NULL,
    details TEXT NOT NULL,
    prev BYTEA NOT NULL,
    hash BYTEA NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_checkpoints (
    seq BIGINT NOT NULL,
    hash BYTEA NOT NULL,
    at BIGINT NOT NULL,
    signature BYTEA NOT NULL,
    anchor BIGINT NOT NULL,
    PRIMARY KEY (seq, anchor)
);
CREATE TABLE IF NOT EXISTS crls (
    issuer TEXT NOT NULL,
    number BIGINT NOT NULL,
    this_update BIGINT NOT NULL,
    next_update BIGINT NOT NULL,
    der BYTEA NOT NULL,
    PRIMARY KEY (issuer, number)
);

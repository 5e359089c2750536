-- The RA's tables (SQLite), beside the CA's in the same database.
CREATE TABLE IF NOT EXISTS ra_staff (
    login TEXT PRIMARY KEY,
    person TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS ra_sessions (
    token_hash BLOB PRIMARY KEY,
    login TEXT NOT NULL REFERENCES ra_staff(login),
    expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS developers (
    number TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    class TEXT NOT NULL CHECK (class IN ('A', 'B')),
    registration TEXT NOT NULL CHECK (registration IN ('full', 'provisional')),
    permitted INTEGER NOT NULL,
    manager_name TEXT NOT NULL,
    manager_address TEXT NOT NULL,
    manager_email TEXT NOT NULL,
    manager_phone TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('listed', 'removed')),
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS applications (
    id INTEGER PRIMARY KEY,
    developer TEXT NOT NULL REFERENCES developers(number),
    form_email TEXT NOT NULL,
    received_by TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('received', 'examined', 'approved', 'rejected')),
    examined_by TEXT,
    examined_at INTEGER,
    decided_by TEXT,
    decided_at INTEGER,
    note TEXT
);
CREATE TABLE IF NOT EXISTS holders (
    id INTEGER PRIMARY KEY,
    application INTEGER NOT NULL REFERENCES applications(id),
    person TEXT NOT NULL,
    password_hash BLOB,
    expires_at INTEGER,
    failures INTEGER NOT NULL DEFAULT 0,
    used_at INTEGER,
    serial TEXT,
    download_hash BLOB,
    received_at INTEGER
);
CREATE TABLE IF NOT EXISTS revocation_requests (
    id INTEGER PRIMARY KEY,
    serial TEXT NOT NULL,
    developer TEXT NOT NULL,
    reason TEXT NOT NULL,
    requested_by TEXT NOT NULL CHECK (requested_by IN ('manager', 'ca')),
    recorded_by TEXT NOT NULL,
    accepted_at INTEGER NOT NULL,
    deadline_at INTEGER NOT NULL,
    confirm_hash BLOB,
    phone_confirmed_by TEXT,
    status TEXT NOT NULL CHECK (status IN ('awaiting-confirmation', 'awaiting-phone-confirmation', 'revoked')),
    revoked_at INTEGER
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    sent_at INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE TABLE IF NOT EXISTS jobs (
    name TEXT PRIMARY KEY,
    last_run INTEGER,
    lease_until INTEGER,
    lease_owner TEXT
);
CREATE TABLE IF NOT EXISTS ra_once (key TEXT PRIMARY KEY);

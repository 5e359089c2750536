-- Renewal notices (R-4.6-RENEWAL, R-3.3-RENEW-NOTICE): one per developer and expiry
-- date, opened by the scheduler, recorded sent by the RA (or by the scheduler when the
-- policy e-mails them). `late` is 1 when it was sent, or opened, after `due_by`.
CREATE TABLE IF NOT EXISTS renewal_notices (
    id INTEGER PRIMARY KEY,
    expiry TEXT NOT NULL,
    developer TEXT NOT NULL REFERENCES developers(number),
    opened_at INTEGER NOT NULL,
    due_by INTEGER NOT NULL,
    sent_at INTEGER,
    sent_by TEXT,
    reference TEXT,
    late INTEGER NOT NULL DEFAULT 0,
    UNIQUE (expiry, developer)
);

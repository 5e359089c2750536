-- Developer classes and registrations are the policy's (R-3.2-CLASSES, R-4.1-ELIGIBLE):
-- the schema no longer fixes them to A/B and full/provisional. SQLite cannot drop a
-- CHECK, so the table is rebuilt; the tables that refer to it are checked at commit,
-- once its rows are back.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE developers_v3 AS SELECT * FROM developers;
DROP TABLE developers;
CREATE TABLE developers (
    number TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    class TEXT NOT NULL,
    registration TEXT NOT NULL,
    permitted INTEGER NOT NULL,
    manager_name TEXT NOT NULL,
    manager_address TEXT NOT NULL,
    manager_email TEXT NOT NULL,
    manager_phone TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('listed', 'removed')),
    created_at INTEGER NOT NULL
);
INSERT INTO developers SELECT * FROM developers_v3;
DROP TABLE developers_v3;

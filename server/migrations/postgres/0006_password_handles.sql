-- A one-time password is `<handle>-<secret>`, the handle 64 random bits, so nobody who
-- lacks a password can name one to lock it with wrong guesses (R-4.2-PASSWORD). The
-- passwords made before this migration keep their numeric row id until they expire.
ALTER TABLE holders ADD COLUMN password_handle TEXT;
CREATE UNIQUE INDEX holders_password_handle ON holders (password_handle);

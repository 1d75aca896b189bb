-- 0006: a password-checked sign-in that still waits for its second factor (the web UI's TOTP
-- step) is a session row that grants nothing until the code is given, and lives 5 minutes.
ALTER TABLE sessions ADD COLUMN pending_mfa INTEGER NOT NULL DEFAULT 0;

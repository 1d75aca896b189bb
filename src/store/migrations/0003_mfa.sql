-- 0003: two-factor sign-in with TOTP (RFC 6238): one secret per account, recovery codes
-- (stored hashed, each usable once), and the roles for which the ISM requires it.
CREATE TABLE user_mfa (
	user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	secret TEXT NOT NULL,
	confirmed_at TEXT,
	last_step INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE mfa_recovery_codes (
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	code_hash TEXT NOT NULL,
	used_at TEXT,
	PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE mfa_required_roles (
	role TEXT PRIMARY KEY
);

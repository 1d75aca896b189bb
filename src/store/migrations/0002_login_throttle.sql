-- 0002: failed sign-ins, counted per account and per client address, so that guessing slows
-- down exponentially; kept in the database so that every node sees the same counts.
CREATE TABLE login_failures (
	key TEXT PRIMARY KEY,
	failures INTEGER NOT NULL,
	window_start TEXT NOT NULL,
	blocked_until TEXT
);

-- 0005: scheduled jobs, kept in the database so that when several nodes run, each job runs on
-- exactly one of them per period: a node leases a due job before running it.
CREATE TABLE jobs (
	name TEXT PRIMARY KEY,
	interval_seconds INTEGER NOT NULL,
	next_run TEXT NOT NULL,
	leased_by TEXT,
	lease_until TEXT,
	last_run TEXT,
	last_error TEXT,
	runs INTEGER NOT NULL DEFAULT 0
);

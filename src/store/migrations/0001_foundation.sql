-- 0001: accounts, sessions, API tokens, the audit chain and the first registers.
-- Written once for both engines; {{pk}} is the dialect's auto-numbered primary key.
-- Indexes that serve sorted lists say {{nulls_first}}: lists sort NULL first ascending, which is
-- SQLite's order and must be spelt out for PostgreSQL (or the index cannot give the order).
-- Every register table carries id, version (for If-Match), created_at and updated_at.

CREATE TABLE users (
	id {{pk}},
	email TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	password_hash TEXT,
	department_id INTEGER,
	person_id INTEGER,
	active INTEGER NOT NULL DEFAULT 1,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

-- Roles a user holds (the policy's roles; "admin" is system administration only).
CREATE TABLE user_roles (
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	role TEXT NOT NULL,
	PRIMARY KEY (user_id, role)
);

CREATE TABLE sessions (
	id {{pk}},
	token_hash TEXT NOT NULL UNIQUE,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	csrf TEXT NOT NULL,
	created_at TEXT NOT NULL,
	last_seen_at TEXT NOT NULL,
	expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
	id {{pk}},
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	created_at TEXT NOT NULL,
	expires_at TEXT,
	last_used_at TEXT,
	revoked_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

-- The audit trail: hash = BLAKE2b(prev_hash || canonical event). seq has no gaps.
CREATE TABLE audit_events (
	seq INTEGER PRIMARY KEY,
	at TEXT NOT NULL,
	actor_id INTEGER,
	actor TEXT NOT NULL,
	action TEXT NOT NULL,
	entity TEXT NOT NULL,
	entity_id INTEGER,
	changes TEXT NOT NULL,
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL
);
CREATE INDEX audit_events_object ON audit_events(entity, entity_id, seq);

CREATE TABLE departments (
	id {{pk}},
	name TEXT NOT NULL UNIQUE,
	code TEXT UNIQUE,
	head_id INTEGER,
	description TEXT,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

CREATE TABLE people (
	id {{pk}},
	name TEXT NOT NULL,
	email TEXT NOT NULL UNIQUE,
	department_id INTEGER NOT NULL REFERENCES departments(id),
	job_title TEXT,
	employment_type TEXT NOT NULL,
	start_date TEXT,
	end_date TEXT,
	notes TEXT,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX people_department ON people(department_id, name {{nulls_first}});

CREATE TABLE assets (
	id {{pk}},
	name TEXT NOT NULL,
	identifier TEXT UNIQUE,
	type TEXT NOT NULL,
	description TEXT,
	owner_id INTEGER NOT NULL REFERENCES people(id),
	department_id INTEGER NOT NULL REFERENCES departments(id),
	confidentiality INTEGER NOT NULL,
	integrity INTEGER NOT NULL,
	availability INTEGER NOT NULL,
	location TEXT,
	status TEXT NOT NULL,
	acquired_on TEXT,
	review_on TEXT,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX assets_department ON assets(department_id, name {{nulls_first}}, id);
CREATE INDEX assets_owner ON assets(owner_id, name {{nulls_first}}, id);
CREATE INDEX assets_status ON assets(status, name {{nulls_first}}, id);
CREATE INDEX assets_type ON assets(type, name {{nulls_first}}, id);
CREATE INDEX assets_name ON assets(name {{nulls_first}}, id);

CREATE TABLE interested_parties (
	id {{pk}},
	name TEXT NOT NULL UNIQUE,
	category TEXT NOT NULL,
	requirements TEXT NOT NULL,
	how_addressed TEXT,
	contact TEXT,
	in_scope INTEGER NOT NULL DEFAULT 1,
	review_on TEXT,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

-- One counter per register, bumped in every writing transaction: list totals are cached per
-- (query, counter) and stay exact without counting on every page.
CREATE TABLE register_versions (
	entity TEXT PRIMARY KEY,
	version INTEGER NOT NULL
);

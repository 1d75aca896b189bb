-- 0013: the organisation's own record: its name, contacts, and the uuid that is the namespace
-- of its stable OSCAL identifiers. One row at most: the unique index on a constant lets a
-- second row never exist, whoever inserts it (both engines accept an index on an expression).
CREATE TABLE organisations (
	id {{pk}},
	name TEXT NOT NULL,
	legal_name TEXT,
	website TEXT,
	security_contact TEXT,
	trust_intro TEXT,
	uuid TEXT,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX organisations_one ON organisations ((1));

-- 0011: approved Statements of Applicability, each a frozen, dated copy with its hash.
CREATE TABLE soa_versions (
	id {{pk}},
	framework_id INTEGER NOT NULL REFERENCES frameworks(id),
	status TEXT NOT NULL,
	notes TEXT,
	as_of TEXT,
	approved_by TEXT,
	approved_at TEXT,
	content_hash TEXT,
	content TEXT,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX soa_versions_as_of ON soa_versions(as_of, id);

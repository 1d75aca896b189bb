-- 0012: uploaded files (evidence and attachments), stored once per content hash, and the
-- evidence's file: a descriptor (name, type, size, hash) like every file field.
CREATE TABLE files (
	id {{pk}},
	hash TEXT NOT NULL UNIQUE,
	size INTEGER NOT NULL,
	content {{blob}} NOT NULL,
	created_at TEXT NOT NULL
);
ALTER TABLE evidence ADD COLUMN file TEXT;

-- 0014: policies and documents (ISO 27001 5.2, 7.5; policy 1.2, 3.9.3): documents, their
-- versions with approval sign-offs, reviews, change requests and acknowledgements.
CREATE TABLE documents (
	id {{pk}},
	code TEXT NOT NULL UNIQUE,
	title TEXT NOT NULL,
	kind TEXT NOT NULL,
	classification TEXT NOT NULL,
	owner_id INTEGER NOT NULL REFERENCES people(id),
	department_id INTEGER REFERENCES departments(id),
	approval TEXT,
	audience TEXT NOT NULL,
	audience_department_id INTEGER REFERENCES departments(id),
	review_months INTEGER NOT NULL,
	summary TEXT,
	status TEXT NOT NULL,
	current_version_id INTEGER,
	current_number INTEGER,
	approved_on TEXT,
	published_on TEXT,
	last_reviewed_on TEXT,
	next_review_on TEXT,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX documents_status ON documents(status, id);
CREATE INDEX documents_owner ON documents(owner_id);
CREATE INDEX documents_review ON documents(next_review_on, id);

CREATE TABLE document_versions (
	id {{pk}},
	document_id INTEGER NOT NULL REFERENCES documents(id),
	name TEXT,
	number INTEGER,
	round INTEGER,
	body TEXT,
	change_summary TEXT,
	status TEXT NOT NULL,
	owner_id INTEGER REFERENCES people(id),
	department_id INTEGER REFERENCES departments(id),
	classification TEXT,
	approval TEXT,
	signoffs TEXT,
	body_hash TEXT,
	approved_at TEXT,
	published_at TEXT,
	published_by TEXT,
	decision_note TEXT,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	UNIQUE (document_id, number)
);
CREATE INDEX document_versions_status ON document_versions(status, id);

CREATE TABLE document_signoffs (
	id {{pk}},
	version_id INTEGER NOT NULL REFERENCES document_versions(id),
	name TEXT,
	role TEXT NOT NULL,
	signed_by TEXT NOT NULL,
	signed_at TEXT NOT NULL,
	number INTEGER NOT NULL,
	body_hash TEXT NOT NULL,
	round INTEGER,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	UNIQUE (version_id, role, round)
);

CREATE TABLE document_reviews (
	id {{pk}},
	document_id INTEGER NOT NULL REFERENCES documents(id),
	reviewed_on TEXT NOT NULL,
	reviewer_id INTEGER NOT NULL REFERENCES people(id),
	outcome TEXT NOT NULL,
	notes TEXT,
	owner_id INTEGER REFERENCES people(id),
	department_id INTEGER REFERENCES departments(id),
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

CREATE TABLE change_requests (
	id {{pk}},
	document_id INTEGER NOT NULL REFERENCES documents(id),
	title TEXT NOT NULL,
	reason TEXT NOT NULL,
	raised_by_id INTEGER NOT NULL REFERENCES people(id),
	department_id INTEGER REFERENCES departments(id),
	status TEXT NOT NULL,
	decision_note TEXT,
	decided_by TEXT,
	decided_at TEXT,
	version_id INTEGER REFERENCES document_versions(id),
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX change_requests_document ON change_requests(document_id, status);

CREATE TABLE acknowledgements (
	id {{pk}},
	name TEXT,
	document_id INTEGER NOT NULL REFERENCES documents(id),
	version_id INTEGER NOT NULL REFERENCES document_versions(id),
	person_id INTEGER NOT NULL REFERENCES people(id),
	department_id INTEGER REFERENCES departments(id),
	status TEXT NOT NULL,
	requested_on TEXT NOT NULL,
	due_on TEXT,
	acknowledged_at TEXT,
	reminders INTEGER NOT NULL DEFAULT 0,
	last_reminded_on TEXT,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	UNIQUE (version_id, person_id)
);
CREATE INDEX acknowledgements_person ON acknowledgements(person_id, status);
CREATE INDEX acknowledgements_version ON acknowledgements(version_id, status);

CREATE TABLE document_controls (
	id {{pk}},
	document_id INTEGER NOT NULL REFERENCES documents(id),
	control_id INTEGER NOT NULL REFERENCES controls(id),
	note TEXT,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	UNIQUE (document_id, control_id)
);

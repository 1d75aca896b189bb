-- 0009: controls. Catalogues (frameworks and their controls, with mappings between them) are
-- data loaded like any import; the organisation's controls point at catalogue controls and
-- carry their evidence and the risks they treat.
CREATE TABLE frameworks (
	id {{pk}},
	code TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	kind TEXT NOT NULL,
	edition TEXT,
	source TEXT,
	description TEXT,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX frameworks_code ON frameworks(code, id);

CREATE TABLE catalog_controls (
	id {{pk}},
	framework_id INTEGER NOT NULL REFERENCES frameworks(id),
	control_id TEXT NOT NULL,
	title TEXT NOT NULL,
	group_id TEXT,
	group_title TEXT,
	parent_id INTEGER REFERENCES catalog_controls(id),
	statement TEXT,
	guidance TEXT,
	withdrawn INTEGER NOT NULL,
	sort_order INTEGER,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	UNIQUE (framework_id, control_id)
);
CREATE INDEX catalog_controls_order ON catalog_controls(sort_order, id);
CREATE INDEX catalog_controls_framework ON catalog_controls(framework_id, sort_order, id);
CREATE INDEX catalog_controls_parent ON catalog_controls(parent_id, id);

CREATE TABLE control_mappings (
	id {{pk}},
	from_id INTEGER NOT NULL REFERENCES catalog_controls(id),
	relationship TEXT NOT NULL,
	to_id INTEGER NOT NULL REFERENCES catalog_controls(id),
	source TEXT,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	UNIQUE (from_id, to_id)
);
CREATE INDEX control_mappings_to ON control_mappings(to_id, id);

CREATE TABLE controls (
	id {{pk}},
	name TEXT,
	catalog_control_id INTEGER NOT NULL UNIQUE REFERENCES catalog_controls(id),
	applicable INTEGER NOT NULL,
	status TEXT NOT NULL,
	owner_id INTEGER REFERENCES people(id),
	department_id INTEGER REFERENCES departments(id),
	reason_risk INTEGER NOT NULL,
	reason_legal INTEGER NOT NULL,
	reason_contract INTEGER NOT NULL,
	reason_business INTEGER NOT NULL,
	justification TEXT,
	implementation TEXT,
	review_on TEXT,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX controls_owner ON controls(owner_id, id);
CREATE INDEX controls_department ON controls(department_id, id);
CREATE INDEX controls_review_on ON controls(review_on);

CREATE TABLE control_risks (
	id {{pk}},
	control_id INTEGER NOT NULL REFERENCES controls(id),
	risk_id INTEGER NOT NULL REFERENCES risks(id),
	note TEXT,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	UNIQUE (control_id, risk_id)
);
CREATE INDEX control_risks_risk ON control_risks(risk_id, id);

CREATE TABLE evidence (
	id {{pk}},
	control_id INTEGER NOT NULL REFERENCES controls(id),
	title TEXT NOT NULL,
	link TEXT,
	collected_on TEXT NOT NULL,
	expires_on TEXT,
	collected_by_id INTEGER REFERENCES people(id),
	notes TEXT,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX evidence_control ON evidence(control_id, id);
CREATE INDEX evidence_expires ON evidence(expires_on);

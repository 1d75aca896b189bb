-- 0016: information security incidents (ISO 27001 A.5.24-5.28; policy 3.3.6, 3.3.7, 3.12):
-- reports, their timeline, corrective actions, affected assets, the ISM's targets, and the
-- organisation's personal-data notification window.
CREATE TABLE incidents (
	id {{pk}},
	title TEXT NOT NULL,
	description TEXT,
	occurred_at TEXT,
	category TEXT NOT NULL,
	reporter_id INTEGER NOT NULL REFERENCES people(id),
	department_id INTEGER REFERENCES departments(id),
	attachment TEXT,
	status TEXT NOT NULL,
	severity TEXT,
	affected_people TEXT,
	personal_data INTEGER,
	owner_id INTEGER REFERENCES people(id),
	aware_at TEXT,
	triaged_at TEXT,
	escalated_at TEXT,
	resolved_at TEXT,
	closed_at TEXT,
	notify_by TEXT,
	duplicate_of_id INTEGER REFERENCES incidents(id),
	step_note TEXT,
	root_cause TEXT,
	lessons_learned TEXT,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX incidents_status ON incidents(status, id);
CREATE INDEX incidents_reporter ON incidents(reporter_id, id);
CREATE INDEX incidents_created ON incidents(created_at);

CREATE TABLE incident_assets (
	id {{pk}},
	incident_id INTEGER NOT NULL REFERENCES incidents(id),
	asset_id INTEGER NOT NULL REFERENCES assets(id),
	note TEXT,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	UNIQUE (incident_id, asset_id)
);

CREATE TABLE incident_notes (
	id {{pk}},
	incident_id INTEGER NOT NULL REFERENCES incidents(id),
	at TEXT NOT NULL,
	author_id INTEGER NOT NULL REFERENCES people(id),
	note TEXT NOT NULL,
	attachment TEXT,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX incident_notes_incident ON incident_notes(incident_id, at);

CREATE TABLE incident_actions (
	id {{pk}},
	incident_id INTEGER NOT NULL REFERENCES incidents(id),
	title TEXT NOT NULL,
	owner_id INTEGER NOT NULL REFERENCES people(id),
	department_id INTEGER REFERENCES departments(id),
	due_on TEXT NOT NULL,
	status TEXT NOT NULL,
	notes TEXT,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX incident_actions_owner ON incident_actions(owner_id, due_on);

CREATE TABLE incident_targets (
	id {{pk}},
	severity TEXT NOT NULL UNIQUE,
	triage_minutes INTEGER,
	escalate_minutes INTEGER,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

ALTER TABLE organisations ADD COLUMN notify_hours INTEGER;

-- 0008: risk management. The risk method is a versioned record (its scales, bands and matrix
-- are text the domain parses); each risk records the method version its assessment used.
CREATE TABLE risk_methods (
	id {{pk}},
	name TEXT NOT NULL,
	number INTEGER UNIQUE,
	status TEXT NOT NULL,
	likelihood_scale TEXT NOT NULL,
	impact_scale TEXT NOT NULL,
	combination TEXT NOT NULL,
	matrix TEXT,
	bands TEXT NOT NULL,
	appetite INTEGER NOT NULL,
	notes TEXT,
	activated_at TEXT,
	activated_by TEXT,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX risk_methods_number ON risk_methods(number, id);

CREATE TABLE risks (
	id {{pk}},
	title TEXT NOT NULL,
	description TEXT,
	category TEXT NOT NULL,
	threat TEXT,
	vulnerability TEXT,
	owner_id INTEGER NOT NULL REFERENCES people(id),
	department_id INTEGER NOT NULL REFERENCES departments(id),
	inherent_likelihood INTEGER NOT NULL,
	inherent_impact INTEGER NOT NULL,
	inherent_score INTEGER,
	inherent_level TEXT,
	existing_controls TEXT,
	treatment TEXT,
	treatment_plan TEXT,
	planned_controls TEXT,
	residual_likelihood INTEGER,
	residual_impact INTEGER,
	residual_score INTEGER,
	residual_level TEXT,
	method_id INTEGER REFERENCES risk_methods(id),
	status TEXT NOT NULL,
	review_on TEXT,
	accepted_until TEXT,
	acceptance_note TEXT,
	accepted_by TEXT,
	accepted_at TEXT,
	board_accepted_by TEXT,
	board_accepted_at TEXT,
	accepted_state TEXT,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX risks_owner ON risks(owner_id, id);
CREATE INDEX risks_department ON risks(department_id, id);
CREATE INDEX risks_status ON risks(status, id);
CREATE INDEX risks_residual ON risks(residual_score, id);
CREATE INDEX risks_review_on ON risks(review_on);
CREATE INDEX risks_accepted_until ON risks(status, accepted_until);

CREATE TABLE risk_actions (
	id {{pk}},
	title TEXT NOT NULL,
	risk_id INTEGER NOT NULL REFERENCES risks(id),
	owner_id INTEGER NOT NULL REFERENCES people(id),
	due_on TEXT,
	status TEXT NOT NULL,
	notes TEXT,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX risk_actions_risk ON risk_actions(risk_id, id);
CREATE INDEX risk_actions_owner ON risk_actions(owner_id, id);
CREATE INDEX risk_actions_due ON risk_actions(due_on);

CREATE TABLE risk_assets (
	id {{pk}},
	risk_id INTEGER NOT NULL REFERENCES risks(id),
	asset_id INTEGER NOT NULL REFERENCES assets(id),
	note TEXT,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	UNIQUE (risk_id, asset_id)
);
CREATE INDEX risk_assets_asset ON risk_assets(asset_id, id);

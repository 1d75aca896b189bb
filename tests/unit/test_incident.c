/* test_incident.c - incidents against a temporary database (SQLite, or PostgreSQL with
 * CUSTOS_TEST_PG) with an injected clock: the workflow's rules (who resolves what, what
 * closing needs, merging), the personal-data notification deadline and its window, the
 * triage and escalation clocks against the targets, and the metrics' counts and means. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/authz.h"
#include "core/repo.h"
#include "core/rowcache.h"
#include "core/verify.h"
#include "domain/incident.h"
#include "testdb.h"

#define T0     1767258000 /* 2026-01-01T09:00:00Z */
#define MINUTE 60
#define HOUR   3600

static const struct actor reporter = { 2, "ann@example.org" };

struct fx {
	struct db *db;
	struct arena a;
	struct repo_ctx c;
	int64_t dept, ann;
};

static void apply(struct fx *f, struct record *r, const char *const *kv)
{
	for (size_t i = 0; kv && kv[i]; i += 2) {
		int k = model_field_index(r->e, kv[i]);
		if (k < 0)
			fail_msg("%s has no field %s", r->e->name, kv[i]);
		const char *why;
		if (!model_parse_text(&f->a, &r->e->fields[k], kv[i + 1], strlen(kv[i + 1]),
				      &r->v[k], &why))
			fail_msg("%s='%s': %s", kv[i], kv[i + 1], why);
	}
}

static int64_t create_ok(struct fx *f, const struct entity *e, const char *const *kv)
{
	struct record *r = model_record_new(&f->a, e);
	assert_non_null(r);
	apply(f, r, kv);
	struct verrors ve = { 0 };
	int64_t id = 0;
	enum err err = repo_create(&f->c, r, &ve, &id);
	if (err)
		fail_msg("create %s: %s (%s %s)", e->name, err_name(err),
			 ve.n ? ve.items[0].field : "", ve.n ? ve.items[0].message : "");
	return id;
}

static struct record *load(struct fx *f, int64_t id)
{
	struct record *r = NULL;
	assert_int_equal(repo_load(&f->c, &entity_incident, id, &r), ERR_OK);
	return r;
}

static const char *text(const struct record *r, const char *name)
{
	const struct value *v = model_get(r, name);
	return v->set && !v->null ? v->s : NULL;
}

static enum err take(struct fx *f, int64_t id, const char *name, unsigned roles,
		     const char *const *inputs, struct verrors *ve)
{
	struct record *in = model_record_new(&f->a, &entity_incident);
	assert_non_null(in);
	apply(f, in, inputs);
	static const struct actor who = { 1, "someone@example.org" };
	char today[11], now[TIME_ISO_LEN];
	time_format_date(time_now(), today);
	time_format_iso(time_now(), now);
	struct repo_ctx rc = { .db = f->db, .a = &f->a, .who = &who };
	struct step_env env = {
		.db = f->db, .a = &f->a, .who = &who, .roles = roles, .today = today, .now = now
	};
	memset(ve, 0, sizeof(*ve));
	return repo_step(&rc, &entity_incident, id, model_step(&entity_incident, name), &env, in, 0,
			 ve);
}

static void take_ok(struct fx *f, int64_t id, const char *name, unsigned roles,
		    const char *const *inputs)
{
	struct verrors ve;
	enum err e = take(f, id, name, roles, inputs, &ve);
	if (e)
		fail_msg("%s: %s (%s %s)", name, err_name(e), ve.n ? ve.items[0].field : "",
			 ve.n ? ve.items[0].message : "");
}

#define ISM	(1u << ROLE_ISMS_MANAGER)
#define SUPPORT (1u << ROLE_SUPPORT)

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	if (!f || !(f->db = testdb_open()))
		return -1;
	assert_null(domain_init());
	if (testdb_fresh_totals(f->db))
		return -1;
	arena_init(&f->a, 0);
	f->c = (struct repo_ctx){ .db = f->db, .a = &f->a, .who = &reporter };
	*state = f;
	time_set_fake(T0);
	const char *d[] = { "name", "Operations", "code", "OPS", NULL };
	f->dept = create_ok(f, &entity_department, d);
	const char *p[] = { "name",
			    "Ann",
			    "email",
			    "ann@example.org",
			    "department_id",
			    arena_printf(&f->a, "%lld", (long long)f->dept),
			    NULL };
	f->ann = create_ok(f, &entity_person, p);
	static const char *const targets[][3] = { { "critical", "15", "30" },
						  { "high", "60", "120" },
						  { "low", "480", NULL } };
	for (size_t i = 0; i < 3; i++) {
		const char *kv[] = { "severity",
				     targets[i][0],
				     "triage_minutes",
				     targets[i][1],
				     targets[i][2] ? "escalate_minutes" : NULL,
				     targets[i][2],
				     NULL };
		create_ok(f, &entity_incident_target, kv);
	}
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	time_set_fake(0);
	rowcache_clear();
	arena_free(&f->a);
	testdb_close(f->db);
	free(f);
	return 0;
}

static int64_t report(struct fx *f, const char *title)
{
	const char *kv[] = { "title", title, "reporter_id",
			     arena_printf(&f->a, "%lld", (long long)f->ann), NULL };
	return create_ok(f, &entity_incident, kv);
}

static void test_report_and_rules(void **state)
{
	struct fx *f = *state;
	int64_t id = report(f, "Laptop stolen");
	struct record *r = load(f, id);
	assert_string_equal(text(r, "status"), "reported");
	assert_string_equal(text(r, "category"), "not_sure");
	assert_string_equal(text(r, "aware_at"), "2026-01-01T09:00:00Z");
	assert_int_equal(model_get(r, "department_id")->i, f->ann ? f->dept : 0);
	struct verrors ve;
	/* triage needs a severity */
	assert_int_equal(take(f, id, "triage", SUPPORT, NULL, &ve), ERR_INVALID);
	assert_string_equal(ve.items[0].field, "severity");
	const char *tri[] = { "severity", "high", NULL };
	take_ok(f, id, "triage", SUPPORT, tri);
	assert_string_equal(text(load(f, id), "triaged_at"), "2026-01-01T09:00:00Z");
	/* the Support Team resolves only a minor one */
	assert_int_equal(take(f, id, "resolve", SUPPORT, NULL, &ve), ERR_FORBIDDEN);
	take_ok(f, id, "escalate", SUPPORT, NULL);
	assert_int_equal(take(f, id, "investigate", ISM, NULL, &ve), ERR_INVALID);
	const char *own[] = { "owner_id", arena_printf(&f->a, "%lld", (long long)f->ann), NULL };
	take_ok(f, id, "investigate", ISM, own);
	take_ok(f, id, "contain", ISM, NULL);
	take_ok(f, id, "resolve", ISM, NULL);
	/* closing needs both the root cause and the lessons */
	const char *half[] = { "root_cause", "An unlocked car", NULL };
	assert_int_equal(take(f, id, "close", ISM, half, &ve), ERR_INVALID);
	assert_string_equal(ve.items[0].field, "lessons_learned");
	const char *full[] = { "root_cause", "An unlocked car", "lessons_learned",
			       "Laptops are not left in cars", NULL };
	take_ok(f, id, "close", ISM, full);
	r = load(f, id);
	assert_string_equal(text(r, "status"), "closed");
	assert_non_null(text(r, "closed_at"));

	/* a minor one: the Support Team resolves it, and only the ISM closes */
	int64_t minor = report(f, "Screen left unlocked");
	const char *low[] = { "severity", "low", NULL };
	take_ok(f, minor, "triage", SUPPORT, low);
	take_ok(f, minor, "resolve", SUPPORT, NULL);
	/* (the close step is not the Support Team's in the role table; its rule is the ISM's) */
	take_ok(f, minor, "close", ISM, full);

	/* a duplicate joins the first report */
	int64_t dup = report(f, "Laptop stolen (again)");
	assert_int_equal(take(f, dup, "merge", SUPPORT, NULL, &ve), ERR_INVALID);
	const char *self[] = { "duplicate_of_id", arena_printf(&f->a, "%lld", (long long)dup),
			       NULL };
	assert_int_equal(take(f, dup, "merge", SUPPORT, self, &ve), ERR_INVALID);
	const char *into[] = { "duplicate_of_id", arena_printf(&f->a, "%lld", (long long)id),
			       NULL };
	take_ok(f, dup, "merge", SUPPORT, into);
	assert_string_equal(text(load(f, dup), "status"), "merged");
	/* the reporter is a fact */
	struct record *p = model_record_new(&f->a, &entity_incident);
	const char *kv[] = { "reporter_id", "999", NULL };
	apply(f, p, kv);
	int64_t open_one = report(f, "Open");
	memset(&ve, 0, sizeof(ve));
	assert_int_equal(repo_update(&f->c, &entity_incident, open_one, p, 0, &ve), ERR_INVALID);
}

static void test_notification_clock(void **state)
{
	struct fx *f = *state;
	int64_t id = report(f, "Customer list e-mailed to the wrong person");
	time_set_fake(T0 + 2 * HOUR);
	const char *tri[] = { "severity", "high", "personal_data", "true", NULL };
	take_ok(f, id, "triage", SUPPORT, tri);
	struct record *r = load(f, id);
	/* 72 hours from becoming aware (the report), not from the triage */
	assert_string_equal(text(r, "notify_by"), "2026-01-04T09:00:00Z");
	const char *c = incident_clock(f->db, &f->a, r, T0 + 2 * HOUR, NULL);
	assert_non_null(c);
	assert_non_null(strstr(c, "notify the supervisory authority by 2026-01-04T09:00:00Z"));
	assert_non_null(strstr(c, "in 2 d 22 h"));
	enum incident_delay late;
	assert_non_null(incident_clock(f->db, &f->a, r, T0 + 2 * HOUR, &late));
	assert_int_equal(late, DELAY_NONE); /* a countdown, not yet late */
	c = incident_clock(f->db, &f->a, r, T0 + 73 * HOUR, &late);
	/* never escalated: that is late first, and the passed deadline is said after it */
	assert_int_equal(late, DELAY_ESCALATION);
	take_ok(f, id, "escalate", SUPPORT, NULL);
	c = incident_clock(f->db, &f->a, load(f, id), T0 + 73 * HOUR, &late);
	assert_int_equal(late, DELAY_NOTIFICATION);
	assert_non_null(strstr(c, "deadline passed 1 h 0 min ago"));
	/* the organisation's own window */
	struct db_stmt *st;
	bool row;
	const char *org[] = { "name", "Example", NULL };
	create_ok(f, &entity_organisation, org);
	assert_int_equal(db_prepare(f->db, "UPDATE organisations SET notify_hours = 24", &st),
			 ERR_OK);
	assert_int_equal(db_step(st, &row), ERR_OK);
	db_done(st);
	int64_t id2 = report(f, "Second");
	take_ok(f, id2, "triage", SUPPORT, tri);
	assert_string_equal(text(load(f, id2), "notify_by"), "2026-01-02T11:00:00Z");
	/* no personal data after all: no deadline */
	int64_t id3 = report(f, "Third");
	const char *no[] = { "severity", "high", "personal_data", "false", NULL };
	take_ok(f, id3, "triage", SUPPORT, no);
	assert_null(text(load(f, id3), "notify_by"));
}

static void test_triage_and_escalation_clocks(void **state)
{
	struct fx *f = *state;
	int64_t id = report(f, "Outage");
	struct record *r = load(f, id);
	/* before triage the tightest target applies: critical, 15 minutes */
	assert_null(incident_clock(f->db, &f->a, r, T0 + 14 * MINUTE, NULL));
	enum incident_delay late;
	const char *c = incident_clock(f->db, &f->a, r, T0 + 20 * MINUTE, &late);
	assert_int_equal(late, DELAY_TRIAGE);
	assert_non_null(c);
	assert_non_null(strstr(c, "Triage is overdue by 0 h 5 min"));
	const char *tri[] = { "severity", "high", NULL };
	take_ok(f, id, "triage", SUPPORT, tri);
	r = load(f, id);
	assert_null(incident_clock(f->db, &f->a, r, T0 + 119 * MINUTE, NULL));
	c = incident_clock(f->db, &f->a, r, T0 + 150 * MINUTE, &late);
	assert_int_equal(late, DELAY_ESCALATION);
	assert_non_null(strstr(c, "Escalation to the ISM is overdue by 0 h 30 min"));
	/* a minor one is not escalated: no escalation clock */
	int64_t m = report(f, "Minor");
	const char *low[] = { "severity", "low", NULL };
	take_ok(f, m, "triage", SUPPORT, low);
	assert_null(incident_clock(f->db, &f->a, load(f, m), T0 + 100 * HOUR, NULL));
	/* the metrics count the overdue one */
	struct incident_metrics met;
	assert_int_equal(incident_metrics(f->db, &f->a, T0 + 150 * MINUTE, &met), ERR_OK);
	assert_int_equal(met.overdue, 1);
	assert_int_equal(met.open, 2);
}

static void test_metrics(void **state)
{
	struct fx *f = *state;
	const char *high[] = { "severity", "high", NULL };
	const char *low[] = { "severity", "low", NULL };
	int64_t a = report(f, "A");
	time_set_fake(T0 + 10 * MINUTE);
	take_ok(f, a, "triage", SUPPORT, high);
	time_set_fake(T0 + 30 * MINUTE);
	take_ok(f, a, "escalate", SUPPORT, NULL);
	int64_t b = report(f, "B"); /* aware at T0 + 30 min */
	time_set_fake(T0 + 60 * MINUTE);
	take_ok(f, b, "triage", SUPPORT, low);
	time_set_fake(T0 + 90 * MINUTE);
	take_ok(f, b, "resolve", SUPPORT, NULL);
	struct incident_metrics m;
	assert_int_equal(incident_metrics(f->db, &f->a, T0 + 2 * HOUR, &m), ERR_OK);
	assert_int_equal(m.total, 2);
	assert_int_equal(m.mean_triage, 20); /* (10 + 30) / 2 */
	assert_int_equal(m.mean_escalate, 30);
	assert_int_equal(m.mean_resolve, 60);
	assert_string_equal(m.month[INCIDENT_METRIC_MONTHS - 1], "2026-01");
	assert_string_equal(m.month[0], "2025-02");
	/* both not_sure (the last category but one), one high and one low */
	int last = INCIDENT_METRIC_MONTHS - 1;
	assert_int_equal(m.by_category[last][6], 2);
	assert_int_equal(m.by_severity[last][0], 1);
	assert_int_equal(m.by_severity[last][2], 1);
	struct verify_result vr;
	assert_int_equal(verify_records(f->db, &vr), ERR_OK);
	assert_int_equal(vr.mismatches, 0);
}

static int64_t count(struct fx *f, const char *sql)
{
	struct db_stmt *st;
	bool row;
	assert_int_equal(db_prepare(f->db, sql, &st), ERR_OK);
	assert_int_equal(db_step(st, &row), ERR_OK);
	int64_t n = db_col_int(st, 0);
	db_done(st);
	return n;
}

static void run_sql(struct fx *f, const char *sql)
{
	assert_int_equal(db_exec(f->db, sql), ERR_OK);
}

/* A report is mailed to the Support Team in its own transaction; an overdue one to the ISM,
 * once however often the job runs. */
static void test_notices(void **state)
{
	struct fx *f = *state;
	run_sql(f,
		"INSERT INTO users (email, name, active, version, created_at, updated_at) VALUES "
		"('sup@example.org', 'Sup', 1, 1, 'x', 'x'), ('ism@example.org', 'Ism', 1, 1, "
		"'x', 'x'), ('gone@example.org', 'Gone', 0, 1, 'x', 'x')");
	run_sql(f, "INSERT INTO user_roles (user_id, role) SELECT id, 'support' FROM users WHERE "
		   "email IN ('sup@example.org', 'gone@example.org')");
	run_sql(f, "INSERT INTO user_roles (user_id, role) SELECT id, 'isms_manager' FROM users "
		   "WHERE email = 'ism@example.org'");
	int64_t id = report(f, "Printer shows someone else's payslips");
	/* the active support account only */
	assert_int_equal(count(f, "SELECT count(*) FROM mail_outbox WHERE to_addr = "
				  "'sup@example.org' AND subject LIKE 'New incident report INC-%'"),
			 1);
	assert_int_equal(count(f, "SELECT count(*) FROM mail_outbox"), 1);
	/* 20 minutes untriaged: past the 15-minute target */
	time_set_fake(T0 + 20 * MINUTE);
	assert_int_equal(incident_overdue_job(f->db), ERR_OK);
	assert_int_equal(incident_overdue_job(f->db), ERR_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM mail_outbox WHERE to_addr = "
				  "'ism@example.org' AND subject LIKE 'Overdue: INC-%'"),
			 1);
	/* escalated with an owner: the owner is told, and the ISM of the escalation */
	const char *tri[] = { "severity", "high", NULL };
	take_ok(f, id, "triage", SUPPORT, tri);
	take_ok(f, id, "escalate", SUPPORT, NULL);
	assert_int_equal(count(f, "SELECT count(*) FROM mail_outbox WHERE to_addr = "
				  "'ism@example.org' AND subject LIKE '%escalated to you%'"),
			 1);
	const char *own[] = { "owner_id", arena_printf(&f->a, "%lld", (long long)f->ann), NULL };
	take_ok(f, id, "investigate", ISM, own);
	assert_int_equal(count(f,
			       "SELECT count(*) FROM mail_outbox WHERE to_addr = "
			       "'ann@example.org' AND subject LIKE 'You lead the investigation%'"),
			 1);
}

int main(void)
{
	if (crypto_init() != ERR_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_report_and_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notification_clock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_triage_and_escalation_clocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notices, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* incident.c - information security incidents (ISO 27001 A.5.24-5.28; policy 3.3.6, 3.3.7,
 * 3.12): anyone reports what happened; the Support Team triages (severity, category, personal
 * data) and escalates to the Information Security Manager, who investigates, contains,
 * resolves and closes with a root cause and the lessons learned. Each step is timestamped;
 * clocks compare the times to triage and escalate with the ISM's targets per severity, and
 * an incident involving personal data carries its notification deadline. Notes make the
 * timeline; corrective actions go to their owners' tasks. */
#include <stdio.h>
#include <string.h>

#include "core/authz.h"
#include "core/mail.h"
#include "core/repo.h"
#include "domain/incident.h"
#include "core/jobs.h"
#include "domain/domain.h"
#include "store/db.h"
#include "util/log.h"
#include "util/str.h"
#include "util/timeutil.h"

/* The policy's own list of what counts as an incident (3.3.6), and "not sure". */
static const struct choice categories[] = {
	{ "loss_of_service", "Loss of service, functionality, equipment or facilities", NULL },
	{ "malfunction",
	  "System, software or hardware malfunction, unscheduled shutdown, "
	  "unexpected error or overload",
	  NULL },
	{ "human_error", "Human error", NULL },
	{ "non_compliance", "Non-compliance with the ISMS (including uncontrolled system changes)",
	  NULL },
	{ "physical_breach", "Breach of physical security", NULL },
	{ "access_violation", "Access violation", NULL },
	{ "not_sure", "Not sure", "The Support Team will decide." },
	{ NULL, NULL, NULL },
};

static const struct choice severities[] = {
	{ "low", "Low", "Minor: handled by the Support Team." },
	{ "medium", "Medium", NULL },
	{ "high", "High", NULL },
	{ "critical", "Critical", NULL },
	{ NULL, NULL, NULL },
};

static const struct choice states[] = {
	{ "reported", "Reported", NULL },
	{ "triaged", "Triaged", NULL },
	{ "escalated", "Escalated to the ISM", NULL },
	{ "investigating", "Under investigation", NULL },
	{ "contained", "Contained", NULL },
	{ "resolved", "Resolved", NULL },
	{ "closed", "Closed", NULL },
	{ "merged", "Merged into another report", NULL },
	{ NULL, NULL, NULL },
};

static const struct field incident_fields[] = {
	{ .name = "title",
	  .label = "What happened",
	  .type = FT_TEXT,
	  .flags = FF_REQUIRED | FF_SEARCH | FF_LIST,
	  .max = 200,
	  .help = "In a few words: \"Laptop stolen from car\", \"Phishing e-mail opened\"." },
	{ .name = "description",
	  .label = "Details",
	  .type = FT_LONGTEXT,
	  .flags = FF_SEARCH,
	  .help = "What you saw, what is affected, who else knows. Do not investigate yourself." },
	{ .name = "occurred_at",
	  .label = "When it happened",
	  .type = FT_TIMESTAMP,
	  .help = "As near as you know; leave empty if you do not." },
	{ .name = "category",
	  .label = "Category",
	  .type = FT_ENUM,
	  .flags = FF_REQUIRED | FF_LIST,
	  .choices = categories,
	  .dflt = "not_sure" },
	{ .name = "reporter_id",
	  .label = "Reported by",
	  .type = FT_REF,
	  .flags = FF_REQUIRED | FF_LIST | FF_SELF,
	  .ref = "person" },
	{ .name = "department_id",
	  .label = "Reporter's department",
	  .type = FT_REF,
	  .flags = FF_READONLY,
	  .ref = "department" },
	{ .name = "attachment",
	  .label = "Attachment",
	  .type = FT_FILE,
	  .flags = FF_READONLY | FF_KEEP,
	  .help = "A screenshot, the suspicious e-mail, a photo (optional)." },
	{ .name = "status",
	  .label = "Status",
	  .type = FT_ENUM,
	  .flags = FF_READONLY | FF_LIST,
	  .choices = states,
	  .dflt = "reported" },
	{ .name = "severity",
	  .label = "Severity",
	  .type = FT_ENUM,
	  .flags = FF_READONLY | FF_LIST,
	  .choices = severities,
	  .help = "Set at triage." },
	{ .name = "affected_people",
	  .label = "People affected",
	  .type = FT_TEXT,
	  .flags = FF_READONLY | FF_SEARCH,
	  .max = 500,
	  .help = "Set at triage: customers, staff or others whose information is involved." },
	{ .name = "personal_data",
	  .label = "Personal data involved",
	  .type = FT_BOOL,
	  .flags = FF_READONLY | FF_LIST,
	  .help = "Set at triage: starts the notification clock." },
	{ .name = "owner_id",
	  .label = "Incident owner",
	  .type = FT_REF,
	  .flags = FF_READONLY | FF_LIST,
	  .ref = "person",
	  .help = "Who leads the investigation." },
	{ .name = "aware_at",
	  .label = "Became aware at",
	  .type = FT_TIMESTAMP,
	  .flags = FF_READONLY,
	  .help = "When the organisation learnt of it: the report's time." },
	{ .name = "triaged_at", .label = "Triaged at", .type = FT_TIMESTAMP, .flags = FF_READONLY },
	{ .name = "escalated_at",
	  .label = "Escalated at",
	  .type = FT_TIMESTAMP,
	  .flags = FF_READONLY },
	{ .name = "resolved_at",
	  .label = "Resolved at",
	  .type = FT_TIMESTAMP,
	  .flags = FF_READONLY },
	{ .name = "closed_at", .label = "Closed at", .type = FT_TIMESTAMP, .flags = FF_READONLY },
	{ .name = "notify_by",
	  .label = "Notify the authority by",
	  .type = FT_TIMESTAMP,
	  .flags = FF_READONLY | FF_LIST,
	  .help = "With personal data involved: the deadline to notify the supervisory authority "
		  "(GDPR art. 33: 72 hours from becoming aware, unless set otherwise)." },
	{ .name = "duplicate_of_id",
	  .label = "Duplicate of",
	  .type = FT_REF,
	  .flags = FF_READONLY,
	  .ref = "incident" },
	{ .name = "step_note",
	  .label = "Note",
	  .type = FT_LONGTEXT,
	  .flags = FF_READONLY,
	  .help = "What was done at the last step." },
	{ .name = "root_cause",
	  .label = "Root cause",
	  .type = FT_LONGTEXT,
	  .flags = FF_READONLY | FF_SEARCH,
	  .help = "Why it happened; needed to close." },
	{ .name = "lessons_learned",
	  .label = "Lessons learned",
	  .type = FT_LONGTEXT,
	  .flags = FF_READONLY | FF_SEARCH,
	  .help = "What changes so that it does not happen again; needed to close." },
};

/* ---- helpers ---- */

/* The organisation's notification window in hours (72 unless its record says otherwise). */
static int64_t notify_hours(struct db *db)
{
	struct db_stmt *st;
	int64_t h = INCIDENT_NOTIFY_HOURS;
	if (db_prepare(db, "SELECT notify_hours FROM organisations ORDER BY id LIMIT 1", &st))
		return h;
	bool row;
	if (db_step(st, &row) == ERR_OK && row && !db_col_null(st, 0) && db_col_int(st, 0) > 0)
		h = db_col_int(st, 0);
	db_done(st);
	return h;
}

static const char *iso_plus(struct arena *a, const char *iso, int64_t seconds)
{
	int64_t t;
	if (!iso || !time_parse_iso(iso, strlen(iso), &t))
		return NULL;
	char *out = arena_alloc(a, TIME_ISO_LEN);
	if (out)
		time_format_iso(t + seconds, out);
	return out;
}

/* ---- the register ---- */

static void incident_check(const struct record *r, struct arena *a, struct verrors *ve)
{
	(void)a;
	const char *occ = model_text(r, "occurred_at");
	char now[TIME_ISO_LEN];
	time_format_iso(time_now() + 300, now); /* five minutes of clock skew are fine */
	if (occ && strcmp(occ, now) > 0)
		verrors_add(ve, "occurred_at", "is in the future");
}

static enum err incident_derive(struct db *db, struct arena *a, const struct record *before,
				struct record *after, struct verrors *ve)
{
	if (before) {
		if (model_int(before, "reporter_id") != model_int(after, "reporter_id")) {
			verrors_add(ve, "reporter_id", "cannot change: who reported it is a fact");
			return ERR_INVALID;
		}
	} else {
		char now[TIME_ISO_LEN];
		time_format_iso(time_now(), now);
		model_set_text(after, "aware_at", arena_strdup(a, now));
		model_set_text(after, "status", "reported");
	}
	int64_t dept = person_department(db, model_int(after, "reporter_id"));
	if (dept)
		model_set_int(after, "department_id", dept);
	/* the clock starts when personal data is known to be involved, from awareness */
	const struct value *pd = model_get(after, "personal_data");
	bool personal = pd->set && !pd->null && pd->i;
	if (personal && !model_text(after, "notify_by"))
		model_set_text(after, "notify_by",
			       iso_plus(a, model_text(after, "aware_at"), notify_hours(db) * 3600));
	/* once set, the deadline stays: deciding that no notification is needed is the ISM's
	 * call, recorded in a note, not a flag quietly turned off */
	return ERR_OK;
}

/* Targets of the ISM per severity, in minutes; 0: none set. */
static void targets(struct db *db, const char *severity, int64_t *triage, int64_t *escalate)
{
	*triage = *escalate = 0;
	struct db_stmt *st;
	if (db_prepare(db,
		       "SELECT triage_minutes, escalate_minutes FROM incident_targets WHERE "
		       "severity = $1",
		       &st))
		return;
	db_bind_str(st, 1, severity);
	bool row;
	if (db_step(st, &row) == ERR_OK && row) {
		*triage = db_col_null(st, 0) ? 0 : db_col_int(st, 0);
		*escalate = db_col_null(st, 1) ? 0 : db_col_int(st, 1);
	}
	db_done(st);
}

/* How long until (positive) or since (negative) a deadline, as "3 h 20 min". */
static const char *span(struct arena *a, int64_t seconds)
{
	int64_t s = seconds < 0 ? -seconds : seconds;
	int64_t d = s / 86400, h = (s % 86400) / 3600, m = (s % 3600) / 60;
	return d ? arena_printf(a, "%lld d %lld h", (long long)d, (long long)h)
		 : arena_printf(a, "%lld h %lld min", (long long)h, (long long)m);
}

const char *incident_clock(struct db *db, struct arena *a, const struct record *rec, int64_t now,
			   enum incident_delay *delay)
{
	enum incident_delay ignored;
	if (!delay)
		delay = &ignored;
	*delay = DELAY_NONE;
	const char *st = model_text(rec, "status");
	if (str_eq(st, "closed") || str_eq(st, "merged"))
		return NULL;
	const char *late = NULL, *notice = NULL;
	const char *aware = model_text(rec, "aware_at");
	int64_t since, t;
	if (aware && time_parse_iso(aware, strlen(aware), &since)) {
		int64_t tri, esc;
		/* before triage the severity is unknown: the tightest target applies */
		targets(db, model_text(rec, "severity") ? model_text(rec, "severity") : "critical",
			&tri, &esc);
		bool minor = str_eq(model_text(rec, "severity"), "low");
		if (str_eq(st, "reported") && tri && now - since > tri * 60) {
			*delay = DELAY_TRIAGE;
			late = arena_printf(a, "Triage is overdue by %s (target: %lld min).",
					    span(a, now - since - tri * 60), (long long)tri);
		} else if (str_eq(st, "triaged") && !minor && esc && now - since > esc * 60) {
			*delay = DELAY_ESCALATION;
			late = arena_printf(a,
					    "Escalation to the ISM is overdue by %s (target: %lld "
					    "min).",
					    span(a, now - since - esc * 60), (long long)esc);
		}
	}
	const char *notify = model_text(rec, "notify_by");
	if (notify && !str_eq(st, "resolved") && time_parse_iso(notify, strlen(notify), &t))
		notice = t >= now ? arena_printf(a,
						 "Personal data: notify the supervisory authority "
						 "by %s (in %s).",
						 notify, span(a, t - now))
				  : arena_printf(a,
						 "Personal data: the notification deadline passed "
						 "%s ago (%s).",
						 span(a, now - t), notify);
	if (notice && t < now && *delay == DELAY_NONE)
		*delay = DELAY_NOTIFICATION;
	if (late && notice)
		return arena_printf(a, "%s %s", late, notice);
	return late ? late : notice;
}

static const char *incident_flag(struct db *db, struct arena *a, const struct record *rec,
				 const char *today)
{
	(void)today;
	return incident_clock(db, a, rec, time_now(), NULL);
}

/* ---- steps ---- */

static enum err note_and_time(const struct step_env *env, struct record *after,
			      const char *at_field)
{
	if (at_field)
		model_set_text(after, at_field, env->now);
	const struct value *note = model_get(env->inputs, "step_note");
	if (!note->set)
		model_set_text(after, "step_note", NULL); /* a note belongs to its step */
	return ERR_OK;
}

static enum err incident_triage(const struct step_env *env, const struct record *before,
				struct record *after, struct verrors *ve)
{
	(void)before;
	if (!model_text(after, "severity")) {
		verrors_add(ve, "severity", "is required to triage");
		return ERR_INVALID;
	}
	const struct value *pd = model_get(after, "personal_data");
	if (!pd->set || pd->null)
		model_set_int(after, "personal_data", 0);
	return note_and_time(env, after, "triaged_at");
}

static enum err incident_escalate(const struct step_env *env, const struct record *before,
				  struct record *after, struct verrors *ve)
{
	(void)before;
	(void)ve;
	return note_and_time(env, after, "escalated_at");
}

static enum err incident_merge(const struct step_env *env, const struct record *before,
			       struct record *after, struct verrors *ve)
{
	int64_t into = model_int(after, "duplicate_of_id");
	if (!into) {
		verrors_add(ve, "duplicate_of_id", "is required: the report this one repeats");
		return ERR_INVALID;
	}
	if (into == before->id) {
		verrors_add(ve, "duplicate_of_id", "must be another report");
		return ERR_INVALID;
	}
	/* into a report that stands: merging into a merged one could make a loop in which
	 * both reports leave every queue */
	struct db_stmt *st;
	enum err e = db_prepare(env->db, "SELECT status FROM incidents WHERE id = $1", &st);
	if (e)
		return e;
	db_bind_int(st, 1, into);
	bool row;
	bool merged = false;
	if ((e = db_step(st, &row)) == ERR_OK && row)
		merged = str_eq(db_col_text(st, 0, NULL), "merged");
	db_done(st);
	if (e)
		return e;
	if (merged) {
		verrors_add(ve, "duplicate_of_id",
			    "is merged itself: merge into the report it joined");
		return ERR_INVALID;
	}
	return note_and_time(env, after, "closed_at");
}

/* What triage set, set again later (personal data found during the investigation starts the
 * notification clock then): the state stays what it was. */
static enum err incident_reassess(const struct step_env *env, const struct record *before,
				  struct record *after, struct verrors *ve)
{
	int si = model_field_index(after->e, "status");
	after->v[si] = before->v[si];
	/* once escalated, the incident is the ISM's: nobody else lowers what triage set */
	if (!(env->roles & (1u << ROLE_ISMS_MANAGER)) &&
	    !str_eq(model_text(before, "status"), "triaged")) {
		verrors_add(ve, "status", "is past triage: only the ISM reassesses it now");
		return ERR_FORBIDDEN;
	}
	if (!model_text(after, "severity")) {
		verrors_add(ve, "severity", "is required");
		return ERR_INVALID;
	}
	return note_and_time(env, after, NULL);
}

static enum err incident_investigate(const struct step_env *env, const struct record *before,
				     struct record *after, struct verrors *ve)
{
	(void)before;
	if (!model_int(after, "owner_id")) {
		verrors_add(ve, "owner_id", "is required: who leads the investigation");
		return ERR_INVALID;
	}
	return note_and_time(env, after, NULL);
}

static enum err incident_contain(const struct step_env *env, const struct record *before,
				 struct record *after, struct verrors *ve)
{
	(void)before;
	(void)ve;
	return note_and_time(env, after, NULL);
}

/* The Support Team resolves a minor incident itself; anything else is the ISM's. */
static enum err incident_resolve(const struct step_env *env, const struct record *before,
				 struct record *after, struct verrors *ve)
{
	bool ism = env->roles & (1u << ROLE_ISMS_MANAGER);
	const struct value *pd = model_get(before, "personal_data");
	bool minor = str_eq(model_text(before, "severity"), "low") &&
		     !(pd->set && !pd->null && pd->i) && !model_text(before, "escalated_at") &&
		     !model_text(before, "notify_by");
	if (!ism && !minor) {
		verrors_add(ve, "severity",
			    "is above low or involves personal data: escalate it to "
			    "the ISM");
		return ERR_FORBIDDEN;
	}
	return note_and_time(env, after, "resolved_at");
}

static enum err incident_close(const struct step_env *env, const struct record *before,
			       struct record *after, struct verrors *ve)
{
	(void)before;
	const char *rc = model_text(after, "root_cause"),
		   *ll = model_text(after, "lessons_learned");
	if (!rc || !*rc)
		verrors_add(ve, "root_cause", "is required to close");
	if (!ll || !*ll)
		verrors_add(ve, "lessons_learned", "is required to close");
	if (ve->n)
		return ERR_INVALID;
	return note_and_time(env, after, "closed_at");
}

/* ---- notices (policy 3.12: reporting and escalation are formal) ---- */

/* One notice: an address the mail server would not take (the register's e-mail rules are
 * wider than SMTP's) is logged and skipped; it must not stop the change it tells of. */
static enum err queue(struct db *db, struct arena *a, const char *to, const char *subject,
		      const char *body, const char *key)
{
	enum err e = mail_queue(db, to, subject, body, arena_printf(a, "%s:%s", key, to));
	if (e == ERR_INVALID || e == ERR_TOO_LARGE) {
		log_warn("a notice (%s) could not be queued: %s", key, err_title(e));
		return ERR_OK;
	}
	return e;
}

/* Queues one notice to every active account holding role (or to one address), in the write's
 * transaction: the outbox sends it later, and a failed mail server loses nothing. */
static enum err notify_role(struct db *db, struct arena *a, const char *role, const char *subject,
			    const char *body, const char *key)
{
	struct db_stmt *st;
	enum err e = db_prepare(db,
				"SELECT u.email FROM users u JOIN user_roles r ON r.user_id = u.id "
				"WHERE r.role = $1 AND u.active = 1 ORDER BY u.id LIMIT 200",
				&st);
	if (e)
		return e;
	db_bind_str(st, 1, role);
	const char *to[200];
	size_t n = 0;
	bool row;
	while ((e = db_step(st, &row)) == ERR_OK && row && n < 200) {
		const char *m = db_col_text(st, 0, NULL);
		if (m && (to[n] = arena_strdup(a, m)))
			n++;
	}
	db_done(st);
	for (size_t i = 0; !e && i < n; i++)
		e = queue(db, a, to[i], subject, body, key);
	return e;
}

static enum err notify_person(struct db *db, struct arena *a, int64_t person, const char *subject,
			      const char *body, const char *key)
{
	struct db_stmt *st;
	enum err e = db_prepare(db, "SELECT email FROM people WHERE id = $1", &st);
	if (e)
		return e;
	db_bind_int(st, 1, person);
	bool row;
	const char *to = NULL;
	if ((e = db_step(st, &row)) == ERR_OK && row) {
		const char *m = db_col_text(st, 0, NULL);
		to = m ? arena_strdup(a, m) : NULL;
	}
	db_done(st);
	return e || !to ? e : queue(db, a, to, subject, body, key);
}

static const char *summary(struct arena *a, const struct record *r)
{
	const char *cat = model_text(r, "category");
	const struct choice *ch = cat ? model_choice(model_field(r->e, "category"), cat) : NULL;
	const char *sev = model_text(r, "severity");
	return arena_printf(a,
			    "Incident %s: %s\n\nCategory: %s\nSeverity: %s\nPersonal data: "
			    "%s\nReported: %s\n\nOpen it in Custos: /incidents/%lld\n",
			    model_reference(a, r->e, r->id), model_text(r, "title"),
			    ch ? ch->label : "?", sev ? sev : "not triaged yet",
			    model_int(r, "personal_data") ? "yes" : "not known to be",
			    model_text(r, "aware_at"), (long long)r->id);
}

/* New report -> the Support Team; escalation -> the ISM; an owner named -> the owner. */
static enum err incident_after_write(struct db *db, struct arena *a, const struct record *before,
				     const struct record *after, const char *action)
{
	const char *ref = model_reference(a, after->e, after->id);
	const char *key = arena_printf(a, "incident:%lld:%s", (long long)after->id, action);
	if (!before)
		return notify_role(db, a, "support",
				   arena_printf(a, "New incident report %s: %s", ref,
						model_text(after, "title")),
				   summary(a, after), key);
	if (str_eq(action, "escalate"))
		return notify_role(db, a, "isms_manager",
				   arena_printf(a, "Incident %s escalated to you: %s", ref,
						model_text(after, "title")),
				   summary(a, after), key);
	int64_t owner = model_int(after, "owner_id");
	if (owner && owner != model_int(before, "owner_id"))
		return notify_person(db, a, owner,
				     arena_printf(a, "You lead the investigation of %s: %s", ref,
						  model_text(after, "title")),
				     summary(a, after),
				     arena_printf(a, "incident:%lld:owner:%lld",
						  (long long)after->id, (long long)owner));
	return ERR_OK;
}

static const char *const from_reported[] = { "reported", NULL };
static const char *const from_triaged[] = { "triaged", NULL };
static const char *const from_new[] = { "reported", "triaged", NULL };
static const char *const from_escalated[] = { "escalated", NULL };
static const char *const from_investigating[] = { "investigating", NULL };
static const char *const from_open[] = { "triaged", "investigating", "contained", NULL };
static const char *const from_resolved[] = { "resolved", NULL };
static const char *const from_assessed[] = { "triaged", "escalated", "investigating", "contained",
					     NULL };
static const char *const triage_inputs[] = { "severity",	"category",  "personal_data",
					     "affected_people", "step_note", NULL };
static const char *const note_inputs[] = { "step_note", NULL };
static const char *const merge_inputs[] = { "duplicate_of_id", "step_note", NULL };
static const char *const owner_inputs[] = { "owner_id", "step_note", NULL };
static const char *const close_inputs[] = { "root_cause", "lessons_learned", "step_note", NULL };

static const struct step incident_steps[] = {
	{ .name = "triage",
	  .label = "Triage",
	  .help = "Set the severity, the category and whether personal data is involved.",
	  .from = from_reported,
	  .to = "triaged",
	  .task = true,
	  .inputs = triage_inputs,
	  .apply = incident_triage },
	{ .name = "escalate",
	  .label = "Escalate to the ISM",
	  .help = "Anything not obviously minor goes to the Information Security Manager for "
		  "immediate investigation (policy 3.3.7).",
	  .from = from_triaged,
	  .to = "escalated",
	  .task = true,
	  .inputs = note_inputs,
	  .apply = incident_escalate },
	{ .name = "merge",
	  .label = "Merge as a duplicate",
	  .help = "The same incident was reported already: this report joins that one.",
	  .from = from_new,
	  .to = "merged",
	  .inputs = merge_inputs,
	  .apply = incident_merge },
	{ .name = "reassess",
	  .label = "Reassess",
	  .help = "Change the severity, the category, who is affected or whether personal data "
		  "is involved, as the investigation finds out more.",
	  .from = from_assessed,
	  .to = "triaged", /* the step keeps the state it starts from */
	  .inputs = triage_inputs,
	  .apply = incident_reassess },
	{ .name = "investigate",
	  .label = "Start the investigation",
	  .help = "Name who leads it.",
	  .from = from_escalated,
	  .to = "investigating",
	  .task = true,
	  .inputs = owner_inputs,
	  .apply = incident_investigate },
	{ .name = "contain",
	  .label = "Contained",
	  .help = "The incident no longer spreads or worsens.",
	  .from = from_investigating,
	  .to = "contained",
	  .inputs = note_inputs,
	  .apply = incident_contain },
	{ .name = "resolve",
	  .label = "Resolved",
	  .help = "Service and security are back to normal.",
	  .from = from_open,
	  .to = "resolved",
	  .inputs = note_inputs,
	  .apply = incident_resolve },
	{ .name = "close",
	  .label = "Close",
	  .help = "Record the root cause and the lessons learned.",
	  .from = from_resolved,
	  .to = "closed",
	  .task = true,
	  .inputs = close_inputs,
	  .apply = incident_close },
};

static const struct workflow incident_workflow = {
	.state_field = "status",
	.steps = incident_steps,
	.nsteps = sizeof(incident_steps) / sizeof(incident_steps[0]),
};

static const char *const incident_frozen[] = { "closed", "merged", NULL };

static const struct entity_page incident_pages[] = {
	{ "/report", "Report an incident", .creates = "incident" },
	{ "/incidents/metrics", "Incident metrics", .reads_all = true },
	{ NULL, NULL },
};

static const struct entity_page incident_record_pages[] = {
	{ "/incidents/{id}/report.html", "Full report (HTML)", .reads_all = true },
	{ "/incidents/{id}/report.pdf", "Full report (PDF)", .reads_all = true },
	{ "/incident_notes/new?incident_id={id}", "Add a note", .creates = "incident_note" },
	{ "/incident_assets/new?incident_id={id}", "Add an affected asset",
	  .creates = "incident_asset" },
	{ "/incident_actions/new?incident_id={id}", "Add a corrective action",
	  .creates = "incident_action" },
	{ NULL, NULL },
};

/* Who may do what with it (docs/security.md shows every register's): everyone reports, in
 * their own name (policy 3.12); the Support Team triages, escalates, merges duplicates and
 * resolves minor ones (the steps check); the ISM does all and alone investigates and closes. */
static const struct grant incident_access[] = {
	{ ROLE_ADMIN, "r:own c:own" },
	{ ROLE_BOARD, "r:all c:own" },
	{ ROLE_ISMS_MANAGER, "r:all c:own u:all triage:all escalate:all merge:all reassess:all "
			     "investigate:all contain:all resolve:all close:all" },
	{ ROLE_OPERATIONS_MANAGER, "r:all c:own" },
	{ ROLE_HR_MANAGER, "r:own c:own" },
	{ ROLE_DEPARTMENT_HEAD, "r:own+department c:own" },
	{ ROLE_SUPPORT,
	  "r:all c:own u:all triage:all escalate:all merge:all reassess:all resolve:all" },
	{ ROLE_STAFF, "r:own c:own" },
	{ ROLE_AUDITOR, "r:all c:own" },
	{ .rights = NULL },
};

const struct entity entity_incident = {
	.access = incident_access,
	.name = "incident",
	.plural = "incidents",
	.title = "Incident",
	.title_plural = "Incidents",
	.area = "incidents",
	.description = "Information security incidents, actual or suspected: reported by anyone, "
		       "triaged by the Support Team, investigated by the ISM.",
	.fields = incident_fields,
	.nfields = sizeof(incident_fields) / sizeof(incident_fields[0]),
	.label_field = "title",
	.id_prefix = "INC-",
	.default_sort = "-id",
	.own_column = "reporter_id",
	.dept_column = "department_id",
	.pages = incident_pages,
	.record_pages = incident_record_pages,
	.frozen_states = incident_frozen,
	.check = incident_check,
	.derive = incident_derive,
	.flag = incident_flag,
	.after_write = incident_after_write,
	.workflow = &incident_workflow,
	.io = { .key = "title" },
};

/* Timeline entries, actions and affected assets belong to an incident still being handled. */
static enum err open_incident(struct db *db, int64_t id, struct verrors *ve,
			      char aware[TIME_ISO_LEN])
{
	struct db_stmt *st;
	enum err e = db_prepare(db, "SELECT status, aware_at FROM incidents WHERE id = $1", &st);
	if (e)
		return e;
	db_bind_int(st, 1, id);
	bool row;
	const char *status = NULL;
	if ((e = db_step(st, &row)) == ERR_OK && row) {
		status = db_col_text(st, 0, NULL);
		if (aware && db_col_text(st, 1, NULL))
			str_copy(aware, TIME_ISO_LEN, db_col_text(st, 1, NULL));
		if (str_eq(status, "closed") || str_eq(status, "merged")) {
			verrors_add(ve, "incident_id", "is closed: it takes nothing more");
			e = ERR_INVALID;
		}
	}
	db_done(st);
	return e;
}

static enum err child_derive(struct db *db, struct arena *a, const struct record *before,
			     struct record *after, struct verrors *ve)
{
	(void)a;
	if (before && model_int(before, "incident_id") != model_int(after, "incident_id")) {
		verrors_add(ve, "incident_id", "cannot change");
		return ERR_INVALID;
	}
	return open_incident(db, model_int(after, "incident_id"), ve, NULL);
}

/* ---- affected assets ---- */

static const struct field asset_fields[] = {
	{ .name = "incident_id",
	  .label = "Incident",
	  .type = FT_REF,
	  .flags = FF_REQUIRED | FF_LIST,
	  .ref = "incident" },
	{ .name = "asset_id",
	  .label = "Asset",
	  .type = FT_REF,
	  .flags = FF_REQUIRED | FF_LIST,
	  .ref = "asset" },
	{ .name = "note",
	  .label = "How it is affected",
	  .type = FT_TEXT,
	  .flags = FF_SEARCH | FF_LIST,
	  .max = 500 },
};

/* Who may do what with it (docs/security.md shows every register's): role, then
 * actions with their scope (r c u d and the workflow's steps; all, own, department). */
static const struct grant incident_asset_access[] = {
	{ ROLE_BOARD, "r:all" },
	{ ROLE_ISMS_MANAGER, "r:all c:all u:all d:all" },
	{ ROLE_OPERATIONS_MANAGER, "r:all" },
	{ ROLE_SUPPORT, "r:all c:all u:all d:all" },
	{ ROLE_AUDITOR, "r:all" },
	{ .rights = NULL },
};

const struct entity entity_incident_asset = {
	.access = incident_asset_access,
	.name = "incident_asset",
	.plural = "incident_assets",
	.title = "Affected asset",
	.title_plural = "Assets affected by incidents",
	.area = "incidents",
	.description = "Which assets each incident affects (set at triage).",
	.fields = asset_fields,
	.nfields = sizeof(asset_fields) / sizeof(asset_fields[0]),
	.label_field = "note",
	.default_sort = "incident_id",
	.derive = child_derive,
};

/* ---- the timeline ---- */

static const struct field note_fields[] = {
	{ .name = "incident_id",
	  .label = "Incident",
	  .type = FT_REF,
	  .flags = FF_REQUIRED | FF_LIST,
	  .ref = "incident" },
	{ .name = "at",
	  .label = "At",
	  .type = FT_TIMESTAMP,
	  .flags = FF_REQUIRED | FF_LIST,
	  .help = "When it was done or found." },
	{ .name = "author_id",
	  .label = "By",
	  .type = FT_REF,
	  .flags = FF_REQUIRED | FF_LIST | FF_SELF,
	  .ref = "person" },
	{ .name = "note",
	  .label = "Note",
	  .type = FT_MARKDOWN,
	  .flags = FF_REQUIRED | FF_SEARCH | FF_LIST,
	  .max = 20000 },
	{ .name = "attachment",
	  .label = "Attachment",
	  .type = FT_FILE,
	  .flags = FF_READONLY | FF_KEEP },
};

/* A note is by whoever writes it, at a time within the incident's life. */
static enum err note_derive(struct db *db, struct arena *a, const struct record *before,
			    struct record *after, struct verrors *ve)
{
	if (before && model_int(before, "incident_id") != model_int(after, "incident_id")) {
		verrors_add(ve, "incident_id", "cannot change");
		return ERR_INVALID;
	}
	char aware_buf[TIME_ISO_LEN] = "";
	enum err e = open_incident(db, model_int(after, "incident_id"), ve, aware_buf);
	if (e)
		return e;
	const struct actor *who = repo_actor();
	if (!before && who && who->id) {
		struct db_stmt *st;
		if ((e = db_prepare(db, "SELECT person_id FROM users WHERE id = $1", &st)))
			return e;
		db_bind_int(st, 1, who->id);
		bool row;
		if (db_step(st, &row) == ERR_OK && row && !db_col_null(st, 0))
			model_set_int(after, "author_id", db_col_int(st, 0));
		db_done(st);
	}
	const char *at = model_text(after, "at");
	char now[TIME_ISO_LEN];
	time_format_iso(time_now() + 300, now);
	if (at && strcmp(at, now) > 0)
		verrors_add(ve, "at", "is in the future");
	else if (at && *aware_buf && strcmp(at, aware_buf) < 0)
		verrors_add(ve, "at",
			    arena_printf(a, "is before the incident was known (%s)", aware_buf));
	return ve->n ? ERR_INVALID : ERR_OK;
}

/* Who may do what with it (docs/security.md shows every register's): role, then
 * actions with their scope (r c u d and the workflow's steps; all, own, department). */
static const struct grant incident_note_access[] = {
	{ ROLE_BOARD, "r:all" },
	{ ROLE_ISMS_MANAGER, "r:all c:all u:all d:all" },
	{ ROLE_OPERATIONS_MANAGER, "r:all c:all u:own" },
	{ ROLE_SUPPORT, "r:all c:all u:own" },
	{ ROLE_AUDITOR, "r:all" },
	{ .rights = NULL },
};

const struct entity entity_incident_note = {
	.access = incident_note_access,
	.name = "incident_note",
	.plural = "incident_notes",
	.title = "Incident note",
	.title_plural = "Incident timeline",
	.area = "incidents",
	.description = "What was found and done, in order: the incident's timeline.",
	.fields = note_fields,
	.nfields = sizeof(note_fields) / sizeof(note_fields[0]),
	.label_field = "at",
	.default_sort = "at",
	.own_column = "author_id",
	.derive = note_derive,
};

/* ---- corrective actions ---- */

static const struct choice action_states[] = {
	{ "open", "Open", NULL }, { "in_progress", "In progress", NULL },
	{ "done", "Done", NULL }, { "cancelled", "Cancelled", NULL },
	{ NULL, NULL, NULL },
};

static const struct field action_fields[] = {
	{ .name = "incident_id",
	  .label = "Incident",
	  .type = FT_REF,
	  .flags = FF_REQUIRED | FF_LIST,
	  .ref = "incident" },
	{ .name = "title",
	  .label = "Action",
	  .type = FT_TEXT,
	  .flags = FF_REQUIRED | FF_SEARCH | FF_LIST,
	  .max = 200 },
	{ .name = "owner_id",
	  .label = "Owner",
	  .type = FT_REF,
	  .flags = FF_REQUIRED | FF_LIST,
	  .ref = "person" },
	{ .name = "department_id",
	  .label = "Department",
	  .type = FT_REF,
	  .flags = FF_READONLY,
	  .ref = "department" },
	{ .name = "due_on",
	  .label = "Due",
	  .type = FT_DATE,
	  .flags = FF_REQUIRED | FF_LIST | FF_DUE },
	{ .name = "status",
	  .label = "Status",
	  .type = FT_ENUM,
	  .flags = FF_REQUIRED | FF_LIST,
	  .choices = action_states,
	  .dflt = "open" },
	{ .name = "notes", .label = "Notes", .type = FT_MARKDOWN, .flags = FF_SEARCH },
};

static enum err action_derive(struct db *db, struct arena *a, const struct record *before,
			      struct record *after, struct verrors *ve)
{
	int64_t dept = person_department(db, model_int(after, "owner_id"));
	if (dept)
		model_set_int(after, "department_id", dept);
	/* a new action needs an incident still open; an existing one is still followed up */
	return before ? ERR_OK : child_derive(db, a, before, after, ve);
}

/* Who may do what with it (docs/security.md shows every register's): role, then
 * actions with their scope (r c u d and the workflow's steps; all, own, department). */
static const struct grant incident_action_access[] = {
	{ ROLE_BOARD, "r:all" },
	{ ROLE_ISMS_MANAGER, "r:all c:all u:all d:all" },
	{ ROLE_OPERATIONS_MANAGER, "r:all u:own" },
	{ ROLE_HR_MANAGER, "r:own u:own" },
	{ ROLE_DEPARTMENT_HEAD, "r:own+department u:own" },
	{ ROLE_SUPPORT, "r:all u:own" },
	{ ROLE_STAFF, "r:own u:own" },
	{ ROLE_AUDITOR, "r:all" },
	{ .rights = NULL },
};

const struct entity entity_incident_action = {
	.access = incident_action_access,
	.name = "incident_action",
	.plural = "incident_actions",
	.title = "Corrective action",
	.title_plural = "Corrective actions",
	.area = "incidents",
	.description = "What is done so that an incident does not happen again, by whom and by "
		       "when.",
	.fields = action_fields,
	.nfields = sizeof(action_fields) / sizeof(action_fields[0]),
	.label_field = "title",
	.default_sort = "due_on",
	.own_column = "owner_id",
	.dept_column = "department_id",
	.task_filter = "status=open,in_progress",
	.derive = action_derive,
};

/* ---- targets ---- */

static const struct field target_fields[] = {
	{ .name = "severity",
	  .label = "Severity",
	  .type = FT_ENUM,
	  .flags = FF_REQUIRED | FF_UNIQUE | FF_LIST,
	  .choices = severities },
	{ .name = "triage_minutes",
	  .label = "Triage within (minutes)",
	  .type = FT_INT,
	  .flags = FF_LIST,
	  .min = 1,
	  .max = 100000 },
	{ .name = "escalate_minutes",
	  .label = "Escalate within (minutes)",
	  .type = FT_INT,
	  .flags = FF_LIST,
	  .min = 1,
	  .max = 100000,
	  .help = "From the report; not for low severity, which the Support Team handles." },
};

static void target_check(const struct record *r, struct arena *a, struct verrors *ve)
{
	(void)a;
	int64_t t = model_int(r, "triage_minutes"), e = model_int(r, "escalate_minutes");
	if (t && e && e < t)
		verrors_add(ve, "escalate_minutes", "must not be before the triage target");
}

/* Who may do what with it (docs/security.md shows every register's): role, then
 * actions with their scope (r c u d and the workflow's steps; all, own, department). */
static const struct grant incident_target_access[] = {
	{ ROLE_BOARD, "r:all" },   { ROLE_ISMS_MANAGER, "r:all c:all u:all d:all" },
	{ ROLE_SUPPORT, "r:all" }, { ROLE_AUDITOR, "r:all" },
	{ .rights = NULL },
};

const struct entity entity_incident_target = {
	.access = incident_target_access,
	.name = "incident_target",
	.plural = "incident_targets",
	.title = "Incident target",
	.title_plural = "Incident targets",
	.area = "incidents",
	.description = "The ISM's targets for the time to triage and to escalate, per severity.",
	.fields = target_fields,
	.nfields = sizeof(target_fields) / sizeof(target_fields[0]),
	.label_field = "severity",
	.default_sort = "severity",
	.check = target_check,
	.io = { .key = "severity" },
};

/* ---- metrics and the overdue notices ---- */

const struct choice *incident_categories(void)
{
	return categories;
}

const struct choice *incident_severities(void)
{
	return severities;
}

static int choice_index(const struct choice *c, const char *v, int none)
{
	for (int i = 0; v && c[i].value; i++)
		if (strcmp(c[i].value, v) == 0)
			return i;
	return none;
}

static int64_t minutes_between(const char *from, const char *to)
{
	int64_t a, b;
	if (!from || !to || !time_parse_iso(from, strlen(from), &a) ||
	    !time_parse_iso(to, strlen(to), &b) || b < a)
		return -1;
	return (b - a) / 60;
}

enum err incident_metrics(struct db *db, struct arena *a, int64_t now, struct incident_metrics *out)
{
	memset(out, 0, sizeof(*out));
	char today[11];
	time_format_date(now, today);
	char first[11];
	today[8] = '0';
	today[9] = '1';
	if (!time_add_months(today, -(INCIDENT_METRIC_MONTHS - 1), first))
		return ERR_INVALID;
	for (int i = 0; i < INCIDENT_METRIC_MONTHS; i++) {
		char m[11];
		if (!time_add_months(first, i, m))
			return ERR_INVALID;
		memcpy(out->month[i], m, 7);
		out->month[i][7] = '\0';
	}
	struct db_stmt *st;
	enum err e =
		db_prepare(db,
			   "SELECT aware_at, category, severity, triaged_at, escalated_at, "
			   "resolved_at, status, id FROM incidents WHERE status <> 'merged' ORDER "
			   "BY id",
			   &st);
	if (e)
		return e;
	int64_t sum[3] = { 0 }, cnt[3] = { 0 };
	bool row;
	while ((e = db_step(st, &row)) == ERR_OK && row) {
		const char *aware = db_col_text(st, 0, NULL);
		const char *cat = db_col_text(st, 1, NULL), *sev = db_col_text(st, 2, NULL);
		const char *at[3] = { db_col_text(st, 3, NULL), db_col_text(st, 4, NULL),
				      db_col_text(st, 5, NULL) };
		const char *status = db_col_text(st, 6, NULL);
		out->total++;
		if (!str_eq(status, "closed") && !str_eq(status, "resolved"))
			out->open++;
		for (int k = 0; k < 3; k++) {
			int64_t m = minutes_between(aware, at[k]);
			if (m >= 0) {
				sum[k] += m;
				cnt[k]++;
			}
		}
		for (int i = 0; aware && i < INCIDENT_METRIC_MONTHS; i++) {
			if (strncmp(aware, out->month[i], 7) != 0)
				continue;
			out->by_category[i][choice_index(categories, cat, 7)]++;
			out->by_severity[i][choice_index(severities, sev, 4)]++;
		}
	}
	db_done(st);
	if (e)
		return e;
	int64_t *mean[3] = { &out->mean_triage, &out->mean_escalate, &out->mean_resolve };
	for (int k = 0; k < 3; k++)
		*mean[k] = cnt[k] ? sum[k] / cnt[k] : -1;
	/* the clocks, as the records show them */
	if ((e = db_prepare(db,
			    "SELECT id FROM incidents WHERE status NOT IN ('closed', 'merged', "
			    "'resolved') ORDER BY id LIMIT 5000",
			    &st)))
		return e;
	int64_t *ids = arena_alloc(a, sizeof(int64_t) * 5000);
	size_t n = 0;
	while (ids && (e = db_step(st, &row)) == ERR_OK && row && n < 5000)
		ids[n++] = db_col_int(st, 0);
	db_done(st);
	if (!ids)
		return ERR_NOMEM;
	static const struct actor reader = { 0, "custos" };
	struct repo_ctx rc = { .db = db, .a = a, .who = &reader };
	for (size_t i = 0; !e && i < n; i++) {
		struct record *r;
		if ((e = repo_load(&rc, &entity_incident, ids[i], &r)))
			break;
		enum incident_delay late;
		incident_clock(db, a, r, now, &late);
		if (late != DELAY_NONE)
			out->overdue++;
	}
	return e;
}

/* Overdue triage, escalation or notification -> the owner (if any) and the ISM, once per
 * incident and kind of delay: the dedupe key of the outbox keeps it to one notice. */
enum err incident_overdue_job(struct db *db)
{
	struct arena a;
	arena_init(&a, 16u << 20);
	struct db_stmt *st;
	enum err e = db_prepare(db,
				"SELECT id FROM incidents WHERE status NOT IN ('closed', 'merged', "
				"'resolved') ORDER BY id LIMIT 2000",
				&st);
	if (e) {
		arena_free(&a);
		return e;
	}
	int64_t *ids = arena_alloc(&a, sizeof(int64_t) * 2000);
	size_t n = 0;
	bool row;
	while (ids && (e = db_step(st, &row)) == ERR_OK && row && n < 2000)
		ids[n++] = db_col_int(st, 0);
	db_done(st);
	static const struct actor reader = { 0, "custos" };
	struct repo_ctx rc = { .db = db, .a = &a, .who = &reader };
	int64_t now = time_now();
	for (size_t i = 0; !e && i < n; i++) {
		struct record *r;
		if ((e = repo_load(&rc, &entity_incident, ids[i], &r)))
			break;
		enum incident_delay late;
		const char *c = incident_clock(db, &a, r, now, &late);
		if (late == DELAY_NONE)
			continue;
		const char *kind = late == DELAY_TRIAGE	      ? "triage"
				   : late == DELAY_ESCALATION ? "escalation"
							      : "notification";
		const char *key =
			arena_printf(&a, "incident:%lld:overdue:%s", (long long)r->id, kind);
		const char *subject =
			arena_printf(&a, "Overdue: %s %s", model_reference(&a, r->e, r->id),
				     model_text(r, "title"));
		const char *body = arena_printf(&a, "%s\n\n%s", c, summary(&a, r));
		if ((e = db_begin(db)))
			break;
		e = notify_role(db, &a, "isms_manager", subject, body, key);
		if (!e && model_int(r, "owner_id"))
			e = notify_person(db, &a, model_int(r, "owner_id"), subject, body, key);
		if (!e)
			e = db_commit(db);
		else
			db_rollback(db);
	}
	arena_free(&a);
	return e;
}

/* ---- the full report of one incident ---- */

static void md_line(struct buf *b, const char *label, const char *value)
{
	if (!value || !*value)
		return;
	buf_printf(b, "- **%s:** ", label);
	/* the value is text: markup characters are escaped so they read as typed */
	for (const char *p = value; *p; p++) {
		if (strchr("\\`*_{}[]<>()#+-.!|", *p))
			buf_addc(b, '\\');
		buf_addc(b, *p == '\n' ? ' ' : *p);
	}
	buf_addc(b, '\n');
}

static const char *label_of(const struct record *r, const char *field)
{
	const char *v = model_text(r, field);
	const struct choice *ch = v ? model_choice(model_field(r->e, field), v) : NULL;
	return ch ? ch->label : v;
}

/* The report as Markdown: the facts, the clock, the timeline (steps from the audit trail and
 * notes), the corrective actions, the root cause and the lessons. */
enum err incident_report_markdown(struct db *db, struct arena *a, const struct record *r,
				  int64_t now, struct buf *b)
{
	md_line(b, "Reference", model_reference(a, r->e, r->id));
	md_line(b, "Status", label_of(r, "status"));
	md_line(b, "Category", label_of(r, "category"));
	md_line(b, "Severity", label_of(r, "severity"));
	md_line(b, "Personal data involved", model_int(r, "personal_data") ? "Yes" : "No");
	md_line(b, "Reported by", person_name(db, a, model_int(r, "reporter_id")));
	if (model_int(r, "owner_id"))
		md_line(b, "Incident owner", person_name(db, a, model_int(r, "owner_id")));
	md_line(b, "Happened", model_text(r, "occurred_at"));
	md_line(b, "Reported (aware)", model_text(r, "aware_at"));
	md_line(b, "Triaged", model_text(r, "triaged_at"));
	md_line(b, "Escalated", model_text(r, "escalated_at"));
	md_line(b, "Resolved", model_text(r, "resolved_at"));
	md_line(b, "Closed", model_text(r, "closed_at"));
	md_line(b, "Notify the authority by", model_text(r, "notify_by"));
	md_line(b, "Now", incident_clock(db, a, r, now, NULL));
	const char *d = model_text(r, "description");
	if (d) {
		buf_adds(b, "\n## What happened\n\n");
		md_line(b, "Details", d);
	}
	buf_adds(b, "\n## Timeline\n\n");
	struct db_stmt *st;
	enum err e =
		db_prepare(db,
			   "SELECT at, action, actor FROM audit_events WHERE entity = 'incident' "
			   "AND entity_id = $1 ORDER BY seq LIMIT 500",
			   &st);
	if (e)
		return e;
	db_bind_int(st, 1, r->id);
	bool row;
	while ((e = db_step(st, &row)) == ERR_OK && row) {
		const char *at = db_col_text(st, 0, NULL), *act = db_col_text(st, 1, NULL),
			   *who = db_col_text(st, 2, NULL);
		md_line(b, at ? at : "?",
			arena_printf(a, "%s by %s", act ? act : "?", who ? who : "?"));
	}
	db_done(st);
	if (e)
		return e;
	if ((e = db_prepare(db,
			    "SELECT n.at, p.name, n.note FROM incident_notes n JOIN people p ON "
			    "p.id = n.author_id WHERE n.incident_id = $1 ORDER BY n.at, n.id "
			    "LIMIT 500",
			    &st)))
		return e;
	db_bind_int(st, 1, r->id);
	while ((e = db_step(st, &row)) == ERR_OK && row) {
		const char *at = db_col_text(st, 0, NULL), *who = db_col_text(st, 1, NULL),
			   *note = db_col_text(st, 2, NULL);
		md_line(b, at ? at : "?",
			arena_printf(a, "note by %s: %s", who ? who : "?", note ? note : ""));
	}
	db_done(st);
	if (e)
		return e;
	if ((e = db_prepare(db,
			    "SELECT a.title, p.name, a.due_on, a.status FROM incident_actions a "
			    "JOIN people p ON p.id = a.owner_id WHERE a.incident_id = $1 ORDER BY "
			    "a.due_on, a.id LIMIT 500",
			    &st)))
		return e;
	db_bind_int(st, 1, r->id);
	bool any = false;
	while ((e = db_step(st, &row)) == ERR_OK && row) {
		if (!any)
			buf_adds(b, "\n## Corrective actions\n\n");
		any = true;
		const char *t = db_col_text(st, 0, NULL), *who = db_col_text(st, 1, NULL),
			   *due = db_col_text(st, 2, NULL), *stt = db_col_text(st, 3, NULL);
		md_line(b, t ? t : "?",
			arena_printf(a, "%s, due %s, %s", who ? who : "?", due ? due : "?",
				     stt ? stt : "?"));
	}
	db_done(st);
	if (e)
		return e;
	const char *rc = model_text(r, "root_cause"), *ll = model_text(r, "lessons_learned");
	if (rc || ll) {
		buf_adds(b, "\n## Root cause and lessons learned\n\n");
		md_line(b, "Root cause", rc);
		md_line(b, "Lessons learned", ll);
	}
	return buf_failed(b) ? ERR_NOMEM : ERR_OK;
}

/* The registers of this file, in navigation order, and their scheduled jobs (domain.h). */
static const struct job area_incidents_jobs[] = {
	{ "incident_overdue", 300, incident_overdue_job },
};

const struct area area_incidents = {
	.registers = (const struct entity *const[]){ &entity_incident, &entity_incident_asset,
						     &entity_incident_note, &entity_incident_action,
						     &entity_incident_target, NULL },
	.jobs = area_incidents_jobs,
	.njobs = sizeof(area_incidents_jobs) / sizeof(area_incidents_jobs[0]),
};

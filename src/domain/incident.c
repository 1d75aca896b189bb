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

enum incident_field {
	INC_TITLE,
	INC_DESCRIPTION,
	INC_OCCURRED_AT,
	INC_CATEGORY,
	INC_REPORTER_ID,
	INC_DEPARTMENT_ID,
	INC_ATTACHMENT,
	INC_STATUS,
	INC_SEVERITY,
	INC_AFFECTED_PEOPLE,
	INC_PERSONAL_DATA,
	INC_OWNER_ID,
	INC_AWARE_AT,
	INC_TRIAGED_AT,
	INC_ESCALATED_AT,
	INC_RESOLVED_AT,
	INC_CLOSED_AT,
	INC_NOTIFY_BY,
	INC_DUPLICATE_OF_ID,
	INC_STEP_NOTE,
	INC_ROOT_CAUSE,
	INC_LESSONS_LEARNED,
	INC__COUNT
};

static const struct field incident_fields[INC__COUNT] = {
	[INC_TITLE] = { .name = "title",
			.label = "What happened",
			.type = FT_TEXT,
			.flags = FF_REQUIRED | FF_SEARCH | FF_LIST,
			.max = 200,
			.help = "In a few words: \"Laptop stolen from car\", \"Phishing e-mail "
				"opened\"." },
	[INC_DESCRIPTION] = { .name = "description",
			      .label = "Details",
			      .type = FT_LONGTEXT,
			      .flags = FF_SEARCH,
			      .help = "What you saw, what is affected, who else knows. Do not "
				      "investigate yourself." },
	[INC_OCCURRED_AT] = { .name = "occurred_at",
			      .label = "When it happened",
			      .type = FT_TIMESTAMP,
			      .help = "As near as you know; leave empty if you do not." },
	[INC_CATEGORY] = { .name = "category",
			   .label = "Category",
			   .type = FT_ENUM,
			   .flags = FF_REQUIRED | FF_LIST,
			   .choices = categories,
			   .dflt = "not_sure" },
	[INC_REPORTER_ID] = { .name = "reporter_id",
			      .label = "Reported by",
			      .type = FT_REF,
			      .flags = FF_REQUIRED | FF_LIST | FF_SELF | FF_FIXED,
			      .ref = "person" },
	[INC_DEPARTMENT_ID] = { .name = "department_id",
				.label = "Reporter's department",
				.type = FT_REF,
				.flags = FF_READONLY,
				.follows = "reporter_id",
				.ref = "department" },
	[INC_ATTACHMENT] = { .name = "attachment",
			     .label = "Attachment",
			     .type = FT_FILE,
			     .flags = FF_READONLY | FF_KEEP,
			     .help = "A screenshot, the suspicious e-mail, a photo (optional)." },
	[INC_STATUS] = { .name = "status",
			 .label = "Status",
			 .type = FT_ENUM,
			 .flags = FF_READONLY | FF_LIST,
			 .choices = states,
			 .dflt = "reported" },
	[INC_SEVERITY] = { .name = "severity",
			   .label = "Severity",
			   .type = FT_ENUM,
			   .flags = FF_READONLY | FF_LIST,
			   .choices = severities,
			   .help = "Set at triage." },
	[INC_AFFECTED_PEOPLE] = { .name = "affected_people",
				  .label = "People affected",
				  .type = FT_TEXT,
				  .flags = FF_READONLY | FF_SEARCH,
				  .max = 500,
				  .help = "Set at triage: customers, staff or others whose "
					  "information is involved." },
	[INC_PERSONAL_DATA] = { .name = "personal_data",
				.label = "Personal data involved",
				.type = FT_BOOL,
				.flags = FF_READONLY | FF_LIST,
				.help = "Set at triage: starts the notification clock." },
	[INC_OWNER_ID] = { .name = "owner_id",
			   .label = "Incident owner",
			   .type = FT_REF,
			   .flags = FF_READONLY | FF_LIST,
			   .ref = "person",
			   .help = "Who leads the investigation." },
	[INC_AWARE_AT] = { .name = "aware_at",
			   .label = "Became aware at",
			   .type = FT_TIMESTAMP,
			   .flags = FF_READONLY | FF_CREATE_TIME,
			   .help = "When the organisation learnt of it: the report's time." },
	[INC_TRIAGED_AT] = { .name = "triaged_at",
			     .label = "Triaged at",
			     .type = FT_TIMESTAMP,
			     .flags = FF_READONLY },
	[INC_ESCALATED_AT] = { .name = "escalated_at",
			       .label = "Escalated at",
			       .type = FT_TIMESTAMP,
			       .flags = FF_READONLY },
	[INC_RESOLVED_AT] = { .name = "resolved_at",
			      .label = "Resolved at",
			      .type = FT_TIMESTAMP,
			      .flags = FF_READONLY },
	[INC_CLOSED_AT] = { .name = "closed_at",
			    .label = "Closed at",
			    .type = FT_TIMESTAMP,
			    .flags = FF_READONLY },
	[INC_NOTIFY_BY] = { .name = "notify_by",
			    .label = "Notify the authority by",
			    .type = FT_TIMESTAMP,
			    .flags = FF_READONLY | FF_LIST,
			    .help = "With personal data involved: the deadline to notify the "
				    "supervisory authority "
				    "(GDPR art. 33: 72 hours from becoming aware, unless set "
				    "otherwise)." },
	[INC_DUPLICATE_OF_ID] = { .name = "duplicate_of_id",
				  .label = "Duplicate of",
				  .type = FT_REF,
				  .flags = FF_READONLY,
				  .ref = "incident" },
	[INC_STEP_NOTE] = { .name = "step_note",
			    .label = "Note",
			    .type = FT_LONGTEXT,
			    .flags = FF_READONLY | FF_PER_STEP,
			    .help = "What was done at the last step." },
	[INC_ROOT_CAUSE] = { .name = "root_cause",
			     .label = "Root cause",
			     .type = FT_LONGTEXT,
			     .flags = FF_READONLY | FF_SEARCH,
			     .help = "Why it happened; needed to close." },
	[INC_LESSONS_LEARNED] = { .name = "lessons_learned",
				  .label = "Lessons learned",
				  .type = FT_LONGTEXT,
				  .flags = FF_READONLY | FF_SEARCH,
				  .help = "What changes so that it does not happen again; needed "
					  "to close." },
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

/* A field of an incident, of a timeline note, of a corrective action, of a target. */
#define INC(x) (&incident_fields[INC_##x])
#define INO(x) (&note_fields[INO_##x])
#define ITG(x) (&target_fields[ITG_##x])

static void incident_check(const struct record *r, struct arena *a, struct verrors *ve)
{
	(void)a;
	const char *occ = rec_text(r, INC(OCCURRED_AT));
	char now[TIME_ISO_LEN];
	time_format_iso(time_now() + 300, now); /* five minutes of clock skew are fine */
	if (occ && strcmp(occ, now) > 0)
		verrors_add(ve, INC(OCCURRED_AT)->name, "is in the future");
}

/* The notification clock starts when personal data is known to be involved, from awareness;
 * once set, the deadline stays: deciding that no notification is needed is the ISM's call,
 * recorded in a note, not a flag quietly turned off. (The reporter is fixed, the awareness
 * time and the department declared: see the fields.) */
static enum err incident_derive(struct db *db, struct arena *a, const struct record *before,
				struct record *after, struct verrors *ve)
{
	(void)before;
	(void)ve;
	if (rec_int(after, INC(PERSONAL_DATA)) && !rec_text(after, INC(NOTIFY_BY)))
		rec_set_text(after, INC(NOTIFY_BY),
			     iso_plus(a, rec_text(after, INC(AWARE_AT)), notify_hours(db) * 3600));
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
	const char *st = rec_text(rec, INC(STATUS));
	if (str_eq(st, "closed") || str_eq(st, "merged"))
		return NULL;
	const char *late = NULL, *notice = NULL;
	const char *aware = rec_text(rec, INC(AWARE_AT));
	const char *severity = rec_text(rec, INC(SEVERITY));
	int64_t since, t;
	if (aware && time_parse_iso(aware, strlen(aware), &since)) {
		int64_t tri, esc;
		/* before triage the severity is unknown: the tightest target applies */
		targets(db, severity ? severity : "critical", &tri, &esc);
		bool minor = str_eq(severity, "low");
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
	const char *notify = rec_text(rec, INC(NOTIFY_BY));
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

/* ---- steps: what they require and stamp is declared with them; here only the rules ---- */

static enum err incident_triage(const struct step_env *env, const struct record *before,
				struct record *after, struct verrors *ve)
{
	(void)env;
	(void)before;
	(void)ve;
	if (!rec_has(after, INC(PERSONAL_DATA))) /* not known to be involved: no */
		rec_set_int(after, INC(PERSONAL_DATA), 0);
	return ERR_OK;
}

static enum err incident_merge(const struct step_env *env, const struct record *before,
			       struct record *after, struct verrors *ve)
{
	int64_t into = rec_int(after, INC(DUPLICATE_OF_ID));
	if (into == before->id) {
		verrors_add(ve, INC(DUPLICATE_OF_ID)->name, "must be another report");
		return ERR_INVALID;
	}
	/* into a report that stands: merging into a merged one could make a loop in which
	 * both reports leave every queue */
	struct repo_ctx rc = { .db = env->db, .a = env->a, .who = env->who, .in_tx = true };
	struct record *target;
	enum err e = repo_load(&rc, &entity_incident, into, &target);
	if (e == ERR_NOT_FOUND)
		return ERR_OK; /* the reference check names it */
	if (e)
		return e;
	if (str_eq(rec_text(target, INC(STATUS)), "merged")) {
		verrors_add(ve, INC(DUPLICATE_OF_ID)->name,
			    "is merged itself: merge into the report it joined");
		return ERR_INVALID;
	}
	return ERR_OK;
}

/* What triage set, set again later (personal data found during the investigation starts the
 * notification clock then): the state stays what it was. */
static enum err incident_reassess(const struct step_env *env, const struct record *before,
				  struct record *after, struct verrors *ve)
{
	rec_copy(after, before, INC(STATUS));
	/* once escalated, the incident is the ISM's: nobody else lowers what triage set */
	if (!(env->roles & (1u << ROLE_ISMS_MANAGER)) &&
	    !str_eq(rec_text(before, INC(STATUS)), "triaged")) {
		verrors_add(ve, INC(STATUS)->name,
			    "is past triage: only the ISM reassesses it now");
		return ERR_FORBIDDEN;
	}
	return ERR_OK;
}

/* The Support Team resolves a minor incident itself; anything else is the ISM's. */
static enum err incident_resolve(const struct step_env *env, const struct record *before,
				 struct record *after, struct verrors *ve)
{
	(void)after;
	bool ism = env->roles & (1u << ROLE_ISMS_MANAGER);
	bool minor = str_eq(rec_text(before, INC(SEVERITY)), "low") &&
		     !rec_int(before, INC(PERSONAL_DATA)) && !rec_text(before, INC(ESCALATED_AT)) &&
		     !rec_text(before, INC(NOTIFY_BY));
	if (!ism && !minor) {
		verrors_add(ve, INC(SEVERITY)->name,
			    "is above low or involves personal data: escalate it to "
			    "the ISM");
		return ERR_FORBIDDEN;
	}
	return ERR_OK;
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
	const char *cat = rec_text(r, INC(CATEGORY));
	const struct choice *ch = cat ? model_choice(INC(CATEGORY), cat) : NULL;
	const char *sev = rec_text(r, INC(SEVERITY));
	return arena_printf(a,
			    "Incident %s: %s\n\nCategory: %s\nSeverity: %s\nPersonal data: "
			    "%s\nReported: %s\n\nOpen it in Custos: /incidents/%lld\n",
			    model_reference(a, r->e, r->id), rec_text(r, INC(TITLE)),
			    ch ? ch->label : "?", sev ? sev : "not triaged yet",
			    rec_int(r, INC(PERSONAL_DATA)) ? "yes" : "not known to be",
			    rec_text(r, INC(AWARE_AT)), (long long)r->id);
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
						rec_text(after, INC(TITLE))),
				   summary(a, after), key);
	if (str_eq(action, "escalate"))
		return notify_role(db, a, "isms_manager",
				   arena_printf(a, "Incident %s escalated to you: %s", ref,
						rec_text(after, INC(TITLE))),
				   summary(a, after), key);
	int64_t owner = rec_int(after, INC(OWNER_ID));
	if (owner && owner != rec_int(before, INC(OWNER_ID)))
		return notify_person(db, a, owner,
				     arena_printf(a, "You lead the investigation of %s: %s", ref,
						  rec_text(after, INC(TITLE))),
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

static const char *const triage_requires[] = { "severity", NULL };
static const char *const merge_requires[] = { "duplicate_of_id", NULL };
static const char *const owner_requires[] = { "owner_id", NULL };
static const char *const close_requires[] = { "root_cause", "lessons_learned", NULL };

static const struct step incident_steps[] = {
	{ .name = "triage",
	  .label = "Triage",
	  .help = "Set the severity, the category and whether personal data is involved.",
	  .from = from_reported,
	  .to = "triaged",
	  .task = true,
	  .inputs = triage_inputs,
	  .require = triage_requires,
	  .stamp_at = "triaged_at",
	  .apply = incident_triage },
	{ .name = "escalate",
	  .label = "Escalate to the ISM",
	  .help = "Anything not obviously minor goes to the Information Security Manager for "
		  "immediate investigation (policy 3.3.7).",
	  .from = from_triaged,
	  .to = "escalated",
	  .task = true,
	  .inputs = note_inputs,
	  .stamp_at = "escalated_at" },
	{ .name = "merge",
	  .label = "Merge as a duplicate",
	  .help = "The same incident was reported already: this report joins that one.",
	  .from = from_new,
	  .to = "merged",
	  .inputs = merge_inputs,
	  .require = merge_requires,
	  .stamp_at = "closed_at",
	  .apply = incident_merge },
	{ .name = "reassess",
	  .label = "Reassess",
	  .help = "Change the severity, the category, who is affected or whether personal data "
		  "is involved, as the investigation finds out more.",
	  .from = from_assessed,
	  .to = "triaged", /* the step keeps the state it starts from */
	  .inputs = triage_inputs,
	  .require = triage_requires,
	  .apply = incident_reassess },
	{ .name = "investigate",
	  .label = "Start the investigation",
	  .help = "Name who leads it.",
	  .from = from_escalated,
	  .to = "investigating",
	  .task = true,
	  .inputs = owner_inputs,
	  .require = owner_requires },
	{ .name = "contain",
	  .label = "Contained",
	  .help = "The incident no longer spreads or worsens.",
	  .from = from_investigating,
	  .to = "contained",
	  .inputs = note_inputs },
	{ .name = "resolve",
	  .label = "Resolved",
	  .help = "Service and security are back to normal.",
	  .from = from_open,
	  .to = "resolved",
	  .inputs = note_inputs,
	  .stamp_at = "resolved_at",
	  .apply = incident_resolve },
	{ .name = "close",
	  .label = "Close",
	  .help = "Record the root cause and the lessons learned.",
	  .from = from_resolved,
	  .to = "closed",
	  .task = true,
	  .inputs = close_inputs,
	  .require = close_requires,
	  .stamp_at = "closed_at" },
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

/* ---- affected assets ---- */

enum asset_field { IAS_INCIDENT_ID, IAS_ASSET_ID, IAS_NOTE, IAS__COUNT };

static const struct field asset_fields[IAS__COUNT] = {
	[IAS_INCIDENT_ID] = { .name = "incident_id",
			      .label = "Incident",
			      .type = FT_REF,
			      .flags = FF_REQUIRED | FF_LIST | FF_FIXED,
			      .ref = "incident" },
	[IAS_ASSET_ID] = { .name = "asset_id",
			   .label = "Asset",
			   .type = FT_REF,
			   .flags = FF_REQUIRED | FF_LIST,
			   .ref = "asset" },
	[IAS_NOTE] = { .name = "note",
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
	.parent = "incident_id", /* a closed incident takes no more assets */
};

/* ---- the timeline ---- */

enum note_field { INO_INCIDENT_ID, INO_AT, INO_AUTHOR_ID, INO_NOTE, INO_ATTACHMENT, INO__COUNT };

static const struct field note_fields[INO__COUNT] = {
	[INO_INCIDENT_ID] = { .name = "incident_id",
			      .label = "Incident",
			      .type = FT_REF,
			      .flags = FF_REQUIRED | FF_LIST | FF_FIXED,
			      .ref = "incident" },
	[INO_AT] = { .name = "at",
		     .label = "At",
		     .type = FT_TIMESTAMP,
		     .flags = FF_REQUIRED | FF_LIST,
		     .help = "When it was done or found." },
	[INO_AUTHOR_ID] = { .name = "author_id",
			    .label = "By",
			    .type = FT_REF,
			    .flags = FF_REQUIRED | FF_LIST | FF_SELF,
			    .ref = "person" },
	[INO_NOTE] = { .name = "note",
		       .label = "Note",
		       .type = FT_MARKDOWN,
		       .flags = FF_REQUIRED | FF_SEARCH | FF_LIST,
		       .max = 20000 },
	[INO_ATTACHMENT] = { .name = "attachment",
			     .label = "Attachment",
			     .type = FT_FILE,
			     .flags = FF_READONLY | FF_KEEP },
};

/* A note is by whoever writes it, at a time within the incident's life (a closed incident
 * takes no more notes: declared with the register). */
static enum err note_derive(struct db *db, struct arena *a, const struct record *before,
			    struct record *after, struct verrors *ve)
{
	const struct actor *who = repo_actor();
	struct repo_ctx rc = { .db = db, .a = a, .who = who, .in_tx = true };
	if (!before && who && who->id) {
		struct db_stmt *st;
		enum err e = db_prepare(db, "SELECT person_id FROM users WHERE id = $1", &st);
		if (e)
			return e;
		db_bind_int(st, 1, who->id);
		bool row;
		if (db_step(st, &row) == ERR_OK && row && !db_col_null(st, 0))
			rec_set_int(after, INO(AUTHOR_ID), db_col_int(st, 0));
		db_done(st);
	}
	struct record *incident = NULL;
	enum err e = repo_load(&rc, &entity_incident, rec_int(after, INO(INCIDENT_ID)), &incident);
	if (e && e != ERR_NOT_FOUND)
		return e;
	const char *aware = incident ? rec_text(incident, INC(AWARE_AT)) : NULL;
	const char *at = rec_text(after, INO(AT));
	char now[TIME_ISO_LEN];
	time_format_iso(time_now() + 300, now);
	if (at && strcmp(at, now) > 0)
		verrors_add(ve, INO(AT)->name, "is in the future");
	else if (at && aware && strcmp(at, aware) < 0)
		verrors_add(ve, INO(AT)->name,
			    arena_printf(a, "is before the incident was known (%s)", aware));
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
	.parent = "incident_id", /* a closed incident takes no more notes */
	.derive = note_derive,
};

/* ---- corrective actions ---- */

static const struct choice action_states[] = {
	{ "open", "Open", NULL }, { "in_progress", "In progress", NULL },
	{ "done", "Done", NULL }, { "cancelled", "Cancelled", NULL },
	{ NULL, NULL, NULL },
};

enum action_field {
	IAC_INCIDENT_ID,
	IAC_TITLE,
	IAC_OWNER_ID,
	IAC_DEPARTMENT_ID,
	IAC_DUE_ON,
	IAC_STATUS,
	IAC_NOTES,
	IAC__COUNT
};

static const struct field action_fields[IAC__COUNT] = {
	[IAC_INCIDENT_ID] = { .name = "incident_id",
			      .label = "Incident",
			      .type = FT_REF,
			      .flags = FF_REQUIRED | FF_LIST | FF_FIXED,
			      .ref = "incident" },
	[IAC_TITLE] = { .name = "title",
			.label = "Action",
			.type = FT_TEXT,
			.flags = FF_REQUIRED | FF_SEARCH | FF_LIST,
			.max = 200 },
	[IAC_OWNER_ID] = { .name = "owner_id",
			   .label = "Owner",
			   .type = FT_REF,
			   .flags = FF_REQUIRED | FF_LIST,
			   .ref = "person" },
	[IAC_DEPARTMENT_ID] = { .name = "department_id",
				.label = "Department",
				.type = FT_REF,
				.flags = FF_READONLY,
				.follows = "owner_id",
				.ref = "department" },
	[IAC_DUE_ON] = { .name = "due_on",
			 .label = "Due",
			 .type = FT_DATE,
			 .flags = FF_REQUIRED | FF_LIST | FF_DUE },
	[IAC_STATUS] = { .name = "status",
			 .label = "Status",
			 .type = FT_ENUM,
			 .flags = FF_REQUIRED | FF_LIST,
			 .choices = action_states,
			 .dflt = "open" },
	[IAC_NOTES] = { .name = "notes",
			.label = "Notes",
			.type = FT_MARKDOWN,
			.flags = FF_SEARCH },
};

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
	/* a closed incident takes no new action; those it has are still followed up */
	.parent = "incident_id",
	.parent_keeps_changes = true,
};

/* ---- targets ---- */

enum target_field { ITG_SEVERITY, ITG_TRIAGE_MINUTES, ITG_ESCALATE_MINUTES, ITG__COUNT };

static const struct field target_fields[ITG__COUNT] = {
	[ITG_SEVERITY] = { .name = "severity",
			   .label = "Severity",
			   .type = FT_ENUM,
			   .flags = FF_REQUIRED | FF_UNIQUE | FF_LIST,
			   .choices = severities },
	[ITG_TRIAGE_MINUTES] = { .name = "triage_minutes",
				 .label = "Triage within (minutes)",
				 .type = FT_INT,
				 .flags = FF_LIST,
				 .min = 1,
				 .max = 100000 },
	[ITG_ESCALATE_MINUTES] = { .name = "escalate_minutes",
				   .label = "Escalate within (minutes)",
				   .type = FT_INT,
				   .flags = FF_LIST,
				   .min = 1,
				   .max = 100000,
				   .help = "From the report; not for low severity, which the "
					   "Support Team handles." },
};

static void target_check(const struct record *r, struct arena *a, struct verrors *ve)
{
	(void)a;
	int64_t t = rec_int(r, ITG(TRIAGE_MINUTES)), e = rec_int(r, ITG(ESCALATE_MINUTES));
	if (t && e && e < t)
		verrors_add(ve, ITG(ESCALATE_MINUTES)->name,
			    "must not be before the triage target");
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
				     rec_text(r, INC(TITLE)));
		const char *body = arena_printf(&a, "%s\n\n%s", c, summary(&a, r));
		if ((e = db_begin(db)))
			break;
		e = notify_role(db, &a, "isms_manager", subject, body, key);
		if (!e && rec_int(r, INC(OWNER_ID)))
			e = notify_person(db, &a, rec_int(r, INC(OWNER_ID)), subject, body, key);
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

static const char *label_of(const struct record *r, const struct field *f)
{
	const char *v = rec_text(r, f);
	const struct choice *ch = v ? model_choice(f, v) : NULL;
	return ch ? ch->label : v;
}

/* The report as Markdown: the facts, the clock, the timeline (steps from the audit trail and
 * notes), the corrective actions, the root cause and the lessons. */
enum err incident_report_markdown(struct db *db, struct arena *a, const struct record *r,
				  int64_t now, struct buf *b)
{
	md_line(b, "Reference", model_reference(a, r->e, r->id));
	md_line(b, "Status", label_of(r, INC(STATUS)));
	md_line(b, "Category", label_of(r, INC(CATEGORY)));
	md_line(b, "Severity", label_of(r, INC(SEVERITY)));
	md_line(b, "Personal data involved", rec_int(r, INC(PERSONAL_DATA)) ? "Yes" : "No");
	md_line(b, "Reported by", person_name(db, a, rec_int(r, INC(REPORTER_ID))));
	if (rec_int(r, INC(OWNER_ID)))
		md_line(b, "Incident owner", person_name(db, a, rec_int(r, INC(OWNER_ID))));
	md_line(b, "Happened", rec_text(r, INC(OCCURRED_AT)));
	md_line(b, "Reported (aware)", rec_text(r, INC(AWARE_AT)));
	md_line(b, "Triaged", rec_text(r, INC(TRIAGED_AT)));
	md_line(b, "Escalated", rec_text(r, INC(ESCALATED_AT)));
	md_line(b, "Resolved", rec_text(r, INC(RESOLVED_AT)));
	md_line(b, "Closed", rec_text(r, INC(CLOSED_AT)));
	md_line(b, "Notify the authority by", rec_text(r, INC(NOTIFY_BY)));
	md_line(b, "Now", incident_clock(db, a, r, now, NULL));
	const char *d = rec_text(r, INC(DESCRIPTION));
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
	const char *rc = rec_text(r, INC(ROOT_CAUSE)), *ll = rec_text(r, INC(LESSONS_LEARNED));
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

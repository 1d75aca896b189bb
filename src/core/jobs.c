/* jobs.c - the job table and leasing: SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL, where
 * nodes compete; on SQLite the write transaction already admits one writer at a time. */
#include "core/jobs.h"

#include <stdio.h>
#include <string.h>

#include "util/log.h"
#include "util/timeutil.h"

/* Sessions past their absolute end can never be used again: remove them. */
static enum err purge_sessions(struct db *db)
{
	char now[TIME_ISO_LEN];
	time_format_iso(time_now(), now);
	struct db_stmt *st;
	enum err e = db_prepare(db, "DELETE FROM sessions WHERE expires_at <= $1", &st);
	if (e)
		return e;
	db_bind_str(st, 1, now);
	bool row;
	e = db_step(st, &row);
	db_done(st);
	return e;
}

/* Failed sign-in counts older than their hour and no longer blocking anything. */
static enum err purge_login_failures(struct db *db)
{
	char cut[TIME_ISO_LEN], now[TIME_ISO_LEN];
	time_format_iso(time_now() - 3600, cut);
	time_format_iso(time_now(), now);
	struct db_stmt *st;
	enum err e = db_prepare(db,
				"DELETE FROM login_failures WHERE window_start <= $1 AND"
				" (blocked_until IS NULL OR blocked_until <= $2)",
				&st);
	if (e)
		return e;
	db_bind_str(st, 1, cut);
	db_bind_str(st, 2, now);
	bool row;
	e = db_step(st, &row);
	db_done(st);
	return e;
}

const struct job jobs_all[] = {
	{ "purge_sessions", 3600, purge_sessions },
	{ "purge_login_failures", 3600, purge_login_failures },
};
const size_t jobs_count = sizeof(jobs_all) / sizeof(jobs_all[0]);

static const struct job *domain_jobs;
static size_t domain_jobs_count;

size_t jobs_total(void)
{
	return jobs_count + domain_jobs_count;
}

void jobs_set_domain(const struct job *list, size_t n)
{
	domain_jobs = list;
	domain_jobs_count = n;
}

/* Takes the lease on one job if it is due and free; *got tells whether it did. */
static enum err lease(struct db *db, const struct job *j, const char *node, bool *got)
{
	char now[TIME_ISO_LEN], until[TIME_ISO_LEN];
	int64_t t = time_now();
	time_format_iso(t, now);
	time_format_iso(t + JOBS_LEASE_SECONDS, until);
	*got = false;
	enum err e = db_begin(db);
	if (e)
		return e;
	/* a job row exists from the first time any node sees it, due at once */
	if ((e = db_run(db,
			"INSERT INTO jobs (name, interval_seconds, next_run) VALUES ($1, $2, $3)"
			" ON CONFLICT (name) DO NOTHING",
			"sis", j->name, j->interval, now)))
		goto fail;
	struct db_stmt *st;
	const char *sql =
		db_dialect(db) == DB_POSTGRES
			? "SELECT name FROM jobs WHERE name = $1 AND next_run <= $2 AND"
			  " (lease_until IS NULL OR lease_until <= $2) FOR UPDATE SKIP LOCKED"
			: "SELECT name FROM jobs WHERE name = $1 AND next_run <= $2 AND"
			  " (lease_until IS NULL OR lease_until <= $2)";
	if ((e = db_prepare(db, sql, &st)))
		goto fail;
	db_bind_str(st, 1, j->name);
	db_bind_str(st, 2, now);
	bool row;
	e = db_step(st, &row);
	db_done(st);
	if (e)
		goto fail;
	if (row) {
		if ((e = db_run(db,
				"UPDATE jobs SET leased_by = $2, lease_until = $3 WHERE name = $1",
				"sss", j->name, node, until)))
			goto fail;
	}
	if ((e = db_commit(db)))
		goto fail;
	*got = row;
	return ERR_OK;
fail:
	db_rollback(db);
	return e;
}

enum err jobs_run_due(struct db *db, const char *node, int *ran)
{
	*ran = 0;
	for (size_t i = 0; i < jobs_count + domain_jobs_count; i++) {
		const struct job *j = i < jobs_count ? &jobs_all[i] : &domain_jobs[i - jobs_count];
		bool got;
		enum err e = lease(db, j, node, &got);
		if (e)
			return e;
		if (!got)
			continue;
		enum err je = j->run(db);
		if (je)
			log_warn("job %s failed: %s", j->name, err_title(je));
		char now[TIME_ISO_LEN], next[TIME_ISO_LEN];
		int64_t t = time_now();
		time_format_iso(t, now);
		time_format_iso(t + j->interval, next);
		if ((e = db_run(
			     db,
			     "UPDATE jobs SET leased_by = NULL, lease_until = NULL, last_run = $2,"
			     " next_run = $3, runs = runs + 1, last_error = $4 WHERE name = $1",
			     "ssss", j->name, now, next, je ? err_title(je) : NULL)))
			return e;
		(*ran)++;
	}
	return ERR_OK;
}

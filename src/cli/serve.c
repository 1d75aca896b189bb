/* serve.c - `custos serve` and `custos init`. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "core/authz.h"
#include "core/jobs.h"
#include "core/mail.h"
#include "core/model.h"
#include "domain/demo.h"
#include "http/server.h"
#include "io/import.h"
#include "store/db.h"
#include "util/log.h"
#include "util/str.h"

static bool parse_listen(const char *s, char *host, size_t hn, int *port)
{
	const char *colon = strrchr(s, ':');
	if (!colon || colon == s)
		return false;
	size_t n = (size_t)(colon - s);
	if (s[0] == '[' && s[n - 1] == ']') { /* [::1]:8080 */
		s++;
		n -= 2;
	}
	if (n == 0 || n >= hn)
		return false;
	memcpy(host, s, n);
	host[n] = '\0';
	/* an address, not a name: the server binds exactly what it is given */
	unsigned char addr[16];
	if (strcmp(host, "localhost") != 0 && inet_pton(AF_INET, host, addr) != 1 &&
	    inet_pton(AF_INET6, host, addr) != 1)
		return false;
	int64_t p;
	if (!str_parse_i64(colon + 1, &p) || p < 0 || p > 65535)
		return false;
	*port = (int)p;
	return true;
}

static bool has_users(struct db *db)
{
	struct db_stmt *st;
	bool row = false;
	if (db_prepare(db, "SELECT 1 FROM users LIMIT 1", &st) == ERR_OK) {
		if (db_step(st, &row) != ERR_OK)
			row = true; /* cannot tell: say nothing */
		db_done(st);
	}
	return row;
}

int cmd_init(struct cli_args *a)
{
	struct db *db;
	int rc = cli_open_db(a, &db);
	if (rc)
		return rc;
	printf("database %s is at schema version %d\n", a->db_url, db_schema_version(db));
	db_close(db);
	return CLI_EXIT_OK;
}

/* The scheduler: one thread per node that leases and runs due jobs every poll seconds. */
struct scheduler {
	const char *db_url;
	int64_t poll;
	char node[128];
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
};

static void *scheduler_main(void *arg)
{
	struct scheduler *s = arg;
	struct db *db = NULL;
	pthread_mutex_lock(&s->lock);
	while (!s->stop) {
		pthread_mutex_unlock(&s->lock);
		if (!db && db_open(s->db_url, &db) != ERR_OK)
			db = NULL;
		int ran = 0, sent = 0, failed = 0;
		if (db && jobs_run_due(db, s->node, &ran) != ERR_OK)
			log_warn("scheduler: jobs could not be run this time");
		else if (ran)
			log_info("scheduler: ran %d job(s)", ran);
		/* the outbox: every turn, so a notice leaves within one poll of its change */
		if (db && mail_send_due(db, &sent, &failed) != ERR_OK)
			log_warn("scheduler: the mail outbox could not be read this time");
		else if (sent)
			log_info("scheduler: sent %d mail(s)", sent);
		pthread_mutex_lock(&s->lock);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += s->poll;
		while (!s->stop && pthread_cond_timedwait(&s->wake, &s->lock, &until) == 0)
			;
	}
	pthread_mutex_unlock(&s->lock);
	db_close(db);
	return NULL;
}

int cmd_serve(struct cli_args *a)
{
	static char host[128];
	struct app app;
	memset(&app, 0, sizeof(app));
	app.cfg.db_url = a->db_url;
	app.cfg.listen_host = "127.0.0.1";
	app.cfg.listen_port = 8080;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	app.cfg.threads = cores > 2 ? (unsigned)cores * 2 : 4; /* >= 4: see ARCHITECTURE 8a */
	app.cfg.session_ttl = 12 * 3600;
	app.cfg.session_idle = 30 * 60;
	app.cfg.trust_proxy = cli_flag(a, "trust-proxy");
	app.cfg.cookie_secure = cli_flag(a, "secure-cookies");

	const char *listen = cli_value(a, "listen");
	if (listen) {
		if (!parse_listen(listen, host, sizeof(host), &app.cfg.listen_port))
			return cli_usage_error(a->cmd,
					       "--listen: '%s' is not ADDRESS:PORT (an IP address, "
					       "e.g. 127.0.0.1:8080)",
					       listen);
		app.cfg.listen_host = host;
	}
	const char *threads = cli_value(a, "threads");
	if (threads) {
		int64_t n;
		if (!str_parse_i64(threads, &n) || n < 1 || n > 256)
			return cli_usage_error(
				a->cmd, "--threads: '%s' is not a number from 1 to 256", threads);
		app.cfg.threads = (unsigned)n;
	}
	app.cfg.max_upload = HTTP_UPLOAD_DEFAULT;
	const char *upload = cli_value(a, "max-upload-mb");
	if (upload) {
		int64_t n;
		if (!str_parse_i64(upload, &n) || n < 1 || n > 64)
			return cli_usage_error(a->cmd,
					       "--max-upload-mb: '%s' is not a number from 1 to 64",
					       upload);
		app.cfg.max_upload = (size_t)n << 20;
	}
	/* SMTP: the password only from the environment, where ps and the shell history do not
	 * show it */
	struct mail_config mc;
	int mrc = cli_mail_config(a, &mc);
	if (mrc)
		return mrc;
	mail_configure(&mc);
	if (!mc.url)
		log_info("no --smtp-url: mail is kept in the outbox until one is given");
	const char *idle = cli_value(a, "session-idle-minutes");
	if (idle) {
		int64_t n;
		if (!str_parse_i64(idle, &n) || n < 1 || n > 24 * 60)
			return cli_usage_error(
				a->cmd,
				"--session-idle-minutes: '%s' is not a number from 1 to 1440",
				idle);
		app.cfg.session_idle = n * 60;
	}
	const char *jp = cli_value(a, "jobs-poll");
	if (jp) {
		int64_t n;
		if (!str_parse_i64(jp, &n) || n < 1 || n > 3600)
			return cli_usage_error(
				a->cmd, "--jobs-poll: '%s' is not a number from 1 to 3600", jp);
	}
	const char *hours = cli_value(a, "session-hours");
	if (hours) {
		int64_t n;
		if (!str_parse_i64(hours, &n) || n < 1 || n > 24 * 30)
			return cli_usage_error(
				a->cmd, "--session-hours: '%s' is not a number from 1 to 720",
				hours);
		app.cfg.session_ttl = n * 3600;
	}

	struct db *db;
	int rc = cli_open_db(a, &db);
	if (rc)
		return rc;
	if (cli_flag(a, "demo")) {
		bool loaded;
		enum err e = demo_load(db, &loaded);
		if (e) {
			fprintf(stderr, "custos: the demo data could not be loaded\n");
			db_close(db);
			return CLI_EXIT_FAIL;
		}
		printf(loaded ? "custos: demo organisation loaded.\n"
			      : "custos: the database already holds data; demo not loaded "
				"again.\n");
		printf("custos: open the address below in a browser and sign in as %s\n"
		       "        (Information Security Manager) with password %s\n"
		       "custos: other demo accounts, same password: %s (administrator),\n"
		       "        amelia.hart@ (board), priya.natarajan@ (operations), grace.mensah@ "
		       "(HR),\n"
		       "        sofia.rossi@ (head of Engineering), aisha.rahman@ (support),\n"
		       "        ben.carter@ (staff), claire.morgan@ (auditor) - all "
		       "@westcloud.example\n"
		       "custos: demo passwords are public: never use --demo for real data\n",
		       DEMO_ISM_EMAIL, DEMO_PASSWORD, DEMO_ADMIN_EMAIL);
	} else if (!has_users(db)) {
		printf("custos: nobody can sign in yet: create an account with\n"
		       "        custos user add --db %s --email YOU --name NAME --role admin\n",
		       a->db_url);
	}
	db_close(db);

	if (db_pool_open(a->db_url, &app.pool) != ERR_OK) {
		fprintf(stderr, "custos: cannot open the connection pool\n");
		return CLI_EXIT_FAIL;
	}
	static struct scheduler sched;
	sched.db_url = a->db_url;
	sched.poll = 30;
	const char *poll = cli_value(a, "jobs-poll");
	int64_t pn;
	if (poll && str_parse_i64(poll, &pn))
		sched.poll = pn;
	char hostname[64] = "node";
	gethostname(hostname, sizeof(hostname) - 1);
	snprintf(sched.node, sizeof(sched.node), "%s:%d", hostname, (int)getpid());
	pthread_mutex_init(&sched.lock, NULL);
	pthread_cond_init(&sched.wake, NULL);
	bool sched_on = pthread_create(&sched.thread, NULL, scheduler_main, &sched) == 0;
	enum err e = server_run(&app);
	if (sched_on) {
		pthread_mutex_lock(&sched.lock);
		sched.stop = true;
		pthread_cond_signal(&sched.wake);
		pthread_mutex_unlock(&sched.lock);
		pthread_join(sched.thread, NULL);
	}
	db_pool_close(app.pool);
	return e ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

static void print_route(void *arg, const char *method, const char *pattern, bool auth)
{
	(void)arg;
	printf("%-6s %-36s %s\n", method, pattern, auth ? "auth" : "public");
}

int cmd_routes(struct cli_args *a)
{
	(void)a;
	router_each(print_route, NULL);
	return CLI_EXIT_OK;
}

/* JSON text for a possibly NULL string. */
static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* A NULL-terminated list of names as a JSON array ([] for NULL). */
static json_t *names_json(const char *const *names)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && names && names[i]; i++)
		json_array_append_new(arr, json_string(names[i]));
	return arr;
}

static json_t *field_json(const struct field *f)
{
	static const struct {
		unsigned flag;
		const char *name;
	} flags[] = { { FF_REQUIRED, "required" }, { FF_UNIQUE, "unique" },
		      { FF_SEARCH, "search" },	   { FF_LIST, "list" },
		      { FF_READONLY, "readonly" }, { FF_DUE, "due" },
		      { FF_KEEP, "keep" } };
	json_t *fl = json_array(), *choices = json_array();
	for (size_t i = 0; fl && i < sizeof(flags) / sizeof(flags[0]); i++)
		if (f->flags & flags[i].flag)
			json_array_append_new(fl, json_string(flags[i].name));
	for (const struct choice *c = f->choices; choices && c && c->value; c++)
		json_array_append_new(choices, json_string(c->value));
	/* an integer's range, a text's length in characters (null: the type's default) */
	json_t *min = json_null(), *max = json_null();
	if (f->min || f->max) {
		min = json_integer(f->min);
		max = json_integer(f->max);
	}
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:b}", "name", f->name, "type",
			 model_type_name(f->type), "flags", fl ? fl : json_null(), "ref",
			 str_or_null(f->ref), "choices", choices ? choices : json_null(), "min",
			 min, "max", max, "default", str_or_null(f->dflt), "filterable",
			 model_field_filterable(f));
}

static json_t *workflow_json(const struct workflow *w)
{
	if (!w)
		return json_null();
	json_t *steps = json_array();
	for (size_t k = 0; steps && k < w->nsteps; k++) {
		const struct step *st = &w->steps[k];
		json_array_append_new(steps, json_pack("{s:s, s:o, s:s, s:o}", "name", st->name,
						       "from", names_json(st->from), "to", st->to,
						       "inputs", names_json(st->inputs)));
	}
	return json_pack("{s:s, s:o}", "state_field", w->state_field, "steps",
			 steps ? steps : json_null());
}

/* Every register as data, for tools and tests that derive their cases from the declarations
 * (tests/api/authz_registers.test.mjs) instead of a hand-kept list. */
static int registers_json(void)
{
	json_t *all = json_array();
	for (size_t i = 0; all && i < model_registry_count(); i++) {
		const struct entity *e = model_registry_at(i);
		json_t *fields = json_array();
		for (size_t k = 0; fields && k < e->nfields; k++)
			json_array_append_new(fields, field_json(&e->fields[k]));
		json_array_append_new(
			all,
			json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "name",
				  e->name, "plural", e->plural, "title", e->title, "title_plural",
				  e->title_plural, "label_field", str_or_null(e->label_field),
				  "own_column", str_or_null(e->own_column), "dept_column",
				  str_or_null(e->dept_column), "id_prefix",
				  str_or_null(e->id_prefix), "frozen_states",
				  names_json(e->frozen_states), "fields",
				  fields ? fields : json_null(), "workflow",
				  workflow_json(e->workflow)));
	}
	if (!all || json_array_size(all) != model_registry_count()) {
		json_decref(all);
		fputs("custos: out of memory\n", stderr);
		return CLI_EXIT_FAIL;
	}
	int rc = json_dumpf(all, stdout, JSON_INDENT(1)) == 0 && fputc('\n', stdout) != EOF
			 ? CLI_EXIT_OK
			 : CLI_EXIT_FAIL;
	json_decref(all);
	return rc;
}

int cmd_registers(struct cli_args *a)
{
	if (cli_flag(a, "json"))
		return registers_json();
	for (size_t i = 0; i < model_registry_count(); i++) {
		const struct entity *e = model_registry_at(i);
		printf("%s (%s): %s\n", e->plural, e->title_plural,
		       e->description ? e->description : "");
		for (size_t k = 0; k < e->nfields; k++) {
			const struct field *f = &e->fields[k];
			printf("  %-18s %-10s%s%s%s\n", f->name, model_type_name(f->type),
			       f->flags & FF_REQUIRED ? " required" : "", f->ref ? " -> " : "",
			       f->ref ? f->ref : "");
		}
		/* what custos import csv|xlsx does with it (io/import.c says why not) */
		struct arena ar;
		arena_init(&ar, 0);
		printf("  import: %s; key: %s\n",
		       import_refusal(&ar, e)	    ? "no"
		       : import_first_state_only(e) ? "first-state"
						    : "yes",
		       e->io.key ? e->io.key : "none");
		arena_free(&ar);
		if (e->workflow) {
			printf("  steps:");
			for (size_t k = 0; k < e->workflow->nsteps; k++)
				printf(" %s", e->workflow->steps[k].name);
			printf("\n");
		}
	}
	return CLI_EXIT_OK;
}

int cmd_permissions(struct cli_args *a)
{
	(void)a;
	printf("| role |");
	for (size_t i = 0; i < model_registry_count(); i++)
		printf(" %s |", model_registry_at(i)->title_plural);
	printf("\n|---|");
	for (size_t i = 0; i < model_registry_count(); i++)
		printf("---|");
	printf("\n");
	static const char letters[] = "rcud";
	for (int r = 0; r < ROLE__COUNT; r++) {
		struct authz_subject s = { .authenticated = true, .roles = 1u << r };
		printf("| %s |", authz_role_name((enum role)r));
		for (size_t i = 0; i < model_registry_count(); i++) {
			const struct entity *e = model_registry_at(i);
			for (int act = 0; act < AUTHZ__COUNT; act++) {
				unsigned sc = authz_scope(&s, e, (enum authz_action)act);
				if (sc != SCOPE_NONE)
					printf(" %c:%s", letters[act], authz_scope_name(sc));
			}
			for (size_t k = 0; e->workflow && k < e->workflow->nsteps; k++) {
				const char *step = e->workflow->steps[k].name;
				unsigned sc = authz_step_scope(&s, e, step);
				if (sc != SCOPE_NONE)
					printf(" %s:%s", step, authz_scope_name(sc));
			}
			printf(" |");
		}
		printf("\n");
	}
	return CLI_EXIT_OK;
}

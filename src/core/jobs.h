/* jobs.h - periodic work (housekeeping now; the mail outbox later), run by whichever node
 * leases a due job first. The lease lives in the database, so with several nodes each job runs
 * once per period; a node that dies mid-job loses its lease after a while and another takes it. */
#ifndef CUSTOS_JOBS_H
#define CUSTOS_JOBS_H

#include <stdint.h>

#include "store/db.h"
#include "util/err.h"

#define JOBS_LEASE_SECONDS 300

struct job {
	const char *name;
	int64_t interval; /* seconds between runs */
	enum err (*run)(struct db *db);
};

/* The jobs of this build. */
extern const struct job jobs_all[];
extern const size_t jobs_count;

/* The domain's jobs (expiring risk acceptances ...), added to the core's at start. */
void jobs_set_domain(const struct job *list, size_t n);
/* How many jobs there are in all, the core's and the domain's. */
size_t jobs_total(void);

/* Runs every due job this node can lease; *ran counts them. node names the lessee. */
enum err jobs_run_due(struct db *db, const char *node, int *ran) WUR;

#endif

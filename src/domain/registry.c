/* registry.c - the ISMS areas of this build in navigation order: each domain file declares its
 * area (its registers and jobs); this file only lists the areas, and hands the registers and
 * jobs to the core. */
#include "core/authz.h"
#include "core/jobs.h"
#include "domain/domain.h"

#define MAX_REGISTERS 64
#define MAX_JOBS      16

static const struct area *const areas[] = {
	&area_organisation, &area_assets,     &area_risk,      &area_controls,
	&area_soa,	    &area_frameworks, &area_documents, &area_incidents,
};

static const struct entity *registers[MAX_REGISTERS];
static struct job jobs[MAX_JOBS];

const char *domain_init(void)
{
	static char why[300];
	size_t n = 0, nj = 0;
	for (size_t a = 0; a < sizeof(areas) / sizeof(areas[0]); a++) {
		for (const struct entity *const *e = areas[a]->registers; *e; e++) {
			if (n == MAX_REGISTERS)
				return "more registers than MAX_REGISTERS";
			registers[n++] = *e;
		}
		for (size_t j = 0; j < areas[a]->njobs; j++) {
			if (nj == MAX_JOBS)
				return "more jobs than MAX_JOBS";
			jobs[nj++] = areas[a]->jobs[j];
		}
	}
	model_registry_set(registers, n);
	jobs_set_domain(jobs, nj);
	return model_registry_check(why, sizeof(why)) && authz_load(why, sizeof(why)) ? NULL : why;
}

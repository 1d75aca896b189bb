/* risk.h - the risk method (scales, combination, bands, appetite) parsed from its record, and
 * scoring with it. The registers themselves are declared in domain.h. */
#ifndef CUSTOS_RISK_H
#define CUSTOS_RISK_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/domain.h"
#include "store/db.h"

#define RISK_MAX_LEVELS 10

struct risk_band {
	const char *level; /* low, medium, high, critical */
	int lo, hi;
	const char *colour; /* #rrggbb */
};

struct risk_method {
	int64_t id, version, appetite;
	int nlevels[2]; /* [0] likelihood, [1] impact */
	const char *names[2][RISK_MAX_LEVELS];
	const char *descriptions[2][RISK_MAX_LEVELS];
	bool matrix_lookup;
	int matrix[RISK_MAX_LEVELS][RISK_MAX_LEVELS];
	int top; /* the highest possible score */
	int nbands;
	struct risk_band bands[4];
};

/* Reads a risk method record; false with errors naming the field when it is not coherent. */
bool risk_method_parse(struct arena *a, const struct record *r, struct risk_method *m,
		       struct verrors *ve);
enum err risk_method_load(struct db *db, struct arena *a, int64_t id, struct risk_method *m) WUR;
/* The method in force; ERR_NOT_FOUND when none is active yet. */
enum err risk_method_active(struct db *db, struct arena *a, struct risk_method *m) WUR;
/* 0 when a rating is outside the method's scales. */
int risk_score(const struct risk_method *m, int likelihood, int impact);
const struct risk_band *risk_band(const struct risk_method *m, int score);
const char *risk_level_label(const char *level);

/* The daily job: accepted risks past their acceptance date return to review. */
enum err risk_expire_acceptances(struct db *db) WUR;

#endif

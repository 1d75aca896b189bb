/* verify.h - proves the registers against the audit trail: replaying each record's events
 * must give exactly the row stored today. A row edited behind Custos's back (or an event
 * removed and the chain rebuilt by hand) shows up here even when the hash chain holds. */
#ifndef CUSTOS_VERIFY_H
#define CUSTOS_VERIFY_H

#include <stdint.h>

#include "store/db.h"
#include "util/err.h"

#define VERIFY_MAX_REPORTED 20

struct verify_result {
	int64_t records;    /* register rows compared */
	int64_t accounts;   /* accounts compared (with their roles, person, password, factor) */
	int64_t tokens;	    /* API tokens compared */
	int64_t mismatches; /* rows (or deleted records) that differ from their history */
	int nreported;
	char reported[VERIFY_MAX_REPORTED][200];
};

/* Walks every register, merging its rows (by id) with its events (by id, seq). */
enum err verify_records(struct db *db, struct verify_result *res) WUR;

#endif

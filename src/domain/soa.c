/* soa.c - building the Statement of Applicability with one query over the catalogue and the
 * organisation's controls, evidence and linked risks. */
#include "domain/soa.h"

#include <string.h>

static const char *text(struct arena *a, struct db_stmt *st, int col)
{
	const char *s = db_col_null(st, col) ? NULL : db_col_text(st, col, NULL);
	return s ? arena_strdup(a, s) : NULL;
}

enum err soa_build(struct db *db, struct arena *a, const char *code, const char *today,
		   struct soa *out)
{
	memset(out, 0, sizeof(*out));
	struct db_stmt *st;
	enum err e = db_prepare(db, "SELECT name FROM frameworks WHERE code = $1", &st);
	if (e)
		return e;
	db_bind_str(st, 1, code);
	bool row;
	e = db_step(st, &row);
	out->framework_name = !e && row ? text(a, st, 0) : NULL;
	db_done(st);
	if (e)
		return e;
	if (!out->framework_name)
		return ERR_NOT_FOUND;
	out->framework_code = arena_strdup(a, code);
	e = db_prepare(
		db,
		"SELECT cc.id, cc.control_id, cc.title, cc.group_id, cc.group_title, c.id,"
		" c.applicable, c.status, c.justification, p.name, c.reason_risk, c.reason_legal,"
		" c.reason_contract, c.reason_business,"
		" (SELECT count(*) FROM control_risks r WHERE r.control_id = c.id),"
		" (SELECT count(*) FROM evidence x WHERE x.control_id = c.id),"
		" (SELECT count(*) FROM evidence x WHERE x.control_id = c.id AND x.expires_on < $2)"
		" FROM catalog_controls cc JOIN frameworks f ON f.id = cc.framework_id"
		" LEFT JOIN controls c ON c.catalog_control_id = cc.id"
		" LEFT JOIN people p ON p.id = c.owner_id"
		" WHERE f.code = $1 AND cc.withdrawn = 0 ORDER BY cc.sort_order, cc.id",
		&st);
	if (e)
		return e;
	db_bind_str(st, 1, code);
	db_bind_str(st, 2, today);
	size_t cap = 128;
	out->rows = arena_alloc(a, cap * sizeof(*out->rows));
	while (out->rows && (e = db_step(st, &row)) == ERR_OK && row) {
		if (out->n == SOA_MAX_ROWS) {
			e = ERR_TOO_LARGE;
			break;
		}
		if (out->n == cap) {
			struct soa_row *more = arena_alloc(a, 2 * cap * sizeof(*more));
			if (!more) {
				e = ERR_NOMEM;
				break;
			}
			memcpy(more, out->rows, cap * sizeof(*more));
			out->rows = more;
			cap *= 2;
		}
		struct soa_row *r = &out->rows[out->n++];
		r->catalog_id = db_col_int(st, 0);
		r->control_id = text(a, st, 1);
		r->title = text(a, st, 2);
		r->group_id = text(a, st, 3);
		r->group_title = text(a, st, 4);
		r->control = db_col_null(st, 5) ? 0 : db_col_int(st, 5);
		r->applicable = r->control && db_col_int(st, 6);
		r->status = text(a, st, 7);
		r->justification = text(a, st, 8);
		r->owner = text(a, st, 9);
		r->reason_risk = db_col_int(st, 10);
		r->reason_legal = db_col_int(st, 11);
		r->reason_contract = db_col_int(st, 12);
		r->reason_business = db_col_int(st, 13);
		r->risks = db_col_int(st, 14);
		r->evidence = db_col_int(st, 15);
		r->evidence_expired = db_col_int(st, 16);
	}
	db_done(st);
	if (!out->rows)
		return ERR_NOMEM;
	return e;
}

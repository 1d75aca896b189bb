/* rowcache.h - rendered JSON of register rows, keyed by (register, id, version). A version
 * changes with every write, so an entry can never be stale: at worst it is unused and gets
 * replaced. Bounded in entries and bytes; shared by all threads behind striped locks. */
#ifndef CUSTOS_ROWCACHE_H
#define CUSTOS_ROWCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/buf.h"

#define ROWCACHE_MAX_ROW   4096	      /* larger rows are rendered every time */
#define ROWCACHE_MAX_BYTES (8u << 20) /* total cached JSON */

/* Appends the cached JSON to out and returns true on a hit. */
bool rowcache_get(const void *entity, int64_t id, int64_t version, struct buf *out);
void rowcache_put(const void *entity, int64_t id, int64_t version, const char *json, size_t n);
/* Frees every entry (at shutdown, and in tests). */
void rowcache_clear(void);

#endif

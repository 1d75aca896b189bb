/* rowcache.c - a direct-mapped cache of rendered rows: one slot per hash, replaced on collision. */
#include "core/rowcache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS	16384
#define STRIPES 64

struct slot {
	const void *entity;
	int64_t id, version;
	char *json;
	size_t n;
};

static struct slot slots[SLOTS];
static pthread_mutex_t locks[STRIPES] = { [0 ... STRIPES - 1] = PTHREAD_MUTEX_INITIALIZER };
static atomic_size_t cached_bytes;

static unsigned slot_of(const void *entity, int64_t id)
{
	uint64_t h = (uint64_t)(uintptr_t)entity * 0x9e3779b97f4a7c15ull ^
		     (uint64_t)id * 0xff51afd7ed558ccdull;
	h ^= h >> 29;
	return (unsigned)(h % SLOTS);
}

bool rowcache_get(const void *entity, int64_t id, int64_t version, struct buf *out)
{
	unsigned i = slot_of(entity, id);
	pthread_mutex_t *m = &locks[i % STRIPES];
	bool hit = false;
	pthread_mutex_lock(m);
	struct slot *s = &slots[i];
	if (s->json && s->entity == entity && s->id == id && s->version == version) {
		buf_add(out, s->json, s->n);
		hit = true;
	}
	pthread_mutex_unlock(m);
	return hit;
}

void rowcache_put(const void *entity, int64_t id, int64_t version, const char *json, size_t n)
{
	if (n > ROWCACHE_MAX_ROW || atomic_load(&cached_bytes) + n > ROWCACHE_MAX_BYTES)
		return;
	char *copy = malloc(n);
	if (!copy)
		return;
	memcpy(copy, json, n);
	unsigned i = slot_of(entity, id);
	pthread_mutex_t *m = &locks[i % STRIPES];
	pthread_mutex_lock(m);
	struct slot *s = &slots[i];
	char *old = s->json;
	size_t oldn = s->n;
	s->entity = entity;
	s->id = id;
	s->version = version;
	s->json = copy;
	s->n = n;
	pthread_mutex_unlock(m);
	atomic_fetch_add(&cached_bytes, n);
	if (old) {
		atomic_fetch_sub(&cached_bytes, oldn);
		free(old);
	}
}

void rowcache_clear(void)
{
	for (unsigned i = 0; i < SLOTS; i++) {
		pthread_mutex_t *m = &locks[i % STRIPES];
		pthread_mutex_lock(m);
		free(slots[i].json);
		memset(&slots[i], 0, sizeof(slots[i]));
		pthread_mutex_unlock(m);
	}
	atomic_store(&cached_bytes, 0);
}

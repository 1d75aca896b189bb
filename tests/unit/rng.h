/* rng.h - a small seeded pseudo-random generator (xorshift64) for property tests: the same
 * seed gives the same cases on every machine, so a failure can be replayed. */
#ifndef CUSTOS_TEST_RNG_H
#define CUSTOS_TEST_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s; /* any value but 0 */
};

/* A number in [0, n). */
static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return (uint32_t)(r->s % n);
}

#endif

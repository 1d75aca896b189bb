/* crypto.c - libsodium wrappers, and the SHA-1 and UUIDs libsodium does not have. */
#include "util/crypto.h"

#include <assert.h>

#include <pthread.h>
#include <string.h>

#include <sodium.h>

#define PW_OPSLIMIT 3u
#define PW_MEMLIMIT (64u * 1024u * 1024u)

enum err crypto_init(void)
{
	return sodium_init() < 0 ? ERR_INTERNAL : ERR_OK;
}

void crypto_token(char out[CRYPTO_TOKEN_LEN])
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, CRYPTO_TOKEN_LEN, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

void crypto_hash_hex(const void *a, size_t an, const void *b, size_t bn, char out[CRYPTO_HASH_HEX])
{
	crypto_generichash_state st;
	unsigned char h[32];
	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, a, an);
	if (b && bn)
		crypto_generichash_update(&st, b, bn);
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(out, CRYPTO_HASH_HEX, h, sizeof(h));
}

/* Each argon2id computation holds PW_MEMLIMIT (64 MiB) while it runs. However many threads
 * serve requests, at most PW_AT_ONCE compute at a time and the others wait their turn: a flood
 * of sign-ins costs time, never PW_MEMLIMIT times the thread count. */
#define PW_AT_ONCE 2
static pthread_mutex_t pw_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pw_free = PTHREAD_COND_INITIALIZER;
static int pw_running;

static void pw_enter(void)
{
	pthread_mutex_lock(&pw_lock);
	while (pw_running >= PW_AT_ONCE)
		pthread_cond_wait(&pw_free, &pw_lock);
	pw_running++;
	assert(pw_running <= PW_AT_ONCE);
	pthread_mutex_unlock(&pw_lock);
}

static void pw_leave(void)
{
	pthread_mutex_lock(&pw_lock);
	assert(pw_running > 0);
	pw_running--;
	pthread_cond_signal(&pw_free);
	pthread_mutex_unlock(&pw_lock);
}

enum err crypto_password_hash(const char *pw, size_t n, char out[CRYPTO_PWHASH_LEN])
{
	_Static_assert(CRYPTO_PWHASH_LEN == crypto_pwhash_STRBYTES, "hash string size");
	pw_enter();
	int rc = crypto_pwhash_str_alg(out, pw, n, PW_OPSLIMIT, PW_MEMLIMIT,
				       crypto_pwhash_ALG_ARGON2ID13);
	pw_leave();
	return rc == 0 ? ERR_OK : ERR_NOMEM;
}

bool crypto_password_verify(const char *hash, const char *pw, size_t n)
{
	pw_enter();
	int rc = crypto_pwhash_str_verify(hash, pw, n);
	pw_leave();
	return rc == 0;
}

static char dummy_hash[CRYPTO_PWHASH_LEN];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_make(void)
{
	if (crypto_password_hash("not a real password", 19, dummy_hash) != ERR_OK)
		dummy_hash[0] = '\0';
}

bool crypto_password_needs_rehash(const char *hash)
{
	return crypto_pwhash_str_needs_rehash(hash, PW_OPSLIMIT, PW_MEMLIMIT) != 0;
}

void crypto_password_dummy(const char *pw, size_t n)
{
	pthread_once(&dummy_once, dummy_make);
	if (dummy_hash[0] && crypto_password_verify(dummy_hash, pw, n))
		return; /* cannot match; only the time spent matters */
}

bool crypto_equal(const char *a, const char *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

/* ---- SHA-1, FIPS 180-4 section 6.1 ---- */

static uint32_t rotl(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

static void sha1_block(uint32_t h[5], const unsigned char *p)
{
	uint32_t w[80];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (int i = 16; i < 80; i++)
		w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
	for (int i = 0; i < 80; i++) {
		uint32_t f, k;
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999u;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1u;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdcu;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6u;
		}
		uint32_t t = rotl(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = rotl(b, 30);
		b = a;
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

void crypto_sha1_init(struct crypto_sha1 *s)
{
	static const uint32_t h0[5] = { 0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u,
					0xc3d2e1f0u };
	memcpy(s->h, h0, sizeof(h0));
	s->len = 0;
	s->fill = 0;
}

void crypto_sha1_update(struct crypto_sha1 *s, const void *data, size_t n)
{
	const unsigned char *p = data;
	s->len += n;
	while (n) {
		size_t take = sizeof(s->block) - s->fill;
		if (take > n)
			take = n;
		memcpy(s->block + s->fill, p, take);
		s->fill += take;
		p += take;
		n -= take;
		if (s->fill == sizeof(s->block)) {
			sha1_block(s->h, s->block);
			s->fill = 0;
		}
	}
}

void crypto_sha1_final(struct crypto_sha1 *s, unsigned char out[CRYPTO_SHA1_LEN])
{
	/* a 1 bit, zeros up to 56 bytes into a block, then the length in bits, big-endian */
	static const unsigned char pad[64] = { 0x80 };
	uint64_t bits = s->len * 8;
	crypto_sha1_update(s, pad, s->fill < 56 ? 56 - s->fill : 120 - s->fill);
	unsigned char len[8];
	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)(bits >> (56 - 8 * i));
	crypto_sha1_update(s, len, sizeof(len));
	for (int i = 0; i < 5; i++) {
		out[4 * i] = (unsigned char)(s->h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(s->h[i] >> 8);
		out[4 * i + 3] = (unsigned char)s->h[i];
	}
}

/* ---- UUIDs, RFC 9562 ---- */

static void uuid_text(unsigned char b[16], unsigned version, char out[CRYPTO_UUID_LEN])
{
	b[6] = (unsigned char)((b[6] & 0x0f) | (version << 4));
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* the RFC's variant, 10xx */
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 0x0f];
	}
	out[o] = '\0';
}

void crypto_uuid4(char out[CRYPTO_UUID_LEN])
{
	unsigned char b[16];
	randombytes_buf(b, sizeof(b));
	uuid_text(b, 4, out);
}

void crypto_uuid5(const unsigned char ns[16], const char *name, size_t n, char out[CRYPTO_UUID_LEN])
{
	struct crypto_sha1 s;
	unsigned char h[CRYPTO_SHA1_LEN];
	crypto_sha1_init(&s);
	crypto_sha1_update(&s, ns, 16);
	crypto_sha1_update(&s, name, n);
	crypto_sha1_final(&s, h);
	uuid_text(h, 5, out); /* the first 16 of the hash's 20 bytes */
}

static int hex_value(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

bool crypto_uuid_parse(const char *s, unsigned char out[16])
{
	if (!s)
		return false;
	size_t o = 0;
	for (size_t i = 0; i < CRYPTO_UUID_LEN - 1; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash) {
			if (s[i] != '-')
				return false;
			continue;
		}
		int hi = hex_value(s[i]), lo = hi < 0 ? -1 : hex_value(s[i + 1]);
		if (lo < 0)
			return false;
		out[o++] = (unsigned char)(hi << 4 | lo);
		i++;
	}
	return s[CRYPTO_UUID_LEN - 1] == '\0';
}

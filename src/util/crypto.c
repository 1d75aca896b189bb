/* crypto.c - libsodium wrappers. */
#include "util/crypto.h"

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

enum err crypto_password_hash(const char *pw, size_t n, char out[CRYPTO_PWHASH_LEN])
{
	_Static_assert(CRYPTO_PWHASH_LEN == crypto_pwhash_STRBYTES, "hash string size");
	if (crypto_pwhash_str_alg(out, pw, n, PW_OPSLIMIT, PW_MEMLIMIT,
				  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return ERR_NOMEM;
	return ERR_OK;
}

bool crypto_password_verify(const char *hash, const char *pw, size_t n)
{
	return crypto_pwhash_str_verify(hash, pw, n) == 0;
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
	if (dummy_hash[0] && crypto_pwhash_str_verify(dummy_hash, pw, n) == 0)
		return; /* cannot match; only the time spent matters */
}

bool crypto_equal(const char *a, const char *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

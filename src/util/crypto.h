/* crypto.h - the few primitives Custos needs, all from libsodium: random tokens, BLAKE2b,
 * argon2id password hashing. Callers never touch libsodium directly. */
#ifndef CUSTOS_CRYPTO_H
#define CUSTOS_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

#define CRYPTO_HASH_HEX	  65 /* 32-byte BLAKE2b as hex + NUL */
#define CRYPTO_TOKEN_LEN  44 /* 32 random bytes, base64url without padding (43) + NUL */
#define CRYPTO_PWHASH_LEN 128

enum err crypto_init(void) WUR;
/* A fresh unguessable token (256 bits), base64url. */
void crypto_token(char out[CRYPTO_TOKEN_LEN]);
/* hex(BLAKE2b-256(a || b)); b may be NULL. */
void crypto_hash_hex(const void *a, size_t an, const void *b, size_t bn, char out[CRYPTO_HASH_HEX]);
/* argon2id, m=64 MiB, t=3: the encoded string holds its own parameters and salt. */
enum err crypto_password_hash(const char *pw, size_t n, char out[CRYPTO_PWHASH_LEN]) WUR;
bool crypto_password_verify(const char *hash, const char *pw, size_t n);
/* True when the hash was made with weaker parameters than today's: rehash at next sign-in. */
bool crypto_password_needs_rehash(const char *hash);
/* Burns about as long as a verification, so unknown users answer in the same time. */
void crypto_password_dummy(const char *pw, size_t n);
/* Constant-time comparison of two equal-length strings. */
bool crypto_equal(const char *a, const char *b, size_t n);

#endif

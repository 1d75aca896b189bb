/* crypto.h - the few primitives Custos needs: from libsodium random tokens, BLAKE2b and
 * argon2id password hashing; our own SHA-1, only because name-based UUIDs (RFC 9562 version 5)
 * are defined with it. Callers never touch libsodium directly. */
#ifndef CUSTOS_CRYPTO_H
#define CUSTOS_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define CRYPTO_HASH_HEX	  65 /* 32-byte BLAKE2b as hex + NUL */
#define CRYPTO_TOKEN_LEN  44 /* 32 random bytes, base64url without padding (43) + NUL */
#define CRYPTO_PWHASH_LEN 128
#define CRYPTO_SHA1_LEN	  20
#define CRYPTO_UUID_LEN	  37 /* 8-4-4-4-12 hex digits + NUL */

enum err crypto_init(void) WUR;
/* A fresh unguessable token (256 bits), base64url. */
void crypto_token(char out[CRYPTO_TOKEN_LEN]);
/* hex(BLAKE2b-256(a || b)); b may be NULL. */
void crypto_hash_hex(const void *a, size_t an, const void *b, size_t bn, char out[CRYPTO_HASH_HEX]);
/* argon2id, m=64 MiB, t=3: the encoded string holds its own parameters and salt. Hashing and
 * verifying take turns: at most two run at once in the process, whatever the thread count. */
enum err crypto_password_hash(const char *pw, size_t n, char out[CRYPTO_PWHASH_LEN]) WUR;
bool crypto_password_verify(const char *hash, const char *pw, size_t n);
/* True when the hash was made with weaker parameters than today's: rehash at next sign-in. */
bool crypto_password_needs_rehash(const char *hash);
/* Burns about as long as a verification, so unknown users answer in the same time. */
void crypto_password_dummy(const char *pw, size_t n);
/* Constant-time comparison of two equal-length strings. */
bool crypto_equal(const char *a, const char *b, size_t n);

/* SHA-1 (FIPS 180-4) for UUIDs version 5 and nothing else: it is broken for collisions, so
 * never for anything an attacker could choose inputs for and gain from. */
struct crypto_sha1 {
	uint32_t h[5];
	uint64_t len; /* bytes hashed so far */
	unsigned char block[64];
	size_t fill;
};
void crypto_sha1_init(struct crypto_sha1 *s);
void crypto_sha1_update(struct crypto_sha1 *s, const void *p, size_t n);
void crypto_sha1_final(struct crypto_sha1 *s, unsigned char out[CRYPTO_SHA1_LEN]);

/* A random UUID (RFC 9562 version 4), lower-case hex. */
void crypto_uuid4(char out[CRYPTO_UUID_LEN]);
/* The name-based UUID (RFC 9562 version 5) of name in the namespace ns: the same namespace and
 * name give the same UUID, on any machine, in any tool that implements the RFC. */
void crypto_uuid5(const unsigned char ns[16], const char *name, size_t n,
		  char out[CRYPTO_UUID_LEN]);
/* A UUID's text form (any version, either case) as its 16 bytes; false when malformed. */
bool crypto_uuid_parse(const char *s, unsigned char out[16]);

#endif

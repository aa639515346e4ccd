/*
 * auth.h - key authentication for mlw's HTTP services.
 *
 * Online endpoints in auth_mode "key" have two keys, as Azure's do, and
 * let in a request carrying either as "Authorization: Bearer KEY".  The
 * keys are 32 bytes from OpenSSL's RAND_bytes() written in base64 (44
 * characters, as Azure's primaryKey and secondaryKey look).  Comparison
 * takes the same time whatever the key given and wherever it differs:
 * both sides are hashed (SHA-256) and the digests compared with
 * CRYPTO_memcmp() (mlw_http_key_equal()), or both are padded to a
 * fixed size (a keyring's), so neither content nor length leaks
 * through timing.
 */
#ifndef MLW_HTTP_AUTH_H
#define MLW_HTTP_AUTH_H

#include <stddef.h>

struct mlw_http_request;
struct mlw_http_response;

#define MLW_HTTP_KEY_BYTES 32
#define MLW_HTTP_KEY_LEN 44	/* base64 of 32 bytes, without the NUL */

/* A new random key into out (NUL-terminated); 0, or MLW_ERROR. */
int mlw_http_key_generate(char out[MLW_HTTP_KEY_LEN + 1]);

/* 1 when given and key are the same string, else 0; constant time. */
int mlw_http_key_equal(const char *given, const char *key);

/*
 * 1 when req carries "Authorization: Bearer K" with K one of keys (a
 * NULL-ended list; NULL and "" entries never match), else 0.  Every key
 * is compared, whichever matches.
 */
int mlw_http_auth_bearer(const struct mlw_http_request *req,
			 const char *const *keys);

/*
 * Up to MLW_HTTP_MAX_KEYS keys of at most MLW_HTTP_RING_KEY_MAX bytes,
 * taken once (a server's configuration), each zero-padded to that size
 * with its length beside it.  A request's key is padded the same way
 * and compared with every key of the ring in full (a word at a time, the
 * lengths folded into the result without a branch): neither content
 * nor length leaks, as with digests, and a request costs no SHA-256
 * (2,000 of the 27,000 instructions an endpoint's request took).
 */
#define MLW_HTTP_MAX_KEYS 4
#define MLW_HTTP_RING_KEY_MAX 64
struct mlw_http_keyring {
	unsigned char key[MLW_HTTP_MAX_KEYS][MLW_HTTP_RING_KEY_MAX];
	size_t len[MLW_HTTP_MAX_KEYS];
	unsigned nr;
};

/*
 * Fill ring with keys (a NULL-ended list; NULL and "" entries are left
 * out, as are those longer than MLW_HTTP_RING_KEY_MAX and those past
 * MLW_HTTP_MAX_KEYS: nothing matches a key left out).  Keys mlw makes
 * are MLW_HTTP_KEY_LEN long.
 */
void mlw_http_keyring_init(struct mlw_http_keyring *ring,
			   const char *const *keys);

/* mlw_http_auth_bearer() against the keys of ring */
int mlw_http_auth_bearer_ring(const struct mlw_http_request *req,
			      const struct mlw_http_keyring *ring);

/* 401 UNAUTHENTICATED with "WWW-Authenticate: Bearer", nothing more */
void mlw_http_respond_unauthorized(struct mlw_http_response *res);

#endif

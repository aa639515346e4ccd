/*
 * auth.h - key authentication for mlw's HTTP services.
 *
 * Online endpoints in auth_mode "key" have two keys, as Azure's do, and
 * let in a request carrying either as "Authorization: Bearer KEY".  The
 * keys are 32 bytes from OpenSSL's RAND_bytes() written in base64 (44
 * characters, as Azure's primaryKey and secondaryKey look).  Comparison
 * takes the same time whatever the key given and wherever it differs:
 * both sides are hashed (SHA-256) and the digests compared with
 * CRYPTO_memcmp(), so neither content nor length leaks through timing.
 */
#ifndef MLW_HTTP_AUTH_H
#define MLW_HTTP_AUTH_H

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
 * The digests of up to MLW_HTTP_MAX_KEYS keys, taken once (a server's
 * configuration) so that a request hashes only the key it gives: one
 * SHA-256 a request instead of one per key more.
 */
#define MLW_HTTP_MAX_KEYS 4
struct mlw_http_keyring {
	unsigned char digest[MLW_HTTP_MAX_KEYS][32];
	unsigned nr;
};

/*
 * Fill ring with the digests of keys (a NULL-ended list; NULL and ""
 * entries are left out, as are those past MLW_HTTP_MAX_KEYS: nothing
 * matches a key left out).
 */
void mlw_http_keyring_init(struct mlw_http_keyring *ring,
			   const char *const *keys);

/* mlw_http_auth_bearer() against the keys of ring */
int mlw_http_auth_bearer_ring(const struct mlw_http_request *req,
			      const struct mlw_http_keyring *ring);

/* 401 UNAUTHENTICATED with "WWW-Authenticate: Bearer", nothing more */
void mlw_http_respond_unauthorized(struct mlw_http_response *res);

#endif

/*
 * auth.c - keys and Bearer authentication; see auth.h.
 */
#include "http/auth.h"
#include "http/server.h"
#include "store/odb.h"
#include "util/error.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

int mlw_http_key_generate(char out[MLW_HTTP_KEY_LEN + 1])
{
	unsigned char raw[MLW_HTTP_KEY_BYTES];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return mlw_error_set("cannot generate a key: the random number generator failed");
	EVP_EncodeBlock((unsigned char *)out, raw, sizeof(raw));
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

/*
 * SHA-256 of s: equal digests for equal strings, fixed size for all, so
 * that keys of any length compare in constant time (a keyring's keys,
 * of a bounded length, are padded instead: no hashing a request).  The
 * store's hash (OpenSSL's direct interface): EVP_Digest() makes and
 * frees a provider context at every call, 300 ns against 75 ns here.
 */
static void digest(unsigned char md[32], const char *s)
{
	struct mlw_oid oid;

	mlw_hash_buf(&oid, s, strlen(s));
	memcpy(md, oid.hash, 32);
}

int mlw_http_key_equal(const char *given, const char *key)
{
	unsigned char a[32], b[32];

	digest(a, given);
	digest(b, key);
	return !CRYPTO_memcmp(a, b, sizeof(a));
}

void mlw_http_keyring_init(struct mlw_http_keyring *ring,
			   const char *const *keys)
{
	memset(ring, 0, sizeof(*ring));
	for (; keys && *keys && ring->nr < MLW_HTTP_MAX_KEYS; keys++) {
		size_t len = strlen(*keys);

		if (!len || len > MLW_HTTP_RING_KEY_MAX)
			continue;
		memcpy(ring->key[ring->nr], *keys, len);
		ring->len[ring->nr++] = len;
	}
}

/*
 * Not 0 when the MLW_HTTP_RING_KEY_MAX bytes of a and b differ, else 0,
 * a word at a time (CRYPTO_memcmp() takes a byte at a time: 800
 * instructions a request for a ring of two).  Every word is read
 * whatever the first difference is: the empty asm makes diff opaque to
 * the compiler, which cannot stop the loop early on it.
 */
static uint64_t ring_key_differs(const unsigned char *a,
				 const unsigned char *b)
{
	uint64_t diff = 0, x, y;
	size_t i;

	for (i = 0; i < MLW_HTTP_RING_KEY_MAX; i += sizeof(x)) {
		memcpy(&x, a + i, sizeof(x));
		memcpy(&y, b + i, sizeof(y));
		diff |= x ^ y;
		__asm__ ("" : "+r"(diff));
	}
	return diff;
}

/* the key of req's "Authorization: Bearer KEY", or NULL */
static const char *bearer_of(const struct mlw_http_request *req)
{
	const char *h = mlw_http_request_header(req, "Authorization");

	if (!h || strncasecmp(h, "Bearer ", 7))
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return h;
}

int mlw_http_auth_bearer_ring(const struct mlw_http_request *req,
			      const struct mlw_http_keyring *ring)
{
	const char *key = bearer_of(req);
	unsigned char given[MLW_HTTP_RING_KEY_MAX];
	size_t len;
	unsigned i;
	int match = 0;

	if (!key || !ring->nr)
		return 0;
	/* no key of the ring is longer: the length given is no secret */
	len = strnlen(key, sizeof(given) + 1);
	if (len > sizeof(given))
		return 0;
	memcpy(given, key, len);
	memset(given + len, 0, sizeof(given) - len);
	/* every key is compared in full, whichever matches */
	for (i = 0; i < ring->nr; i++) {
		uint64_t diff = ring_key_differs(given, ring->key[i]);

		diff |= (uint64_t)(len ^ ring->len[i]);
		match |= diff == 0;
	}
	OPENSSL_cleanse(given, sizeof(given));
	return match;
}

int mlw_http_auth_bearer(const struct mlw_http_request *req,
			 const char *const *keys)
{
	struct mlw_http_keyring ring;

	mlw_http_keyring_init(&ring, keys);
	return mlw_http_auth_bearer_ring(req, &ring);
}

void mlw_http_respond_unauthorized(struct mlw_http_response *res)
{
	mlw_http_respond_error(res, 401, "UNAUTHENTICATED",
			       "a valid key is required: Authorization: Bearer KEY");
	mlw_http_response_header(res, "WWW-Authenticate", "Bearer");
}

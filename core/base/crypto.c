#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "crypto.h"

#define NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG   crypto_aead_xchacha20poly1305_ietf_ABYTES

static enum hz_status
hex_key(const struct hz_config *c, const char *name, unsigned char *out,
        size_t min, size_t max, size_t *len, char *err, size_t errlen)
{
	const char *hex = hz_secret(c, name);
	size_t n = 0;

	if (hex == NULL) {
		snprintf(err, errlen, "secrets: no %s (huzu keygen makes one)",
		    name);
		return HZ_ERR_CONFIG;
	}
	if (sodium_hex2bin(out, max, hex, strlen(hex), NULL, &n, NULL) != 0 ||
	    n < min) {
		snprintf(err, errlen, "secrets: %s must be %zu to %zu bytes "
		    "of hex", name, min, max);
		return HZ_ERR_CONFIG;
	}
	if (len != NULL)
		*len = n;
	return HZ_OK;
}

enum hz_status
hz_keys_load(const struct hz_config *c, struct hz_keys *k, char *err,
             size_t errlen)
{
	const char *current = hz_secret(c, "jwt_current");
	enum hz_status rc;

	memset(k, 0, sizeof(*k));
	if ((rc = hex_key(c, "pii_key", k->pii, HZ_KEY_BYTES, HZ_KEY_BYTES,
	    NULL, err, errlen)) ||
	    (rc = hex_key(c, "index_key", k->index, HZ_KEY_BYTES,
	    HZ_KEY_BYTES, NULL, err, errlen)))
		return rc;
	for (size_t i = 0; i < c->secrets.n; i++) {
		const char *name = c->secrets.kv[i].name;
		struct hz_jwt_key *j;

		if (strncmp(name, "jwt_key_", 8) != 0)
			continue;
		if (k->njwt == HZ_JWT_KEYS_MAX ||
		    strlen(name + 8) == 0 || strlen(name + 8) >= sizeof(j->kid)) {
			snprintf(err, errlen, "secrets: bad or too many jwt keys");
			return HZ_ERR_CONFIG;
		}
		j = &k->jwt[k->njwt++];
		snprintf(j->kid, sizeof(j->kid), "%s", name + 8);
		/* libjwt 1.10 skips the signature check for an empty key:
		 * refuse anything under 32 bytes. */
		if ((rc = hex_key(c, name, j->key, 32, sizeof(j->key), &j->len,
		    err, errlen)))
			return rc;
	}
	if (current == NULL ||
	    (k->jwt_current = hz_jwt_key_find(k, current)) == NULL) {
		snprintf(err, errlen, "secrets: jwt_current must name a "
		    "jwt_key_<kid>");
		return HZ_ERR_CONFIG;
	}
	return hz_qr_keys_load(c, &k->qr, err, errlen);
}

const struct hz_jwt_key *
hz_jwt_key_find(const struct hz_keys *k, const char *kid)
{
	for (size_t i = 0; i < k->njwt; i++)
		if (strcmp(k->jwt[i].kid, kid) == 0)
			return &k->jwt[i];
	return NULL;
}

enum hz_status
hz_seal(hz_arena *a, const struct hz_keys *k, const char *purpose,
        const char *plain, size_t len, unsigned char **out, size_t *outlen)
{
	unsigned char *s;
	unsigned long long clen;

	if (len > 4096 || (s = hz_arena_alloc(a, NONCE + len + TAG)) == NULL)
		return HZ_ERR_NOMEM;
	randombytes_buf(s, NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(s + NONCE, &clen,
	    (const unsigned char *)plain, len, (const unsigned char *)purpose,
	    strlen(purpose), NULL, s, k->pii);
	*out = s;
	*outlen = NONCE + (size_t)clen;
	return HZ_OK;
}

enum hz_status
hz_unseal(hz_arena *a, const struct hz_keys *k, const char *purpose,
          const unsigned char *sealed, size_t len, char **plain)
{
	unsigned long long plen;
	char *p;

	if (len < NONCE + TAG || (p = hz_arena_alloc(a, len)) == NULL)
		return HZ_ERR_INTERNAL;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)p,
	    &plen, NULL, sealed + NONCE, len - NONCE,
	    (const unsigned char *)purpose, strlen(purpose), sealed, k->pii)
	    != 0)
		return HZ_ERR_INTERNAL;     /* wrong key or tampered row */
	p[plen] = '\0';
	*plain = p;
	return HZ_OK;
}

void
hz_blind_index(const struct hz_keys *k, const char *purpose,
               const char *value, size_t len,
               unsigned char out[HZ_INDEX_BYTES])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, k->index, HZ_KEY_BYTES, HZ_INDEX_BYTES);
	/* purpose and value separated by a NUL: no two pairs collide. */
	crypto_generichash_update(&st, (const unsigned char *)purpose,
	    strlen(purpose) + 1);
	crypto_generichash_update(&st, (const unsigned char *)value, len);
	crypto_generichash_final(&st, out, HZ_INDEX_BYTES);
}

static char *
mask(hz_arena *a, const char *s, size_t head, size_t tail)
{
	size_t n = strlen(s);
	char *m;

	if (n <= head + tail)
		head = tail = n / 4;
	if ((m = hz_arena_strdup(a, s)) == NULL)
		return NULL;
	for (size_t i = head; i < n - tail; i++)
		m[i] = '*';
	return m;
}

char *
hz_mask_phone(hz_arena *a, const char *phone)
{
	return mask(a, phone, 3, 4);
}

/* An 18-character ID keeps 4 + 4 (4401**********1234); a shorter document
 * number keeps a quarter of its length at each end at most, so a passport
 * number is never a guess away from whole. */
char *
hz_mask_id(hz_arena *a, const char *id)
{
	size_t n = strlen(id), k = n >= 16 ? 4 : n / 4;

	return mask(a, id, k, k);
}

void
hz_random_token(char out[HZ_TOKEN_CHARS + 1])
{
	unsigned char b[32];

	randombytes_buf(b, sizeof(b));
	sodium_bin2base64(out, HZ_TOKEN_CHARS + 1, b, sizeof(b),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(b, sizeof(b));
}

void
hz_sha256(const void *p, size_t n, unsigned char out[32])
{
	crypto_hash_sha256(out, p, n);
}

bool
hz_phone_valid(const char *s)
{
	if (s == NULL || strlen(s) != 11 || s[0] != '1' || s[1] < '3' ||
	    s[1] > '9')
		return false;
	for (int i = 2; i < 11; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

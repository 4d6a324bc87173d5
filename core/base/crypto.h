/* Keys and the uses of libsodium: sealing PII at rest (XChaCha20-Poly1305),
 * blind indexes for look-ups (keyed BLAKE2b), masks for display, random
 * tokens. Keys come from the secrets file, hex encoded:
 *   pii_key      32 bytes, seals phone and ID numbers
 *   index_key    32 bytes, keys the blind indexes and code hashes
 *   jwt_key_KID  ≥ 32 bytes, one per key id; jwt_current = KID signs
 *   qr_key_N     32 bytes, N in 1..255; qr_current = N signs posters */
#ifndef HZ_CRYPTO_H
#define HZ_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "config.h"
#include "qr.h"
#include "status.h"

#define HZ_KEY_BYTES     32
#define HZ_INDEX_BYTES   32
#define HZ_JWT_KEYS_MAX  8
#define HZ_TOKEN_CHARS   43   /* 32 random bytes, base64url, no padding */

struct hz_jwt_key {
	char          kid[32];
	unsigned char key[64];
	size_t        len;
};

struct hz_keys {
	unsigned char     pii[HZ_KEY_BYTES];
	unsigned char     index[HZ_KEY_BYTES];
	size_t            njwt;
	struct hz_jwt_key jwt[HZ_JWT_KEYS_MAX];
	const struct hz_jwt_key *jwt_current;
	struct hz_qr_keys        qr;
};

/* Decodes and checks every key; refuses short or missing ones. */
enum hz_status hz_keys_load(const struct hz_config *, struct hz_keys *,
                            char *err, size_t errlen);
const struct hz_jwt_key *hz_jwt_key_find(const struct hz_keys *,
                                         const char *kid);

/* Sealed value = nonce || ciphertext || tag. `purpose` (e.g. "phone") is
 * bound as associated data, so a value cannot be moved between columns. */
enum hz_status hz_seal(hz_arena *, const struct hz_keys *, const char *purpose,
                       const char *plain, size_t len,
                       unsigned char **out, size_t *outlen);
enum hz_status hz_unseal(hz_arena *, const struct hz_keys *,
                         const char *purpose, const unsigned char *sealed,
                         size_t len, char **plain);

/* Keyed hash of (purpose, value): equal inputs give equal indexes, and
 * without index_key nobody can test a guess against the table. */
void hz_blind_index(const struct hz_keys *, const char *purpose,
                    const char *value, size_t len,
                    unsigned char out[HZ_INDEX_BYTES]);

/* 138****5678; 4401**********1234 (first 4 and last 4 kept). */
char *hz_mask_phone(hz_arena *, const char *phone);
char *hz_mask_id(hz_arena *, const char *id);

/* A fresh random token (base64url, HZ_TOKEN_CHARS + NUL). */
void hz_random_token(char out[HZ_TOKEN_CHARS + 1]);
void hz_sha256(const void *, size_t, unsigned char out[32]);

/* Mainland mobile number: 11 digits, 1[3-9]xxxxxxxxx. */
bool hz_phone_valid(const char *);

#endif

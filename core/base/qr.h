/* Poster QR codes (buildings and stations): the signed token a poster
 * carries, and the code rendered as PNG (libpng) or SVG.
 *
 * A token is base64url of
 *     kid (1 byte) | building or station id (LEB128) | poster serial
 *     (LEB128) | MAC (8)
 * where MAC is keyed BLAKE2b (qr_key_<kid> from the secrets file) over a
 * label naming the kind of place and the bytes before it. A station's
 * code therefore never verifies as a building's, or the other way, even
 * when the ids and serials are equal. 8 bytes of MAC are plenty for a code that can only be
 * tried online, through rate limits; they keep the URL short enough for a
 * version 4 code at level Q. */
#ifndef HZ_QR_H
#define HZ_QR_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "config.h"
#include "status.h"

#define HZ_QR_KEYS_MAX   8
#define HZ_QR_TOKEN_MAX  32   /* characters */

struct hz_qr_keys {
	size_t n;
	struct {
		unsigned      kid;
		unsigned char key[32];
	} k[HZ_QR_KEYS_MAX];
	size_t current;          /* index into k of qr_current */
};

enum hz_status hz_qr_keys_load(const struct hz_config *, struct hz_qr_keys *,
                               char *err, size_t errlen);

enum hz_qr_kind { HZ_QR_BUILDING, HZ_QR_STATION };

/* A token for (kind, id, serial) signed with the current key. */
enum hz_status hz_qr_token(hz_arena *, const struct hz_qr_keys *,
                           enum hz_qr_kind, uint64_t id, uint32_t serial,
                           char **token);
/* HZ_OK with the kind, id and serial, or HZ_ERR_NOT_FOUND for anything
 * malformed, truncated, altered, or signed with a key we do not hold. The
 * MAC is compared in constant time. Checking the serial against the
 * place's current one is the caller's business. */
enum hz_status hz_qr_verify(const struct hz_qr_keys *, const char *token,
                            enum hz_qr_kind *, uint64_t *id,
                            uint32_t *serial);
/* The short code printed beside a poster's QR ("K7Q-3MX"), so a person can
 * tell that the code they scanned is the one on the door. */
void hz_qr_check_code(const struct hz_qr_keys *, const char *token,
                      char out[8]);

struct hz_qr_image {
	const unsigned char *data;
	size_t               len;
	int                  version;   /* QR version chosen */
	int                  modules;   /* width in modules, quiet zone excluded */
};

/* Level Q, 4-module quiet zone. PNG: `scale` pixels per module, 1-bit. */
enum hz_status hz_qr_png(hz_arena *, const char *text, int scale,
                         struct hz_qr_image *);
enum hz_status hz_qr_svg(hz_arena *, const char *text, struct hz_qr_image *);

#endif

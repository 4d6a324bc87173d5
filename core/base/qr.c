#include <stdio.h>
#include <string.h>

#include <png.h>
#include <qrencode.h>
#include <sodium.h>

#include "qr.h"

#define MAC_BYTES 8
#define QUIET     4

enum hz_status
hz_qr_keys_load(const struct hz_config *c, struct hz_qr_keys *k, char *err,
                size_t errlen)
{
	const char *cur = hz_secret(c, "qr_current");
	bool found = false;

	memset(k, 0, sizeof(*k));
	for (size_t i = 0; i < c->secrets.n; i++) {
		const char *name = c->secrets.kv[i].name;
		const char *hex = c->secrets.kv[i].value;
		unsigned long kid;
		char *end;
		size_t n = 0;

		if (strncmp(name, "qr_key_", 7) != 0)
			continue;
		kid = strtoul(name + 7, &end, 10);
		if (*end != '\0' || end == name + 7 || kid < 1 || kid > 255 ||
		    k->n == HZ_QR_KEYS_MAX ||
		    sodium_hex2bin(k->k[k->n].key, 32, hex, strlen(hex), NULL,
		    &n, NULL) != 0 || n != 32) {
			snprintf(err, errlen, "secrets: %s must be qr_key_<1..255> "
			    "= 32 bytes of hex", name);
			return HZ_ERR_CONFIG;
		}
		for (size_t j = 0; j < k->n; j++)
			if (k->k[j].kid == kid) {
				snprintf(err, errlen, "secrets: qr key %lu given "
				    "twice", kid);
				return HZ_ERR_CONFIG;
			}
		k->k[k->n].kid = (unsigned)kid;
		if (cur != NULL && strcmp(cur, name + 7) == 0) {
			k->current = k->n;
			found = true;
		}
		k->n++;
	}
	if (!found) {
		snprintf(err, errlen, "secrets: qr_current must name a qr_key_<n> "
		    "(huzu keygen makes them)");
		return HZ_ERR_CONFIG;
	}
	return HZ_OK;
}

static size_t
put_varint(unsigned char *p, uint64_t v)
{
	size_t n = 0;

	do {
		p[n] = (unsigned char)(v & 0x7f);
		v >>= 7;
		if (v)
			p[n] |= 0x80;
		n++;
	} while (v);
	return n;
}

/* At most `max_bytes` bytes; false when longer or cut short. */
static bool
get_varint(const unsigned char *p, size_t len, size_t *off, size_t max_bytes,
           uint64_t *out)
{
	uint64_t v = 0;

	for (size_t i = 0; i < max_bytes && *off < len; i++) {
		unsigned char b = p[(*off)++];
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			/* Refuse non-minimal encodings: one token per value. */
			if (i > 0 && b == 0)
				return false;
			*out = v;
			return true;
		}
	}
	return false;
}

/* The label of each kind: the building's is the one posters carried
 * before stations had codes, so they stay valid. */
static const char *const labels[] = {
	[HZ_QR_BUILDING] = "huzu-qr",
	[HZ_QR_STATION]  = "huzu-qr-station",
};

static void
mac(const unsigned char key[32], enum hz_qr_kind kind,
    const unsigned char *msg, size_t len, unsigned char out[MAC_BYTES])
{
	unsigned char full[crypto_generichash_BYTES_MIN];
	crypto_generichash_state st;

	crypto_generichash_init(&st, key, 32, sizeof(full));
	crypto_generichash_update(&st, (const unsigned char *)labels[kind],
	    strlen(labels[kind]));
	crypto_generichash_update(&st, msg, len);
	crypto_generichash_final(&st, full, sizeof(full));
	memcpy(out, full, MAC_BYTES);
}

enum hz_status
hz_qr_token(hz_arena *a, const struct hz_qr_keys *k, enum hz_qr_kind kind,
            uint64_t id, uint32_t serial, char **token)
{
	unsigned char raw[32];
	size_t n = 0;
	char *t;

	raw[n++] = (unsigned char)k->k[k->current].kid;
	n += put_varint(raw + n, id);
	n += put_varint(raw + n, serial);
	mac(k->k[k->current].key, kind, raw, n, raw + n);
	n += MAC_BYTES;
	if ((t = hz_arena_alloc(a, HZ_QR_TOKEN_MAX + 1)) == NULL)
		return HZ_ERR_NOMEM;
	sodium_bin2base64(t, HZ_QR_TOKEN_MAX + 1, raw, n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	*token = t;
	return HZ_OK;
}

enum hz_status
hz_qr_verify(const struct hz_qr_keys *k, const char *token,
             enum hz_qr_kind *kind, uint64_t *id, uint32_t *serial)
{
	unsigned char raw[32], want[MAC_BYTES], other[MAC_BYTES];
	const unsigned char *key = NULL;
	size_t len, off = 1;
	uint64_t b, s;
	const char *end;

	if (token == NULL || strlen(token) > HZ_QR_TOKEN_MAX ||
	    sodium_base642bin(raw, sizeof(raw), token, strlen(token), NULL,
	    &len, &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    *end != '\0' || len < 1 + 1 + 1 + MAC_BYTES)
		return HZ_ERR_NOT_FOUND;
	for (size_t i = 0; i < k->n; i++)
		if (k->k[i].kid == raw[0])
			key = k->k[i].key;
	if (key == NULL ||
	    !get_varint(raw, len - MAC_BYTES, &off, 8, &b) ||
	    !get_varint(raw, len - MAC_BYTES, &off, 5, &s) ||
	    off != len - MAC_BYTES || b == 0 || b > 9007199254740991ULL ||
	    s > UINT32_MAX)
		return HZ_ERR_NOT_FOUND;
	/* Both labels are always tried, so the time taken says nothing of
	 * which kind came close. */
	mac(key, HZ_QR_BUILDING, raw, off, want);
	mac(key, HZ_QR_STATION, raw, off, other);
	if (sodium_memcmp(want, raw + off, MAC_BYTES) == 0)
		*kind = HZ_QR_BUILDING;
	else if (sodium_memcmp(other, raw + off, MAC_BYTES) == 0)
		*kind = HZ_QR_STATION;
	else
		return HZ_ERR_NOT_FOUND;
	*id = b;
	*serial = (uint32_t)s;
	return HZ_OK;
}

void
hz_qr_check_code(const struct hz_qr_keys *k, const char *token, char out[8])
{
	/* Crockford's base32: no I, L, O, U to misread. */
	static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	unsigned char h[crypto_generichash_BYTES_MIN], kid = 0;
	const unsigned char *key = k->k[k->current].key;
	crypto_generichash_state st;
	size_t len;
	uint32_t v;

	/* Under the token's own key: after a key rotation, a poster printed
	 * with the old key still shows the code printed on it. */
	if (sodium_base642bin(&kid, 1, token, 2, NULL, &len, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 && len == 1)
		for (size_t i = 0; i < k->n; i++)
			if (k->k[i].kid == kid)
				key = k->k[i].key;
	crypto_generichash_init(&st, key, 32, sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)"huzu-check", 10);
	crypto_generichash_update(&st, (const unsigned char *)token,
	    strlen(token));
	crypto_generichash_final(&st, h, sizeof(h));
	v = (uint32_t)h[0] << 22 | (uint32_t)h[1] << 14 | (uint32_t)h[2] << 6 |
	    h[3] >> 2;
	for (int i = 6; i >= 0; i--) {
		if (i == 3) {
			out[i] = '-';
			continue;
		}
		out[i] = alphabet[v & 31];
		v >>= 5;
	}
	out[7] = '\0';
}

static QRcode *
encode(const char *text)
{
	/* Level Q: a quarter of the code may be lost (a torn or dirty poster)
	 * and it still reads. Case-sensitive: the token is base64url. */
	return QRcode_encodeString(text, 0, QR_ECLEVEL_Q, QR_MODE_8, 1);
}

struct png_out {
	struct hz_buf buf;
};

static void
png_write(png_structp p, png_bytep data, size_t len)
{
	struct png_out *o = png_get_io_ptr(p);

	hz_buf_append(&o->buf, data, len);
}

static void
png_flush(png_structp p)
{
	(void)p;
}

enum hz_status
hz_qr_png(hz_arena *a, const char *text, int scale, struct hz_qr_image *img)
{
	QRcode *q;
	png_structp png = NULL;
	png_infop info = NULL;
	struct png_out out;
	unsigned char *row = NULL;
	volatile enum hz_status rc = HZ_ERR_NOMEM;
	int size;

	if (scale < 1 || scale > 32 || (q = encode(text)) == NULL)
		return HZ_ERR_INVALID;
	size = (q->width + 2 * QUIET) * scale;
	hz_buf_init(&out.buf, a);
	if ((row = hz_arena_alloc(a, (size_t)(size + 7) / 8)) == NULL ||
	    (png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL,
	    NULL)) == NULL || (info = png_create_info_struct(png)) == NULL)
		goto out;
	if (setjmp(png_jmpbuf(png)))
		goto out;
	png_set_write_fn(png, &out, png_write, png_flush);
	png_set_IHDR(png, info, (png_uint_32)size, (png_uint_32)size, 1,
	    PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
	    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (int y = 0; y < size; y++) {
		int my = y / scale - QUIET;

		memset(row, 0xff, (size_t)(size + 7) / 8);
		for (int x = 0; x < size; x++) {
			int mx = x / scale - QUIET;
			/* Bit 0 of each module byte is "dark". */
			if (mx >= 0 && my >= 0 && mx < q->width && my < q->width &&
			    (q->data[my * q->width + mx] & 1))
				row[x / 8] &= (unsigned char)~(0x80 >> (x % 8));
		}
		png_write_row(png, row);
	}
	png_write_end(png, info);
	if (!out.buf.oom) {
		img->data = (const unsigned char *)out.buf.data;
		img->len = out.buf.len;
		img->version = q->version;
		img->modules = q->width;
		rc = HZ_OK;
	}
out:
	png_destroy_write_struct(&png, &info);
	QRcode_free(q);
	return rc;
}

enum hz_status
hz_qr_svg(hz_arena *a, const char *text, struct hz_qr_image *img)
{
	struct hz_buf b;
	QRcode *q;
	int n;

	if ((q = encode(text)) == NULL)
		return HZ_ERR_INVALID;
	n = q->width + 2 * QUIET;
	hz_buf_init(&b, a);
	hz_buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
	    "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" "
	    "fill=\"#fff\"/><path fill=\"#000\" d=\"", n, n, n, n);
	/* One horizontal run of dark modules per path segment. */
	for (int y = 0; y < q->width; y++)
		for (int x = 0; x < q->width; x++) {
			int run = 0;
			while (x + run < q->width &&
			    (q->data[y * q->width + x + run] & 1))
				run++;
			if (run > 0) {
				hz_buf_printf(&b, "M%d %dh%dv1h-%dz", x + QUIET,
				    y + QUIET, run, run);
				x += run;
			}
		}
	hz_buf_puts(&b, "\"/></svg>\n");
	img->version = q->version;
	img->modules = q->width;
	QRcode_free(q);
	if (b.oom)
		return HZ_ERR_NOMEM;
	img->data = (const unsigned char *)b.data;
	img->len = b.len;
	return HZ_OK;
}

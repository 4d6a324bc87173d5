/* huzu-image: turns one uploaded file into the two JPEGs Huzu keeps.
 *
 *   huzu-image MAX_PIXELS SECONDS IN DIR
 *
 * A program of its own, run by a worker for each upload and waited for
 * (core/uploads.c), so that libvips and the memory a decode takes never
 * live in the API workers. It decodes IN with libvips whatever its name
 * (JPEG, PNG, WebP and HEIC only), turns it upright by its EXIF
 * orientation, drops every metadata block (EXIF with its GPS, XMP, IPTC,
 * ICC after conversion to sRGB), and writes a display size (longest side
 * at most 1280 px) and a thumbnail (at most 320 px) as JPEG under
 * DIR/ab/<sha>.jpg and DIR/ab/<sha>_t.jpg, <sha> being the SHA-256 of the
 * display file. On success it prints "<sha> <width> <height> <bytes>".
 *
 * Exit status: 0 done; 2 not a photo of a kind we take (or undecodable);
 * 3 more than MAX_PIXELS pixels (a decompression bomb, or just too big);
 * 1 anything else. Killed by SIGALRM after SECONDS. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <vips/vips.h>

#define DISPLAY_SIDE 1280
#define THUMB_SIDE   320

enum { EX_DONE = 0, EX_FAIL = 1, EX_UNSUPPORTED = 2, EX_TOO_BIG = 3 };

/* The loaders we take; any other (SVG, PDF, TIFF, GIF, ...) is refused,
 * whatever the file claims to be. */
static const char *const loaders[] = {
	"VipsForeignLoadJpegFile", "VipsForeignLoadPngFile",
	"VipsForeignLoadWebpFile", "VipsForeignLoadHeifFile", NULL,
};

static int
fail(int code, const char *what)
{
	const char *e = vips_error_buffer();

	fprintf(stderr, "huzu-image: %s%s%s\n", what, e && *e ? ": " : "",
	    e ? e : "");
	return code;
}

static int
accepted_loader(const char *in, VipsImage *head)
{
	const char *l = vips_foreign_find_load(in);
	const char *comp = NULL;

	vips_error_clear();
	if (l == NULL)
		return 0;
	for (size_t i = 0; loaders[i]; i++) {
		if (strcmp(l, loaders[i]) != 0)
			continue;
		/* The HEIF loader also reads AVIF: only HEVC (HEIC) here. */
		if (strcmp(l, "VipsForeignLoadHeifFile") == 0)
			return head != NULL && vips_image_get_typeof(head,
			    "heif-compression") && !vips_image_get_string(head,
			    "heif-compression", &comp) && strcmp(comp, "hevc") == 0;
		return 1;
	}
	return 0;
}

/* Upright, 8-bit sRGB (or grey) without alpha: what a JPEG holds. */
static VipsImage *
for_jpeg(VipsImage *in, VipsObject *keep)
{
	VipsImage *t = in, *u;
	VipsInterpretation i;

	if (vips_image_hasalpha(t)) {
		VipsArrayDouble *white = vips_array_double_newv(1, 255.0);
		int bad = vips_flatten(t, &u, "background", white, NULL);

		vips_area_unref(VIPS_AREA(white));
		if (bad)
			return NULL;
		vips_object_local(keep, u);
		t = u;
	}
	i = vips_image_guess_interpretation(t);
	if (t->BandFmt != VIPS_FORMAT_UCHAR || (i != VIPS_INTERPRETATION_sRGB &&
	    i != VIPS_INTERPRETATION_B_W)) {
		if (vips_colourspace(t, &u, VIPS_INTERPRETATION_sRGB, NULL))
			return NULL;
		vips_object_local(keep, u);
		t = u;
		if (t->BandFmt != VIPS_FORMAT_UCHAR) {
			if (vips_cast_uchar(t, &u, NULL))
				return NULL;
			vips_object_local(keep, u);
			t = u;
		}
	}
	return t;
}

/* Writes `len` bytes to DIR/ab/NAME through a temporary file and a
 * rename, so a reader never sees half a photo. */
static int
put(const char *dir, const char *sub, const char *name, const void *data,
    size_t len)
{
	char tmp[4096], final[4096];
	const char *p = data;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s/%s", dir, sub);
	/* nginx's workers read these, whatever our umask. */
	if (mkdir(tmp, 0755) == 0)
		chmod(tmp, 0755);
	else if (errno != EEXIST)
		return -1;
	if ((size_t)snprintf(final, sizeof(final), "%s/%s/%s", dir, sub, name)
	    >= sizeof(final) || (size_t)snprintf(tmp, sizeof(tmp),
	    "%s/%s/.%s.XXXXXX", dir, sub, name) >= sizeof(tmp))
		return -1;
	if ((fd = mkstemp(tmp)) < 0)
		return -1;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			unlink(tmp);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	/* Read by nginx's workers, which may run as another user. */
	if (fchmod(fd, 0644) != 0 || fsync(fd) != 0 || close(fd) != 0 ||
	    rename(tmp, final) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	VipsObject *keep;
	VipsImage *head, *disp, *thumb, *t;
	void *dbuf = NULL, *tbuf = NULL;
	size_t dlen, tlen;
	unsigned char hash[crypto_hash_sha256_BYTES];
	char hex[crypto_hash_sha256_BYTES * 2 + 1], name[96], sub[3];
	long long max_pixels, seconds;
	char *end;
	int rc = EX_FAIL;

	if (argc != 5) {
		fprintf(stderr, "usage: huzu-image MAX_PIXELS SECONDS IN DIR\n");
		return EX_FAIL;
	}
	errno = 0;
	max_pixels = strtoll(argv[1], &end, 10);
	if (errno || *end || max_pixels < 1)
		return EX_FAIL;
	seconds = strtoll(argv[2], &end, 10);
	if (errno || *end || seconds < 1 || seconds > 3600)
		return EX_FAIL;
	/* The time limit: the default action of SIGALRM ends us, and the
	 * worker also kills us if we are still here a little later. */
	alarm((unsigned)seconds);
#if !defined(__SANITIZE_ADDRESS__)
	{
		/* An address-space ceiling as a second guard against a bomb
		 * (not under ASan, whose shadow memory needs terabytes). */
		struct rlimit as = { 1024UL << 20, 1024UL << 20 };
		setrlimit(RLIMIT_AS, &as);
	}
#endif
	if (sodium_init() < 0 || VIPS_INIT(argv[0]))
		return fail(EX_FAIL, "cannot start libvips");
	vips_concurrency_set(1);
	vips_cache_set_max(0);
	vips_block_untrusted_set(TRUE);
	keep = VIPS_OBJECT(vips_image_new());

	/* The header only: dimensions before any pixel is decoded. */
	head = vips_image_new_from_file(argv[3], "access",
	    VIPS_ACCESS_SEQUENTIAL, NULL);
	if (head == NULL || !accepted_loader(argv[3], head)) {
		rc = fail(EX_UNSUPPORTED, "not a JPEG, PNG, WebP or HEIC image");
		goto out;
	}
	vips_object_local(keep, head);
	if ((long long)head->Xsize * head->Ysize > max_pixels) {
		fprintf(stderr, "huzu-image: %dx%d is over %lld pixels\n",
		    head->Xsize, head->Ysize, max_pixels);
		rc = EX_TOO_BIG;
		goto out;
	}

	/* vips_thumbnail shrinks on load where the format allows and turns
	 * the image upright by its orientation tag. */
	if (vips_thumbnail(argv[3], &disp, DISPLAY_SIDE, "height",
	    DISPLAY_SIDE, "size", VIPS_SIZE_DOWN, NULL)) {
		rc = fail(EX_UNSUPPORTED, "cannot decode");
		goto out;
	}
	vips_object_local(keep, disp);
	/* strip: no EXIF (GPS), XMP, IPTC or ICC block in what we write. */
	if ((t = for_jpeg(disp, keep)) == NULL ||
	    vips_jpegsave_buffer(t, &dbuf, &dlen, "Q", 85, "strip", TRUE,
	    "optimize_coding", TRUE, NULL)) {
		rc = fail(EX_UNSUPPORTED, "cannot decode");
		goto out;
	}
	if (vips_thumbnail_buffer(dbuf, dlen, &thumb, THUMB_SIDE, "height",
	    THUMB_SIDE, "size", VIPS_SIZE_DOWN, NULL))
		goto out;
	vips_object_local(keep, thumb);
	if ((t = for_jpeg(thumb, keep)) == NULL ||
	    vips_jpegsave_buffer(t, &tbuf, &tlen, "Q", 80, "strip", TRUE,
	    "optimize_coding", TRUE, NULL)) {
		rc = fail(EX_FAIL, "cannot write the thumbnail");
		goto out;
	}

	crypto_hash_sha256(hash, dbuf, dlen);
	sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
	memcpy(sub, hex, 2);
	sub[2] = '\0';
	/* The thumbnail first: a display file that exists has its thumb. */
	snprintf(name, sizeof(name), "%s_t.jpg", hex);
	if (put(argv[4], sub, name, tbuf, tlen) != 0) {
		perror("huzu-image: writing the thumbnail");
		goto out;
	}
	snprintf(name, sizeof(name), "%s.jpg", hex);
	if (put(argv[4], sub, name, dbuf, dlen) != 0) {
		perror("huzu-image: writing the display file");
		goto out;
	}
	printf("%s %d %d %zu\n", hex, disp->Xsize, disp->Ysize, dlen);
	rc = fflush(stdout) == 0 ? EX_DONE : EX_FAIL;
out:
	g_free(dbuf);
	g_free(tbuf);
	g_object_unref(keep);
	vips_shutdown();
	return rc;
}

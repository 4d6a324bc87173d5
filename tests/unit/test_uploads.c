/* Photos against the real database and the real decoder (huzu-image,
 * built beside this test): what is taken and what is refused, who may
 * fetch a photo, and hz_uploads_owned for the modules that attach them. */
#include "unit.h"

#include <png.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dbfixture.h"
#include "uploads.h"

enum { S_COMPLAINT, S_PHOTO, S__MAX };
static const char *const sql[S__MAX] = {
	/* A complaint about unit ? by user ?, as the complaints module
	 * would file it. */
	[S_COMPLAINT] = "INSERT INTO complaints (user_id, category_id, text,"
	    " building_id, unit_id, unit_path, handler_unit_id, created_at,"
	    " respond_due, resolve_due, updated_at)"
	    " SELECT ?, (SELECT id FROM complaint_categories"
	    "   WHERE code = 'repair'), '门口灯坏了', u.id, u.id, u.path, u.id,"
	    " NOW(3), NOW(3), NOW(3), NOW(3) FROM units u WHERE u.id = ?",
	[S_PHOTO] = "INSERT INTO complaint_photos (complaint_id, upload_id,"
	    " position) VALUES (?, ?, 0)",
};
static const struct hz_stmt_table stmts = HZ_STMT_TABLE("test_uploads", sql);

/* A file as the worker would have received it. */
static const char *
body_file(const void *data, size_t len)
{
	char *path = hz_arena_alloc(fx.arena, HZ_PATH_MAX);
	int fd;

	assert_non_null(path);
	assert_int_equal(hz_upload_tmpfile(&fx_cfg, path, &fd), HZ_OK);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

/* A w×h grey PNG (a gradient) in a received-body file; its size in *len. */
static const char *
png_file(unsigned w, unsigned h, size_t *len)
{
	png_image img;
	unsigned char *px = malloc((size_t)w * h);
	png_alloc_size_t n = 0;
	void *buf;

	assert_non_null(px);
	for (size_t i = 0; i < (size_t)w * h; i++)
		px[i] = (unsigned char)(i % w * 255 / w);
	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	img.width = w;
	img.height = h;
	img.format = PNG_FORMAT_GRAY;
	assert_true(png_image_write_to_memory(&img, NULL, &n, 0, px, 0, NULL));
	assert_non_null(buf = malloc(n));
	assert_true(png_image_write_to_memory(&img, buf, &n, 0, px, 0, NULL));
	free(px);
	*len = n;
	const char *path = body_file(buf, n);
	free(buf);
	return path;
}

static uint64_t
uploaded(const struct hz_caller *c, unsigned w, unsigned h)
{
	struct hz_ctx x = fx_as(c);
	struct hz_upload u;
	size_t len;
	const char *path = png_file(w, h, &len);

	assert_int_equal(hz_upload_create(&x, "image/png", path, len, &u), HZ_OK);
	unlink(path);
	assert_true(u.id > 0);
	return u.id;
}

static void
complaint_with(const struct hz_caller *by, uint64_t unit, uint64_t upload)
{
	struct hz_db_result r;

	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_COMPLAINT,
	    HZ_ARGS(HZ_ARG_I64((long long)by->id), HZ_ARG_I64((long long)unit)),
	    &r), HZ_OK);
	assert_int_equal(r.affected, 1);
	assert_int_equal(hz_db_run(fx.db, fx.arena, &stmts, S_PHOTO,
	    HZ_ARGS(HZ_ARG_I64((long long)r.insert_id),
	    HZ_ARG_I64((long long)upload)), NULL), HZ_OK);
}

static bool
stored(const char *rel)
{
	struct stat st;

	return stat(hz_arena_printf(fx.arena, "%s/%s", fx_cfg.uploads_dir,
	    rel), &st) == 0 && st.st_size > 0;
}

static void
a_photo_is_re_encoded_kept_twice_and_audited(void **state)
{
	struct hz_caller r;
	struct hz_ctx x;
	struct hz_upload u;
	const char *path, *rel, *trel;
	size_t len;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_resident(&r), HZ_OK);
	x = fx_as(&r);
	/* Longer than the display size: kept at 1280 px, the thumbnail at
	 * 320; the declared type is only a hint. */
	path = png_file(2000, 500, &len);
	assert_int_equal(hz_upload_create(&x, "application/octet-stream",
	    path, len, &u), HZ_OK);
	unlink(path);
	assert_true(u.id > 0);
	assert_int_equal(u.width, 1280);
	assert_int_equal(u.height, 320);
	assert_true(u.bytes > 0);
	assert_int_equal(fx_audits("upload.create", r.id, u.id), 1);

	assert_int_equal(hz_upload_file(&x, u.id, false, &rel), HZ_OK);
	assert_int_equal(hz_upload_file(&x, u.id, true, &trel), HZ_OK);
	/* ab/<64 hex>.jpg and ab/<64 hex>_t.jpg, on disk. */
	assert_int_equal(strlen(rel), 2 + 1 + 64 + 4);
	assert_memory_equal(rel, rel + 3, 2);
	assert_string_equal(rel + 67, ".jpg");
	assert_memory_equal(trel, rel, 67);
	assert_string_equal(trel + 67, "_t.jpg");
	assert_true(stored(rel));
	assert_true(stored(trel));

	/* The same picture again: a row of its own, the same files. */
	path = png_file(2000, 500, &len);
	{
		struct hz_upload v;
		const char *vrel;

		assert_int_equal(hz_upload_create(&x, "image/png", path, len,
		    &v), HZ_OK);
		assert_true(v.id > u.id);
		assert_int_equal(hz_upload_file(&x, v.id, false, &vrel), HZ_OK);
		assert_string_equal(vrel, rel);
	}
	unlink(path);
}

static void
what_is_no_photo_is_refused(void **state)
{
	static const char text[] = "这不是照片\n";
	struct hz_caller r;
	struct hz_ctx x;
	struct hz_upload u;
	const char *path;
	size_t len;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_resident(&r), HZ_OK);
	x = fx_as(&r);

	path = body_file(text, sizeof(text) - 1);
	fx_refused(&x, hz_upload_create(&x, "image/jpeg", path,
	    sizeof(text) - 1, &u), HZ_ERR_MEDIA_TYPE, "unsupported_media_type",
	    NULL);
	assert_true(strstr(fx_why.message, "照片") != NULL);
	assert_int_equal(u.id, 0);
	unlink(path);

	/* A real photo declared as something no photo is. */
	path = png_file(40, 30, &len);
	fx_refused(&x, hz_upload_create(&x, "text/plain", path, len, &u),
	    HZ_ERR_MEDIA_TYPE, "unsupported_media_type", NULL);
	fx_refused(&x, hz_upload_create(&x, "application/json; charset=utf-8",
	    path, len, &u), HZ_ERR_MEDIA_TYPE, "unsupported_media_type", NULL);
	/* ...while any photo type (or none) is fine. */
	assert_int_equal(hz_upload_create(&x, "IMAGE/HEIC", path, len, &u),
	    HZ_OK);
	assert_int_equal(hz_upload_create(&x, NULL, path, len, &u), HZ_OK);

	fx_refused(&x, hz_upload_create(&x, "image/png", NULL, 0, &u),
	    HZ_ERR_INVALID, "validation_failed", "photo");
	fx_refused(&x, hz_upload_create(&x, "image/png", path,
	    (size_t)fx_cfg.upload_max + 1, &u), HZ_ERR_TOO_LARGE,
	    "body_too_large", NULL);

	/* Over the pixel ceiling: refused from the header, before any
	 * decoding. */
	fx_cfg.image_max_pixels = 40 * 30 - 1;
	fx_refused(&x, hz_upload_create(&x, "image/png", path, len, &u),
	    HZ_ERR_INVALID, "validation_failed", "photo");
	assert_true(strstr(fx_why.message, "像素") != NULL);
	fx_cfg.image_max_pixels = 40 * 30;
	assert_int_equal(hz_upload_create(&x, "image/png", path, len, &u),
	    HZ_OK);
	fx_cfg.image_max_pixels = 50000000;

	x = fx_as(NULL);
	assert_int_equal(hz_upload_create(&x, "image/png", path, len, &u),
	    HZ_ERR_UNAUTHORIZED);
	unlink(path);
}

static void
a_decoder_that_hangs_is_stopped_in_time(void **state)
{
	char prog[] = "/tmp/huzu-slow-image.XXXXXX";
	char saved[sizeof(fx_cfg.image_program)];
	struct hz_caller r;
	struct hz_ctx x;
	struct hz_upload u;
	struct timespec t0, t1;
	const char *path;
	size_t len;
	FILE *f;
	int fd;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_resident(&r), HZ_OK);
	x = fx_as(&r);
	assert_true((fd = mkstemp(prog)) >= 0);
	assert_non_null(f = fdopen(fd, "w"));
	fputs("#!/bin/sh\nexec sleep 30\n", f);
	fclose(f);
	chmod(prog, 0700);
	memcpy(saved, fx_cfg.image_program, sizeof(saved));
	snprintf(fx_cfg.image_program, sizeof(fx_cfg.image_program), "%s", prog);
	fx_cfg.image_timeout = 1;

	path = png_file(40, 30, &len);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fx_refused(&x, hz_upload_create(&x, "image/png", path, len, &u),
	    HZ_ERR_INVALID, "validation_failed", "photo");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 5);

	/* A decoder that cannot be run at all is our fault, not the user's. */
	snprintf(fx_cfg.image_program, sizeof(fx_cfg.image_program),
	    "/nonexistent/huzu-image");
	assert_int_equal(hz_upload_create(&x, "image/png", path, len, &u),
	    HZ_ERR_IO);

	memcpy(fx_cfg.image_program, saved, sizeof(saved));
	fx_cfg.image_timeout = 20;
	unlink(path);
	unlink(prog);
}

static void
only_the_uploader_and_staff_on_a_complaint_see_a_photo(void **state)
{
	struct fx_org o;
	struct fx_cast k;
	struct hz_caller r2, cadre2;
	struct hz_ctx x;
	const char *rel;
	uint64_t mine, other;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_cast_new(&o, &k), HZ_OK);
	assert_int_equal(fx_resident(&r2), HZ_OK);
	assert_int_equal(fx_staff(&cadre2, HZ_ROLE_CADRE, o.c2), HZ_OK);
	mine = uploaded(&k.r, 64, 48);
	other = uploaded(&r2, 64, 48);

	x = fx_as(&k.r);
	assert_int_equal(hz_upload_file(&x, mine, false, &rel), HZ_OK);
	assert_int_equal(hz_upload_file(&x, other, false, &rel),
	    HZ_ERR_NOT_FOUND);
	assert_null(rel);
	assert_int_equal(hz_upload_file(&x, other + 1000000, true, &rel),
	    HZ_ERR_NOT_FOUND);
	x = fx_as(&r2);
	assert_int_equal(hz_upload_file(&x, mine, true, &rel), HZ_ERR_NOT_FOUND);

	/* On no complaint: no staff member sees it. */
	x = fx_as(&k.head);
	assert_int_equal(hz_upload_file(&x, mine, false, &rel),
	    HZ_ERR_NOT_FOUND);
	x = fx_as(&k.cadre);
	assert_int_equal(hz_upload_file(&x, mine, false, &rel),
	    HZ_ERR_NOT_FOUND);

	/* On a complaint about b1: those who read b1 see it. */
	complaint_with(&k.r, o.b1, mine);
	x = fx_as(&k.head);
	assert_int_equal(hz_upload_file(&x, mine, false, &rel), HZ_OK);
	x = fx_as(&k.leader);
	assert_int_equal(hz_upload_file(&x, mine, true, &rel), HZ_OK);
	x = fx_as(&k.cadre);
	assert_int_equal(hz_upload_file(&x, mine, false, &rel), HZ_OK);
	/* A station manager at b1 reads no units; another cooperative's
	 * cadre is elsewhere; another resident is nobody here. */
	x = fx_as(&k.station);
	assert_int_equal(hz_upload_file(&x, mine, false, &rel),
	    HZ_ERR_NOT_FOUND);
	x = fx_as(&cadre2);
	assert_int_equal(hz_upload_file(&x, mine, false, &rel),
	    HZ_ERR_NOT_FOUND);
	x = fx_as(&r2);
	assert_int_equal(hz_upload_file(&x, mine, false, &rel),
	    HZ_ERR_NOT_FOUND);

	/* On a complaint about b3 (the other cooperative): its cadre only. */
	complaint_with(&r2, o.b3, other);
	x = fx_as(&cadre2);
	assert_int_equal(hz_upload_file(&x, other, false, &rel), HZ_OK);
	x = fx_as(&k.head);
	assert_int_equal(hz_upload_file(&x, other, false, &rel),
	    HZ_ERR_NOT_FOUND);
	x = fx_as(&k.cadre);
	assert_int_equal(hz_upload_file(&x, other, false, &rel),
	    HZ_ERR_NOT_FOUND);

	x = fx_as(NULL);
	assert_int_equal(hz_upload_file(&x, mine, false, &rel),
	    HZ_ERR_UNAUTHORIZED);
}

static void
owned_means_every_id_is_the_caller_s(void **state)
{
	struct hz_caller r, r2;
	struct hz_ctx x;
	uint64_t a, b, theirs;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_resident(&r), HZ_OK);
	assert_int_equal(fx_resident(&r2), HZ_OK);
	a = uploaded(&r, 32, 32);
	b = uploaded(&r, 48, 32);
	theirs = uploaded(&r2, 32, 32);

	x = fx_as(&r);
	assert_int_equal(hz_uploads_owned(&x, (uint64_t[]){ a, b }, 2), HZ_OK);
	assert_int_equal(hz_uploads_owned(&x, (uint64_t[]){ a, a, b }, 3),
	    HZ_OK);
	assert_int_equal(hz_uploads_owned(&x, NULL, 0), HZ_OK);
	fx_refused(&x, hz_uploads_owned(&x, (uint64_t[]){ a, theirs }, 2),
	    HZ_ERR_INVALID, "validation_failed", "photos");
	assert_true(strstr(fx_why.message, "重新上传") != NULL);
	fx_refused(&x, hz_uploads_owned(&x, (uint64_t[]){ b + 1000000 }, 1),
	    HZ_ERR_INVALID, "validation_failed", "photos");
	fx_refused(&x, hz_uploads_owned(&x, (uint64_t[]){ 0 }, 1),
	    HZ_ERR_INVALID, "validation_failed", "photos");
	x = fx_as(&r2);
	assert_int_equal(hz_uploads_owned(&x, (uint64_t[]){ theirs }, 1), HZ_OK);
	x = fx_as(NULL);
	assert_int_equal(hz_uploads_owned(&x, (uint64_t[]){ a }, 1),
	    HZ_ERR_UNAUTHORIZED);
}

static void
a_pdf_is_kept_as_received(void **state)
{
	static const char pdf[] = "%PDF-1.4\n1 0 obj << /Type /Catalog >>"
	    " endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
	static const char fake[] = "%PDF-1.4\n<script>alert(1)</script>\n";
	struct hz_caller s, other;
	struct hz_ctx x;
	struct hz_upload u;
	struct stat st;
	const char *path, *rel;
	char full[HZ_PATH_MAX * 2];

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_staff(&s, HZ_ROLE_ADMIN, 0), HZ_OK);
	assert_int_equal(fx_staff(&other, HZ_ROLE_ADMIN, 0), HZ_OK);
	x = fx_as(&s);
	path = body_file(pdf, sizeof(pdf) - 1);
	assert_int_equal(hz_upload_create(&x, "application/pdf", path,
	    sizeof(pdf) - 1, &u), HZ_OK);
	unlink(path);
	assert_true(u.pdf);
	assert_int_equal(u.bytes, (long long)sizeof(pdf) - 1);
	assert_int_equal(hz_upload_file(&x, u.id, true, &rel), HZ_OK);
	assert_int_equal(strlen(rel), 2 + 1 + 64 + 4);
	assert_string_equal(rel + 67, ".pdf");
	snprintf(full, sizeof(full), "%s/%s", fx_cfg.uploads_dir, rel);
	assert_int_equal(stat(full, &st), 0);
	assert_int_equal(st.st_size, (off_t)sizeof(pdf) - 1);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(fx_audits("upload.create", s.id, u.id), 1);
	/* Not a photo for a complaint; a file for a directive. */
	fx_refused(&x, hz_uploads_owned(&x, &u.id, 1), HZ_ERR_INVALID,
	    "validation_failed", "photos");
	assert_int_equal(hz_uploads_owned_files(&x, &u.id, 1, NULL), HZ_OK);
	/* Someone else's: not there. */
	x = fx_as(&other);
	assert_int_equal(hz_upload_file(&x, u.id, false, &rel),
	    HZ_ERR_NOT_FOUND);
	/* A header without the trailer is no PDF. */
	path = body_file(fake, sizeof(fake) - 1);
	fx_refused(&x, hz_upload_create(&x, "application/pdf", path,
	    sizeof(fake) - 1, &u), HZ_ERR_MEDIA_TYPE, "unsupported_media_type",
	    NULL);
	unlink(path);
}

UNIT_TESTS(fx_setup, fx_teardown,
	cmocka_unit_test(a_photo_is_re_encoded_kept_twice_and_audited),
	cmocka_unit_test(what_is_no_photo_is_refused),
	cmocka_unit_test(a_decoder_that_hangs_is_stopped_in_time),
	cmocka_unit_test(only_the_uploader_and_staff_on_a_complaint_see_a_photo),
	cmocka_unit_test(owned_means_every_id_is_the_caller_s),
	cmocka_unit_test(a_pdf_is_kept_as_received))

/* Photos and PDFs (DESIGN.md, "Security and privacy"): a user uploads
 * one, then attaches its id to something (a complaint, a directive, a
 * receipt's evidence, a checklist entry). A photo is decoded by a separate
 * program (huzu-image, core/image/), never by a worker: upright, every
 * metadata block (EXIF GPS first) stripped, kept as a display size and a
 * thumbnail under cfg->uploads_dir, named by the SHA-256 of the display
 * file. A PDF (a directive's file) is kept as received, named by the
 * SHA-256 of its bytes, and served sandboxed. Only its uploader, and those
 * who see what carries it, may fetch it; everyone else gets 404. */
#ifndef HZ_UPLOADS_H
#define HZ_UPLOADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "json.h"

struct hz_upload_rules {
	struct hz_rule size;       /* the query's ?size=display|thumb */
};
extern const struct hz_upload_rules hz_upload_rules;

struct hz_upload {
	uint64_t  id;
	int       width, height;   /* of the display file */
	long long bytes;           /* of the display file */
	bool      pdf;             /* a PDF kept as received (no size) */
};

/* The caller's upload: `len` bytes received into the file at `path`
 * (hz_upload_tmpfile), sent as `content_type` (NULL: none said). The
 * content decides, not the name or the type: anything but a JPEG, PNG,
 * WebP or HEIC photo, or a PDF ("%PDF-" first, "%%EOF" in its last KiB;
 * kept as received, `pdf` set), is unsupported_media_type (415). Refused
 * on `photo` (422) when empty, over cfg->image_max_pixels, or too slow to
 * decode; 413 over cfg->upload_max. The caller removes `path` afterwards. */
enum hz_status hz_upload_create(const struct hz_ctx *, const char *content_type,
                                const char *path, size_t len,
                                struct hz_upload *out);

/* The file of upload `id` the caller may see, relative to uploads_dir
 * ("ab/<sha>.jpg", "ab/<sha>_t.jpg" for the thumbnail, "ab/<sha>.pdf" for
 * a PDF whatever the size); 404 if it is not theirs and not on something
 * they see (may_see in uploads.c). */
enum hz_status hz_upload_file(const struct hz_ctx *, uint64_t id, bool thumb,
                              const char **relpath);

/* HZ_OK when every id is a photo uploaded by the caller (n == 0
 * included); else 422 on `photos` (the photo has to be uploaded again, or
 * a PDF is not a photo). For the modules that attach photos (complaints,
 * checklists, a receipt's evidence). */
enum hz_status hz_uploads_owned(const struct hz_ctx *, const uint64_t *ids,
                                size_t n);

/* The same for files of any kind (photos and PDFs: a directive's);
 * kinds[i] ("photo", "pdf") of each when kinds is not NULL. */
enum hz_status hz_uploads_owned_files(const struct hz_ctx *,
                                      const uint64_t *ids, size_t n,
                                      const char **kinds);

/* Scheduler job, no caller: uploads never attached for a day are
 * deleted, with their files once no upload names them, and bodies left
 * in tmp/ by a worker that died are removed after an hour. */
enum hz_status hz_uploads_purge(const struct hz_ctx *, unsigned long long *n);

/* A new empty file for a body being received, mode 0600, in
 * uploads_dir/tmp (made if missing). `path` holds HZ_PATH_MAX bytes. */
enum hz_status hz_upload_tmpfile(const struct hz_config *, char *path,
                                 int *fd);

#endif

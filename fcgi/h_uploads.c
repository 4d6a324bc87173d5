/* Photos and PDFs: upload one (the body is the file itself, received into
 * a file by the worker), fetch one through nginx (X-Accel-Redirect). */
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "response.h"
#include "router.h"
#include "uploads.h"

/* Where nginx serves uploads_dir from (an internal location: reachable
 * only through X-Accel-Redirect, after the check below). */
#define INTERNAL_PREFIX "/api/_uploads/"

enum { Q_SIZE };
const struct hz_field upload_query[] = {
	[Q_SIZE] = { "size", &hz_upload_rules.size, 0 },
	{ NULL, NULL, 0 },
};

void
h_upload_create(struct hz_req *req)
{
	struct hz_upload u;
	enum hz_status rc;
	cJSON *o;

	if ((rc = hz_upload_create(&req->ctx, req->content_type,
	    req->body_path, req->body_len, &u))) {
		hz_reply_status(req, rc);
		return;
	}
	if ((o = cJSON_CreateObject()) == NULL ||
	    !cJSON_AddNumberToObject(o, "id", (double)u.id) ||
	    !cJSON_AddStringToObject(o, "kind", u.pdf ? "pdf" : "photo") ||
	    !cJSON_AddNumberToObject(o, "width", u.width) ||
	    !cJSON_AddNumberToObject(o, "height", u.height) ||
	    !cJSON_AddNumberToObject(o, "bytes", (double)u.bytes) ||
	    !cJSON_AddStringToObject(o, "url", hz_arena_printf(req->arena,
	    "/api/v1/uploads/%llu", (unsigned long long)u.id)) ||
	    (!u.pdf && !cJSON_AddStringToObject(o, "thumb_url",
	    hz_arena_printf(req->arena, "/api/v1/uploads/%llu?size=thumb",
	    (unsigned long long)u.id))))
		o = NULL;
	hz_reply_object(req, 201, o);
}

void
h_upload_get(struct hz_req *req)
{
	const char *size = HZ_OPT_S(req->q[Q_SIZE]), *rel;
	size_t len;
	uint64_t id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	rc = hz_upload_file(&req->ctx, id, size && strcmp(size, "thumb") == 0,
	    &rel);
	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	/* nginx sends the file and keeps these two headers; the photo is
	 * the caller's business only. */
	hz_reply_header(req, "X-Accel-Redirect", hz_arena_printf(req->arena,
	    INTERNAL_PREFIX "%s", rel));
	hz_reply_header(req, "Cache-Control", "private, max-age=86400");
	/* A PDF is shown by the browser's viewer, never as a page of ours:
	 * nginx adds "Content-Security-Policy: sandbox" to it. */
	len = strlen(rel);
	if (len > 4 && strcmp(rel + len - 4, ".pdf") == 0) {
		hz_reply_header(req, "Content-Disposition", hz_arena_printf(
		    req->arena, "inline; filename=\"file-%llu.pdf\"",
		    (unsigned long long)id));
		hz_reply_bytes(req, 200, "application/pdf", "", 0);
		return;
	}
	hz_reply_bytes(req, 200, "image/jpeg", "", 0);
}

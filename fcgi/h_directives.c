/* Directives: sending one down the tree, the received and sent boxes, a
 * directive for its recipient or its senders, the receipts (a page or a
 * CSV file), confirming completion and reminding the laggards. */
#include <stdio.h>
#include <string.h>

#include "directives.h"
#include "handlers.h"
#include "log.h"
#include "render.h"
#include "response.h"

#define R (&hz_directive_rules)
enum { S_UNIT, S_AUDIENCE, S_TITLE, S_BODY, S_DEADLINE, S_NEEDS, S_FILES,
       S_CORRECTS };
const struct hz_field directive_send_fields[] = {
	[S_UNIT]     = { "unit_id", &hz_rule_id, HZ_REQUIRED },
	[S_AUDIENCE] = { "audience", &R->audience, HZ_REQUIRED },
	[S_TITLE]    = { "title", &R->title, HZ_REQUIRED },
	[S_BODY]     = { "body", &R->body, HZ_REQUIRED },
	[S_DEADLINE] = { "deadline", &hz_rule_time, HZ_REQUIRED },
	[S_NEEDS]    = { "needs_done", HZ_RULE(HZ_F_BOOL), 0 },
	[S_FILES]    = { "files", &R->files, 0 },
	[S_CORRECTS] = { "corrects_id", &hz_rule_id, 0 },
	{ NULL, NULL, 0 },
};

enum { D_NOTE, D_PHOTO };
const struct hz_field directive_done_fields[] = {
	[D_NOTE]  = { "note", &R->note, HZ_REQUIRED },
	[D_PHOTO] = { "photo", &hz_rule_id, 0 },
	{ NULL, NULL, 0 },
};

const struct hz_field directive_remind_fields[] = {
	{ "state", &R->remind_state, 0 },
	{ NULL, NULL, 0 },
};

enum { L_BOX = HZ_Q_PAGE__N };
const struct hz_field directives_query[] = {
	HZ_PAGE_QUERY,
	[L_BOX] = { "box", &R->box, 0 },
	{ NULL, NULL, 0 },
};

enum { Q_STATE = HZ_Q_PAGE__N, Q_UNIT };
const struct hz_field receipts_query[] = {
	HZ_PAGE_QUERY,
	[Q_STATE] = { "state", &R->state, 0 },
	[Q_UNIT]  = { "unit", &hz_rule_id, 0 },
	{ NULL, NULL, 0 },
};

enum { C_STATE, C_UNIT };
const struct hz_field receipts_csv_query[] = {
	[C_STATE] = { "state", &R->state, 0 },
	[C_UNIT]  = { "unit", &hz_rule_id, 0 },
	{ NULL, NULL, 0 },
};
#undef R

static cJSON *
ref_json(const struct hz_directive_ref *r)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL || !cJSON_AddNumberToObject(o, "id", (double)r->id) ||
	    !hz_json_add_str_or_null(o, "name", r->name) ||
	    (r->kind != NULL && !cJSON_AddStringToObject(o, "kind", r->kind)))
		return NULL;
	return o;
}

/* {id, kind, url, thumb_url (photos)} */
static cJSON *
file_json(uint64_t id, const char *kind)
{
	cJSON *o = cJSON_CreateObject();
	char url[64];

	snprintf(url, sizeof(url), "/api/v1/uploads/%llu",
	    (unsigned long long)id);
	if (o == NULL || !cJSON_AddNumberToObject(o, "id", (double)id) ||
	    !cJSON_AddStringToObject(o, "kind", kind) ||
	    !cJSON_AddStringToObject(o, "url", url))
		return NULL;
	if (strcmp(kind, "photo") == 0) {
		char thumb[80];

		snprintf(thumb, sizeof(thumb), "%s?size=thumb", url);
		if (!cJSON_AddStringToObject(o, "thumb_url", thumb))
			return NULL;
	}
	return o;
}

static bool
add_ref(cJSON *o, const char *name, const struct hz_directive_ref *r)
{
	return cJSON_AddItemToObject(o, name, ref_json(r));
}

static bool
add_photo(cJSON *o, uint64_t photo)
{
	if (photo == 0)
		return cJSON_AddNullToObject(o, "photo") != NULL;
	return cJSON_AddItemToObject(o, "photo", file_json(photo, "photo"));
}

static bool
add_counts(cJSON *o, const struct hz_directive_counts *c)
{
	return cJSON_AddNumberToObject(o, "recipients", (double)c->recipients) &&
	    cJSON_AddNumberToObject(o, "read", (double)c->read) &&
	    cJSON_AddNumberToObject(o, "done", (double)c->done) &&
	    cJSON_AddNumberToObject(o, "overdue", (double)c->overdue);
}

/* The fields every rendering of a directive has. */
static cJSON *
head_json(const struct hz_directive *d)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL || !cJSON_AddNumberToObject(o, "id", (double)d->id) ||
	    !cJSON_AddStringToObject(o, "title", d->title) ||
	    !add_ref(o, "unit", &d->unit) || !add_ref(o, "sender", &d->sender) ||
	    !hz_json_add_str_or_null(o, "created_at", d->created_at) ||
	    !hz_json_add_str_or_null(o, "deadline", d->deadline) ||
	    !cJSON_AddBoolToObject(o, "needs_done", d->needs_done))
		return NULL;
	return o;
}

static cJSON *
receipt_json(const struct hz_directive_receipt *r, bool who)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		return NULL;
	if (who && (!add_ref(o, "user", &r->user) ||
	    !cJSON_AddStringToObject(o, "role", r->role) ||
	    !add_ref(o, "unit", &r->unit) ||
	    !cJSON_AddNumberToObject(o, "reminders", r->reminders) ||
	    !hz_json_add_str_or_null(o, "reminded_at", r->reminded_at)))
		return NULL;
	if (!hz_json_add_str_or_null(o, "read_at", r->read_at) ||
	    !hz_json_add_str_or_null(o, "done_at", r->done_at) ||
	    !hz_json_add_str_or_null(o, "done_note", r->done_note) ||
	    !add_photo(o, r->photo) ||
	    !cJSON_AddBoolToObject(o, "overdue", r->overdue))
		return NULL;
	return o;
}

static cJSON *
directive_json(const struct hz_directive *d)
{
	cJSON *o = head_json(d), *a, *c;

	if (o == NULL || !cJSON_AddStringToObject(o, "body", d->body) ||
	    !cJSON_AddStringToObject(o, "audience", d->audience) ||
	    (a = cJSON_AddArrayToObject(o, "files")) == NULL)
		return NULL;
	for (size_t i = 0; i < d->nfiles; i++)
		if (!cJSON_AddItemToArray(a, file_json(d->files[i].id,
		    d->files[i].kind)))
			return NULL;
	if (d->corrects_id == 0) {
		if (!cJSON_AddNullToObject(o, "corrects"))
			return NULL;
	} else {
		if ((c = cJSON_AddObjectToObject(o, "corrects")) == NULL ||
		    !cJSON_AddNumberToObject(c, "id", (double)d->corrects_id) ||
		    !hz_json_add_str_or_null(c, "title", d->corrects_title))
			return NULL;
	}
	if ((a = cJSON_AddArrayToObject(o, "corrections")) == NULL)
		return NULL;
	for (size_t i = 0; i < d->ncorrections; i++) {
		if ((c = cJSON_CreateObject()) == NULL ||
		    !cJSON_AddItemToArray(a, c) ||
		    !cJSON_AddNumberToObject(c, "id",
		    (double)d->corrections[i].id) ||
		    !cJSON_AddStringToObject(c, "title", d->corrections[i].title) ||
		    !hz_json_add_str_or_null(c, "created_at",
		    d->corrections[i].created_at))
			return NULL;
	}
	if (!(d->has_receipt ? cJSON_AddItemToObject(o, "receipt",
	    receipt_json(&d->receipt, false)) : cJSON_AddNullToObject(o,
	    "receipt") != NULL))
		return NULL;
	if (!d->sender_view)
		return cJSON_AddNullToObject(o, "counts") &&
		    cJSON_AddNullToObject(o, "children") ? o : NULL;
	if ((c = cJSON_AddObjectToObject(o, "counts")) == NULL ||
	    !add_counts(c, &d->counts) ||
	    (a = cJSON_AddArrayToObject(o, "children")) == NULL)
		return NULL;
	for (size_t i = 0; i < d->nchildren; i++)
		if ((c = cJSON_CreateObject()) == NULL ||
		    !cJSON_AddItemToArray(a, c) ||
		    !add_ref(c, "unit", &d->children[i].unit) ||
		    !add_counts(c, &d->children[i].c))
			return NULL;
	return o;
}

static void
reply_directive(struct hz_req *req, enum hz_status rc,
                const struct hz_directive *d, int status)
{
	if (rc)
		hz_reply_status(req, rc);
	else
		hz_reply_object(req, status, directive_json(d));
}

void
h_directive_send(struct hz_req *req)
{
	const struct hz_value *in = req->in;
	struct hz_directive_input di = {
		.unit_id = (uint64_t)in[S_UNIT].i,
		.audience = in[S_AUDIENCE].s,
		.title = in[S_TITLE].s,
		.body = in[S_BODY].s,
		.deadline = (time_t)in[S_DEADLINE].i,
		.needs_done = in[S_NEEDS].present && in[S_NEEDS].b,
		.corrects_id = HZ_OPT_ID(in[S_CORRECTS]),
	};
	struct hz_directive d;
	const cJSON *it;
	enum hz_status rc;

	if (in[S_FILES].present)
		cJSON_ArrayForEach(it, in[S_FILES].node)
			if (di.nfiles < HZ_DIRECTIVE_FILES)
				di.files[di.nfiles++] = (uint64_t)it->valuedouble;
	rc = hz_directive_send(&req->ctx, &di, &d);
	reply_directive(req, rc, &d, 201);
}

void
h_directives_list(struct hz_req *req)
{
	struct hz_page page = hz_req_page(req);
	const char *box = HZ_OPT_S(req->q[L_BOX]);
	bool sent = box != NULL && strcmp(box, "sent") == 0;
	struct hz_directive_item *v = NULL;
	long long unread = 0;
	size_t n = 0;
	bool more = false;
	cJSON *items, *o;
	enum hz_status rc;

	rc = hz_directives_list(&req->ctx, sent ? "sent" : "received", &page,
	    &v, &n, &more, &unread);
	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	items = cJSON_CreateArray();
	for (size_t i = 0; items && i < n; i++) {
		const struct hz_directive_item *it = &v[i];
		cJSON *x = head_json(&it->d);
		bool ok = x != NULL && cJSON_AddItemToArray(items, x);

		if (ok && sent)
			ok = add_counts(x, &it->c);
		else if (ok)
			ok = hz_json_add_num_or_null(x, "corrects_id",
			    it->d.corrects_id != 0, (double)it->d.corrects_id) &&
			    hz_json_add_str_or_null(x, "read_at", it->r.read_at) &&
			    hz_json_add_str_or_null(x, "done_at", it->r.done_at) &&
			    cJSON_AddBoolToObject(x, "overdue", it->r.overdue);
		if (!ok)
			items = NULL;
	}
	o = hz_render_page(items, more, n ? v[n - 1].d.id : 0);
	if (o != NULL && !sent &&
	    !cJSON_AddNumberToObject(o, "unread", (double)unread))
		o = NULL;
	hz_reply_object(req, 200, o);
}

void
h_directive_get(struct hz_req *req)
{
	struct hz_directive d;
	uint64_t id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	rc = hz_directive_get(&req->ctx, id, &d);
	reply_directive(req, rc, &d, 200);
}

void
h_directive_receipts(struct hz_req *req)
{
	struct hz_page page = hz_req_page(req);
	struct hz_receipt_filter f = { HZ_OPT_S(req->q[Q_STATE]),
	    HZ_OPT_ID(req->q[Q_UNIT]) };
	struct hz_directive_receipt *v = NULL;
	size_t n = 0;
	bool more = false;
	cJSON *items;
	uint64_t id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	rc = hz_directive_receipts(&req->ctx, id, &f, &page, &v, &n, &more);
	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	items = cJSON_CreateArray();
	for (size_t i = 0; items && i < n; i++)
		if (!cJSON_AddItemToArray(items, receipt_json(&v[i], true)))
			items = NULL;
	hz_reply_object(req, 200, hz_render_page(items, more,
	    n ? v[n - 1].user.id : 0));
}

/* The file goes out as core hands over its lines (h_station_hours_csv). */
struct csv_out {
	struct hz_req *req;
	const char    *disposition;
	bool           started;
};

static enum hz_status
csv_row(void *arg, const char *line, size_t len)
{
	struct csv_out *o = arg;

	if (!o->started) {
		hz_reply_header(o->req, "Content-Disposition", o->disposition);
		hz_reply_stream_start(o->req, 200, "text/csv; charset=utf-8");
		o->started = true;
	}
	return hz_reply_stream_write(o->req, line, len);
}

void
h_directive_receipts_csv(struct hz_req *req)
{
	struct hz_receipt_filter f = { HZ_OPT_S(req->q[C_STATE]),
	    HZ_OPT_ID(req->q[C_UNIT]) };
	struct csv_out o = { req, NULL, false };
	uint64_t id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	o.disposition = hz_arena_printf(req->arena,
	    "attachment; filename=\"directive-%llu-receipts.csv\"",
	    (unsigned long long)id);
	rc = hz_directive_receipts_csv(&req->ctx, id, &f, csv_row, &o);
	if (rc && !o.started)
		hz_reply_status(req, rc);
	else if (rc)
		/* Too late for another status: the file is cut short. */
		hz_error("csv cut short", "status=%s rid=%s", hz_status_str(rc),
		    req->request_id ? req->request_id : "-");
}

void
h_directive_done(struct hz_req *req)
{
	struct hz_directive d;
	uint64_t id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	rc = hz_directive_done(&req->ctx, id, req->in[D_NOTE].s,
	    HZ_OPT_ID(req->in[D_PHOTO]), &d);
	reply_directive(req, rc, &d, 200);
}

void
h_directive_remind(struct hz_req *req)
{
	long long reminded = 0, skipped = 0;
	cJSON *o;
	uint64_t id;
	enum hz_status rc;

	if (!hz_path_id(req, "id", &id))
		return;
	rc = hz_directive_remind(&req->ctx, id, HZ_OPT_S(req->in[0]),
	    &reminded, &skipped);
	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	if ((o = cJSON_CreateObject()) == NULL ||
	    !cJSON_AddNumberToObject(o, "reminded", (double)reminded) ||
	    !cJSON_AddNumberToObject(o, "skipped", (double)skipped))
		o = NULL;
	hz_reply_object(req, 200, o);
}

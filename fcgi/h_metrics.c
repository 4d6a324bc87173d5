/* GET /metrics: the Prometheus text format (0.0.4) of the counters every
 * process of this server shares (core/base/metrics.h), and the outbox's
 * backlog read at scrape time. Local only: nginx serves it to 127.0.0.1
 * and ::1 alone, and this handler answers anyone else as an unknown route
 * (404), so that from outside it does not exist. */
#include <string.h>
#include <time.h>

#include "backlog.h"
#include "handlers.h"
#include "metrics.h"
#include "response.h"
#include "router.h"

static bool
loopback(const char *addr)
{
	return addr != NULL && (strcmp(addr, "127.0.0.1") == 0 ||
	    strcmp(addr, "::1") == 0);
}

void
h_metrics(struct hz_req *req)
{
	struct hz_outbox_backlog ob;
	struct hz_buf b;
	time_t now = time(NULL);
	enum hz_status rc;

	if (!loopback(req->remote_addr)) {
		hz_reply_error(req, 404, "not_found", "请求的接口不存在");
		return;
	}
	/* The database down is when metrics matter most: the backlog is
	 * then left out, and the rest answered. Read first, so that the
	 * counters below include what this read met (a lost connection). */
	req->ctx.now = now;
	rc = hz_outbox_backlog(&req->ctx, &ob);
	hz_buf_init(&b, req->arena);
	hz_metrics_render(&b, now);
	if (rc == HZ_OK)
		hz_buf_printf(&b,
		    "# HELP huzu_outbox_due Notifications due and not sent.\n"
		    "# TYPE huzu_outbox_due gauge\n"
		    "huzu_outbox_due %lld\n"
		    "# HELP huzu_outbox_oldest_due_age_seconds Seconds since the "
		    "oldest notification due and not sent was queued (0: none).\n"
		    "# TYPE huzu_outbox_oldest_due_age_seconds gauge\n"
		    "huzu_outbox_oldest_due_age_seconds %lld\n"
		    "# HELP huzu_outbox_given_up Notifications not sent after "
		    "every retry (left for an operator).\n"
		    "# TYPE huzu_outbox_given_up gauge\n"
		    "huzu_outbox_given_up %lld\n",
		    ob.due, ob.oldest_age, ob.given_up);
	if (b.oom) {
		hz_reply_status(req, HZ_ERR_NOMEM);
		return;
	}
	hz_reply_bytes(req, 200, "text/plain; version=0.0.4; charset=utf-8",
	    b.data, b.len);
}

void
hz_metrics_count(const struct hz_req *req, long long usec)
{
	const struct hz_route *rt = req->route;

	/* The route's index names it in this process; no route: one key
	 * per method after the table's. The pattern, never the path. */
	hz_metrics_request(rt ? (size_t)(rt - hz_routes) :
	    hz_nroutes + (size_t)req->method,
	    hz_method_name(rt ? rt->method : req->method),
	    rt ? rt->pattern : "", req->status, usec);
}

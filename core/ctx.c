#include "ctx.h"
#include "json.h"

enum hz_status
hz_refuse(const struct hz_ctx *x, const struct hz_refusal *r)
{
	if (x->why != NULL)
		*x->why = *r;
	return r->status;
}

enum hz_status
hz_refuse_rule(const struct hz_ctx *x, const char *field,
               const struct hz_rule *rule)
{
	struct hz_refusal r = {
		HZ_ERR_INVALID, "validation_failed", field,
		hz_rule_words(x->arena, rule), 0,
	};

	return hz_refuse(x, &r);
}

void
hz_refuse_clear(const struct hz_ctx *x)
{
	if (x->why != NULL)
		x->why->code = NULL;
}

const struct hz_refusal *
hz_refusal_of(const struct hz_ctx *x, enum hz_status rc)
{
	if (rc == HZ_OK || x->why == NULL || x->why->code == NULL ||
	    x->why->status != rc)
		return NULL;
	return x->why;
}

struct tx_call {
	const struct hz_ctx *x;
	enum hz_status     (*fn)(const struct hz_ctx *, void *);
	void                *job;
};

static enum hz_status
tx_call(struct hz_db *db, void *p)
{
	struct tx_call *c = p;

	(void)db;    /* the same connection as c->x->db */
	return c->fn(c->x, c->job);
}

enum hz_status
hz_tx(const struct hz_ctx *x, enum hz_status (*fn)(const struct hz_ctx *,
      void *), void *job)
{
	struct tx_call c = { x, fn, job };

	return hz_db_tx(x->db, tx_call, &c);
}

enum hz_status
hz_tx_read_committed(const struct hz_ctx *x,
                     enum hz_status (*fn)(const struct hz_ctx *, void *),
                     void *job)
{
	struct tx_call c = { x, fn, job };

	return hz_db_tx_read_committed(x->db, tx_call, &c);
}

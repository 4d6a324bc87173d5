#include <curl/curl.h>

#include "fetch.h"
#include "json.h"

struct answer {
	struct hz_buf buf;
	size_t        max;
};

static size_t
collect(char *p, size_t size, size_t n, void *ctx)
{
	struct answer *a = ctx;

	if (n != 0 && size > a->max / n)
		return 0;
	if (a->buf.len + size * n > a->max)
		return 0;   /* makes curl fail: nothing this big is valid */
	hz_buf_append(&a->buf, p, size * n);
	return a->buf.oom ? 0 : size * n;
}

int
hz_fetch(hz_arena *a, const struct hz_fetch *f, long *status, char **answer,
         size_t *len)
{
	struct curl_slist *h = NULL, *t;
	struct answer ans = { .max = f->max };
	CURLcode cr;
	CURL *c;

	*status = 0;
	if ((c = curl_easy_init()) == NULL)
		return -1;
	for (size_t i = 0; i < f->nheaders; i++) {
		if (f->headers[i] == NULL ||
		    (t = curl_slist_append(h, f->headers[i])) == NULL) {
			curl_slist_free_all(h);
			curl_easy_cleanup(c);
			return -1;
		}
		h = t;
	}
	hz_buf_init(&ans.buf, a);
	curl_easy_setopt(c, CURLOPT_URL, f->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)f->timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)f->timeout);
	/* TLS verification stays on (libcurl's default): say so anyway. */
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	if (h != NULL)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (f->body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, f->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)f->body_len);
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &ans);
	cr = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	if (cr != CURLE_OK)
		return (int)cr;
	hz_buf_append(&ans.buf, "", 1);
	if (ans.buf.oom)
		return -1;
	*answer = ans.buf.data;
	*len = ans.buf.len - 1;
	return 0;
}

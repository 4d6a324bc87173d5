/* The WeChat JS-SDK's page signature (wx.config before wx.scanQRCode). */
#include "handlers.h"
#include "response.h"
#include "wechat_web.h"

static const struct hz_rule page_url = { HZ_F_STRING, 1, 1024,
    "请提供本站页面的网址（1 至 1024 个字符）" };

enum { J_URL };
const struct hz_field wechat_jssdk_query[] = {
	[J_URL] = { "url", &page_url, HZ_REQUIRED },
	{ NULL, NULL, 0 },
};

void
h_wechat_jssdk(struct hz_req *req)
{
	struct hz_jssdk j;
	enum hz_status rc = hz_wechat_jssdk(&req->ctx, req->q[J_URL].s, &j);
	cJSON *o;

	if (rc) {
		hz_reply_status(req, rc);
		return;
	}
	if ((o = cJSON_CreateObject()) != NULL &&
	    (!cJSON_AddStringToObject(o, "app_id", j.app_id) ||
	    !cJSON_AddNumberToObject(o, "timestamp", (double)j.timestamp) ||
	    !cJSON_AddStringToObject(o, "nonce_str", j.nonce) ||
	    !cJSON_AddStringToObject(o, "signature", j.signature)))
		o = NULL;
	hz_reply_object(req, 200, o);
}

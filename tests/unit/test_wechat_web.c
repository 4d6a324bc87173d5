/* Inside WeChat: bind tokens, binding an openid, the JS-SDK signature. */
#include "unit.h"

#include <string.h>

#include <sodium.h>

#include "crypto.h"
#include "dbfixture.h"
#include "wechat_web.h"

/* WeChat's own example (JS-SDK documentation, appendix 1). */
static void
jssdk_signature_matches_wechats_example(void **state)
{
	char sig[41];

	(void)state;
	hz_wechat_jssdk_signature("sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvk"
	    "VAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg", "Wm3WZYTPz0wzccnW",
	    1414587457, "http://mp.weixin.qq.com?params=value", sig);
	assert_string_equal(sig, "0f9de62fce790f9a083d5c99e95740ceb90c27ed");
}

static void
bind_tokens_carry_the_openid_until_they_expire(void **state)
{
	struct hz_ctx later = fx;
	char *token, *openid, *forged;

	(void)state;
	assert_int_equal(hz_wechat_bind_token(&fx, "o-unit-openid-1", &token),
	    HZ_OK);
	assert_null(strstr(token, "unit"));   /* sealed, not readable */
	assert_int_equal(hz_wechat_bind_open(&fx, token, &openid), HZ_OK);
	assert_string_equal(openid, "o-unit-openid-1");
	/* One character changed, a cut, nonsense: refused alike. */
	forged = hz_arena_strdup(fx.arena, token);
	forged[10] = forged[10] == 'A' ? 'B' : 'A';
	assert_int_equal(hz_wechat_bind_open(&fx, forged, &openid),
	    HZ_ERR_UNAUTHORIZED);
	assert_string_equal(fx_why.code, "wechat_bind_invalid");
	forged = hz_arena_strndup(fx.arena, token, strlen(token) - 2);
	assert_int_equal(hz_wechat_bind_open(&fx, forged, &openid),
	    HZ_ERR_UNAUTHORIZED);
	assert_int_equal(hz_wechat_bind_open(&fx, "not a token", &openid),
	    HZ_ERR_UNAUTHORIZED);
	/* Well formed but not sealed by us: "<expiry>:<someone's openid>"
	 * in the same encoding is refused too (the seal is the check). */
	{
		char plain[64], b64[128];
		int n = snprintf(plain, sizeof(plain), "%lld:o-unit-openid-1",
		    (long long)fx.now + 60);

		sodium_bin2base64(b64, sizeof(b64), (unsigned char *)plain,
		    (size_t)n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		assert_int_equal(hz_wechat_bind_open(&fx, b64, &openid),
		    HZ_ERR_UNAUTHORIZED);
		assert_string_equal(fx_why.code, "wechat_bind_invalid");
	}
	/* Good for HZ_WECHAT_BIND_TTL seconds, not one more. */
	later.now = fx.now + HZ_WECHAT_BIND_TTL;
	assert_int_equal(hz_wechat_bind_open(&later, token, &openid), HZ_OK);
	later.now = fx.now + HZ_WECHAT_BIND_TTL + 1;
	assert_int_equal(hz_wechat_bind_open(&later, token, &openid),
	    HZ_ERR_UNAUTHORIZED);
}

static void
an_openid_is_bound_to_one_resident(void **state)
{
	struct hz_caller a, b;
	const char *o1 = hz_arena_printf(fx.arena, "o-unit-%u",
	    (unsigned)randombytes_random());
	const char *o2 = hz_arena_printf(fx.arena, "%s-new", o1);
	uint64_t who;
	bool usable;

	(void)state;
	FX_NEED_DB();
	assert_int_equal(fx_resident(&a), HZ_OK);
	assert_int_equal(fx_resident(&b), HZ_OK);
	assert_int_equal(hz_wechat_oa_user(&fx, o1, &who, &usable), HZ_OK);
	assert_int_equal(who, 0);
	assert_int_equal(hz_wechat_oa_bind(&fx, a.id, o1), HZ_OK);
	assert_int_equal(hz_wechat_oa_bind(&fx, a.id, o1), HZ_OK);
	assert_int_equal(hz_wechat_oa_user(&fx, o1, &who, &usable), HZ_OK);
	assert_int_equal(who, a.id);
	assert_true(usable);
	/* Another resident cannot take it. */
	assert_int_equal(hz_wechat_oa_bind(&fx, b.id, o1), HZ_ERR_CONFLICT);
	assert_string_equal(fx_why.code, "wechat_already_bound");
	/* A resident moving to another WeChat leaves the first one free. */
	assert_int_equal(hz_wechat_oa_bind(&fx, a.id, o2), HZ_OK);
	assert_int_equal(hz_wechat_oa_user(&fx, o1, &who, &usable), HZ_OK);
	assert_int_equal(who, 0);
	assert_int_equal(hz_wechat_oa_bind(&fx, b.id, o1), HZ_OK);
}

/* A live ticket cached for one app id signs for it; another app id (the
 * account changed) never uses it but asks WeChat for its own. */
static void
the_cached_ticket_belongs_to_its_app_id(void **state)
{
	static const char *const sql[] = {
		"INSERT INTO wechat_cache (name, value_sealed, expires_at)"
		" VALUES (?, ?, NOW(3) + INTERVAL 1 HOUR)",
	};
	static const struct hz_stmt_table t = HZ_STMT_TABLE("test_wechat",
	    sql);
	static struct hz_config cfg;
	struct hz_ctx x = fx;
	struct hz_jssdk j;
	const char *app = hz_arena_printf(fx.arena, "wxunit%012u",
	    (unsigned)randombytes_random());
	const char *name = hz_arena_printf(fx.arena, "ticket:%s", app);
	const char *url;
	unsigned char *sealed;
	size_t len;
	char want[41];

	(void)state;
	FX_NEED_DB();
	cfg = *fx.cfg;
	snprintf(cfg.wechat_oa_appid, sizeof(cfg.wechat_oa_appid), "%s", app);
	/* Nothing listens there: a fetch from WeChat fails at once. */
	snprintf(cfg.wechat_oa_url, sizeof(cfg.wechat_oa_url),
	    "http://127.0.0.1:1");
	if (hz_secret(&cfg, "wechat_oa_secret") == NULL) {
		assert_true(cfg.secrets.n < HZ_SECRETS_MAX);
		snprintf(cfg.secrets.kv[cfg.secrets.n].name,
		    sizeof(cfg.secrets.kv[0].name), "wechat_oa_secret");
		snprintf(cfg.secrets.kv[cfg.secrets.n].value,
		    sizeof(cfg.secrets.kv[0].value), "unit-secret");
		cfg.secrets.n++;
	}
	x.cfg = &cfg;
	url = hz_arena_printf(fx.arena, "%s/", cfg.public_base_url);
	assert_int_equal(hz_seal(fx.arena, fx.keys, name, "TICKET-unit-1234",
	    16, &sealed, &len), HZ_OK);
	assert_int_equal(hz_db_run(fx.db, fx.arena, &t, 0, HZ_ARGS(
	    HZ_ARG_STR(name), HZ_ARG_STRN((const char *)sealed, len)), NULL),
	    HZ_OK);

	assert_int_equal(hz_wechat_jssdk(&x, url, &j), HZ_OK);
	assert_string_equal(j.app_id, app);
	hz_wechat_jssdk_signature("TICKET-unit-1234", j.nonce, j.timestamp,
	    url, want);
	assert_string_equal(j.signature, want);

	/* The account changed: the first one's ticket is not used. */
	cfg.wechat_oa_appid[strlen(cfg.wechat_oa_appid) - 1] ^= 1;
	assert_int_equal(hz_wechat_jssdk(&x, url, &j), HZ_ERR_UPSTREAM);
	assert_string_equal(fx_why.code, "wechat_unavailable");
}

UNIT_TESTS(fx_setup, fx_teardown,
	cmocka_unit_test(jssdk_signature_matches_wechats_example),
	cmocka_unit_test(bind_tokens_carry_the_openid_until_they_expire),
	cmocka_unit_test(an_openid_is_bound_to_one_resident),
	cmocka_unit_test(the_cached_ticket_belongs_to_its_app_id))

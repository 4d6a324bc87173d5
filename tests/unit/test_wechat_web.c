/* Inside WeChat: bind tokens, binding an openid, the JS-SDK signature. */
#include "unit.h"

#include <string.h>

#include <sodium.h>

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

UNIT_TESTS(fx_setup, fx_teardown,
	cmocka_unit_test(jssdk_signature_matches_wechats_example),
	cmocka_unit_test(bind_tokens_carry_the_openid_until_they_expire),
	cmocka_unit_test(an_openid_is_bound_to_one_resident))

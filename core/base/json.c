#include <math.h>
#include <string.h>

#include "crypto.h"
#include "clock.h"
#include "json.h"
#include "num.h"
#include "utf8.h"

static hz_arena *json_arena;

static void *
arena_malloc(size_t n)
{
	return hz_arena_alloc(json_arena, n);
}

static void
arena_nofree(void *p)
{
	(void)p;
}

void
hz_json_use_arena(hz_arena *a)
{
	cJSON_Hooks hooks = { NULL, NULL };

	json_arena = a;
	if (a != NULL) {
		hooks.malloc_fn = arena_malloc;
		hooks.free_fn = arena_nofree;
	}
	cJSON_InitHooks(&hooks);
}

static enum hz_status
refuse(struct hz_json_error *err, const char *code, const char *message)
{
	err->code = code;
	err->message = message;
	return HZ_ERR_INVALID;
}

/* One pass over the raw bytes for what cJSON does not check: nesting depth
 * outside strings and \u0000 inside them. */
static enum hz_status
prescan(const char *buf, size_t len, int max_depth, struct hz_json_error *err)
{
	bool in_string = false;
	int depth = 0;

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		if (in_string) {
			/* RFC 8259 §7: control characters must be escaped;
			 * cJSON would take them raw (and stop at a NUL). */
			if ((unsigned char)c < 0x20)
				return c == '\0'
				    ? refuse(err, "nul_in_string",
				        "字符串中不能包含空字符")
				    : refuse(err, "malformed_json",
				        "请求体不是有效的 JSON");
			if (c == '\\') {
				if (i + 5 < len && buf[i + 1] == 'u' &&
				    memcmp(buf + i + 2, "0000", 4) == 0)
					return refuse(err, "nul_in_string",
					    "字符串中不能包含空字符");
				i++;
			} else if (c == '"')
				in_string = false;
		} else if (c == '"')
			in_string = true;
		else if (c == '{' || c == '[') {
			if (++depth > max_depth)
				return refuse(err, "too_deep",
				    "请求体嵌套层级过深");
		} else if (c == '}' || c == ']')
			depth--;
	}
	return HZ_OK;
}

enum hz_status
hz_json_parse(const char *buf, size_t len, int max_depth, cJSON **out,
              struct hz_json_error *err)
{
	const char *end = NULL;
	cJSON *root;
	enum hz_status rc;

	*out = NULL;
	if (len == 0)
		return refuse(err, "malformed_json", "请求体为空");
	if (!hz_utf8_valid(buf, len))
		return refuse(err, "invalid_utf8", "请求体不是有效的 UTF-8 文本");
	if ((rc = prescan(buf, len, max_depth, err)) != HZ_OK)
		return rc;
	root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (root == NULL)
		return refuse(err, "malformed_json", "请求体不是有效的 JSON");
	for (; end != NULL && end < buf + len; end++)
		if (*end != ' ' && *end != '\t' && *end != '\n' && *end != '\r')
			return refuse(err, "malformed_json",
			    "请求体不是有效的 JSON");
	*out = root;
	return HZ_OK;
}

/* C0 controls, DEL, and C1 controls (U+0080..U+009F, which some log
 * readers take for line breaks). */
static bool
has_control(const char *s, bool multiline)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == 0x7f || (c == 0xc2 && (unsigned char)s[1] >= 0x80 &&
		    (unsigned char)s[1] <= 0x9f))
			return true;
		if (c < 0x20 && !(multiline && (c == '\n' || c == '\r' ||
		    c == '\t')))
			return true;
	}
	return false;
}

const struct hz_rule hz_rule_id = { HZ_F_ID, 1, HZ_ID_MAX, NULL };
const struct hz_rule hz_rule_phone = { HZ_F_PHONE, 11, 11,
    "请输入正确的 11 位手机号" };
const struct hz_rule hz_rule_date = { HZ_F_DATE, 10, 10,
    "应为 YYYY-MM-DD 格式的日期" };

/* "应为 a、b 或 c" from an enum's values. */
static const char *
enum_message(hz_arena *a, const char *const *values)
{
	struct hz_buf b;

	hz_buf_init(&b, a);
	hz_buf_puts(&b, "应为 ");
	for (size_t i = 0; values[i]; i++)
		hz_buf_printf(&b, "%s%s", i == 0 ? "" : values[i + 1] ? "、"
		    : " 或 ", values[i]);
	return b.oom ? "无效" : b.data;
}

const char *
hz_rule_words(hz_arena *a, const struct hz_rule *r)
{
	if (r->message != NULL)
		return r->message;
	switch (r->type) {
	case HZ_F_ENUM:
		return enum_message(a, r->values);
	case HZ_F_STRING:
		return hz_arena_printf(a, "长度应为 %lld 至 %lld 个字符",
		    (long long)r->min, (long long)r->max);
	case HZ_F_DATE:
		return hz_rule_date.message;
	case HZ_F_PHONE:
		return hz_rule_phone.message;
	case HZ_F_ID:
		return "应为正整数编号";
	case HZ_F_INT:
		return hz_arena_printf(a, "应为 %lld 至 %lld 之间的整数",
		    (long long)r->min, (long long)r->max);
	default:
		return "无效";
	}
}

/* A text-valued rule (string, enum, date, phone) against `s`. */
static const char *
check_text(hz_arena *a, const struct hz_rule *r, const char *s, size_t len)
{
	long n = hz_utf8_count(s, len);

	if (n < 0)
		return "不是有效的 UTF-8 文本";
	switch (r->type) {
	case HZ_F_STRING:
		if (n < r->min || n > r->max)
			return r->message ? r->message : r->min > 0 && n == 0
			    ? "不能为空" : hz_arena_printf(a,
			        "长度应为 %lld 至 %lld 个字符",
			        (long long)r->min, (long long)r->max);
		if (r->chars != NULL && strspn(s, r->chars) != len)
			return r->message ? r->message : "含有不允许的字符";
		if (has_control(s, r->flags & HZ_MULTILINE))
			return "含有不允许的控制字符";
		return NULL;
	case HZ_F_ENUM:
		for (size_t i = 0; r->values[i]; i++)
			if (strcmp(r->values[i], s) == 0)
				return NULL;
		return r->message ? r->message : enum_message(a, r->values);
	case HZ_F_DATE:
		return hz_date_parse(s) < 0 ? r->message ? r->message
		    : hz_rule_date.message : NULL;
	case HZ_F_PHONE:
		return !hz_phone_valid(s) ? r->message ? r->message
		    : hz_rule_phone.message : NULL;
	default:
		return "无效";
	}
}

static const char *
check_int(hz_arena *a, const struct hz_rule *r, int64_t v)
{
	if (v >= r->min && v <= r->max)
		return NULL;
	if (r->message)
		return r->message;
	return r->type == HZ_F_ID ? "应为正整数编号" : hz_arena_printf(a,
	    "取值应在 %lld 至 %lld 之间", (long long)r->min, (long long)r->max);
}

bool
hz_rule_ok(const struct hz_rule *r, const char *s, bool optional)
{
	if (s == NULL)
		return optional;
	/* No arena: a failing rule with a generated message would need one,
	 * but only the verdict is wanted here. */
	switch (r->type) {
	case HZ_F_STRING: {
		long n = hz_utf8_count(s, strlen(s));
		return n >= r->min && n <= r->max &&
		    (r->chars == NULL || strspn(s, r->chars) == strlen(s)) &&
		    !has_control(s, r->flags & HZ_MULTILINE);
	}
	case HZ_F_ENUM:
		for (size_t i = 0; r->values[i]; i++)
			if (strcmp(r->values[i], s) == 0)
				return true;
		return false;
	case HZ_F_DATE:
		return hz_date_parse(s) >= 0;
	case HZ_F_PHONE:
		return hz_phone_valid(s);
	default:
		return false;
	}
}

const char *
hz_value_check(hz_arena *a, const struct hz_rule *r, const char *text,
               struct hz_value *v)
{
	const char *msg;

	memset(v, 0, sizeof(*v));
	v->s = text;
	v->len = strlen(text);
	if (r->type == HZ_F_ID || r->type == HZ_F_INT) {
		if (!hz_parse_i64z(text, r->min, r->max, &v->i))
			return r->message ? r->message : r->type == HZ_F_ID
			    ? "应为正整数编号" : hz_arena_printf(a,
			        "应为 %lld 至 %lld 之间的整数",
			        (long long)r->min, (long long)r->max);
	} else if ((msg = check_text(a, r, text, v->len)) != NULL)
		return msg;
	v->present = true;
	return NULL;
}

static const char *
check_one(hz_arena *a, const struct hz_field *f, const cJSON *node,
          struct hz_value *v)
{
	const struct hz_rule *r = f->rule;
	const char *msg;

	switch (r->type) {
	case HZ_F_STRING:
	case HZ_F_ENUM:
	case HZ_F_DATE:
	case HZ_F_PHONE:
		if (!cJSON_IsString(node))
			return "应为字符串";
		v->s = node->valuestring;
		v->len = strlen(v->s);
		if ((msg = check_text(a, r, v->s, v->len)) != NULL)
			return msg;
		break;
	case HZ_F_INT:
	case HZ_F_ID:
		/* JSON numbers are doubles in cJSON; accept only exact
		 * integers within the IEEE-754 safe range. */
		if (!cJSON_IsNumber(node) || !isfinite(node->valuedouble) ||
		    node->valuedouble != floor(node->valuedouble) ||
		    fabs(node->valuedouble) > 9007199254740991.0)
			return "应为整数";
		v->i = (int64_t)node->valuedouble;
		if ((msg = check_int(a, r, v->i)) != NULL)
			return msg;
		break;
	case HZ_F_BOOL:
		if (!cJSON_IsBool(node))
			return "应为 true 或 false";
		v->b = cJSON_IsTrue(node);
		break;
	case HZ_F_ARRAY: {
		struct hz_value item[HZ_MAX_FIELDS];
		struct hz_field_error e;
		const cJSON *it;
		size_t ne, k = 0;
		long n;

		if (!cJSON_IsArray(node))
			return "应为数组";
		n = cJSON_GetArraySize(node);
		if (n < r->min || n > r->max)
			return r->message ? r->message : hz_arena_printf(a,
			    "应有 %lld 至 %lld 项", (long long)r->min,
			    (long long)r->max);
		cJSON_ArrayForEach(it, node) {
			k++;
			if (hz_json_validate(a, it, r->sub, item, &e, 1, &ne)
			    != HZ_OK)
				return hz_arena_printf(a, "第 %zu 项：%s%s%s", k,
				    e.field[0] ? e.field : "", e.field[0] ? " "
				    : "", e.message);
		}
		v->i = n;
		v->node = node;
		break;
	}
	}
	v->present = true;
	return NULL;
}

enum hz_status
hz_json_validate(hz_arena *a, const cJSON *obj, const struct hz_field *fields,
                 struct hz_value *out, struct hz_field_error *errs,
                 size_t maxerr, size_t *nerr)
{
	bool seen[HZ_MAX_FIELDS] = { false }, failed[HZ_MAX_FIELDS] = { false };
	const cJSON *node;
	size_t nf, k = 0;

#define ADD_ERROR(name, msg) do {                                       \
		if (k < maxerr) {                                       \
			errs[k].field = (name);                         \
			errs[k].message = (msg) ? (msg) : "无效";       \
		}                                                       \
		k++;                                                    \
	} while (0)

	for (nf = 0; fields[nf].name != NULL && nf < HZ_MAX_FIELDS; nf++)
		memset(&out[nf], 0, sizeof(out[nf]));
	if (!cJSON_IsObject(obj)) {
		ADD_ERROR("", "请求体应为 JSON 对象");
		goto out;
	}
	cJSON_ArrayForEach(node, obj) {
		const char *msg;
		size_t i;

		for (i = 0; i < nf; i++)
			if (strcmp(fields[i].name, node->string) == 0)
				break;
		if (i == nf) {
			ADD_ERROR(node->string, "不支持的字段");
			continue;
		}
		if (seen[i]) {
			ADD_ERROR(fields[i].name, "字段重复");
			failed[i] = true;
			continue;
		}
		seen[i] = true;
		/* A JSON null is the same as leaving the field out. */
		if (cJSON_IsNull(node))
			continue;
		if ((msg = check_one(a, &fields[i], node, &out[i])) != NULL) {
			ADD_ERROR(fields[i].name, msg);
			failed[i] = true;
		}
	}
	for (size_t i = 0; i < nf; i++)
		if ((fields[i].flags & HZ_REQUIRED) && !out[i].present &&
		    !failed[i])
			ADD_ERROR(fields[i].name, "必填");
out:
#undef ADD_ERROR
	if (nerr != NULL)
		*nerr = k;
	return k == 0 ? HZ_OK : HZ_ERR_INVALID;
}

#include <math.h>
#include <string.h>

#include "json.h"
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

static const char *
check_one(hz_arena *a, const struct hz_field *f, const cJSON *node,
          struct hz_value *v)
{
	long n;

	switch (f->type) {
	case HZ_F_STRING:
		if (!cJSON_IsString(node))
			return "应为字符串";
		v->s = node->valuestring;
		v->len = strlen(v->s);
		n = hz_utf8_count(v->s, v->len);
		if (n < 0)
			return "不是有效的 UTF-8 文本";
		if (n < f->min || n > f->max)
			return f->min > 0 && n == 0 ? "不能为空"
			    : hz_arena_printf(a, "长度应为 %lld 至 %lld 个字符",
			        (long long)f->min, (long long)f->max);
		if (has_control(v->s, f->flags & HZ_MULTILINE))
			return "含有不允许的控制字符";
		break;
	case HZ_F_INT:
		/* JSON numbers are doubles in cJSON; accept only exact
		 * integers within the IEEE-754 safe range. */
		if (!cJSON_IsNumber(node) || !isfinite(node->valuedouble) ||
		    node->valuedouble != floor(node->valuedouble) ||
		    fabs(node->valuedouble) > 9007199254740991.0)
			return "应为整数";
		v->i = (int64_t)node->valuedouble;
		if (v->i < f->min || v->i > f->max)
			return hz_arena_printf(a, "取值应在 %lld 至 %lld 之间",
			    (long long)f->min, (long long)f->max);
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

		if (!cJSON_IsArray(node))
			return "应为数组";
		n = cJSON_GetArraySize(node);
		if (n < f->min || n > f->max)
			return hz_arena_printf(a, "应有 %lld 至 %lld 项",
			    (long long)f->min, (long long)f->max);
		cJSON_ArrayForEach(it, node) {
			k++;
			if (hz_json_validate(a, it, f->sub, item, &e, 1, &ne)
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

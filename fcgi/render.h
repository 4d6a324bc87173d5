/* JSON renderings of core/ structures shared by several handlers. */
#ifndef HZ_RENDER_H
#define HZ_RENDER_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "policy.h"
#include "units.h"
#include "users.h"

bool   hz_json_add_str_or_null(cJSON *, const char *name, const char *v);
/* `v` if `has`, else null. */
bool   hz_json_add_num_or_null(cJSON *, const char *name, bool has, double v);
cJSON *hz_render_grants(const struct hz_caller *);
cJSON *hz_render_unit(const struct hz_unit *);
cJSON *hz_render_staff(const struct hz_staff_row *);
/* {"items":[...],"next":"<cursor>"|null} */
cJSON *hz_render_page(cJSON *items, bool more, uint64_t last_id);

#endif

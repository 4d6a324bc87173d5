/* JSON renderings of core/ structures shared by several handlers. */
#ifndef HZ_RENDER_H
#define HZ_RENDER_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include <time.h>

#include "policy.h"
#include "shifts.h"
#include "stations.h"
#include "units.h"
#include "users.h"

bool   hz_json_add_str_or_null(cJSON *, const char *name, const char *v);
/* `v` if `has`, else null. */
bool   hz_json_add_num_or_null(cJSON *, const char *name, bool has, double v);
cJSON *hz_render_grants(const struct hz_caller *);
cJSON *hz_render_unit(const struct hz_unit *);
cJSON *hz_render_staff(const struct hz_staff_row *);
/* The station object of the API (id, unit, kind, name, details,
 * manager, can_manage). */
cJSON *hz_render_station(const struct hz_station *);
/* The shift object of the API, with the caller's own sign-up (mine). */
cJSON *hz_render_shift(const struct hz_shift *);
/* {"id","name"}: a station named inside another object. */
cJSON *hz_render_station_ref(uint64_t id, const char *name);
/* The start of a Shanghai day given as yyyymmdd (hz_date_parse), plus
 * `days` days, as a time_t. */
time_t hz_local_day(int yyyymmdd, int days);
/* yyyymmdd of the Shanghai day holding `t`. */
int    hz_local_date(time_t t);
/* {"items":[...],"next":"<cursor>"|null} */
cJSON *hz_render_page(cJSON *items, bool more, uint64_t last_id);

#endif

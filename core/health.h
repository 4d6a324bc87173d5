#ifndef HZ_HEALTH_H
#define HZ_HEALTH_H

#include "arena.h"
#include "db.h"

/* HZ_OK when the database answers a query now. */
enum hz_status hz_health_check(struct hz_db *, hz_arena *);

#endif

/* Retention of personal data (PIPL): what is kept no longer than it is
 * needed. Both are periodic jobs (core/scheduler.c) and part of
 * `huzu purge`; each is safe to run again.
 *
 * Expired login codes (hz_login_purge) and old check-ins
 * (hz_checkins_purge) have their own purges. */
#ifndef HZ_RETENTION_H
#define HZ_RETENTION_H

#include "ctx.h"

/* Rows changed per statement, and statements per run: no lock is held
 * long, and one run does a bounded amount of work (the next run goes on). */
#define HZ_ERASE_BATCH 500
#define HZ_ERASE_BATCHES 20

/* Days a spent refresh token is kept (after use, after its session was
 * ended, or after it expired). */
#define HZ_REFRESH_KEEP_DAYS 7

/* Registrations ended (ended_at) or rejected (decided_at) more than
 * `days` ago lose their ID number, its blind index, the phone and the
 * household members; erased_at is set. The row stays, with its name,
 * room, dates, decisions and members_count, so every count stays as it
 * was. One audit row per run that erased anything (tenancy.erase, the
 * count), none per registration. */
enum hz_status hz_tenancies_erase(const struct hz_ctx *, int days,
                                  unsigned long long *erased);

/* Deletes refresh tokens spent more than HZ_REFRESH_KEEP_DAYS ago: used,
 * revoked (their session ended), or expired. */
enum hz_status hz_refresh_purge(const struct hz_ctx *,
                                unsigned long long *deleted);

#endif

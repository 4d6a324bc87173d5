/* Check-ins per Shanghai day and per group (checkin_days, sql/0021),
 * rolled up by a periodic job so that the dashboard of a village or a
 * cooperative sums a week's rows instead of counting its check-ins, and a
 * check-in stays one insert.
 *
 * The rows count every check-in before the watermark (rollup_marks,
 * "checkin_days"), exactly: each run recounts, from the start of the
 * watermark's Shanghai day, up to 10 minutes before the database's clock
 * (a check-in's time is its worker's clock, and its transaction commits a
 * moment later), and moves the watermark there, in one transaction. The
 * dashboard adds the check-ins from the watermark on, read in the same
 * statement: the sum is the direct count whatever the job's lag, and
 * before it ever ran (the watermark is then 1970). A check-in inserted
 * behind the watermark (a fixture backdating rows) is not counted until
 * hz_checkin_days_reset. */
#ifndef HZ_CHECKIN_DAYS_H
#define HZ_CHECKIN_DAYS_H

#include "ctx.h"

/* How far behind the database's clock a run stops. */
#define HZ_CHECKIN_DAYS_MARGIN_MS (10LL * 60 * 1000)

/* The periodic job: rolls up to the database's clock less the margin, a
 * week a transaction, and drops the rows of the days before the first
 * check-in kept (purge_checkins emptied them). n[0]: rows written, n[1]:
 * rows dropped. The day the purge is in keeps its count until it is
 * empty: a dashboard's week is exact while the retention is over 8 days
 * (180 by default). */
enum hz_status hz_checkin_days_job(const struct hz_ctx *, unsigned long long *n);

/* Rolls up to `until` (UTC milliseconds; never past the database's clock
 * less the margin), a week a transaction; *rows counts the rows written.
 * Tests place the watermark with it. */
enum hz_status hz_checkin_days_roll(const struct hz_ctx *, long long until,
                                    unsigned long long *rows);

/* Forgets the rollup (watermark back to 1970, rows deleted), in one
 * transaction: the next runs recount from the first check-in. */
enum hz_status hz_checkin_days_reset(const struct hz_ctx *);

#endif

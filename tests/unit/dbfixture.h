/* For unit tests that need the real database (scripts/test provides it
 * through HUZU_TEST_CONFIG): config, keys, a migrated schema, a context. */
#ifndef HZ_DBFIXTURE_H
#define HZ_DBFIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sodium.h>

#include "config.h"
#include "crypto.h"
#include "ctx.h"
#include "db.h"
#include "json.h"
#include "log.h"
#include "migrate.h"

static struct hz_config fx_cfg;
static struct hz_keys fx_keys;
static struct hz_ctx fx;
static struct hz_refusal fx_why;    /* why core last refused */

static inline int
fx_setup(void **state)
{
	const char *path = getenv("HUZU_TEST_CONFIG");
	char err[256];
	int applied;
	FILE *devnull;

	(void)state;
	hz_log_set_level(HZ_LOG_ERROR + 1);
	if (path == NULL)
		return getenv("HUZU_TEST_REQUIRE_DB") ? -1 : 0;
	if (sodium_init() < 0 ||
	    hz_config_load(&fx_cfg, path, err, sizeof(err)) != HZ_OK ||
	    hz_keys_load(&fx_cfg, &fx_keys, err, sizeof(err)) != HZ_OK) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	fx.cfg = &fx_cfg;
	fx.keys = &fx_keys;
	fx.arena = hz_arena_new(64 * 1024);
	fx.db = hz_db_new(&fx_cfg);
	fx.request_id = "unit-test";
	fx.ip = "192.0.2.1";
	fx.now = time(NULL);
	fx.why = &fx_why;
	hz_json_use_arena(fx.arena);
	devnull = fopen("/dev/null", "w");
	if (hz_migrate(fx.db, fx_cfg.sql_dir, devnull, &applied) != HZ_OK)
		return -1;
	fclose(devnull);
	return 0;
}

static inline int
fx_teardown(void **state)
{
	(void)state;
	hz_json_use_arena(NULL);
	hz_db_free(fx.db);
	hz_arena_free(fx.arena);
	return 0;
}

/* Skips the test when there is no database (a plain `ctest`). */
#define FX_NEED_DB() do { if (fx.db == NULL) skip(); } while (0)

/* A random mainland mobile number, so reruns never collide. */
static inline const char *
fx_phone(void)
{
	return hz_arena_printf(fx.arena, "139%08u",
	    (unsigned)randombytes_uniform(100000000));
}

#endif

/* Numbered migrations: sql/NNNN_name.sql, applied once each, in order, and
 * recorded (with a SHA-256 of the file) in schema_migrations. An applied
 * file that changed afterwards is an error, never silently skipped.
 *
 * File rules: statements end with ';' at the end of a line; lines starting
 * with "--" are comments. Each statement runs as a prepared statement.
 * MariaDB commits DDL implicitly, so a file is not atomic: every statement
 * must be safe to run again (CREATE TABLE IF NOT EXISTS, ADD KEY IF NOT
 * EXISTS...), so that a file that failed half-way can simply be re-run
 * once the cause is fixed. Later files repair, never edit, earlier ones. */
#ifndef HZ_MIGRATE_H
#define HZ_MIGRATE_H

#include <stdio.h>

#include "db.h"

/* Applies pending files from `dir`, reporting each on `out`. *applied gets
 * the count. The connection should have no read timeout: a statement that
 * rebuilds a big table runs for minutes (sql/0024: ~30 s a million
 * tenancies on the 2-core machine), and one cut off by the client goes on
 * in the server, unrecorded (fcgi/main.c: cmd_migrate). A statement waits
 * 2 s at most for a table's metadata lock (held by a worker's
 * transaction; lock_wait_timeout, the connection's init command): while
 * it waits, every new statement on that table queues behind it, and once
 * the workers all wait, every request does. So it gives up and tries
 * again 3 s later, five times in all, before the migration fails
 * (MariaDB error 1205). */
enum hz_status hz_migrate(struct hz_db *, const char *dir, FILE *out,
                          int *applied);

#endif

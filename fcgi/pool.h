#ifndef HZ_POOL_H
#define HZ_POOL_H

/* `huzu serve`: the master. Opens the socket, runs `workers` copies of
 * `exe worker`, respawns the ones that die, replaces them all on SIGHUP
 * once the new ones have reached the database (or keeps them, saying
 * why), reopens log_file on SIGUSR1 and drains them on SIGTERM/SIGINT.
 * Returns the exit code. */
int hz_serve(const char *exe, const char *config_path);

/* `huzu worker` (started by the master only): serves FastCGI requests on
 * listen_fd until SIGTERM, finishing the request in hand first. Started
 * for a reload, with HUZU_READY_FD set, it first connects and reports
 * "ready PID" or "failed PID REASON" on that pipe. */
int hz_worker(const char *config_path, int listen_fd);

/* `huzu scheduler` (started by the master only, when scheduler_enabled):
 * runs the periodic jobs while it holds the lease, until SIGTERM. */
int hz_scheduler_main(const char *config_path);

#endif

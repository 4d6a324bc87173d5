/* A worker: one database connection, one arena, one request at a time. */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <fcgiapp.h>
#include <mysql.h>
#include <sodium.h>

#include "config.h"
#include "crypto.h"
#include "dispatch.h"
#include "handlers.h"
#include "health.h"
#include "log.h"
#include "policy.h"
#include "pool.h"
#include "response.h"
#include "router.h"
#include "uploads.h"
#include "wechat_web.h"

/* Bodies above max_body are read and thrown away up to this much, so that
 * nginx sees our 413 rather than a broken pipe; beyond it we just close. */
#define DRAIN_MAX (16u * 1024 * 1024)

/* Requests taken back to back, while connections keep waiting, before
 * the worker looks at its signals (an epoll_pwait that does not wait). */
#define ACCEPT_BURST 32

static volatile sig_atomic_t stop, reopen;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void
on_usr1(int sig)
{
	(void)sig;
	reopen = 1;
}

/* The signals a signalfd holds, as their handlers would take them. */
static void
take_signals(int fd)
{
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGTERM)
			stop = 1;
		else if (si.ssi_signo == SIGUSR1)
			reopen = 1;
	}
}

/* The pipe of a worker of a pending generation (set by the master on a
 * reload): it reports there whether it can serve. -1: none. */
static int
ready_fd(void)
{
	const char *s = getenv("HUZU_READY_FD");
	char *end;
	long fd;

	if (s == NULL)
		return -1;
	fd = strtol(s, &end, 10);
	unsetenv("HUZU_READY_FD");    /* not for the programs it runs */
	return *end == '\0' && fd > 2 && fd < 1024 ? (int)fd : -1;
}

/* One line, one write (atomic on a pipe): "ready PID" or "failed PID
 * REASON". */
static void
report(int fd, bool ok, const char *why)
{
	char line[256];
	int n;

	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), ok ? "ready %ld\n" : "failed %ld %s\n",
	    (long)getpid(), why);
	if (n >= (int)sizeof(line)) {
		n = (int)sizeof(line) - 1;
		line[n - 1] = '\n';      /* cut, but still one whole line */
	}
	if (n > 0)
		(void)!write(fd, line, (size_t)n);
	close(fd);
}

/* Copies a FastCGI parameter into the arena: FCGX_GetParam's pointers die
 * at FCGX_Finish_r, and copies make the request independent of libfcgi. */
static const char *
param(FCGX_Request *r, hz_arena *a, const char *name)
{
	const char *v = FCGX_GetParam(name, r->envp);

	return v ? hz_arena_strdup(a, v) : NULL;
}

/* nginx's $request_id is 32 hex digits; anything else is not echoed. */
static const char *
clean_request_id(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return NULL;
	for (; s[n]; n++)
		if (n >= 64 || !((s[n] >= '0' && s[n] <= '9') ||
		    (s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= 'A' && s[n] <= 'Z') || s[n] == '-'))
			return NULL;
	return n ? s : NULL;
}

static void
drain(FCGX_Request *r, size_t len)
{
	char junk[16384];
	size_t left = len > DRAIN_MAX ? DRAIN_MAX : len;

	while (left > 0) {
		int n = FCGX_GetStr(junk, left > sizeof(junk) ? (int)sizeof(junk)
		    : (int)left, r->in);
		if (n <= 0)
			break;
		left -= (size_t)n;
	}
}

/* Does the request go to a route that takes its body as a file? Only
 * asked when there is a body. */
static bool
body_to_file(struct hz_req *req, const char *cl)
{
	char allow[128];

	if (cl == NULL || *cl == '\0' || strcmp(cl, "0") == 0)
		return false;
	if (hz_route_match(req, hz_routes, hz_nroutes, allow, sizeof(allow))
	    != HZ_MATCH_OK)
		return false;
	return (req->route->flags & HZ_BODY_FILE) != 0;
}

/* Streams exactly `len` bytes of body into a new file under the uploads
 * folder, so a photo of megabytes never sits in the worker's arena.
 * Replies and returns false on failure. */
static bool
receive_file(FCGX_Request *r, struct hz_req *req, size_t len)
{
	char path[HZ_PATH_MAX], buf[65536];
	size_t left = len;
	int fd;

	if (hz_upload_tmpfile(req->cfg, path, &fd) != HZ_OK) {
		hz_error("cannot make a file for an upload", "dir=%s error=\"%s\"",
		    req->cfg->uploads_dir, strerror(errno));
		hz_reply_status(req, HZ_ERR_IO);
		return false;
	}
	if ((req->body_path = hz_arena_strdup(req->arena, path)) == NULL) {
		close(fd);
		unlink(path);
		hz_reply_status(req, HZ_ERR_NOMEM);
		return false;
	}
	while (left > 0) {
		int n = FCGX_GetStr(buf, left > sizeof(buf) ? (int)sizeof(buf)
		    : (int)left, r->in);
		const char *p = buf;

		if (n <= 0)
			break;
		left -= (size_t)n;
		while (n > 0) {
			ssize_t w = write(fd, p, (size_t)n);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				close(fd);
				hz_error("cannot write an upload", "error=\"%s\"",
				    strerror(errno));
				hz_reply_status(req, HZ_ERR_IO);
				return false;
			}
			p += w;
			n -= (int)w;
		}
	}
	close(fd);
	/* Exactly CONTENT_LENGTH bytes, or the request is refused. */
	if (left > 0) {
		hz_reply_error(req, 400, "incomplete_body", "请求内容不完整");
		return false;
	}
	req->body_len = len;
	return true;
}

/* The sink of a streamed answer. */
static bool
put(void *stream, const char *data, size_t len)
{
	return len == 0 || FCGX_PutStr(data, (int)len, stream) == (int)len;
}

/* Has all of the request's input (its FCGI_STDIN stream, to the empty
 * record that ends it) been read? A request without a body, or whose
 * body was read whole, ends there; nginx sends that record right after
 * the body, so at most one read waits for it. More bytes than
 * CONTENT_LENGTH: not done. */
static bool
input_done(FCGX_Request *r)
{
	if (FCGX_HasSeenEOF(r->in) == EOF)
		return true;
	if (FCGX_GetError(r->in) != 0 || FCGX_GetChar(r->in) != EOF)
		return false;
	return FCGX_HasSeenEOF(r->in) == EOF && FCGX_GetError(r->in) == 0;
}

/* Serves one request into `req` (the caller's: the log line is written
 * from it once the answer has gone, log_request) and returns how long
 * it took, in microseconds. */
static long long
serve_one(FCGX_Request *r, struct hz_req *req, hz_arena *a,
          const struct hz_config *cfg, const struct hz_keys *keys,
          struct hz_db *db)
{
	struct timespec t0, t1;
	const char *cl;
	size_t len;
	long long us;
	bool file_body;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	hz_req_init(req, a, cfg, keys, db);
	hz_json_use_arena(a);
	req->sink = r->out;
	req->sink_write = put;
	req->method = hz_method_parse(FCGX_GetParam("REQUEST_METHOD", r->envp));
	req->path = param(r, a, "DOCUMENT_URI");
	req->query = param(r, a, "QUERY_STRING");
	if (req->query == NULL)
		req->query = "";
	req->content_type = param(r, a, "CONTENT_TYPE");
	req->request_id = clean_request_id(param(r, a, "REQUEST_ID"));
	req->remote_addr = param(r, a, "REMOTE_ADDR");
	req->authorization = param(r, a, "HTTP_AUTHORIZATION");
	req->idempotency_key = param(r, a, "HTTP_IDEMPOTENCY_KEY");
	cl = FCGX_GetParam("CONTENT_LENGTH", r->envp);
	file_body = body_to_file(req, cl);

	switch (hz_content_length(cl, (size_t)(file_body ? cfg->upload_max
	    : cfg->max_body), &len)) {
	case HZ_CL_BAD:
		hz_reply_error(req, 400, "bad_content_length",
		    "请求长度无效");
		goto out;
	case HZ_CL_TOO_LARGE:
		drain(r, len);
		hz_reply_error(req, 413, "body_too_large", "请求内容过大");
		goto out;
	case HZ_CL_OK:
		break;
	}
	if (file_body) {
		if (!receive_file(r, req, len))
			goto out;
	} else if (len > 0) {
		char *body = hz_arena_alloc(a, len + 1);
		int got;

		if (body == NULL) {
			hz_reply_status(req, HZ_ERR_NOMEM);
			goto out;
		}
		/* Exactly CONTENT_LENGTH bytes, or the request is refused. */
		got = FCGX_GetStr(body, (int)len, r->in);
		if (got < 0 || (size_t)got != len) {
			hz_reply_error(req, 400, "incomplete_body",
			    "请求内容不完整");
			goto out;
		}
		body[len] = '\0';
		req->body = body;
		req->body_len = len;
	}
	hz_handle(req, hz_routes, hz_nroutes);
out:
	if (req->out.oom) {
		static const char fallback[] = "Status: 500 Internal Server "
		    "Error\r\nContent-Type: application/json; charset=utf-8\r\n\r\n"
		    "{\"error\":{\"code\":\"internal\",\"message\":\"服务器内部错误\"}}";
		FCGX_PutStr(fallback, sizeof(fallback) - 1, r->out);
		req->status = 500;
	} else
		FCGX_PutStr(req->out.data, (int)req->out.len, r->out);
	if (req->body_path != NULL)
		unlink(req->body_path);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = (t1.tv_sec - t0.tv_sec) * 1000000LL +
	    (t1.tv_nsec - t0.tv_nsec) / 1000;
	hz_metrics_count(req, us);
	return us;
}

/* The request's log line, written once its answer is in nginx's hands
 * (after FCGX_Finish_r, before the arena is reset: the request id and
 * the error code live there): the write(2) of the line is no longer
 * part of the answer's time. The route pattern, never the raw path: ids
 * and tokens stay out of the log. Health probes (every few seconds, from
 * every balancer) at debug; a failing one is an error like any other. */
static void
log_request(const struct hz_req *req, long long us)
{
	hz_log(req->status >= 500 ? HZ_LOG_ERROR : req->route != NULL &&
	    strcmp(req->route->pattern, "/api/v1/health") == 0 ? HZ_LOG_DEBUG
	    : HZ_LOG_INFO, "request",
	    "method=%s route=%s status=%d dur_us=%lld rid=%s why=%s%s%s",
	    hz_method_name(req->method),
	    req->route ? req->route->pattern : "-", req->status, us,
	    req->request_id ? req->request_id : "-",
	    req->error_code ? req->error_code : "-",
	    req->idem ? " idem=" : "", req->idem ? req->idem : "");
}

/* A request whose arena grew past this is followed by a malloc_trim. A
 * usual one stays in the arena's first 16 KiB chunk. */
#define BIG_REQUEST (1024 * 1024)

int
hz_worker(const char *config_path, int listen_fd)
{
	struct hz_config *cfg;
	struct hz_keys *keys;
	struct hz_db *db;
	FCGX_Request r;
	struct hz_req req;
	long long us;
	hz_arena *a;
	enum hz_log_level lvl;
	struct sigaction sa;
	sigset_t block, during_poll;
	char err[256];
	unsigned long served = 0;
	unsigned burst = 0;
	int fl;
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = listen_fd },
	    evs[2];
	int epfd, sigfd;
	int ready = ready_fd();
	bool big;

	if ((cfg = malloc(sizeof(*cfg))) == NULL ||
	    (keys = sodium_malloc(sizeof(*keys))) == NULL)
		return 1;
	if (hz_config_load(cfg, config_path, err, sizeof(err)) != HZ_OK ||
	    hz_keys_load(cfg, keys, err, sizeof(err)) != HZ_OK) {
		hz_error("worker cannot load config", "error=\"%s\"", err);
		report(ready, false, err);
		return 1;
	}
	/* The keys now live in `keys` (guarded pages); wipe their hex copies,
	 * keeping only what a reconnect needs. No core dumps of a process
	 * holding them, and no life after the master. */
	for (size_t i = 0; i < cfg->secrets.n; i++)
		if (strcmp(cfg->secrets.kv[i].name, "db_password") != 0 &&
		    strcmp(cfg->secrets.kv[i].name, "wechat_secret") != 0 &&
		    strcmp(cfg->secrets.kv[i].name, "wechat_oa_secret") != 0 &&
		    strcmp(cfg->secrets.kv[i].name,
		    "sms_tencent_secret_key") != 0)
			sodium_memzero(cfg->secrets.kv[i].value,
			    sizeof(cfg->secrets.kv[i].value));
	prctl(PR_SET_DUMPABLE, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		return 1;   /* the master died before we got here */
	if (hz_log_level_parse(cfg->log_level, &lvl) == 0)
		hz_log_set_level(lvl);
	/* Its generation's log_file (the master's may be an older one). */
	if (hz_log_reopen(cfg->log_file) != 0)
		hz_error("cannot open the log file", "log_file=%s error=\"%s\"",
		    cfg->log_file, strerror(errno));
	hz_wechat_web_config_check(cfg);
	if (sodium_init() < 0 || mysql_library_init(0, NULL, NULL) != 0 ||
	    curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return 1;

	/* SIGTERM is blocked except while waiting for a connection, so it
	 * can never interrupt a request half-way: the worker finishes what
	 * it holds and leaves at the next wait. SIGINT belongs to the
	 * master (a Ctrl-C reaches the whole process group). */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	/* SIGUSR1 (the log moved) likewise: taken between requests. The
	 * master starts us with it blocked. */
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &during_poll);
	sigdelset(&during_poll, SIGTERM);
	sigdelset(&during_poll, SIGUSR1);

	/* Fixed malloc thresholds. glibc's own rise after one big answer
	 * (freeing a large mapped block lifts the mmap threshold to its size,
	 * up to 32 MiB, and the trim threshold to twice that): the heap such a
	 * request grew then stayed resident (measured: 12.4 MiB, then 18.9
	 * after one 2 MB poster sheet, for good). */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	mallopt(M_TRIM_THRESHOLD, 512 * 1024);
	if (FCGX_Init() != 0 || FCGX_InitRequest(&r, listen_fd, 0) != 0)
		return 1;
	/* The loop below accepts before it polls: with its signals blocked,
	 * a worker must never sleep in accept (the master makes the socket
	 * non-blocking already; this holds for any socket). */
	if ((fl = fcntl(listen_fd, F_GETFL)) < 0 ||
	    fcntl(listen_fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return 1;
	/* Waiting is an epoll of the worker's own (created after the fork),
	 * taking the signal mask as ppoll did. Every idle worker wakes for a
	 * connection and one wins the accept. EPOLLEXCLUSIVE would wake one
	 * (measured: 16 workers, /version 40 % -> 77 % of the ceiling) but
	 * wakes them in a fixed order, so a light load lands on one worker
	 * only, and a reload or key rotation cannot be seen reaching every
	 * worker; at the default 4 workers the herd costs less. */
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    epoll_ctl(epfd, EPOLL_CTL_ADD, listen_fd, &ev) != 0)
		return 1;
	/* An epoll_pwait that finds a connection ready (always, under load)
	 * returns before it looks at signals, and one that does not wait
	 * never does: a SIGTERM or SIGUSR1 would stay pending for as long as
	 * the load lasts. A signalfd in the same epoll reports them with the
	 * connections; read, it sets what the handlers set. */
	if ((sigfd = signalfd(-1, &block, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		return 1;
	ev.events = EPOLLIN;
	ev.data.fd = sigfd;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, sigfd, &ev) != 0)
		return 1;
	if ((a = hz_arena_new(16 * 1024)) == NULL ||
	    (db = hz_db_new(cfg)) == NULL)
		return 1;
	hz_db_guard(db);    /* a stalled database: 503 in ~1 s, not a hang */
	if (ready >= 0) {
		/* A new generation proves it can serve before the old one
		 * is retired: connected, and a statement prepared and run. */
		enum hz_status rc = hz_db_connect(db);

		if (rc == HZ_OK)
			rc = hz_health_check(db, a);
		hz_arena_reset(a);
		if (rc != HZ_OK) {
			snprintf(err, sizeof(err), "cannot reach the database "
			    "(%s, errno %u, db_name %s)", hz_status_str(rc),
			    hz_db_errno(db), cfg->db_name);
			hz_error("new worker not ready", "error=\"%s\"", err);
			report(ready, false, err);
			return 1;
		}
		report(ready, true, NULL);
	} else
		(void)hz_db_connect(db);    /* a down database is not fatal */

	while (!stop) {
		int rc = -EAGAIN;

		/* Under load a connection is already waiting: it is taken
		 * at once, without an epoll_pwait (one system call a request).
		 * SIGTERM and SIGUSR1 stay blocked meanwhile; an epoll_pwait
		 * (its signalfd) takes them at least every ACCEPT_BURST
		 * requests (with no wait when a connection is there). */
		if (burst < ACCEPT_BURST) {
			rc = FCGX_Accept_r(&r);
			burst++;
		}
		if (rc == -EAGAIN || rc == -EWOULDBLOCK) {
			rc = epoll_pwait(epfd, evs, 2,
			    burst < ACCEPT_BURST ? -1 : 0, &during_poll);
			burst = 0;
			for (int i = 0; i < rc; i++)
				if (evs[i].data.fd == sigfd)
					take_signals(sigfd);
			if (reopen) {
				reopen = 0;
				if (hz_log_reopen(cfg->log_file) != 0)
					hz_error("cannot reopen the log file",
					    "log_file=%s error=\"%s\"",
					    cfg->log_file, strerror(errno));
			}
			continue;   /* then accept (another worker may win) */
		}
		if (rc < 0) {
			hz_warn("accept failed", "error=\"%s\"", strerror(-rc));
			continue;
		}
		us = serve_one(&r, &req, a, cfg, keys, db);
		/* libfcgi closes a connection by shutdown(), then a poll and a
		 * read until nginx has closed its end (a lingering close, up to
		 * 2 s): three system calls and a sleep per request. It guards
		 * input still on its way (a body we refused half-read: nginx
		 * would see a broken pipe, not our 413). Once the request's
		 * input has been read to its end there is none: the answer is
		 * whole in nginx's socket, and a plain close() will do
		 * (FCGX_Detach: FCGX_Finish_r then skips the shutdown). */
		if (input_done(&r))
			FCGX_Detach(&r);
		FCGX_Finish_r(&r);
		log_request(&req, us);
		big = hz_arena_footprint(a) > BIG_REQUEST;
		hz_arena_reset(a);
		/* What a big request freed goes back to the system, the free
		 * pages between live blocks too: RSS does not ratchet. */
		if (big)
			malloc_trim(0);
		served++;
	}
	hz_info("worker stopping", "served=%lu", served);
	hz_json_use_arena(NULL);
	hz_caller_cache_clear();
	hz_arena_free(a);
	hz_db_free(db);
	close(sigfd);
	close(epfd);
	mysql_library_end();
	sodium_free(keys);
	free(cfg);
	return 0;
}

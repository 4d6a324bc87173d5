#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <sodium.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "log.h"
#include "num.h"
#include "policy.h"
#include "uploads.h"

extern char **environ;

enum { STMT_INSERT, STMT_GET, STMT_COMPLAINT_PATHS, STMT_DIRECTIVE_PATHS,
       STMT_RECEIPT_PATHS, STMT_CHECKLIST_PATHS, STMT_STALE, STMT_DROP,
       STMT_SHA_USED, STMT__MAX };

/* What attaches an upload (u.id, or the argument): a complaint, a
 * directive, a receipt's evidence, a checklist entry. An upload none of
 * them names is a form given up. */
#define ATTACHED(id) \
	"(SELECT 1 FROM complaint_photos p WHERE p.upload_id = " id ")" \
	" OR EXISTS (SELECT 1 FROM directive_files f WHERE f.upload_id = " id ")" \
	" OR EXISTS (SELECT 1 FROM directive_receipts r" \
	"  WHERE r.done_upload_id = " id ")" \
	" OR EXISTS (SELECT 1 FROM checklist_entries e WHERE e.upload_id = " id ")"

static const char *const sql[STMT__MAX] = {
	[STMT_INSERT] =
	    "INSERT INTO uploads (user_id, kind, sha256, width, height, bytes)"
	    " VALUES (?, ?, ?, ?, ?, ?)",
	[STMT_GET] = "SELECT user_id, sha256, kind FROM uploads WHERE id = ?",
	/* Where the complaints carrying a photo sit; a photo is on a few at
	 * most (the resident's own, one per complaint). */
	[STMT_COMPLAINT_PATHS] =
	    "SELECT c.unit_path FROM complaint_photos p"
	    " JOIN complaints c ON c.id = p.complaint_id"
	    " WHERE p.upload_id = ? LIMIT 64",
	/* The directives carrying a file, and whether the caller got one. */
	[STMT_DIRECTIVE_PATHS] =
	    "SELECT d.unit_path, EXISTS (SELECT 1 FROM directive_receipts r"
	    "  WHERE r.directive_id = d.id AND r.user_id = ?)"
	    " FROM directive_files f JOIN directives d ON d.id = f.directive_id"
	    " WHERE f.upload_id = ? LIMIT 64",
	/* A receipt's evidence: where the recipient was asked. */
	[STMT_RECEIPT_PATHS] =
	    "SELECT unit_path FROM directive_receipts WHERE done_upload_id = ?"
	    " LIMIT 64",
	[STMT_CHECKLIST_PATHS] =
	    "SELECT c.unit_path FROM checklist_entries e"
	    " JOIN checklists c ON c.id = e.checklist_id"
	    " WHERE e.upload_id = ? LIMIT 64",
	/* Uploaded, never attached, and older than a day on the database's
	 * clock (a tick in the future must not take a form being filled in):
	 * a form given up. */
	[STMT_STALE] =
	    "SELECT u.id, u.sha256 FROM uploads u"
	    " WHERE u.created_at < NOW(3) - INTERVAL 1 DAY AND NOT (EXISTS"
	    ATTACHED("u.id") ")"
	    " ORDER BY u.id LIMIT 500",
	/* The id, then four times again for ATTACHED. */
	[STMT_DROP] =
	    "DELETE FROM uploads WHERE id = ? AND NOT (EXISTS"
	    ATTACHED("?") ")",
	[STMT_SHA_USED] = "SELECT COUNT(*) FROM uploads WHERE sha256 = ?",
};

static const struct hz_stmt_table stmts = HZ_STMT_TABLE("uploads", sql);

enum { G_USER, G_SHA, G_KIND };

static const char *const sizes[] = { "display", "thumb", NULL };

const struct hz_upload_rules hz_upload_rules = {
	.size = { HZ_F_ENUM, 0, 0, "size 应为 display 或 thumb", sizes },
};

static const struct hz_refusal
    not_a_photo = { HZ_ERR_MEDIA_TYPE, "unsupported_media_type", NULL,
	"只能上传 JPEG、PNG、WebP 或 HEIC 格式的照片，或 PDF 文件；请重新选择" },
    not_a_pdf = { HZ_ERR_MEDIA_TYPE, "unsupported_media_type", NULL,
	"这个 PDF 文件不完整或已损坏，请重新导出 PDF 后上传" },
    empty = { HZ_ERR_INVALID, "validation_failed", "photo",
	"请选择要上传的照片" },
    too_large = { HZ_ERR_TOO_LARGE, "body_too_large", NULL,
	"照片不能超过 10 MB，请压缩后重新上传" },
    too_many_pixels = { HZ_ERR_INVALID, "validation_failed", "photo",
	"照片像素过大，请换一张较小的照片（不超过 5000 万像素）" },
    too_slow = { HZ_ERR_INVALID, "validation_failed", "photo",
	"照片处理超时，请换一张较小的照片重试" },
    not_owned = { HZ_ERR_INVALID, "validation_failed", "photos",
	"照片已失效，请重新上传" },
    photos_only = { HZ_ERR_INVALID, "validation_failed", "photos",
	"这里只能添加照片，不能添加 PDF 文件，请重新选择" },
    busy = { HZ_ERR_RATE_LIMITED, "uploads_busy", "photo",
	"正在处理的照片较多，请稍等几秒再上传", 2 };

/* The types a client may declare (the content decides all the same). */
static bool
declared_ok(const char *ct)
{
	static const char *const types[] = { "image/jpeg", "image/png",
	    "image/webp", "image/heic", "image/heif", "application/pdf",
	    "application/octet-stream", NULL };
	size_t n;

	if (ct == NULL || *ct == '\0')
		return true;
	n = strcspn(ct, "; \t");
	for (size_t i = 0; types[i]; i++)
		if (strlen(types[i]) == n && strncasecmp(ct, types[i], n) == 0)
			return true;
	return false;
}

/* cfg->image_program, or huzu-image beside the running program. */
static const char *
image_program(const struct hz_ctx *x)
{
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (x->cfg->image_program[0] != '\0')
		return x->cfg->image_program;
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		return NULL;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return NULL;
	*slash = '\0';
	return hz_arena_printf(x->arena, "%s/huzu-image", self);
}

enum run { RUN_DONE, RUN_UNSUPPORTED, RUN_TOO_BIG, RUN_TIMEOUT, RUN_FAILED };

/* Runs the decoder on `in` and waits for it, at most image_timeout
 * seconds (plus a grace second for it to stop by itself). Its one line of
 * output goes to `line`. */
static enum run
run_image(const struct hz_ctx *x, const char *in, char *line, size_t linelen)
{
	const char *prog = image_program(x);
	char pixels[24], secs[16];
	char *const argv[] = { (char *)"huzu-image", pixels, secs, (char *)in,
	    (char *)x->cfg->uploads_dir, NULL };
	/* A small, known environment; the decoder's own leaks at exit are
	 * none of a sanitizer build's business. */
	char *const envp[] = { (char *)"PATH=/usr/bin:/bin",
	    (char *)"VIPS_BLOCK_UNTRUSTED=1", (char *)"VIPS_CONCURRENCY=1",
	    (char *)"ASAN_OPTIONS=detect_leaks=0", NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, deflt;
	struct timespec t0, t;
	size_t used = 0;
	int p[2], st = 0, rc;
	bool killed = false;
	pid_t pid;

	if (prog == NULL || pipe2(p, O_CLOEXEC) != 0)
		return RUN_FAILED;
	snprintf(pixels, sizeof(pixels), "%d", x->cfg->image_max_pixels);
	snprintf(secs, sizeof(secs), "%d", x->cfg->image_timeout);
	/* The worker blocks SIGTERM and ignores SIGPIPE and SIGHUP; the
	 * decoder starts with neither. No descriptor of the worker (its
	 * socket, its database connection) reaches it. */
	sigemptyset(&none);
	sigemptyset(&deflt);
	sigaddset(&deflt, SIGTERM);
	sigaddset(&deflt, SIGPIPE);
	sigaddset(&deflt, SIGHUP);
	sigaddset(&deflt, SIGINT);
	sigaddset(&deflt, SIGALRM);
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &deflt);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	rc = posix_spawn(&pid, prog, &fa, &at, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(p[1]);
	if (rc != 0) {
		hz_error("cannot run the image decoder", "program=%s error=\"%s\"",
		    prog, strerror(rc));
		close(p[0]);
		return RUN_FAILED;
	}

	/* Its output until the end of it, then its exit, both within the
	 * deadline; past it, SIGKILL. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (bool eof = false;;) {
		struct pollfd pf = { .fd = p[0], .events = POLLIN };
		long long left;
		ssize_t n;

		if (eof) {
			if ((rc = (int)waitpid(pid, &st, WNOHANG)) == pid)
				break;
			if (rc < 0 && errno != EINTR)
				break;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		left = (x->cfg->image_timeout + 1) * 1000LL -
		    ((t.tv_sec - t0.tv_sec) * 1000LL +
		    (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0) {
			kill(pid, SIGKILL);
			killed = true;
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			break;
		}
		if (eof) {
			struct timespec nap = { 0, 5 * 1000000 };
			nanosleep(&nap, NULL);
			continue;
		}
		if ((rc = poll(&pf, 1, (int)left)) <= 0)
			continue;   /* EINTR, or the clock decides */
		n = read(p[0], line + used, linelen - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0)
			used += (size_t)n;
		if (n <= 0 || used == linelen - 1)
			eof = true; /* the end of its output (or all we take) */
	}
	line[used] = '\0';
	close(p[0]);
	if (killed || (WIFSIGNALED(st) && (WTERMSIG(st) == SIGALRM ||
	    WTERMSIG(st) == SIGKILL || WTERMSIG(st) == SIGXCPU)))
		return RUN_TIMEOUT;
	if (!WIFEXITED(st))
		return RUN_FAILED;
	switch (WEXITSTATUS(st)) {
	case 0: return RUN_DONE;
	case 2: return RUN_UNSUPPORTED;
	case 3: return RUN_TOO_BIG;
	default: return RUN_FAILED;
	}
}

/* "<64 hex> <width> <height> <bytes>" */
static bool
parse_line(char *line, char *sha, struct hz_upload *u)
{
	char *f[4], *save = NULL, *s = line;
	int64_t v[3];

	for (size_t i = 0; i < 4; i++, s = NULL)
		if ((f[i] = strtok_r(s, " \n", &save)) == NULL)
			return false;
	if (strlen(f[0]) != 64 || strspn(f[0], "0123456789abcdef") != 64)
		return false;
	for (size_t i = 0; i < 3; i++)
		if (!hz_parse_i64z(f[i + 1], 1, INT32_MAX, &v[i]))
			return false;
	memcpy(sha, f[0], 65);
	u->width = (int)v[0];
	u->height = (int)v[1];
	u->bytes = v[2];
	return true;
}

struct create_job {
	const char       *sha;
	struct hz_upload *u;
	bool              pdf;
};

static enum hz_status
create_tx(const struct hz_ctx *x, void *p)
{
	struct create_job *j = p;
	struct hz_db_result r;
	char detail[96];
	enum hz_status rc;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_INSERT, HZ_ARGS(
	    HZ_ARG_I64((long long)x->caller->id),
	    HZ_ARG_STR(j->pdf ? "pdf" : "photo"), HZ_ARG_STR(j->sha),
	    HZ_ARG_I64(j->u->width), HZ_ARG_I64(j->u->height),
	    HZ_ARG_I64(j->u->bytes)), &r)))
		return rc;
	j->u->id = r.insert_id;
	snprintf(detail, sizeof(detail), "{\"kind\":\"%s\",\"width\":%d,"
	    "\"height\":%d,\"bytes\":%lld}", j->pdf ? "pdf" : "photo",
	    j->u->width, j->u->height, j->u->bytes);
	return hz_audit(x, 0, "upload.create", "upload", j->u->id, detail);
}

/* At most workers - 1 photos are decoded at once on a host, so that one
 * worker always stays free for everyone else, however many uploads
 * arrive; and no more than the host has processors: a decode is CPU-bound
 * (libvips on one thread) and may take 1 GiB, and the workers are many
 * for the sake of concurrent commits, not of decodes. A slot is an flock
 * on uploads_dir/locks/decode-N: the kernel releases it when the
 * descriptor closes, also when the worker dies.
 * Returns the slot's descriptor, -1 when all are taken (*rc HZ_OK) or on
 * an error (*rc set). */
static int
decode_slot(const struct hz_ctx *x, enum hz_status *rc)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int slots = x->cfg->workers > 1 ? x->cfg->workers - 1 : 1;
	char path[HZ_PATH_MAX];

	if (cpus >= 1 && slots > cpus)
		slots = (int)cpus;
	*rc = HZ_OK;
	if (snprintf(path, sizeof(path), "%s/locks", x->cfg->uploads_dir) >=
	    (int)sizeof(path) || (mkdir(path, 0700) != 0 && errno != EEXIST)) {
		*rc = HZ_ERR_IO;
		return -1;
	}
	for (int i = 0; i < slots; i++) {
		int fd, n = snprintf(path, sizeof(path), "%s/locks/decode-%d",
		    x->cfg->uploads_dir, i);

		if (n < 0 || n >= (int)sizeof(path) ||
		    (fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
			*rc = HZ_ERR_IO;
			return -1;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		close(fd);
	}
	return -1;
}

enum pdf { PDF_NO, PDF_YES, PDF_BROKEN };

/* A PDF by its content: "%PDF-" first, "%%EOF" in the last KiB. */
static enum pdf
pdf_check(const char *path, size_t len)
{
	char head[5], tail[1024];
	size_t n = len < sizeof(tail) ? len : sizeof(tail);
	enum pdf v = PDF_BROKEN;
	int fd;

	if (len < sizeof(head) || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return PDF_NO;
	if (pread(fd, head, sizeof(head), 0) != (ssize_t)sizeof(head) ||
	    memcmp(head, "%PDF-", sizeof(head)) != 0)
		v = PDF_NO;
	else if (pread(fd, tail, n, (off_t)(len - n)) == (ssize_t)n &&
	    memmem(tail, n, "%%EOF", 5) != NULL)
		v = PDF_YES;
	close(fd);
	return v;
}

/* A PDF is kept as received, named by the SHA-256 of its bytes
 * ("ab/<sha>.pdf"), readable by nginx; the same file twice is one. */
static enum hz_status
pdf_store(const struct hz_ctx *x, const char *path, size_t len, char *sha)
{
	crypto_hash_sha256_state st;
	unsigned char buf[65536], md[32];
	char dir[HZ_PATH_MAX], final[HZ_PATH_MAX];
	size_t got = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return HZ_ERR_IO;
	crypto_hash_sha256_init(&st);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		crypto_hash_sha256_update(&st, buf, (unsigned long long)n);
		got += (size_t)n;
	}
	close(fd);
	if (n < 0 || got != len)
		return HZ_ERR_IO;
	crypto_hash_sha256_final(&st, md);
	sodium_bin2hex(sha, 65, md, sizeof(md));
	if (snprintf(dir, sizeof(dir), "%s/%.2s", x->cfg->uploads_dir, sha) >=
	    (int)sizeof(dir) || snprintf(final, sizeof(final), "%s/%s.pdf", dir,
	    sha) >= (int)sizeof(final))
		return HZ_ERR_IO;
	if (mkdir(dir, 0755) == 0)
		chmod(dir, 0755);
	else if (errno != EEXIST)
		return HZ_ERR_IO;
	/* The body's file becomes the kept one (the caller unlinks its own
	 * name afterwards); a file already there is the same bytes. */
	if (link(path, final) != 0 && errno != EEXIST)
		return HZ_ERR_IO;
	if (chmod(final, 0644) != 0)
		return HZ_ERR_IO;
	return HZ_OK;
}

enum hz_status
hz_upload_create(const struct hz_ctx *x, const char *content_type,
                 const char *path, size_t len, struct hz_upload *out)
{
	char line[160], sha[65];
	struct create_job j = { sha, out };
	enum hz_status rc;
	enum run ran;
	int slot;

	memset(out, 0, sizeof(*out));
	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	if (!declared_ok(content_type))
		return hz_refuse(x, &not_a_photo);
	if (len == 0 || path == NULL)
		return hz_refuse(x, &empty);
	if (len > (size_t)x->cfg->upload_max)
		return hz_refuse(x, &too_large);
	switch (pdf_check(path, len)) {
	case PDF_NO:
		break;
	case PDF_BROKEN:
		return hz_refuse(x, &not_a_pdf);
	case PDF_YES:
		if ((rc = pdf_store(x, path, len, sha)))
			return rc;
		out->pdf = j.pdf = true;
		out->bytes = (long long)len;
		return hz_tx(x, create_tx, &j);
	}
	if ((slot = decode_slot(x, &rc)) < 0)
		return rc ? rc : hz_refuse(x, &busy);
	ran = run_image(x, path, line, sizeof(line));
	close(slot);
	switch (ran) {
	case RUN_DONE:
		break;
	case RUN_UNSUPPORTED:
		return hz_refuse(x, &not_a_photo);
	case RUN_TOO_BIG:
		return hz_refuse(x, &too_many_pixels);
	case RUN_TIMEOUT:
		hz_warn("image decoder timed out", "seconds=%d",
		    x->cfg->image_timeout);
		return hz_refuse(x, &too_slow);
	case RUN_FAILED:
		hz_error("image decoder failed", "bytes=%zu", len);
		return HZ_ERR_IO;
	}
	if (!parse_line(line, sha, out)) {
		hz_error("image decoder said something else", "-");
		return HZ_ERR_INTERNAL;
	}
	/* The files stay when the row fails: named by content, they are
	 * shared with any other upload of the same photo. */
	return hz_tx(x, create_tx, &j);
}

/* May the caller see upload `owner`'s file `id`? Its uploader; the
 * recipients of a directive carrying it and the staff who may send there;
 * staff who read the unit of a complaint, a receipt or a checklist entry
 * that carries it. */
static enum hz_status
may_see(const struct hz_ctx *x, uint64_t id, uint64_t owner)
{
	struct hz_db_result r;
	enum hz_status rc;

	if (owner == x->caller->id)
		return HZ_OK;
	if (!x->caller->staff)
		return HZ_ERR_NOT_FOUND;
	/* A directive's file: its recipients and the senders in scope. */
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_DIRECTIVE_PATHS,
	    HZ_ARGS(HZ_ARG_I64((long long)x->caller->id),
	    HZ_ARG_I64((long long)id)), &r)))
		return rc;
	for (size_t i = 0; i < r.nrows; i++)
		if (HZ_CELL(&r, i, 1)->i || hz_authorize(x->caller,
		    HZ_RIGHT_DIRECTIVE_SEND, HZ_CELL(&r, i, 0)->s) == HZ_OK)
			return HZ_OK;
	/* A complaint's photo, a receipt's, a checklist entry's: staff who
	 * read where it was taken. */
	for (size_t s = STMT_COMPLAINT_PATHS; s <= STMT_CHECKLIST_PATHS; s++) {
		if (s == STMT_DIRECTIVE_PATHS)
			continue;
		if ((rc = hz_db_run(x->db, x->arena, &stmts, s,
		    HZ_ARGS(HZ_ARG_I64((long long)id)), &r)))
			return rc;
		for (size_t i = 0; i < r.nrows; i++)
			if (hz_authorize(x->caller, HZ_RIGHT_UNIT_READ,
			    HZ_CELL(&r, i, 0)->s) == HZ_OK)
				return HZ_OK;
	}
	return HZ_ERR_NOT_FOUND;
}

enum hz_status
hz_upload_file(const struct hz_ctx *x, uint64_t id, bool thumb,
               const char **relpath)
{
	struct hz_db_result r;
	const char *sha;
	enum hz_status rc;

	*relpath = NULL;
	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_GET,
	    HZ_ARGS(HZ_ARG_I64((long long)id)), &r)))
		return rc;
	if (r.nrows == 0)
		return HZ_ERR_NOT_FOUND;
	if ((rc = may_see(x, id, HZ_ID(HZ_CELL(&r, 0, G_USER)))))
		return rc;
	sha = HZ_CELL(&r, 0, G_SHA)->s;
	/* A PDF has one file, whatever size is asked for. */
	if (strcmp(HZ_CELL(&r, 0, G_KIND)->s, "pdf") == 0)
		*relpath = hz_arena_printf(x->arena, "%.2s/%s.pdf", sha, sha);
	else
		*relpath = hz_arena_printf(x->arena, "%.2s/%s%s.jpg", sha, sha,
		    thumb ? "_t" : "");
	return *relpath ? HZ_OK : HZ_ERR_NOMEM;
}

enum hz_status
hz_uploads_owned_files(const struct hz_ctx *x, const uint64_t *ids, size_t n,
                       const char **kinds)
{
	struct hz_db_result r;
	enum hz_status rc;

	if (x->caller == NULL)
		return HZ_ERR_UNAUTHORIZED;
	for (size_t i = 0; i < n; i++) {
		if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_GET,
		    HZ_ARGS(HZ_ARG_I64((long long)ids[i])), &r)))
			return rc;
		if (r.nrows == 0 || HZ_ID(HZ_CELL(&r, 0, G_USER)) !=
		    x->caller->id)
			return hz_refuse(x, &not_owned);
		if (kinds != NULL)
			kinds[i] = HZ_CELL(&r, 0, G_KIND)->s;
	}
	return HZ_OK;
}

enum hz_status
hz_uploads_owned(const struct hz_ctx *x, const uint64_t *ids, size_t n)
{
	const char *kinds[16];
	enum hz_status rc;

	for (size_t i = 0; i < n; i += 16) {
		size_t k = n - i < 16 ? n - i : 16;

		if ((rc = hz_uploads_owned_files(x, ids + i, k, kinds)))
			return rc;
		for (size_t j = 0; j < k; j++)
			if (strcmp(kinds[j], "photo") != 0)
				return hz_refuse(x, &photos_only);
	}
	return HZ_OK;
}

enum hz_status
hz_upload_tmpfile(const struct hz_config *cfg, char *path, int *fd)
{
	int n;

	*fd = -1;
	/* Readable by nginx's workers whatever our umask; tmp/ is not. */
	if (mkdir(cfg->uploads_dir, 0755) == 0)
		chmod(cfg->uploads_dir, 0755);
	else if (errno != EEXIST)
		return HZ_ERR_IO;
	n = snprintf(path, HZ_PATH_MAX, "%s/tmp", cfg->uploads_dir);
	if (n < 0 || n >= HZ_PATH_MAX - 16 ||
	    (mkdir(path, 0700) != 0 && errno != EEXIST))
		return HZ_ERR_IO;
	memcpy(path + n, "/body.XXXXXX", sizeof("/body.XXXXXX"));
	if ((*fd = mkostemp(path, O_CLOEXEC)) < 0)
		return HZ_ERR_IO;
	return HZ_OK;
}

/* Removes `dir/name` if it was last changed before `before`. */
static bool
unlink_older(const char *dir, const char *name, time_t before)
{
	char path[HZ_PATH_MAX];
	struct stat st;
	int n = snprintf(path, sizeof(path), "%s/%s", dir, name);

	if (n < 0 || n >= (int)sizeof(path) || lstat(path, &st) != 0 ||
	    !S_ISREG(st.st_mode) || st.st_mtime >= before)
		return false;
	return unlink(path) == 0;
}

/* The files of `sha`, unless another upload still names them. A file
 * changed in the last day may be a new upload of the same photo whose row
 * is not in yet: it stays. */
static enum hz_status
drop_files(const struct hz_ctx *x, const char *sha, time_t before)
{
	struct hz_db_result r;
	char dir[HZ_PATH_MAX];
	enum hz_status rc;
	int n;

	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_SHA_USED,
	    HZ_ARGS(HZ_ARG_STR(sha)), &r)))
		return rc;
	if (HZ_CELL(&r, 0, 0)->i > 0)
		return HZ_OK;
	n = snprintf(dir, sizeof(dir), "%s/%.2s", x->cfg->uploads_dir, sha);
	if (n < 0 || n >= (int)sizeof(dir))
		return HZ_ERR_IO;
	unlink_older(dir, hz_arena_printf(x->arena, "%s.jpg", sha), before);
	unlink_older(dir, hz_arena_printf(x->arena, "%s_t.jpg", sha), before);
	unlink_older(dir, hz_arena_printf(x->arena, "%s.pdf", sha), before);
	return HZ_OK;
}

enum hz_status
hz_uploads_purge(const struct hz_ctx *x, unsigned long long *n)
{
	time_t before = time(NULL) - 86400;
	struct hz_db_result r, d;
	char tmp[HZ_PATH_MAX];
	struct dirent *e;
	DIR *dir;
	enum hz_status rc;

	*n = 0;
	if (x->caller != NULL)
		return HZ_ERR_FORBIDDEN;
	if ((rc = hz_db_run(x->db, x->arena, &stmts, STMT_STALE, HZ_NO_ARGS,
	    &r)))
		return rc;
	for (size_t i = 0; i < r.nrows; i++) {
		const struct hz_db_cell *c = HZ_CELL(&r, i, 0);
		struct hz_db_arg id = HZ_ARG_I64(c[0].i);

		/* Attached meanwhile: whatever attached it keeps it. */
		rc = hz_db_run(x->db, x->arena, &stmts, STMT_DROP,
		    HZ_ARGS(id, id, id, id, id), &d);
		if (rc == HZ_ERR_CONFLICT || (rc == HZ_OK && d.affected == 0))
			continue;
		if (rc || (rc = drop_files(x, c[1].s, before)))
			return rc;
		(*n)++;
	}
	/* Bodies a worker died receiving: an hour is far past any upload. */
	if (snprintf(tmp, sizeof(tmp), "%s/tmp", x->cfg->uploads_dir) <
	    (int)sizeof(tmp) && (dir = opendir(tmp)) != NULL) {
		while ((e = readdir(dir)) != NULL)
			if (e->d_name[0] != '.')
				unlink_older(tmp, e->d_name, time(NULL) - 3600);
		closedir(dir);
	}
	return HZ_OK;
}

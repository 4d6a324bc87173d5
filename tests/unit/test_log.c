#include "unit.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "utf8.h"

static void
quote_escapes_what_could_forge_a_line(void **state)
{
	char out[64];

	(void)state;
	assert_string_equal(hz_log_quote(out, sizeof(out), "a\"b\\c\nd\x7f", 100),
	    "\"a\\\"b\\\\c\\x0ad\\x7f\"");
	assert_string_equal(hz_log_quote(out, sizeof(out), NULL, 10), "\"\"");
	/* Bytes that are not UTF-8 are escaped, not copied. */
	assert_string_equal(hz_log_quote(out, sizeof(out), "a\xe6\x88" "b\x80", 100),
	    "\"a\\xe6\\x88b\\x80\"");
}

static void
quote_never_cuts_a_character(void **state)
{
	char out[64];
	const char *q;

	(void)state;
	/* 户 is 3 bytes: a limit of 4 bytes keeps one whole character. */
	q = hz_log_quote(out, sizeof(out), "户组户组", 4);
	assert_string_equal(q, "\"户\"");
	/* A small output buffer cuts at a boundary too. */
	q = hz_log_quote(out, 12, "户组户组户组", 100);
	assert_true(hz_utf8_valid(q, strlen(q)));
	assert_int_equal(q[strlen(q) - 1], '"');
}

/* Bidirectional controls, invisible characters and C1 controls are
 * escaped as code points: a line reads as it is, and cannot be made to
 * look like another. Emoji and CJK stay as they are. */
static void
quote_escapes_what_could_spoof_a_line(void **state)
{
	char out[128];

	(void)state;
	assert_string_equal(hz_log_quote(out, sizeof(out),
	    "a\xe2\x80\xae" "b\xe2\x81\xa6" "c\xe2\x80\x8b" "d", 100),
	    "\"a\\u202eb\\u2066c\\u200bd\"");
	assert_string_equal(hz_log_quote(out, sizeof(out),
	    "\xc2\x85\xc2\x9b\xe2\x80\xa8\xef\xbb\xbf\xc2\xad", 100),
	    "\"\\u0085\\u009b\\u2028\\ufeff\\u00ad\"");
	/* A tag character, above the BMP. */
	assert_string_equal(hz_log_quote(out, sizeof(out), "x\xf3\xa0\x81\x81",
	    100), "\"x\\U000e0041\"");
	/* Even a joiner inside an emoji: the log is for reading, exactly. */
	assert_string_equal(hz_log_quote(out, sizeof(out),
	    "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9", 100),
	    "\"\xf0\x9f\x91\xa8\\u200d\xf0\x9f\x91\xa9\"");
	assert_string_equal(hz_log_quote(out, sizeof(out), "户 😀 é\xc2\xa0", 100),
	    "\"户 😀 é\xc2\xa0\"");
	/* Well-formed in shape but not UTF-8: overlong, surrogate. */
	assert_string_equal(hz_log_quote(out, sizeof(out),
	    "\xc0\xaf\xed\xa0\x80", 100), "\"\\xc0\\xaf\\xed\\xa0\\x80\"");
}

static void
quote_fits_escapes_in_small_buffers(void **state)
{
	char out[16];

	(void)state;
	/* Each \u202e is 6 bytes: only whole escapes, always terminated. */
	for (size_t n = 3; n <= sizeof(out); n++) {
		const char *q = hz_log_quote(out, n,
		    "\xe2\x80\xae\xe2\x80\xae\xe2\x80\xae", 100);
		assert_true(strlen(q) < n);
		assert_int_equal(q[0], '"');
		assert_int_equal(q[strlen(q) - 1], '"');
		assert_true(strlen(q) == 2 || q[strlen(q) - 2] == 'e');
	}
	/* A limit inside a character stops before it. */
	assert_string_equal(hz_log_quote(out, sizeof(out), "a\xe2\x80\xae", 3),
	    "\"a\"");
}

/* The whole file, NUL-terminated (a test reads small files only). */
static char *
slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* logrotate moves the file, then says USR1: lines after the reopen go to
 * a new file at the same path, none to the moved one. */
static void
reopen_follows_a_moved_log(void **state)
{
	char dir[] = "/tmp/huzu-log-XXXXXX", path[64], moved[64], *t;
	int saved = dup(STDERR_FILENO);
	struct stat st;

	(void)state;
	assert_true(saved >= 0);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/huzu.log", dir);
	snprintf(moved, sizeof(moved), "%s/huzu.log.1", dir);

	assert_int_equal(hz_log_reopen(path), 0);
	hz_log(HZ_LOG_WARN, "before the move", "n=%d", 1);
	assert_int_equal(rename(path, moved), 0);
	/* Still writing to the moved file until told. */
	hz_log(HZ_LOG_WARN, "still the old file", "n=%d", 2);
	assert_int_equal(hz_log_reopen(path), 0);
	hz_log(HZ_LOG_WARN, "after the reopen", "n=%d", 3);
	/* stderr is inherited across exec: no close-on-exec flag on it. */
	assert_int_equal(fcntl(STDERR_FILENO, F_GETFD) & FD_CLOEXEC, 0);

	/* A folder that is not there: -1, and stderr stays where it was. */
	assert_int_equal(hz_log_reopen("/nonexistent-huzu/x.log"), -1);
	hz_log(HZ_LOG_WARN, "after a failed reopen", "n=%d", 4);
	/* Empty: nothing to do. */
	assert_int_equal(hz_log_reopen(""), 0);
	hz_log(HZ_LOG_WARN, "after an empty reopen", "n=%d", 5);

	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);

	assert_non_null(t = slurp(moved));
	assert_non_null(strstr(t, "msg=\"before the move\" n=1\n"));
	assert_non_null(strstr(t, "msg=\"still the old file\" n=2\n"));
	assert_null(strstr(t, "n=3"));
	assert_non_null(t = slurp(path));
	assert_null(strstr(t, "n=1"));
	assert_null(strstr(t, "n=2"));
	assert_non_null(strstr(t, "level=warn"));
	assert_non_null(strstr(t, "msg=\"after the reopen\" n=3\n"));
	assert_non_null(strstr(t, "n=4\n"));
	assert_non_null(strstr(t, "n=5\n"));
	/* Created private to its owner and group. */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0007, 0);
	unlink(path);
	unlink(moved);
	rmdir(dir);
}

/* The pid is kept rather than asked for on every line: a forked child
 * must still name itself, not its parent. */
static void
lines_name_the_process_that_wrote_them(void **state)
{
	char dir[] = "/tmp/huzu-log-XXXXXX", path[64], want[64], *t;
	int saved = dup(STDERR_FILENO), st;
	pid_t child;

	(void)state;
	assert_true(saved >= 0);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/huzu.log", dir);
	assert_int_equal(hz_log_reopen(path), 0);
	hz_log(HZ_LOG_WARN, "parent", NULL);
	if ((child = fork()) == 0) {
		hz_log(HZ_LOG_WARN, "child", NULL);
		_exit(0);
	}
	assert_true(child > 0);
	assert_int_equal(waitpid(child, &st, 0), child);
	hz_log(HZ_LOG_WARN, "parent again", NULL);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);

	assert_non_null(t = slurp(path));
	snprintf(want, sizeof(want), "pid=%ld msg=\"parent\"\n", (long)getpid());
	assert_non_null(strstr(t, want));
	snprintf(want, sizeof(want), "pid=%ld msg=\"child\"\n", (long)child);
	assert_non_null(strstr(t, want));
	snprintf(want, sizeof(want), "pid=%ld msg=\"parent again\"\n",
	    (long)getpid());
	assert_non_null(strstr(t, want));
	/* The time: ts=YYYY-MM-DDTHH:MM:SS.mmmZ first on every line. */
	assert_int_equal(strncmp(t, "ts=", 3), 0);
	assert_int_equal(t[13], 'T');
	assert_int_equal(t[22], '.');
	assert_int_equal(t[26], 'Z');
	unlink(path);
	rmdir(dir);
}

UNIT_TESTS(NULL, NULL,
	cmocka_unit_test(quote_escapes_what_could_forge_a_line),
	cmocka_unit_test(quote_never_cuts_a_character),
	cmocka_unit_test(quote_escapes_what_could_spoof_a_line),
	cmocka_unit_test(quote_fits_escapes_in_small_buffers),
	cmocka_unit_test(reopen_follows_a_moved_log),
	cmocka_unit_test(lines_name_the_process_that_wrote_them))

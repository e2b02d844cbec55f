/* test_progress.c - the status line of long jobs: the mode from the environment, the throttle,
 * and the bytes a terminal and a log receive. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "progress.h"

static int test_fds[2];

static int setup(void **state)
{
	(void)state;
	unsetenv("BAOHARNESS_PROGRESS");
	unsetenv("BAOHARNESS_PROGRESS_SECS");
	unsetenv("CI");
	return pipe(test_fds);
}

static int teardown(void **state)
{
	(void)state;
	close(test_fds[0]);
	close(test_fds[1]);
	return 0;
}

/* What the writer end received so far. */
static const char *test_drain(char *buf, size_t len)
{
	ssize_t n;

	close(test_fds[1]);
	n = read(test_fds[0], buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void test_mode_names(void **state)
{
	enum progress_mode m = PROGRESS_OFF;

	(void)state;
	assert_int_equal(progress_mode_parse("tty", &m), 0);
	assert_int_equal(m, PROGRESS_TTY);
	assert_int_equal(progress_mode_parse("plain", &m), 0);
	assert_int_equal(m, PROGRESS_PLAIN);
	assert_int_equal(progress_mode_parse("off", &m), 0);
	assert_int_equal(m, PROGRESS_OFF);
	assert_int_equal(progress_mode_parse("TTY", &m), -EINVAL);
	assert_int_equal(progress_mode_parse("", &m), -EINVAL);
}

static void test_pipe_is_plain_and_env_overrides(void **state)
{
	struct progress p;

	(void)state;
	/* A pipe is not a terminal: a CI log gets plain lines. */
	progress_init(&p, test_fds[1]);
	assert_int_equal(p.mode, PROGRESS_PLAIN);
	assert_int_equal(p.period_ms, PROGRESS_PLAIN_MS);
	setenv("BAOHARNESS_PROGRESS", "tty", 1);
	progress_init(&p, test_fds[1]);
	assert_int_equal(p.mode, PROGRESS_TTY);
	assert_int_equal(p.period_ms, PROGRESS_TTY_MS);
	setenv("BAOHARNESS_PROGRESS", "bogus", 1);
	progress_init(&p, test_fds[1]);
	assert_int_equal(p.mode, PROGRESS_PLAIN);
	setenv("BAOHARNESS_PROGRESS", "plain", 1);
	setenv("BAOHARNESS_PROGRESS_SECS", "1.5", 1);
	progress_init(&p, test_fds[1]);
	assert_int_equal(p.period_ms, 1500);
	setenv("BAOHARNESS_PROGRESS_SECS", "0", 1);
	progress_init(&p, test_fds[1]);
	assert_int_equal(p.period_ms, PROGRESS_PLAIN_MS);
}

static void test_throttle(void **state)
{
	struct progress p;

	(void)state;
	progress_init(&p, test_fds[1]);
	/* The first line at once, then one per period, whatever the call rate. */
	assert_true(progress_due(&p, 1000));
	assert_false(progress_due(&p, 1001));
	assert_false(progress_due(&p, 1000 + PROGRESS_PLAIN_MS - 1));
	assert_true(progress_due(&p, 1000 + PROGRESS_PLAIN_MS));
	assert_false(progress_due(&p, 1000 + PROGRESS_PLAIN_MS + 1));
	p.mode = PROGRESS_OFF;
	assert_false(progress_due(&p, 1000000));
}

static void test_plain_lines(void **state)
{
	struct progress p;
	char buf[256];

	(void)state;
	progress_init(&p, test_fds[1]);
	progress_show(&p, "soak: %d runs", 1);
	progress_show(&p, "soak: %d runs", 2); /* within the period: dropped */
	progress_force(&p, "soak: %d runs, done", 3);
	progress_clear(&p); /* nothing to erase in a log */
	progress_end(&p);
	assert_string_equal(test_drain(buf, sizeof(buf)), "soak: 1 runs\nsoak: 3 runs, done\n");
}

static void test_tty_line_is_redrawn(void **state)
{
	struct progress p;
	char buf[256];

	(void)state;
	setenv("BAOHARNESS_PROGRESS", "tty", 1);
	progress_init(&p, test_fds[1]);
	progress_show(&p, "fuzz: %d req", 10);
	assert_int_equal(p.shown, strlen("fuzz: 10 req"));
	progress_clear(&p);
	assert_int_equal(p.shown, 0);
	progress_force(&p, "fuzz: %d req", 20);
	progress_end(&p);
	progress_end(&p); /* once only */
	assert_string_equal(test_drain(buf, sizeof(buf)),
			    "\r\033[Kfuzz: 10 req\r\033[K\r\033[Kfuzz: 20 req\n");
}

static void test_off_writes_nothing(void **state)
{
	struct progress p;
	char buf[64];

	(void)state;
	setenv("BAOHARNESS_PROGRESS", "off", 1);
	progress_init(&p, test_fds[1]);
	progress_show(&p, "x");
	progress_force(&p, "y");
	progress_end(&p);
	assert_string_equal(test_drain(buf, sizeof(buf)), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_mode_names, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pipe_is_plain_and_env_overrides, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_throttle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plain_lines, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tty_line_is_redrawn, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_off_writes_nothing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

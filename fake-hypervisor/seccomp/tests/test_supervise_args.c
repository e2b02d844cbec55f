/* test_supervise_args.c - bao-dm-supervise's command line: the program and its arguments
 * after the options or "--", --program replacing the program but keeping its arguments (the
 * BAOHARNESS_DM_WRAPPER case), and each malformed form refused with a reason. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "supervise_args.h"

#define ARGC(v) ((int)(sizeof(v) / sizeof((v)[0])) - 1)

static FILE *err_sink(char *buf, size_t len)
{
	FILE *f = fmemopen(buf, len, "w");

	assert_non_null(f);
	return f;
}

static void test_plain_and_double_dash(void **state)
{
	char *v1[] = {"bao-dm-supervise", "-v", "/dm", "--config", "c.yaml", NULL};
	char *v2[] = {"bao-dm-supervise", "--", "/dm", "-v", NULL};
	struct supervise_args a;

	(void)state;
	assert_int_equal(supervise_args_parse(ARGC(v1), v1, &a, stderr), 0);
	assert_int_equal(a.verbose, 1);
	assert_int_equal(a.first, 2);
	assert_string_equal(a.path, "/dm");
	assert_null(a.program);
	/* After "--" an option-looking word is the program's. */
	assert_int_equal(supervise_args_parse(ARGC(v2), v2, &a, stderr), 0);
	assert_int_equal(a.verbose, 0);
	assert_int_equal(a.first, 2);
	assert_string_equal(v2[a.first + 1], "-v");
}

static void test_program_replaces(void **state)
{
	/* What the stack builds from BAOHARNESS_DM_WRAPPER="SUP --program STATIC --". */
	char *v[] = {"bao-dm-supervise",	  "--program", "/static/bao-virtio-dm", "--",
		     "/build/asan/bao-virtio-dm", "--config",  "RUN/config-fs.yaml",	NULL};
	char *w[] = {"bao-dm-supervise", "-vv", "--program=/s", "/orig", NULL};
	struct supervise_args a;

	(void)state;
	assert_int_equal(supervise_args_parse(ARGC(v), v, &a, stderr), 0);
	assert_string_equal(a.program, "/static/bao-virtio-dm");
	assert_string_equal(a.path, "/static/bao-virtio-dm");
	assert_int_equal(a.first, 4);
	assert_string_equal(v[a.first + 1], "--config");
	assert_string_equal(v[4], "/build/asan/bao-virtio-dm"); /* argv untouched */
	assert_int_equal(supervise_args_parse(ARGC(w), w, &a, stderr), 0);
	assert_int_equal(a.verbose, 2);
	assert_string_equal(a.path, "/s");
	assert_int_equal(a.first, 3);
}

static void test_refused(void **state)
{
	char *none[] = {"bao-dm-supervise", "-v", "--", NULL};
	char *noprog[] = {"bao-dm-supervise", "--program", NULL};
	char *empty[] = {"bao-dm-supervise", "--program=", "/dm", NULL};
	char *unknown[] = {"bao-dm-supervise", "--strip", "/dm", NULL};
	char *help[] = {"bao-dm-supervise", "--help", NULL};
	struct supervise_args a;
	char buf[1024];
	FILE *f;

	(void)state;
	f = err_sink(buf, sizeof(buf));
	assert_int_equal(supervise_args_parse(ARGC(none), none, &a, f), -EINVAL);
	fclose(f);
	assert_non_null(strstr(buf, "no PROGRAM to run"));
	f = err_sink(buf, sizeof(buf));
	assert_int_equal(supervise_args_parse(ARGC(noprog), noprog, &a, f), -EINVAL);
	fclose(f);
	assert_non_null(strstr(buf, "--program needs a PATH"));
	f = err_sink(buf, sizeof(buf));
	assert_int_equal(supervise_args_parse(ARGC(empty), empty, &a, f), -EINVAL);
	fclose(f);
	assert_non_null(strstr(buf, "--program needs a PATH"));
	f = err_sink(buf, sizeof(buf));
	assert_int_equal(supervise_args_parse(ARGC(unknown), unknown, &a, f), -EINVAL);
	fclose(f);
	assert_non_null(strstr(buf, "unknown option '--strip'"));
	f = err_sink(buf, sizeof(buf));
	assert_int_equal(supervise_args_parse(ARGC(help), help, &a, f), 1);
	fclose(f);
	assert_non_null(strstr(buf, "usage: bao-dm-supervise"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_and_double_dash),
	    cmocka_unit_test(test_program_replaces),
	    cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

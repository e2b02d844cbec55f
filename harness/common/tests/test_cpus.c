/* test_cpus.c - the --cpus list parser: lists and ranges accepted, every malformed form refused
 * with a reason, nothing set on failure. */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpus.h"

static void test_lists_and_ranges(void **state)
{
	char why[128];
	cpu_set_t s;

	(void)state;
	assert_int_equal(cpus_parse("2", &s, why, sizeof(why)), 0);
	assert_int_equal(CPU_COUNT(&s), 1);
	assert_true(CPU_ISSET(2, &s));
	assert_int_equal(cpus_parse("0,2-4,7", &s, why, sizeof(why)), 0);
	assert_int_equal(CPU_COUNT(&s), 5);
	assert_true(CPU_ISSET(0, &s) && CPU_ISSET(3, &s) && CPU_ISSET(4, &s) && CPU_ISSET(7, &s));
	assert_false(CPU_ISSET(1, &s) || CPU_ISSET(5, &s));
}

static void test_malformed_lists_refused(void **state)
{
	static const char *const bad[] = {"",	 "x",	"-1",	 "1-",	    "3-1",   "0,", ",0",
					  "0;1", "1 2", "99999", "0-99999", "1-2-3", "+1"};
	char why[128];
	cpu_set_t s;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		assert_int_equal(cpus_parse(bad[i], &s, why, sizeof(why)), -22);
		assert_true(strlen(why) > 0);
	}
	assert_int_equal(cpus_parse(NULL, &s, why, sizeof(why)), -22);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lists_and_ranges),
	    cmocka_unit_test(test_malformed_lists_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

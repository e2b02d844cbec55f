/* test_shard.c - `--shard K/N`: the forms refused, and that N shards cover every file exactly
 * once, each file's shard unchanged when others are added. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "../shard.h"

static void test_parse(void **state)
{
	unsigned int k, n;

	(void)state;
	assert_int_equal(shard_parse("1/3", &k, &n), 0);
	assert_int_equal(k, 1);
	assert_int_equal(n, 3);
	assert_int_equal(shard_parse("3/3", &k, &n), 0);
	static const char *bad[] = {"0/3", "4/3",  "1/0",  "1",	     "1/", "/3",
				    "a/3", "1/3x", "-1/3", "1/1001", "",   " 1/3"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(shard_parse(bad[i], &k, &n), -EINVAL);
	assert_int_equal(shard_parse(NULL, &k, &n), -EINVAL);
}

static void test_partition_and_stability(void **state)
{
	char path[64];
	int home[200];

	(void)state;
	for (unsigned int n = 1; n <= 7; n++) {
		for (int f = 0; f < 200; f++) {
			int hits = 0;

			snprintf(path, sizeof(path), "scenarios/file-%d.scn", f);
			for (unsigned int k = 1; k <= n; k++)
				if (shard_selects(path, k, n)) {
					hits++;
					home[f] = (int)k;
				}
			assert_int_equal(hits, 1);
		}
		/* A file's shard depends on its own path only: recomputing after "adding"
		 * more files gives the same answer. */
		for (int f = 0; f < 200; f++) {
			snprintf(path, sizeof(path), "scenarios/file-%d.scn", f);
			assert_true(shard_selects(path, (unsigned int)home[f], n));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_partition_and_stability),
	};

	return cmocka_run_group_tests_name("shard", tests, NULL, NULL);
}

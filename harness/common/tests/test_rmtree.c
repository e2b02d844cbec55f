/* test_rmtree.c - run directories go away at any depth: a tree deeper than PATH_MAX (as a guest
 * can build in the share with mkdir and rename), links to the outside never followed, and a
 * failure is reported with the entry it stopped at rather than ignored. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "rmtree.h"

static char top[64];

static int setup(void **state)
{
	(void)state;
	strcpy(top, "/tmp/rmtree-XXXXXX");
	return mkdtemp(top) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return rmtree(top);
}

static void touch_at(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
}

static void test_deeper_than_path_max(void **state)
{
	char run[128], outside[128], canary[160];
	int fd, depth = 2 * PATH_MAX / 3; /* "dd/" per level: ~2 PATH_MAX deep */
	struct stat st;

	(void)state;
	snprintf(run, sizeof(run), "%s/run", top);
	snprintf(outside, sizeof(outside), "%s/outside", top);
	snprintf(canary, sizeof(canary), "%s/canary", outside);
	assert_int_equal(mkdir(run, 0755), 0);
	assert_int_equal(mkdir(outside, 0755), 0);
	fd = open(outside, O_RDONLY | O_DIRECTORY);
	touch_at(fd, "canary");
	close(fd);
	fd = open(run, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	for (int i = 0; i < depth; i++) {
		int nfd;

		if (i % 97 == 0) {
			touch_at(fd, "f");
			assert_int_equal(symlinkat(outside, fd, "out"), 0);
		}
		assert_int_equal(mkdirat(fd, "dd", 0755), 0);
		nfd = openat(fd, "dd", O_RDONLY | O_DIRECTORY);
		assert_true(nfd >= 0);
		close(fd);
		fd = nfd;
	}
	touch_at(fd, "deepest");
	close(fd);
	assert_int_equal(rmtree(run), 0);
	assert_int_equal(lstat(run, &st), -1);
	assert_int_equal(errno, ENOENT);
	/* Links to the outside were removed, not followed. */
	assert_int_equal(stat(canary, &st), 0);
}

static void test_missing_and_file(void **state)
{
	char p[128];
	int fd;

	(void)state;
	snprintf(p, sizeof(p), "%s/none", top);
	assert_int_equal(rmtree(p), 0);
	fd = open(top, O_RDONLY | O_DIRECTORY);
	touch_at(fd, "plain");
	close(fd);
	snprintf(p, sizeof(p), "%s/plain", top);
	assert_int_equal(rmtree(p), 0);
	assert_int_equal(access(p, F_OK), -1);
}

/* A share emptied between runs stays, empty; a link to the outside goes, its target stays. */
static void test_contents_keeps_the_directory(void **state)
{
	char p[128], outside[128];
	int fd;

	(void)state;
	snprintf(outside, sizeof(outside), "%s/outside", top);
	assert_int_equal(mkdir(outside, 0755), 0);
	snprintf(p, sizeof(p), "%s/share", top);
	assert_int_equal(mkdir(p, 0755), 0);
	fd = open(p, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	touch_at(fd, "f");
	assert_int_equal(mkdirat(fd, "d", 0755), 0);
	assert_int_equal(symlinkat(outside, fd, "link"), 0);
	close(fd);
	fd = open(outside, O_RDONLY | O_DIRECTORY);
	touch_at(fd, "kept");
	close(fd);
	assert_int_equal(rmtree_contents(p), 0);
	assert_int_equal(rmdir(p), 0); /* exists and is empty */
	snprintf(p, sizeof(p), "%s/outside/kept", top);
	assert_int_equal(access(p, F_OK), 0);
	snprintf(p, sizeof(p), "%s/none", top);
	assert_int_equal(rmtree_contents(p), -ENOENT);
}

/* A file system mounted inside the tree is neither emptied nor hidden: the error names it. */
static void test_mount_inside_is_reported(void **state)
{
	char run[128], mnt[160], failed[256];
	int fd;

	(void)state;
	snprintf(run, sizeof(run), "%s/run", top);
	snprintf(mnt, sizeof(mnt), "%s/mnt", run);
	assert_int_equal(mkdir(run, 0755), 0);
	assert_int_equal(mkdir(mnt, 0755), 0);
	if (mount("none", mnt, "tmpfs", 0, "size=1m") < 0) {
		rmdir(mnt);
		skip();
	}
	fd = open(mnt, O_RDONLY | O_DIRECTORY);
	touch_at(fd, "keep");
	close(fd);
	/* rmdir of a mount point: EBUSY, and nothing inside it is touched */
	assert_int_equal(rmtree_report(run, failed, sizeof(failed)), -EBUSY);
	assert_string_equal(failed, "mnt");
	fd = open(mnt, O_RDONLY | O_DIRECTORY);
	assert_int_equal(faccessat(fd, "keep", F_OK, 0), 0);
	close(fd);
	assert_int_equal(umount(mnt), 0);
	assert_int_equal(rmtree(run), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_deeper_than_path_max, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_and_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mount_inside_is_reported, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_contents_keeps_the_directory, setup, teardown),
	};

	return cmocka_run_group_tests_name("rmtree", tests, NULL, NULL);
}

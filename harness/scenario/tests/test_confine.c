/* test_confine.c - host-side paths never leave the share: every link a hostile guest can plant
 * (absolute, "..", to /dev/stdin, loops) resolves inside the root or fails, and a FIFO,
 * socket or device is refused without blocking. Each test runs twice: through openat2 and
 * through the per-component walk that kernels without it get. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "confine.h"
#include "posix_vfs.h"
#include "scn.h"

static char top[64];	  /* holds the share and the canaries beside it */
static char share[128];	  /* the root everything must stay under */
static char outside[128]; /* a directory outside the share, standing for /tmp */
static struct posix_vfs pv = {.root_fd = -1};
static char why[512];

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void write_file(const char *path, const char *data)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(data, f);
	assert_int_equal(fclose(f), 0);
}

static void assert_file(const char *path, const char *data)
{
	char buf[256] = {0};
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	assert_true(fread(buf, 1, sizeof(buf) - 1, f) <= strlen(data));
	fclose(f);
	assert_string_equal(buf, data);
}

static int setup(void **state)
{
	(void)state;
	strcpy(top, "/tmp/confine-XXXXXX");
	if (!mkdtemp(top))
		return -1;
	snprintf(share, sizeof(share), "%s/share", top);
	snprintf(outside, sizeof(outside), "%s/outside", top);
	if (mkdir(share, 0755) || mkdir(outside, 0755))
		return -1;
	write_file(strcat(strcpy((char[160]){0}, outside), "/canary"), "canary\n");
	return posix_vfs_open_confined(&pv, share);
}

static int teardown(void **state)
{
	(void)state;
	posix_vfs_close(&pv);
	return nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int setup_walk(void **state)
{
	confine_force_walk(1);
	return setup(state);
}

static int teardown_walk(void **state)
{
	confine_force_walk(0);
	return teardown(state);
}

/* Run one host step on the confined share; 0 pass, -1 fail with why. */
static int host(const char *line)
{
	struct scn_step st;
	char err[256];
	int rc;

	rc = scn_parse_step("t", 1, line, strlen(line), &st, err, sizeof(err));
	if (rc) {
		fail_msg("parse '%s': %s", line, err);
		return -1;
	}
	rc = scn_exec_step(&st, &posix_vfs_ops, &pv, why, sizeof(why));
	scn_parse_step_free(&st);
	return rc;
}

static void in_share(const char *rel, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", share, rel);
}

static void plant(const char *target, const char *rel)
{
	char p[256];

	in_share(rel, p, sizeof(p));
	assert_int_equal(symlink(target, p), 0);
}

/* The canary outside is exactly as it was, and nothing else appeared beside it. */
static void assert_outside_untouched(void)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/canary", outside);
	assert_file(p, "canary\n");
	snprintf(p, sizeof(p), "%s/X", outside);
	assert_int_equal(lstat(p, &st), -1);
	snprintf(p, sizeof(p), "%s/D", outside);
	assert_int_equal(lstat(p, &st), -1);
}

static void test_absolute_link_write_lands_inside(void **state)
{
	char target[256], p[256];

	(void)state;
	snprintf(target, sizeof(target), "%s/X", outside);
	plant(target, "new");
	/* The link's target names the outside dir by its host path; inside the share that path
	 * does not exist, so the write fails instead of leaving. */
	assert_int_equal(host("host-write /new \"evil\""), -1);
	assert_non_null(strstr(why, "ENOENT"));
	assert_outside_untouched();
	/* Where the same path exists inside the share, the write lands there. */
	assert_int_equal(host("host-mkdir /tmp"), 0);
	plant("/tmp/X", "new2");
	assert_int_equal(host("host-write /new2 \"inside\""), 0);
	in_share("tmp/X", p, sizeof(p));
	assert_file(p, "inside");
	assert_outside_untouched();
}

static void test_dotdot_link_clamped(void **state)
{
	char p[256];

	(void)state;
	assert_int_equal(host("host-mkdir /tmp"), 0);
	plant("../../../../../../../../tmp/X", "up");
	assert_int_equal(host("host-write /up \"clamped\""), 0);
	in_share("tmp/X", p, sizeof(p));
	assert_file(p, "clamped");
	assert_outside_untouched();
}

static void test_dir_link_parent_ops_stay_inside(void **state)
{
	char p[256];
	struct stat st;

	(void)state;
	plant(outside, "t");
	/* mkdir, write, append, unlink through a link to the outside directory: it does not
	 * exist inside the share, so every one fails and nothing outside changes. */
	assert_int_equal(host("host-mkdir /t/D"), -1);
	assert_int_equal(host("host-write /t/F \"x\""), -1);
	assert_int_equal(host("host-append /t/A \"x\""), -1);
	assert_int_equal(host("host-unlink /t/canary"), -1);
	assert_outside_untouched();
	snprintf(p, sizeof(p), "%s/F", outside);
	assert_int_equal(lstat(p, &st), -1);
	snprintf(p, sizeof(p), "%s/A", outside);
	assert_int_equal(lstat(p, &st), -1);
	/* The same through a link to "/": the share's own root. */
	plant("/", "r");
	assert_int_equal(host("host-mkdir /r/D"), 0);
	in_share("D", p, sizeof(p));
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
}

static void test_etc_and_magic_links(void **state)
{
	(void)state;
	plant("/etc", "e");
	assert_int_equal(host("host-stat /e/passwd type file"), -1);
	assert_non_null(strstr(why, "ENOENT"));
	plant("/dev/stdin", "s");
	assert_int_equal(host("host-read /s \"x\""), -1);
	assert_non_null(strstr(why, "ENOENT"));
	plant("/proc/self/root/etc/passwd", "m");
	assert_int_equal(host("host-read /m \"x\""), -1);
	assert_int_equal(host("host-absent /e/passwd"), 0);
}

static void test_link_loop_and_long_chain(void **state)
{
	(void)state;
	plant("b", "a");
	plant("a", "b");
	assert_int_equal(host("host-read /a \"x\""), -1);
	assert_non_null(strstr(why, "ELOOP"));
	/* A relative chain that is long but finite resolves. */
	assert_int_equal(host("host-write /f0 \"end\""), 0);
	for (int i = 1; i <= 20; i++) {
		char t[16], n[16];

		snprintf(t, sizeof(t), "f%d", i - 1);
		snprintf(n, sizeof(n), "f%d", i);
		plant(t, n);
	}
	assert_int_equal(host("host-read /f20 \"end\""), 0);
}

static void test_fifo_socket_refused_without_blocking(void **state)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char p[256];
	int s;

	(void)state;
	in_share("fifo", p, sizeof(p));
	assert_int_equal(mkfifo(p, 0644), 0);
	assert_int_equal(host("host-read /fifo \"x\""), -1);
	assert_non_null(strstr(pv.refused, "FIFO"));
	assert_int_equal(host("host-write /fifo \"x\""), -1);
	assert_non_null(strstr(pv.refused, "FIFO"));
	assert_int_equal(host("host-append /fifo \"x\""), -1);
	/* A link to the FIFO is refused the same way. */
	plant("/fifo", "lf");
	assert_int_equal(host("host-read /lf \"x\""), -1);
	assert_non_null(strstr(pv.refused, "FIFO"));
	in_share("sock", p, sizeof(p));
	assert_true(strlen(p) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, p, strlen(p) + 1);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(host("host-read /sock \"x\""), -1);
	assert_non_null(strstr(pv.refused, "socket"));
	close(s);
	/* stat and list of them are fine: nothing is opened for data. */
	assert_int_equal(host("host-absent /fifo"), -1);
	assert_int_equal(host("host-list / fifo sock lf"), 0);
}

static void test_plain_paths_unchanged(void **state)
{
	(void)state;
	assert_int_equal(host("host-mkdir /a"), 0);
	assert_int_equal(host("host-mkdir /a/b"), 0);
	assert_int_equal(host("host-write /a/b/c \"hi\""), 0);
	assert_int_equal(host("host-read /a/b/c \"hi\""), 0);
	assert_int_equal(host("host-append /a/b/c \"!\""), 0);
	assert_int_equal(host("host-read /a/b/c \"hi!\""), 0);
	assert_int_equal(host("host-list /a b"), 0);
	plant("b/c", "a/rel");
	assert_int_equal(host("host-read /a/rel \"hi!\""), 0);
	plant("../a/b", "a/up");
	assert_int_equal(host("host-read /a/up/c \"hi!\""), 0);
	assert_int_equal(host("host-unlink /a/rel"), 0);
	assert_int_equal(host("host-read /a/b/c \"hi!\""), 0);
	assert_int_equal(host("host-stat / type dir"), 0);
	assert_int_equal(host("host-list /a/up c"), 0);
}

static void test_confine_api_edges(void **state)
{
	const char *last = NULL;
	int fd;

	(void)state;
	assert_int_equal(confine_open(pv.root_fd, "/abs", O_RDONLY, 0), -EINVAL);
	assert_int_equal(confine_parent(pv.root_fd, "a/..", &last), -EINVAL);
	assert_int_equal(confine_parent(pv.root_fd, ".", &last), -EINVAL);
	assert_int_equal(confine_parent(pv.root_fd, "a/", &last), -EINVAL);
	fd = confine_parent(pv.root_fd, "x", &last);
	assert_true(fd >= 0);
	assert_string_equal(last, "x");
	close(fd);
	fd = confine_open(pv.root_fd, "../..", O_RDONLY | O_DIRECTORY, 0);
	assert_true(fd >= 0);
	{
		struct stat a, b;

		assert_int_equal(fstat(fd, &a), 0);
		assert_int_equal(fstat(pv.root_fd, &b), 0);
		assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	}
	close(fd);
}

#define TESTS(S, D)                                                                                \
	{                                                                                          \
		cmocka_unit_test_setup_teardown(test_absolute_link_write_lands_inside, S, D),      \
		    cmocka_unit_test_setup_teardown(test_dotdot_link_clamped, S, D),               \
		    cmocka_unit_test_setup_teardown(test_dir_link_parent_ops_stay_inside, S, D),   \
		    cmocka_unit_test_setup_teardown(test_etc_and_magic_links, S, D),               \
		    cmocka_unit_test_setup_teardown(test_link_loop_and_long_chain, S, D),          \
		    cmocka_unit_test_setup_teardown(test_fifo_socket_refused_without_blocking, S,  \
						    D),                                            \
		    cmocka_unit_test_setup_teardown(test_plain_paths_unchanged, S, D),             \
		    cmocka_unit_test_setup_teardown(test_confine_api_edges, S, D),                 \
	}

int main(void)
{
	const struct CMUnitTest openat2_tests[] = TESTS(setup, teardown);
	const struct CMUnitTest walk_tests[] = TESTS(setup_walk, teardown_walk);
	int failed = cmocka_run_group_tests_name("confine_openat2", openat2_tests, NULL, NULL);

	return failed + cmocka_run_group_tests_name("confine_walk", walk_tests, NULL, NULL);
}

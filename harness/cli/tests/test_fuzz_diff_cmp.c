/* test_fuzz_diff_cmp.c - the differential oracle: equal answers are the same; host-dependent
 * fields (node ids, inode numbers, times, handles) never make a difference; a different errno,
 * mode, size, read data or listing is a finding; errors of one class, ENOSYS, STATFS counts
 * and READDIR at a backend's offset are documented causes, counted by name. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "fuse_msg.h"
#include "fuzz_diff_cmp.h"

static uint8_t req[FUSE_MSG_IN_HDR + 64];
static char why[200];
static unsigned int cause;

static enum fuzz_diff_cmp_verdict cmp(uint32_t op, const void *a, size_t alen, int32_t aerr,
				      const void *b, size_t blen, int32_t berr)
{
	struct fuzz_diff_cmp_side x = {1, aerr, a, alen}, y = {1, berr, b, blen};

	return fuzz_diff_cmp_reply(op, req, sizeof(req), &x, &y, &cause, why, sizeof(why));
}

static void test_entries_host_fields_ignored(void **state)
{
	struct fuse_entry_out a = {
	    .nodeid = 5,
	    .generation = 1,
	    .entry_valid = 1,
	    .attr = {.ino = 100, .size = 12, .mode = S_IFREG | 0644, .nlink = 1, .mtime = 7}};
	struct fuse_entry_out b = a;

	(void)state;
	b.nodeid = 9;
	b.generation = 3;
	b.entry_valid = 0;
	b.attr.ino = 200;
	b.attr.mtime = 9;
	b.attr.blocks = 8;
	assert_int_equal(cmp(FUSE_LOOKUP, &a, sizeof(a), 0, &b, sizeof(b), 0), FUZZ_DIFF_CMP_SAME);
	b.attr.mode = S_IFREG | 0755;
	assert_int_equal(cmp(FUSE_LOOKUP, &a, sizeof(a), 0, &b, sizeof(b), 0),
			 FUZZ_DIFF_CMP_FINDING);
	assert_string_equal(why, "mode 0100644 vs 0100755");
	b.attr.mode = a.attr.mode;
	b.attr.size = 13;
	assert_int_equal(cmp(FUSE_MKNOD, &a, sizeof(a), 0, &b, sizeof(b), 0),
			 FUZZ_DIFF_CMP_FINDING);
	assert_string_equal(why, "size 12 vs 13");
}

static void test_errors(void **state)
{
	(void)state;
	assert_int_equal(cmp(FUSE_UNLINK, NULL, 0, -ENOENT, NULL, 0, -ENOENT), FUZZ_DIFF_CMP_SAME);
	assert_int_equal(cmp(FUSE_UNLINK, NULL, 0, -EIO, NULL, 0, -ENOENT), FUZZ_DIFF_CMP_FINDING);
	assert_string_equal(why, "EIO vs ENOENT");
	assert_int_equal(cmp(FUSE_OPEN, NULL, 0, -EINVAL, NULL, 0, -EOPNOTSUPP),
			 FUZZ_DIFF_CMP_DOCUMENTED);
	assert_string_equal(fuzz_diff_cmp_causes[cause].name, "errno-class");
	assert_int_equal(cmp(FUSE_ACCESS, NULL, 0, -ENOSYS, NULL, 0, 0), FUZZ_DIFF_CMP_DOCUMENTED);
	assert_string_equal(fuzz_diff_cmp_causes[cause].name, "not-implemented");
	assert_int_equal(cmp(FUSE_WRITE, NULL, 0, 0, NULL, 0, -EBADF), FUZZ_DIFF_CMP_FINDING);
	assert_string_equal(why, "success vs EBADF");
}

static void test_data_and_no_reply(void **state)
{
	struct fuzz_diff_cmp_side x = {1, 0, (const uint8_t *)"abc", 3}, y = {0, 0, NULL, 0};

	(void)state;
	assert_int_equal(cmp(FUSE_READ, "abc", 3, 0, "abc", 3, 0), FUZZ_DIFF_CMP_SAME);
	assert_int_equal(cmp(FUSE_READ, "abc", 3, 0, "abd", 3, 0), FUZZ_DIFF_CMP_FINDING);
	assert_string_equal(why, "3 vs 3 bytes, contents differ");
	assert_int_equal(
	    fuzz_diff_cmp_reply(FUSE_READ, req, sizeof(req), &x, &y, &cause, why, sizeof(why)),
	    FUZZ_DIFF_CMP_FINDING);
	assert_string_equal(why, "the first replied, the second did not");
}

static size_t dirent(uint8_t *buf, uint64_t ino, uint64_t off, const char *name)
{
	struct fuse_dirent d = {
	    .ino = ino, .off = off, .namelen = (uint32_t)strlen(name), .type = DT_REG};
	size_t len = FUSE_DIRENT_SIZE(&d);

	memset(buf, 0, len);
	memcpy(buf, &d, sizeof(d));
	memcpy(buf + sizeof(d), name, strlen(name));
	return len;
}

static void test_listing(void **state)
{
	uint8_t a[256], b[256];
	size_t la = 0, lb = 0;
	struct fuse_read_in *rin = (struct fuse_read_in *)(req + FUSE_MSG_IN_HDR);

	(void)state;
	la += dirent(a + la, 10, 1, "x");
	la += dirent(a + la, 11, 2, "y");
	lb += dirent(b + lb, 77, 90, "y"); /* other order, inode numbers and offsets */
	lb += dirent(b + lb, 78, 91, "x");
	assert_int_equal(cmp(FUSE_READDIR, a, la, 0, b, lb, 0), FUZZ_DIFF_CMP_SAME);
	lb = dirent(b, 77, 90, "y");
	assert_int_equal(cmp(FUSE_READDIR, a, la, 0, b, lb, 0), FUZZ_DIFF_CMP_FINDING);
	rin->offset = 5;
	assert_int_equal(cmp(FUSE_READDIR, a, la, 0, b, lb, 0), FUZZ_DIFF_CMP_DOCUMENTED);
	assert_string_equal(fuzz_diff_cmp_causes[cause].name, "readdir-offset");
	rin->offset = 0;
}

static void test_statfs(void **state)
{
	struct fuse_statfs_out a = {.st = {.blocks = 100, .bfree = 50}}, b = a;

	(void)state;
	b.st.bfree = 49;
	assert_int_equal(cmp(FUSE_STATFS, &a, sizeof(a), 0, &b, sizeof(b), 0),
			 FUZZ_DIFF_CMP_DOCUMENTED);
	assert_string_equal(fuzz_diff_cmp_causes[cause].name, "statfs-counts");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_entries_host_fields_ignored),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_data_and_no_reply),
	    cmocka_unit_test(test_listing),
	    cmocka_unit_test(test_statfs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

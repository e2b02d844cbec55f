/* test_scn_exec.c - the executor over posix_vfs on a fresh temp dir: each step passes when
 * it should and fails with a useful one-line reason when it should not; `fail ERRNO`; short
 * reads and writes; broken vfs implementations. */
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "posix_vfs.h"
#include "scn.h"

static char root[64];
static struct posix_vfs pv = {.root_fd = -1};
static char why[512];
static const struct vfs_ops *ops = &posix_vfs_ops;

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int setup(void **state)
{
	(void)state;
	strcpy(root, "/tmp/scn-exec-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	/* a hostile umask must not change the modes scenarios expect */
	umask(077);
	ops = &posix_vfs_ops;
	return posix_vfs_open(&pv, root);
}

static int teardown(void **state)
{
	(void)state;
	posix_vfs_close(&pv);
	umask(022);
	return nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Parse one step line and run it; returns the executor's result, reason in why. */
static int run(const char *line)
{
	struct scn_step st;
	char err[256];
	int rc;

	if (scn_parse_step("x.scn", 1, line, strlen(line), &st, err, sizeof(err)))
		fail_msg("parse error: %s", err);
	why[0] = '\0';
	rc = scn_exec_step(&st, ops, &pv, why, sizeof(why));
	scn_parse_step_free(&st);
	return rc;
}

#define PASS(line)                                                                                 \
	do {                                                                                       \
		if (run(line))                                                                     \
			fail_msg("%s: unexpected failure: %s", line, why);                         \
	} while (0)
#define FAIL(line, reason)                                                                         \
	do {                                                                                       \
		assert_int_equal(run(line), -1);                                                   \
		assert_string_equal(why, reason);                                                  \
	} while (0)

static void test_write_read(void **state)
{
	(void)state;
	PASS("write /a \"hello\"");
	PASS("read /a \"hello\"");
	PASS("read /a");
	PASS("host-read /a \"hello\"");
	FAIL("read /a \"help\"", "data differs: expected 4 bytes, got 5; first difference at "
				 "offset 3: expected \"p\", got \"lo\"");
	FAIL("read /a \"he\"", "data differs: expected 2 bytes, got 5; first difference at offset "
			       "2: expected \"\" (end), got \"llo\"");
	FAIL("read /a \"hello!\"", "data differs: expected 6 bytes, got 5; first difference at "
				   "offset 5: expected \"!\", got \"\" (end)");
	FAIL("read /nope", "open \"/nope\": ENOENT (No such file or directory)");
	/* write truncates */
	PASS("write /a \"x\"");
	PASS("read /a \"x\"");
	PASS("write /a \"\"");
	PASS("read /a \"\"");
	PASS("stat /a size 0 mode 0644 type file");
}

static void test_binary_excerpt(void **state)
{
	(void)state;
	PASS("write /b \"\\0\\x01\\xff\\n\"");
	FAIL("read /b \"\\0\\x01\\xfe\\n\"", "data differs: expected 4 bytes, got 4; first "
					     "difference at offset 2: expected \"\\xfe\\n\", got "
					     "\"\\xff\\n\"");
}

static void test_append_pwrite_pread(void **state)
{
	(void)state;
	PASS("append /l \"a\"");
	PASS("stat /l mode 0644 size 1");
	PASS("append /l \"bc\"");
	PASS("pwrite /l 1 \"X\"");
	PASS("read /l \"aXc\"");
	PASS("pwrite /l 5 \"Z\"");
	PASS("read /l \"aXc\\0\\0Z\"");
	PASS("pwrite /p 2 \"hi\"");
	PASS("stat /p mode 0644 size 4");
	PASS("pread /l 1 2 \"Xc\"");
	PASS("pread /l 4 100 \"\\0Z\"");
	PASS("pread /l 6 1 \"\"");
	PASS("pread /l 600 1 \"\"");
	PASS("pread /l 0 3");
	FAIL("pread /l 0 3 \"aXd\"", "data differs: expected 3 bytes, got 3; first difference at "
				     "offset 2: expected \"d\", got \"c\"");
	/* pread reads at most LEN: more data after it is no mismatch */
	FAIL("pread /l 0 2 \"aXc\"", "data differs: expected 3 bytes, got 2; first difference at "
				     "offset 2: expected \"c\", got \"\" (end)");
}

static void test_truncate_fsync(void **state)
{
	(void)state;
	PASS("write /t \"0123456789\"");
	PASS("truncate /t 3");
	PASS("read /t \"012\"");
	PASS("truncate /t 5");
	PASS("read /t \"012\\0\\0\"");
	PASS("fsync /t");
	FAIL("truncate /none 1", "truncate \"/none\": ENOENT (No such file or directory)");
	FAIL("fsync /none", "open \"/none\": ENOENT (No such file or directory)");
}

static void test_dirs_and_list(void **state)
{
	(void)state;
	PASS("list /");
	PASS("mkdir /d");
	PASS("stat /d type dir mode 0755");
	PASS("host-mkdir /h");
	PASS("host-stat /h type dir mode 0755");
	PASS("write /d/a \"1\"");
	PASS("write /d/b \"2\"");
	PASS("list /d b a");
	PASS("host-list /d a b");
	FAIL("list /d a c", "unexpected \"b\", missing \"c\"");
	FAIL("list /d", "unexpected \"a\", unexpected \"b\"");
	FAIL("list /d a b c", "missing \"c\"");
	FAIL("list /nope", "list \"/nope\": ENOENT (No such file or directory)");
	FAIL("rmdir /d", "rmdir \"/d\": ENOTEMPTY (Directory not empty)");
	PASS("unlink /d/a");
	PASS("host-unlink /d/b");
	PASS("rmdir /d");
	PASS("list / h");
	PASS("host-absent /d");
	PASS("write /x \"1\"");
	FAIL("host-absent /x", "exists (type file, size 1)");
	FAIL("rename /x /nodir/y",
	     "rename \"/x\" to \"/nodir/y\": ENOENT (No such file or directory)");
	PASS("rename /x /h/y");
	PASS("list /h y");
	PASS("host-read /h/y \"1\"");
}

static void test_stat_mismatch(void **state)
{
	(void)state;
	PASS("write /s \"abc\"");
	FAIL("stat /s type dir size 4 mode 0600",
	     "type file (expected dir); size 3 (expected 4); mode 0644 (expected 0600)");
	FAIL("stat /s mode 0600", "mode 0644 (expected 0600)");
	FAIL("stat /nope", "lstat \"/nope\": ENOENT (No such file or directory)");
	PASS("stat /");
	PASS("stat / type dir");
}

static void test_symlinks(void **state)
{
	(void)state;
	PASS("mkdir /d");
	PASS("write /d/t \"T\"");
	PASS("symlink t /d/l");
	PASS("readlink /d/l t");
	FAIL("readlink /d/l u", "target \"t\" (expected \"u\")");
	FAIL("readlink /d/t t", "readlink \"/d/t\": EINVAL (Invalid argument)");
	PASS("stat /d/l type symlink size 1");
	PASS("read /d/l \"T\"");
	/* intermediate symlink with a relative target */
	PASS("symlink d /dl");
	PASS("read /dl/t \"T\"");
	PASS("list /dl l t");
	PASS("write /dl/n \"N\"");
	PASS("host-read /d/n \"N\"");
	PASS("mkdir /e");
	PASS("symlink ../d/t /e/up");
	PASS("append /e/up \"U\"");
	PASS("read /d/t \"TU\"");
	PASS("truncate /e/up 1");
	PASS("fsync /e/up");
	PASS("read /d/t \"T\"");
	PASS("symlink nowhere /dangling");
	PASS("stat /dangling type symlink");
	PASS("fail ENOENT read /dangling");
	PASS("unlink /d/l");
	PASS("stat /d/t type file");
}

static void test_fail_semantics(void **state)
{
	(void)state;
	PASS("fail ENOENT read /nope");
	PASS("mkdir /d");
	PASS("fail EEXIST mkdir /d");
	PASS("fail EISDIR write /d \"x\"");
	PASS("fail EISDIR read /d");
	PASS("write /f \"x\"");
	PASS("fail ENOTDIR list /f");
	PASS("fail ENOTDIR read /f/x");
	FAIL("fail ENOENT read /f", "expected ENOENT, step succeeded");
	FAIL("fail EEXIST read /nope", "expected EEXIST, got ENOENT from open \"/nope\"");
	/* a wrapped step whose check fails still "succeeded" as a call */
	FAIL("fail ENOENT read /f \"y\"", "expected ENOENT, step succeeded");
}

static void test_control_not_executable(void **state)
{
	(void)state;
	FAIL("sleep 1", "sleep: not executable here (a control step)");
	FAIL("remount", "remount: not executable here (a control step)");
	FAIL("require faults", "require: not executable here (a control step)");
}

static void test_large_file(void **state)
{
	char line[64];

	(void)state;
	PASS("write /big @rand:5m:3");
	PASS("read /big @rand:5m:3");
	PASS("pread /big 0 3m @rand:3m:3");
	PASS("stat /big size 5m");
	/* change one byte at 3 MiB + 1: the reason gives that offset */
	snprintf(line, sizeof(line), "pwrite /big %u \"!\"", 3u * 1024 * 1024 + 1);
	PASS(line);
	assert_int_equal(run("read /big @rand:5m:3"), -1);
	assert_non_null(strstr(why, "expected 5242880 bytes, got 5242880; first difference at "
				    "offset 3145729: expected "));
	/* a much longer file says "or more" rather than reading it all */
	assert_int_equal(run("read /big \"x\""), -1);
	assert_non_null(strstr(why, "expected 1 bytes, got 1048577 or more; first difference at "
				    "offset 0"));
}

/* A vfs that moves at most 3 bytes per call and can break close: short I/O is legal and
 * must be continued, never taken for the end of the file. */
static int short_close_rc;

static ssize_t short_pread(void *ctx, uint64_t fh, void *buf, size_t len, uint64_t off)
{
	return posix_vfs_ops.pread(ctx, fh, buf, len < 3 ? len : 3, off);
}

static ssize_t short_pwrite(void *ctx, uint64_t fh, const void *buf, size_t len, uint64_t off)
{
	return posix_vfs_ops.pwrite(ctx, fh, buf, len < 2 ? len : 2, off);
}

static int short_close(void *ctx, uint64_t fh)
{
	int rc = posix_vfs_ops.close(ctx, fh);

	return short_close_rc ? short_close_rc : rc;
}

static ssize_t zero_pwrite(void *ctx, uint64_t fh, const void *buf, size_t len, uint64_t off)
{
	(void)ctx, (void)fh, (void)buf, (void)len, (void)off;
	return 0;
}

static void test_short_io_and_broken_vfs(void **state)
{
	struct vfs_ops v = posix_vfs_ops;

	(void)state;
	v.pread = short_pread;
	v.pwrite = short_pwrite;
	v.close = short_close;
	ops = &v;
	PASS("write /s \"0123456789\"");
	PASS("append /s \"abcde\"");
	PASS("read /s \"0123456789abcde\"");
	PASS("pread /s 4 7 \"456789a\"");
	short_close_rc = -EIO;
	FAIL("read /s \"0123456789abcde\"", "close \"/s\": EIO (Input/output error)");
	/* the step's own failure wins over a later close error */
	FAIL("read /s \"x\"", "data differs: expected 1 bytes, got 15; first difference at offset "
			      "0: expected \"x\", got \"0123456789abcde\"");
	short_close_rc = 0;
	v.pwrite = zero_pwrite;
	FAIL("write /s \"x\"", "write (returned 0) \"/s\": EIO (Input/output error)");
	v.truncate = NULL;
	FAIL("truncate /s 0", "truncate \"/s\": ENOSYS (Function not implemented)");
	FAIL("fail EIO truncate /s 0", "expected EIO, got ENOSYS from truncate \"/s\"");
}

static void test_modes_ignore_umask(void **state)
{
	struct stat sb;
	char p[128];

	(void)state;
	/* setup set umask 077; the share still gets 0644 files and 0755 dirs */
	PASS("write /f \"x\"");
	PASS("mkdir /d");
	PASS("host-write /hf \"x\"");
	snprintf(p, sizeof(p), "%s/hf", root);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0644);
	snprintf(p, sizeof(p), "%s/d", root);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0755);
	/* an existing file keeps its mode when rewritten */
	assert_int_equal(chmod(p, 0700), 0);
	PASS("stat /d mode 0700");
	snprintf(p, sizeof(p), "%s/f", root);
	assert_int_equal(chmod(p, 0600), 0);
	PASS("write /f \"y\"");
	PASS("stat /f mode 0600");
}

static void test_posix_vfs_paths(void **state)
{
	struct vfs_stat vs;
	uint64_t fh;

	(void)state;
	/* only share-absolute paths */
	assert_int_equal(posix_vfs_ops.lstat(&pv, "a", &vs), -EINVAL);
	assert_int_equal(posix_vfs_ops.open(&pv, "", O_RDONLY, 0, &fh), -EINVAL);
	assert_int_equal(posix_vfs_ops.lstat(&pv, "/", &vs), 0);
	assert_true(S_ISDIR(vs.mode));
	assert_int_equal(posix_vfs_open(&(struct posix_vfs){0}, "/nonexistent/dir"), -ENOENT);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_write_read),
	    T(test_binary_excerpt),
	    T(test_append_pwrite_pread),
	    T(test_truncate_fsync),
	    T(test_dirs_and_list),
	    T(test_stat_mismatch),
	    T(test_symlinks),
	    T(test_fail_semantics),
	    T(test_control_not_executable),
	    T(test_large_file),
	    T(test_short_io_and_broken_vfs),
	    T(test_modes_ignore_umask),
	    T(test_posix_vfs_paths),
	};

	return cmocka_run_group_tests_name("scn_exec", tests, NULL, NULL);
}

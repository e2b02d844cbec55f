/* test_fuse_init.c - FUSE_INIT as the protocol says: a server's newer minor is spoken as ours
 * (Rust virtiofsd 1.13 answers 7.38), an older one down to 7.12 as its own, another major is
 * refused with a message; features follow the negotiated minor and the flags; the reply's
 * size is fuse_init_out's for that minor. */
#include <errno.h>
#include <linux/fuse.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fuse_client.h"
#include "window_alloc.h"

static struct fuse_client fc;
static struct window_alloc wa;

static int setup(void **state)
{
	(void)state;
	memset(&fc, 0, sizeof(fc));
	memset(&wa, 0, sizeof(wa));
	wa.size = 16u << 20;
	fc.wa = &wa;
	return 0;
}

/* stderr (where the log goes) into a file while fn runs; the text lands in out. */
static char logged[1024];

static void capture_begin(int *saved, FILE **tmp)
{
	fflush(stderr);
	*tmp = tmpfile();
	assert_non_null(*tmp);
	*saved = dup(STDERR_FILENO);
	assert_true(*saved >= 0);
	assert_int_equal(dup2(fileno(*tmp), STDERR_FILENO), STDERR_FILENO);
}

static void capture_end(int saved, FILE *tmp)
{
	size_t n;

	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(logged, 1, sizeof(logged) - 1, tmp);
	logged[n] = '\0';
	fclose(tmp);
}

static int reply(uint32_t major, uint32_t minor, uint32_t flags, size_t len)
{
	struct fuse_init_out out = {.major = major,
				    .minor = minor,
				    .max_readahead = 1u << 17,
				    .flags = flags,
				    .max_write = 1u << 20,
				    .max_pages = 256};

	return fuse_client_init_reply(&fc, &out, len);
}

/* Each minor the issue names, replied the way such a server sizes fuse_init_out. */
static void test_7_31_spoken_as_is(void **state)
{
	(void)state;
	assert_int_equal(reply(7, 31, FUSE_MAX_PAGES, sizeof(struct fuse_init_out)), 0);
	assert_int_equal(fc.minor, 31);
	assert_int_equal(fc.max_write, 1u << 20);
	assert_int_equal(fc.io_max, 1u << 20);
	assert_true(fc.init_flags & FUSE_MAX_PAGES);
}

/* Debian's C virtiofsd 7.2 answers 7.36, our own minor. */
static void test_7_36_same_minor(void **state)
{
	(void)state;
	assert_int_equal(reply(7, 36, 0x440021, sizeof(struct fuse_init_out)), 0);
	assert_int_equal(fc.minor, 36);
	assert_int_equal(fc.init_flags,
			 FUSE_ASYNC_READ | FUSE_BIG_WRITES | FUSE_PARALLEL_DIROPS | FUSE_MAX_PAGES);
}

/* The Rust virtiofsd 1.13 answers 7.38: spoken as 7.36, the lower minor. */
static void test_7_38_spoken_as_ours(void **state)
{
	(void)state;
	assert_int_equal(reply(7, 38, FUSE_MAX_PAGES, sizeof(struct fuse_init_out)), 0);
	assert_int_equal(fc.minor, FUSE_CLIENT_MINOR);
	assert_true(fc.init_flags & FUSE_MAX_PAGES);
}

static void test_7_40_spoken_as_ours(void **state)
{
	(void)state;
	assert_int_equal(reply(7, 40, FUSE_ASYNC_READ, sizeof(struct fuse_init_out)), 0);
	assert_int_equal(fc.minor, FUSE_CLIENT_MINOR);
	assert_int_equal(fc.init_flags, FUSE_ASYNC_READ);
}

/* Another major is another protocol: refused, and the log says which and what we speak. */
static void test_8_0_refused_with_message(void **state)
{
	FILE *tmp;
	int saved, rc;

	(void)state;
	capture_begin(&saved, &tmp);
	rc = reply(8, 0, 0, sizeof(struct fuse_init_out));
	capture_end(saved, tmp);
	assert_int_equal(rc, -EPROTO);
	assert_false(fc.minor);
	assert_non_null(strstr(logged, "INIT reply version 8.0"));
	assert_non_null(strstr(logged, "major 8 is not supported"));
	assert_non_null(strstr(logged, "7.12..7.36"));
	assert_int_equal(reply(6, 40, 0, sizeof(struct fuse_init_out)), -EPROTO);
	assert_int_equal(reply(7, 11, 0, FUSE_COMPAT_22_INIT_OUT_SIZE), -EPROTO);
}

/* fuse_init_out's size by minor (Linux fuse_kernel.h): 8 bytes before 7.5, 24 before 7.23,
 * 64 from 7.23. The codec admits exactly those sizes; the client wants the minor's. */
static void test_reply_size_follows_minor(void **state)
{
	FILE *tmp;
	int saved, rc;

	(void)state;
	assert_int_equal(fuse_msg_init_out_size(4), FUSE_COMPAT_INIT_OUT_SIZE);
	assert_int_equal(fuse_msg_init_out_size(5), FUSE_COMPAT_22_INIT_OUT_SIZE);
	assert_int_equal(fuse_msg_init_out_size(22), FUSE_COMPAT_22_INIT_OUT_SIZE);
	assert_int_equal(fuse_msg_init_out_size(23), sizeof(struct fuse_init_out));
	assert_int_equal(fuse_msg_init_out_size(40), sizeof(struct fuse_init_out));
	/* A 7.22 server's 24-byte reply: spoken as 7.22, nothing past max_write. */
	assert_int_equal(reply(7, 22, FUSE_ASYNC_READ, FUSE_COMPAT_22_INIT_OUT_SIZE), 0);
	assert_int_equal(fc.minor, 22);
	assert_int_equal(fc.max_write, 1u << 20);
	/* A 7.4 server's 8-byte reply: too old, said so (not "malformed"). */
	capture_begin(&saved, &tmp);
	rc = reply(7, 4, 0, FUSE_COMPAT_INIT_OUT_SIZE);
	capture_end(saved, tmp);
	assert_int_equal(rc, -EPROTO);
	assert_non_null(strstr(logged, "7.4 is older than 7.12"));
	/* A 7.31 or 7.38 server that sends the 24-byte form lacks fields its minor promises. */
	capture_begin(&saved, &tmp);
	rc = reply(7, 38, FUSE_MAX_PAGES, FUSE_COMPAT_22_INIT_OUT_SIZE);
	capture_end(saved, tmp);
	assert_int_equal(rc, -EPROTO);
	assert_non_null(strstr(logged, "INIT reply 7.38 is 24 bytes, but protocol 7.36's "
				       "fuse_init_out has 64"));
	assert_int_equal(reply(7, 31, FUSE_MAX_PAGES, FUSE_COMPAT_22_INIT_OUT_SIZE), -EPROTO);
}

/* Features by minor and flags: before 7.28 there is no max_pages whatever the flags say; a
 * flag this client never asked for (writeback cache, DAX, ...) is not relied on. */
static void test_features_follow_minor_and_flags(void **state)
{
	(void)state;
	assert_int_equal(reply(7, 27, FUSE_MAX_PAGES, sizeof(struct fuse_init_out)), 0);
	assert_false(fc.init_flags & FUSE_MAX_PAGES);
	assert_int_equal(reply(7, 28, FUSE_MAX_PAGES, sizeof(struct fuse_init_out)), 0);
	assert_true(fc.init_flags & FUSE_MAX_PAGES);
	assert_int_equal(
	    reply(7, 38,
		  FUSE_ASYNC_READ | FUSE_WRITEBACK_CACHE | FUSE_MAP_ALIGNMENT | FUSE_INIT_EXT,
		  sizeof(struct fuse_init_out)),
	    0);
	assert_int_equal(fc.init_flags, FUSE_ASYNC_READ);
}

static void test_small_max_write_refused_and_chunk_capped(void **state)
{
	struct fuse_init_out out = {.major = 7, .minor = 36, .max_write = 1024};

	(void)state;
	assert_int_equal(fuse_client_init_reply(&fc, &out, sizeof(out)), -EPROTO);
	/* A huge max_write is capped at 1/8 of the window so several requests fit. */
	wa.size = 1u << 20;
	out.max_write = 1u << 24;
	assert_int_equal(fuse_client_init_reply(&fc, &out, sizeof(out)), 0);
	assert_int_equal(fc.io_max, (1u << 20) / 8);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, setup)
	const struct CMUnitTest tests[] = {
	    T(test_7_31_spoken_as_is),
	    T(test_7_36_same_minor),
	    T(test_7_38_spoken_as_ours),
	    T(test_7_40_spoken_as_ours),
	    T(test_8_0_refused_with_message),
	    T(test_reply_size_follows_minor),
	    T(test_features_follow_minor_and_flags),
	    T(test_small_max_write_refused_and_chunk_capped),
	};

	return cmocka_run_group_tests_name("fuse_init", tests, NULL, NULL);
}

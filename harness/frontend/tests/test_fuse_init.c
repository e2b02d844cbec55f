/* test_fuse_init.c - FUSE_INIT as the protocol says: a server's newer minor is spoken as ours
 * (Rust virtiofsd 1.13 answers 7.38), an older one down to 7.12 as its own, another major is
 * refused with a message; features follow the negotiated minor and the flags. */
#include <errno.h>
#include <linux/fuse.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

static void test_older_minor_spoken_as_is(void **state)
{
	(void)state;
	assert_int_equal(reply(7, 31, FUSE_MAX_PAGES, sizeof(struct fuse_init_out)), 0);
	assert_int_equal(fc.minor, 31);
	assert_int_equal(fc.max_write, 1u << 20);
	assert_int_equal(fc.io_max, 1u << 20);
	assert_true(fc.init_flags & FUSE_MAX_PAGES);
}

static void test_same_minor(void **state)
{
	(void)state;
	assert_int_equal(reply(7, 36, 0, sizeof(struct fuse_init_out)), 0);
	assert_int_equal(fc.minor, 36);
}

static void test_newer_minor_spoken_as_ours(void **state)
{
	(void)state;
	assert_int_equal(reply(7, 38, FUSE_MAX_PAGES, sizeof(struct fuse_init_out)), 0);
	assert_int_equal(fc.minor, FUSE_CLIENT_MINOR);
	assert_int_equal(reply(7, 40, 0, sizeof(struct fuse_init_out)), 0);
	assert_int_equal(fc.minor, FUSE_CLIENT_MINOR);
}

static void test_other_major_refused(void **state)
{
	(void)state;
	assert_int_equal(reply(8, 0, 0, sizeof(struct fuse_init_out)), -EPROTO);
	assert_int_equal(reply(6, 40, 0, sizeof(struct fuse_init_out)), -EPROTO);
	assert_int_equal(reply(7, 11, 0, sizeof(struct fuse_init_out)), -EPROTO);
}

/* Features by minor: before 7.28 there is no max_pages, whatever the flags say; the 24-byte
 * compat reply of an old server carries nothing past max_write. */
static void test_features_follow_minor_and_length(void **state)
{
	(void)state;
	assert_int_equal(reply(7, 27, FUSE_MAX_PAGES, sizeof(struct fuse_init_out)), 0);
	assert_false(fc.init_flags & FUSE_MAX_PAGES);
	assert_int_equal(reply(7, 31, FUSE_MAX_PAGES, FUSE_COMPAT_22_INIT_OUT_SIZE), 0);
	assert_false(fc.init_flags & FUSE_MAX_PAGES);
	assert_int_equal(fc.minor, 31);
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
	    T(test_older_minor_spoken_as_is),
	    T(test_same_minor),
	    T(test_newer_minor_spoken_as_ours),
	    T(test_other_major_refused),
	    T(test_features_follow_minor_and_length),
	    T(test_small_max_write_refused_and_chunk_capped),
	};

	return cmocka_run_group_tests_name("fuse_init", tests, NULL, NULL);
}

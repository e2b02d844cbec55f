/* test_fuse_req_decode.c - the device-side FUSE request decoder: good requests of each shape,
 * and every malformed class (short, length mismatch, unknown opcode, short body, unterminated
 * names, WRITE and BATCH_FORGET tails, trailing bytes). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fuse_msg.h"

static uint8_t buf[4096];

/* header (len = 40 + body_len) then body bytes */
static size_t mk(uint32_t opcode, const void *body, size_t body_len)
{
	struct fuse_in_header h = {(uint32_t)(40 + body_len), opcode, 4, 1, 0, 0, 0, 0, 0};

	memcpy(buf, &h, sizeof(h));
	if (body_len)
		memcpy(buf + 40, body, body_len);
	return 40 + body_len;
}

static int dec(size_t len, struct fuse_msg_in *in, char *why)
{
	return fuse_msg_decode_request(buf, len, in, why, 160);
}

static void test_good(void **state)
{
	struct fuse_msg_in in;
	char why[160];
	uint8_t body[256] = {0};
	struct fuse_write_in w = {.size = 3};
	struct fuse_batch_forget_in bf = {.count = 2};

	(void)state;
	assert_int_equal(dec(mk(FUSE_LOOKUP, "name", 5), &in, why), 0);
	assert_string_equal(in.name1, "name");
	memcpy(body + sizeof(struct fuse_rename_in), "a\0bb", 5);
	assert_int_equal(dec(mk(FUSE_RENAME, body, sizeof(struct fuse_rename_in) + 5), &in, why),
			 0);
	assert_string_equal(in.name1, "a");
	assert_string_equal(in.name2, "bb");
	assert_int_equal(dec(mk(FUSE_SYMLINK, "l\0../t", 7), &in, why), 0);
	assert_string_equal(in.name2, "../t");
	memcpy(body, &w, sizeof(w));
	memcpy(body + sizeof(w), "xyz", 3);
	assert_int_equal(dec(mk(FUSE_WRITE, body, sizeof(w) + 3), &in, why), 0);
	assert_int_equal(in.data_len, 3);
	memset(body, 0, sizeof(body));
	memcpy(body, &bf, sizeof(bf));
	assert_int_equal(dec(mk(FUSE_BATCH_FORGET, body, 8 + 32), &in, why), 0);
	assert_int_equal(dec(mk(FUSE_INIT, body, 16), &in, why), 0); /* old 16-byte init_in */
	assert_int_equal(dec(mk(FUSE_DESTROY, NULL, 0), &in, why), 0);
}

static void expect(size_t len, int err, const char *needle)
{
	struct fuse_msg_in in;
	char why[160] = "";

	assert_int_equal(dec(len, &in, why), err);
	assert_non_null(strstr(why, needle));
}

static void test_malformed(void **state)
{
	uint8_t body[256] = {0};
	struct fuse_write_in w = {.size = 10};
	struct fuse_batch_forget_in bf = {.count = 1000};
	struct fuse_in_header h;

	(void)state;
	expect(39, -EINVAL, "shorter than the 40-byte header");
	expect(0, -EINVAL, "shorter");
	mk(FUSE_GETATTR, body, 16);
	expect(50, -EINVAL, "differs from the 50 bytes");
	memcpy(&h, buf, sizeof(h));
	h.len = 100000;
	memcpy(buf, &h, sizeof(h));
	expect(56, -EINVAL, "header len 100000");
	expect(mk(999, body, 0), -ENOSYS, "unknown opcode 999");
	expect(mk(7, body, 0), -ENOSYS, "unknown opcode 7");
	expect(mk(FUSE_GETATTR, body, 8), -EINVAL, "GETATTR body 8 bytes, needs at least 16");
	expect(mk(FUSE_GETATTR, body, 24), -EINVAL, "trailing");
	expect(mk(FUSE_LOOKUP, "abc", 3), -EINVAL, "not NUL-terminated");
	expect(mk(FUSE_LOOKUP, NULL, 0), -EINVAL, "name is missing");
	expect(mk(FUSE_RENAME, body, sizeof(struct fuse_rename_in)), -EINVAL, "name is missing");
	memcpy(body + 8, "a\0b", 3);
	expect(mk(FUSE_RENAME, body, 11), -EINVAL, "second name");
	memcpy(body, &w, sizeof(w));
	expect(mk(FUSE_WRITE, body, sizeof(w) + 3), -EINVAL, "WRITE size 10 but 3");
	memset(body, 0, sizeof(body));
	memcpy(body, &bf, sizeof(bf));
	expect(mk(FUSE_BATCH_FORGET, body, 8 + 32), -EINVAL, "BATCH_FORGET count 1000");
	expect(mk(FUSE_INIT, body, 8), -EINVAL, "INIT body 8");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),
	    cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

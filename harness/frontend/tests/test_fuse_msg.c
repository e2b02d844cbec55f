/* test_fuse_msg.c - FUSE encoders for each operation (checked by decoding them back) and the
 * reply validator: good replies accepted, every malformed class rejected with a reason. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fuse_msg.h"

static uint8_t buf[8192];

struct enc_case {
	uint32_t opcode;
	size_t arg_len;
	const char *n1, *n2;
};

static void test_encode_each_op(void **state)
{
	static const struct enc_case cases[] = {
	    {FUSE_LOOKUP, 0, "a", NULL},
	    {FUSE_FORGET, sizeof(struct fuse_forget_in), NULL, NULL},
	    {FUSE_GETATTR, sizeof(struct fuse_getattr_in), NULL, NULL},
	    {FUSE_SETATTR, sizeof(struct fuse_setattr_in), NULL, NULL},
	    {FUSE_READLINK, 0, NULL, NULL},
	    {FUSE_SYMLINK, 0, "link", "target/x"},
	    {FUSE_MKDIR, sizeof(struct fuse_mkdir_in), "d", NULL},
	    {FUSE_UNLINK, 0, "f", NULL},
	    {FUSE_RMDIR, 0, "d", NULL},
	    {FUSE_RENAME, sizeof(struct fuse_rename_in), "old", "new"},
	    {FUSE_OPEN, sizeof(struct fuse_open_in), NULL, NULL},
	    {FUSE_READ, sizeof(struct fuse_read_in), NULL, NULL},
	    {FUSE_STATFS, 0, NULL, NULL},
	    {FUSE_RELEASE, sizeof(struct fuse_release_in), NULL, NULL},
	    {FUSE_FSYNC, sizeof(struct fuse_fsync_in), NULL, NULL},
	    {FUSE_FLUSH, sizeof(struct fuse_flush_in), NULL, NULL},
	    {FUSE_INIT, sizeof(struct fuse_init_in), NULL, NULL},
	    {FUSE_OPENDIR, sizeof(struct fuse_open_in), NULL, NULL},
	    {FUSE_READDIR, sizeof(struct fuse_read_in), NULL, NULL},
	    {FUSE_RELEASEDIR, sizeof(struct fuse_release_in), NULL, NULL},
	    {FUSE_CREATE, sizeof(struct fuse_create_in), "new", NULL},
	    {FUSE_DESTROY, 0, NULL, NULL},
	};
	uint8_t arg[128] = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct enc_case *c = &cases[i];
		struct fuse_msg_req r = {c->opcode,  42 + i, 7,	    1,	  2, 3, arg,
					 c->arg_len, c->n1,  c->n2, NULL, 0, 0};
		struct fuse_msg_in in;
		char why[160];
		size_t len = 0;

		assert_int_equal(fuse_msg_encode(&r, buf, sizeof(buf), &len), 0);
		assert_int_equal(len, 40 + c->arg_len + (c->n1 ? strlen(c->n1) + 1 : 0) +
					  (c->n2 ? strlen(c->n2) + 1 : 0));
		if (fuse_msg_decode_request(buf, len, &in, why, sizeof(why)))
			fail_msg("%s: %s", fuse_msg_op_name(c->opcode), why);
		assert_int_equal(in.hdr.opcode, c->opcode);
		assert_int_equal(in.hdr.unique, 42 + i);
		assert_int_equal(in.hdr.nodeid, 7);
		assert_int_equal(in.hdr.uid, 1);
		assert_int_equal(in.hdr.pid, 3);
		if (c->n1)
			assert_string_equal(in.name1, c->n1);
		if (c->n2)
			assert_string_equal(in.name2, c->n2);
	}
}

static void test_encode_write(void **state)
{
	struct fuse_write_in w = {.size = 5};
	struct fuse_msg_req r = {.opcode = FUSE_WRITE,
				 .unique = 2,
				 .arg = &w,
				 .arg_len = sizeof(w),
				 .data = "hello",
				 .data_len = 5};
	struct fuse_in_header h;
	struct fuse_msg_in in;
	size_t len;

	(void)state;
	assert_int_equal(fuse_msg_encode(&r, buf, sizeof(buf), &len), 0);
	assert_int_equal(fuse_msg_decode_request(buf, len, &in, NULL, 0), 0);
	assert_memory_equal(in.data, "hello", 5);
	/* Data in its own descriptor: counted in header.len, not written here. */
	r.data = NULL;
	r.data_len = 0;
	r.extra_len = 5;
	assert_int_equal(fuse_msg_encode(&r, buf, sizeof(buf), &len), 0);
	memcpy(&h, buf, sizeof(h));
	assert_int_equal(len, 80);
	assert_int_equal(h.len, 85);
}

static void test_encode_rejects(void **state)
{
	uint8_t arg[64] = {0};
	struct fuse_msg_req r = {.opcode = FUSE_GETATTR, .arg = arg, .arg_len = 8};
	size_t len;

	(void)state;
	assert_int_equal(fuse_msg_encode(&r, buf, sizeof(buf), &len), -EINVAL); /* arg short */
	r.arg_len = 16;
	assert_int_equal(fuse_msg_encode(&r, buf, 50, &len), -E2BIG);
	r.name1 = "x"; /* GETATTR takes no name */
	assert_int_equal(fuse_msg_encode(&r, buf, sizeof(buf), &len), -EINVAL);
	r.opcode = FUSE_RENAME; /* needs two names */
	assert_int_equal(fuse_msg_encode(&r, buf, sizeof(buf), &len), -EINVAL);
	r.opcode = 999;
	assert_int_equal(fuse_msg_encode(&r, buf, sizeof(buf), &len), -EINVAL);
}

/* Build a reply in buf: header then body; returns its length. */
static size_t mk_reply(int32_t err, uint64_t unique, size_t body, uint32_t hdr_len_delta)
{
	struct fuse_out_header h = {(uint32_t)(16 + body + hdr_len_delta), err, unique};

	memset(buf, 0xab, sizeof(buf));
	memcpy(buf, &h, sizeof(h));
	return 16 + body;
}

static void test_reply_valid(void **state)
{
	struct fuse_msg_reply rep;
	char why[160];
	size_t n;

	(void)state;
	n = mk_reply(0, 9, sizeof(struct fuse_entry_out), 0);
	assert_int_equal(
	    fuse_msg_decode_reply(buf, sizeof(buf), n, 9, FUSE_LOOKUP, 0, &rep, why, 160), 0);
	assert_int_equal(rep.error, 0);
	assert_int_equal(rep.body_len, sizeof(struct fuse_entry_out));
	assert_ptr_equal(rep.body, buf + 16);
	n = mk_reply(-ENOENT, 9, 0, 0);
	assert_int_equal(
	    fuse_msg_decode_reply(buf, sizeof(buf), n, 9, FUSE_LOOKUP, 0, &rep, why, 160), 0);
	assert_int_equal(rep.error, -ENOENT);
	n = mk_reply(-4095, 9, 0, 0);
	assert_int_equal(
	    fuse_msg_decode_reply(buf, sizeof(buf), n, 9, FUSE_LOOKUP, 0, &rep, why, 160), 0);
	n = mk_reply(0, 9, 100, 0);
	assert_int_equal(
	    fuse_msg_decode_reply(buf, sizeof(buf), n, 9, FUSE_READ, 4096, &rep, why, 160), 0);
	n = mk_reply(0, 9, 0, 0); /* READ at EOF, UNLINK */
	assert_int_equal(
	    fuse_msg_decode_reply(buf, sizeof(buf), n, 9, FUSE_READ, 4096, &rep, why, 160), 0);
	assert_int_equal(
	    fuse_msg_decode_reply(buf, sizeof(buf), n, 9, FUSE_UNLINK, 0, &rep, why, 160), 0);
	n = mk_reply(0, 9, 24, 0); /* old-style INIT reply */
	assert_int_equal(
	    fuse_msg_decode_reply(buf, sizeof(buf), n, 9, FUSE_INIT, 64, &rep, why, 160), 0);
	n = mk_reply(0, 9, 64, 0);
	assert_int_equal(
	    fuse_msg_decode_reply(buf, sizeof(buf), n, 9, FUSE_INIT, 64, &rep, why, 160), 0);
	n = mk_reply(0, 9, 8, 0); /* a 7.4 server's INIT reply: the client refuses its minor */
	assert_int_equal(
	    fuse_msg_decode_reply(buf, sizeof(buf), n, 9, FUSE_INIT, 64, &rep, why, 160), 0);
}

static void expect_bad(size_t buf_len, size_t used, uint64_t unique, uint32_t op, size_t max,
		       const char *needle)
{
	struct fuse_msg_reply rep;
	char why[160] = "";

	assert_int_equal(
	    fuse_msg_decode_reply(buf, buf_len, used, unique, op, max, &rep, why, sizeof(why)),
	    -EPROTO);
	assert_non_null(strstr(why, needle));
}

static void test_reply_malformed(void **state)
{
	size_t n;

	(void)state;
	n = mk_reply(0, 9, 0, 4);
	expect_bad(sizeof(buf), n, 9, FUSE_UNLINK, 0, "differs from used length");
	n = mk_reply(0, 9, 0, 0);
	expect_bad(sizeof(buf), n, 10, FUSE_UNLINK, 0, "expected 10");
	expect_bad(8, n, 9, FUSE_UNLINK, 0, "exceeds the 8-byte buffer");
	expect_bad(sizeof(buf), 15, 9, FUSE_UNLINK, 0, "shorter than the 16-byte header");
	expect_bad(sizeof(buf), 0, 9, FUSE_UNLINK, 0, "shorter");
	n = mk_reply(5, 9, 0, 0);
	expect_bad(sizeof(buf), n, 9, FUSE_UNLINK, 0, "error 5");
	n = mk_reply(-4096, 9, 0, 0);
	expect_bad(sizeof(buf), n, 9, FUSE_UNLINK, 0, "error -4096");
	n = mk_reply(0, 9, 50, 0);
	expect_bad(sizeof(buf), n, 9, FUSE_GETATTR, 0, "GETATTR reply body 50 bytes");
	n = mk_reply(0, 9, 200, 0);
	expect_bad(sizeof(buf), n, 9, FUSE_LOOKUP, 0, "LOOKUP reply body 200");
	n = mk_reply(0, 9, 8, 0);
	expect_bad(sizeof(buf), n, 9, FUSE_UNLINK, 0, "UNLINK reply body 8");
	n = mk_reply(0, 9, 5000, 0);
	expect_bad(sizeof(buf), n, 9, FUSE_READ, 4096, "READ reply body 5000");
	n = mk_reply(0, 9, 10, 0);
	expect_bad(sizeof(buf), n, 9, FUSE_INIT, 64, "INIT reply body 10");
	n = mk_reply(0, 9, 40, 0); /* between the 24- and 64-byte forms */
	expect_bad(sizeof(buf), n, 9, FUSE_INIT, 64, "INIT reply body 40 bytes is none of");
	n = mk_reply(0, 9, 4, 0);
	expect_bad(sizeof(buf), n, 9, FUSE_INIT, 64, "INIT reply body 4 bytes, want 8..64");
	n = mk_reply(0, 9, 72, 0);
	expect_bad(sizeof(buf), n, 9, FUSE_INIT, 0, "INIT reply body 72 bytes, want 8..64");
}

static size_t put_dirent(size_t at, uint64_t off, const char *name, uint32_t namelen)
{
	struct fuse_dirent d = {1, off, namelen, 8};

	memcpy(buf + at, &d, FUSE_NAME_OFFSET);
	memcpy(buf + at + FUSE_NAME_OFFSET, name, strlen(name));
	return at + FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + namelen);
}

static void test_dirents(void **state)
{
	struct fuse_msg_dirent d;
	char why[160];
	size_t pos = 0, len;

	(void)state;
	memset(buf, 0, sizeof(buf));
	len = put_dirent(0, 1, ".", 1);
	len = put_dirent(len, 2, "hello.txt", 9);
	assert_int_equal(fuse_msg_dirent_next(buf, len, &pos, &d, why, 160), 1);
	assert_int_equal(d.namelen, 1);
	assert_int_equal(fuse_msg_dirent_next(buf, len, &pos, &d, why, 160), 1);
	assert_memory_equal(d.name, "hello.txt", 9);
	assert_int_equal(d.off, 2);
	assert_int_equal(fuse_msg_dirent_next(buf, len, &pos, &d, why, 160), 0);
	/* Malformed: name length 0, overrunning, a slash, a truncated header. */
	pos = 0;
	put_dirent(0, 1, "", 0);
	assert_int_equal(fuse_msg_dirent_next(buf, 32, &pos, &d, why, 160), -EPROTO);
	pos = 0;
	put_dirent(0, 1, "abc", 100);
	assert_int_equal(fuse_msg_dirent_next(buf, 32, &pos, &d, why, 160), -EPROTO);
	assert_non_null(strstr(why, "overruns"));
	pos = 0;
	put_dirent(0, 1, "a/b", 3);
	assert_int_equal(fuse_msg_dirent_next(buf, 32, &pos, &d, why, 160), -EPROTO);
	pos = 0;
	assert_int_equal(fuse_msg_dirent_next(buf, 20, &pos, &d, why, 160), -EPROTO);
	pos = 0;
	put_dirent(0, 1, "x", 2000);
	assert_int_equal(fuse_msg_dirent_next(buf, 4096, &pos, &d, why, 160), -EPROTO);
}

static void test_op_names(void **state)
{
	(void)state;
	assert_string_equal(fuse_msg_op_name(FUSE_LOOKUP), "LOOKUP");
	assert_string_equal(fuse_msg_op_name(FUSE_BATCH_FORGET), "BATCH_FORGET");
	assert_string_equal(fuse_msg_op_name(7), "UNKNOWN");
	assert_string_equal(fuse_msg_op_name(999), "UNKNOWN");
	assert_true(fuse_msg_op(FUSE_FORGET)->no_reply);
	assert_null(fuse_msg_op(UINT32_MAX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_encode_each_op),  cmocka_unit_test(test_encode_write),
	    cmocka_unit_test(test_encode_rejects),  cmocka_unit_test(test_reply_valid),
	    cmocka_unit_test(test_reply_malformed), cmocka_unit_test(test_dirents),
	    cmocka_unit_test(test_op_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

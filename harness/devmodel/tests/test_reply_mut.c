/* test_reply_mut.c - the hostile backend's mutation engine and its relay (issue 18): each class
 * changes what it says and only where its structure is present, a seed replays the same
 * choices, the chain walker refuses what a hostile guest could hand it, and the relay mutates
 * a used reply in a window and logs it. */
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

#include "mut_relay.h"
#include "reply_mut.h"

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* A successful reply: header (len, error 0, unique 42) and body_len body bytes of 0x11. */
static size_t mk_reply(uint8_t *b, size_t body_len)
{
	struct fuse_out_header h = {.len = (uint32_t)(16 + body_len), .error = 0, .unique = 42};

	memcpy(b, &h, sizeof(h));
	memset(b + 16, 0x11, body_len);
	return 16 + body_len;
}

static struct reply_mut_ctx mk_ctx(uint32_t opcode, size_t len)
{
	return (struct reply_mut_ctx){.opcode = opcode,
				      .unique = 42,
				      .cap = 4096,
				      .used_len = (uint32_t)len,
				      .used_id = 3,
				      .ring_num = 64,
				      .prev_id = 7};
}

static void test_rng_and_names(void **state)
{
	struct reply_mut_rng a = {5}, b = {5}, c = {6};

	(void)state;
	for (int i = 0; i < 100; i++)
		assert_int_equal(reply_mut_rand(&a), reply_mut_rand(&b));
	assert_int_not_equal(reply_mut_rand(&a), reply_mut_rand(&c));
	for (int i = 0; i < REPLY_MUT_NCLASSES; i++)
		assert_int_equal(reply_mut_class_parse(reply_mut_class_name(i)), i);
	assert_int_equal(reply_mut_class_parse("colour"), -EINVAL);
	assert_string_equal(reply_mut_class_name(99), "?");
}

/* Each header class, many seeds: the field it names is out of what a good reply holds. */
static void test_header_classes(void **state)
{
	uint8_t b[256];
	struct reply_mut_result r;

	(void)state;
	for (uint64_t s = 1; s < 200; s++) {
		struct reply_mut_rng rng = {s};
		size_t len = mk_reply(b, 64);
		struct reply_mut_ctx c = mk_ctx(FUSE_GETATTR, len);

		assert_int_equal(reply_mut_apply(b, len, 1u << REPLY_MUT_LEN_SHORT, &c, &rng, &r),
				 0);
		assert_int_equal(r.cls, REPLY_MUT_LEN_SHORT);
		assert_true(rd32(b) < len);
		len = mk_reply(b, 64);
		assert_int_equal(reply_mut_apply(b, len, 1u << REPLY_MUT_LEN_LONG, &c, &rng, &r),
				 0);
		assert_true(rd32(b) > len);
		len = mk_reply(b, 64);
		assert_int_equal(reply_mut_apply(b, len, 1u << REPLY_MUT_UNIQUE, &c, &rng, &r), 0);
		assert_true(rd64(b + 8) != 42);
		len = mk_reply(b, 64);
		assert_int_equal(reply_mut_apply(b, len, 1u << REPLY_MUT_ERROR, &c, &rng, &r), 0);
		assert_true((int32_t)rd32(b + 4) > 0 || (int32_t)rd32(b + 4) < -4095);
		assert_non_null(strstr(r.what, "error 0 ->"));
	}
}

static void test_used_classes(void **state)
{
	uint8_t b[64];
	struct reply_mut_result r;

	(void)state;
	for (uint64_t s = 1; s < 100; s++) {
		struct reply_mut_rng rng = {s};
		size_t len = mk_reply(b, 8);
		struct reply_mut_ctx c = mk_ctx(FUSE_WRITE, len);

		assert_int_equal(reply_mut_apply(b, len, 1u << REPLY_MUT_USED_LEN, &c, &rng, &r),
				 0);
		assert_true(r.used_len > c.cap);
		assert_int_equal(r.used_id, 3);
		assert_int_equal(reply_mut_apply(b, len, 1u << REPLY_MUT_USED_ID, &c, &rng, &r), 0);
		assert_true(r.used_id == 7 || r.used_id >= 64);
		assert_int_equal(r.used_len, len);
	}
	/* A zero-length reply (FORGET's) still has a used entry to lie about. */
	{
		struct reply_mut_rng rng = {1};
		struct reply_mut_ctx c = mk_ctx(FUSE_FORGET, 0);

		assert_int_equal(reply_mut_apply(NULL, 0, 1u << REPLY_MUT_USED_LEN, &c, &rng, &r),
				 0);
		assert_int_equal(reply_mut_apply(NULL, 0, 1u << REPLY_MUT_ERROR, &c, &rng, &r),
				 -ENOENT);
	}
}

/* The ring-level classes only say what the ring must do; a notification on the request queue
 * is unique 0 with a notify code in error. */
static void test_ring_classes(void **state)
{
	uint8_t b[64];
	struct reply_mut_result r;

	(void)state;
	for (uint64_t s = 1; s < 100; s++) {
		struct reply_mut_rng rng = {s};
		size_t len = mk_reply(b, 8);
		struct reply_mut_ctx c = mk_ctx(FUSE_WRITE, len);

		assert_int_equal(reply_mut_apply(b, len, 1u << REPLY_MUT_MISSING, &c, &rng, &r), 0);
		assert_true(r.drop && !r.extra);
		assert_int_equal(rd32(b + 4), 0); /* the reply itself untouched */
		/* An extra entry follows only the last entry of a pass. */
		assert_int_equal(reply_mut_apply(b, len, 1u << REPLY_MUT_EXTRA, &c, &rng, &r),
				 -ENOENT);
		c.batch_last = 1;
		assert_int_equal(reply_mut_apply(b, len, 1u << REPLY_MUT_EXTRA, &c, &rng, &r), 0);
		assert_true(r.extra && !r.drop && r.extra_id < 64);
		assert_int_equal(r.used_id, 3);
		assert_int_equal(reply_mut_apply(b, len, 1u << REPLY_MUT_NOTIFY, &c, &rng, &r), 0);
		assert_false(r.extra);
		assert_int_equal(rd64(b + 8), 0);
		assert_true(rd32(b + 4) >= 1 && rd32(b + 4) <= FUSE_NOTIFY_RETRIEVE + 1);
		/* On hiprio (no replies) a notification is a used entry nobody waits for. */
		c.hiprio = 1;
		assert_int_equal(reply_mut_apply(NULL, 0, 1u << REPLY_MUT_NOTIFY, &c, &rng, &r), 0);
		assert_true(r.extra && strstr(r.what, "hiprio: extra used entry"));
		assert_string_equal(reply_mut_class_name(REPLY_MUT_MISSING), "missing");
		assert_int_equal(reply_mut_class_parse("notify"), REPLY_MUT_NOTIFY);
	}
}

/* Two READDIR entries "a" and "bcd"; the dirent class changes one of their fields. */
static void test_dirent(void **state)
{
	uint8_t b[256], orig[256];
	struct reply_mut_result r;
	size_t len = 16;
	const char *names[2] = {"a", "bcd"};

	(void)state;
	for (int i = 0; i < 2; i++) {
		struct fuse_dirent d = {.ino = 10 + (uint64_t)i,
					.off = 1 + (uint64_t)i,
					.namelen = (uint32_t)strlen(names[i]),
					.type = 8};
		size_t rec = FUSE_DIRENT_SIZE(&d);

		memset(b + len, 0, rec);
		memcpy(b + len, &d, FUSE_NAME_OFFSET);
		memcpy(b + len + FUSE_NAME_OFFSET, names[i], d.namelen);
		len += rec;
	}
	memcpy(b, &(struct fuse_out_header){.len = (uint32_t)len, .unique = 42}, 16);
	memcpy(orig, b, len);
	for (uint64_t s = 1; s < 100; s++) {
		struct reply_mut_rng rng = {s};
		struct reply_mut_ctx c = mk_ctx(FUSE_READDIR, len);

		memcpy(b, orig, len);
		assert_int_equal(reply_mut_apply(b, len, 1u << REPLY_MUT_DIRENT, &c, &rng, &r), 0);
		assert_int_equal(r.cls, REPLY_MUT_DIRENT);
		assert_non_null(strstr(r.what, "dirent at"));
		assert_memory_equal(b, orig, 16); /* the header is not this class's */
	}
	/* Not a directory listing, or an error reply: nothing for this class. */
	{
		struct reply_mut_rng rng = {1};
		struct reply_mut_ctx c = mk_ctx(FUSE_READ, len);

		assert_int_equal(reply_mut_apply(b, len, 1u << REPLY_MUT_DIRENT, &c, &rng, &r),
				 -ENOENT);
		c.opcode = FUSE_READDIR;
		memcpy(b, orig, len);
		memcpy(b + 4, &(int32_t){-2}, 4);
		assert_int_equal(reply_mut_apply(b, len, 1u << REPLY_MUT_DIRENT, &c, &rng, &r),
				 -ENOENT);
	}
}

static void test_attr_and_init(void **state)
{
	uint8_t b[512], orig[512];
	struct reply_mut_result r;
	size_t len = mk_reply(b, sizeof(struct fuse_entry_out));
	size_t ilen;

	(void)state;
	memcpy(orig, b, len);
	for (uint64_t s = 1; s < 100; s++) {
		struct reply_mut_rng rng = {s};
		struct reply_mut_ctx c = mk_ctx(FUSE_LOOKUP, len);

		memcpy(b, orig, len);
		assert_int_equal(reply_mut_apply(b, len, 1u << REPLY_MUT_ATTR, &c, &rng, &r), 0);
		assert_non_null(strstr(r.what, "attr "));
		/* Only the attr's bytes move: entry ids before it stay. */
		assert_memory_equal(b, orig, 16 + offsetof(struct fuse_entry_out, attr));
	}
	/* A LOOKUP reply too short for its attr: not this class. */
	{
		struct reply_mut_rng rng = {1};
		struct reply_mut_ctx c = mk_ctx(FUSE_LOOKUP, 16 + 40);

		assert_int_equal(reply_mut_apply(b, 16 + 40, 1u << REPLY_MUT_ATTR, &c, &rng, &r),
				 -ENOENT);
	}
	ilen = mk_reply(b, sizeof(struct fuse_init_out));
	memcpy(orig, b, ilen);
	for (uint64_t s = 1; s < 100; s++) {
		struct reply_mut_rng rng = {s};
		struct reply_mut_ctx c = mk_ctx(FUSE_INIT, ilen);

		memcpy(b, orig, ilen);
		assert_int_equal(reply_mut_apply(b, ilen, 1u << REPLY_MUT_INIT, &c, &rng, &r), 0);
		assert_non_null(strstr(r.what, "init "));
		assert_memory_not_equal(b, orig, ilen);
	}
}

static void test_bytes_and_args(void **state)
{
	uint8_t b[128], orig[128];
	struct reply_mut_result r;
	struct reply_mut_rng rng = {9};
	size_t len = mk_reply(b, 100);
	struct reply_mut_ctx c = mk_ctx(FUSE_READ, len);

	(void)state;
	memcpy(orig, b, len);
	assert_int_equal(reply_mut_apply(b, len, 1u << REPLY_MUT_BYTES, &c, &rng, &r), 0);
	assert_memory_equal(b, orig, 16);
	assert_memory_not_equal(b + 16, orig + 16, 100);
	/* More bytes than the reply holds, or no class at all. */
	assert_int_equal(reply_mut_apply(b, len + 1, REPLY_MUT_ALL, &c, &rng, &r), -EINVAL);
	assert_int_equal(reply_mut_apply(b, len, 0, &c, &rng, &r), -ENOENT);
}

/* Descriptors at window offset 0, buffers after; the window's guest address is 0x1000. */
static void put_desc(uint8_t *win, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	memcpy(win + 16 * i, &addr, 8);
	memcpy(win + 16 * i + 8, &len, 4);
	memcpy(win + 16 * i + 12, &flags, 2);
	memcpy(win + 16 * i + 14, &next, 2);
}

static void test_chain(void **state)
{
	static uint8_t win[8192];
	struct reply_mut_seg segs[8];
	unsigned n;

	(void)state;
	memset(win, 0, sizeof(win));
	/* head 0: a readable request, then a writable reply */
	put_desc(win, 0, 0x1000 + 1024, 64, 1, 1);
	put_desc(win, 1, 0x1000 + 2048, 128, 2, 0);
	assert_int_equal(reply_mut_chain(win, 0x1000, sizeof(win), 0, 8, 0, segs, 8, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(segs[0].off, 1024);
	assert_false(segs[0].writable);
	assert_true(segs[1].writable);
	assert_int_equal(segs[1].len, 128);
	/* head 2: INDIRECT to a table at 4096 holding the same two */
	put_desc(win, 2, 0x1000 + 4096, 32, 4, 0);
	memcpy(win + 4096, win, 32);
	assert_int_equal(reply_mut_chain(win, 0x1000, sizeof(win), 0, 8, 2, segs, 8, &n), 0);
	assert_int_equal(n, 2);
	/* a loop (3 -> 4 -> 3), a buffer past the window, a bad head, too small segs */
	put_desc(win, 3, 0x1000 + 1024, 8, 1, 4);
	put_desc(win, 4, 0x1000 + 1024, 8, 1, 3);
	assert_int_equal(reply_mut_chain(win, 0x1000, sizeof(win), 0, 8, 3, segs, 8, &n), -EINVAL);
	put_desc(win, 5, 0x1000 + 8000, 1000, 2, 0);
	assert_int_equal(reply_mut_chain(win, 0x1000, sizeof(win), 0, 8, 5, segs, 8, &n), -EINVAL);
	assert_int_equal(reply_mut_chain(win, 0x1000, sizeof(win), 0, 8, 8, segs, 8, &n), -EINVAL);
	assert_int_equal(reply_mut_chain(win, 0x1000, sizeof(win), 0, 8, 0, segs, 1, &n), -E2BIG);
	/* nested INDIRECT is refused (virtio 1.2 §2.7.5.3.1) */
	put_desc(win, 6, 0x1000 + 4096, 16, 4, 0);
	put_desc(win + 4096, 0, 0x1000 + 4096, 16, 4, 0);
	assert_int_equal(reply_mut_chain(win, 0x1000, sizeof(win), 0, 8, 6, segs, 8, &n), -EINVAL);
}

/* The relay over a window: one used GETATTR reply, every reply mutated with class "error";
 * the reply in the window changes and mutations.log says so. */
static void test_relay_scan(void **state)
{
	static uint8_t win[16384];
	char dir[] = "/tmp/test_reply_mut.XXXXXX", path[64], line[256];
	struct fuse_in_header in = {.len = 56, .opcode = FUSE_GETATTR, .unique = 42};
	struct virtio_dev_queue q = {.index = 1,
				     .num = 8,
				     .desc_gpa = 0x1000,
				     .avail_gpa = 0x1000 + 256,
				     .used_gpa = 0x1000 + 512};
	static struct mut_relay r;
	uint32_t used[2] = {0, 16 + sizeof(struct fuse_attr_out)};
	uint16_t idx = 1;
	FILE *f;
	int found = 0, fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/mutate.ctl", dir);
	f = fopen(path, "w");
	fputs("error\n", f);
	fclose(f);
	memset(win, 0, sizeof(win));
	put_desc(win, 0, 0x1000 + 4096, sizeof(in), 1, 1);
	put_desc(win, 1, 0x1000 + 8192, 256, 2, 0);
	memcpy(win + 4096, &in, sizeof(in));
	mk_reply(win + 8192, sizeof(struct fuse_attr_out));
	memcpy(win + 512 + 4, used, 8);
	memcpy(win + 512 + 2, &idx, 2);
	assert_int_equal(mut_relay_init(&r, 1, 1, dir), 0);
	fd = mut_relay_start(&r, win, 0x1000, sizeof(win), &q, 1, -1);
	assert_true(fd >= 0);
	mut_relay_scan(&r);
	assert_int_equal(r.seen, 1);
	assert_int_equal(r.mutated, 1);
	assert_true((int32_t)rd32(win + 8192 + 4) > 0 || (int32_t)rd32(win + 8192 + 4) < -4095);
	/* Scanning again sees nothing new. */
	mut_relay_scan(&r);
	assert_int_equal(r.seen, 1);
	mut_relay_stop(&r);
	mut_relay_destroy(&r);
	snprintf(path, sizeof(path), "%s/mutations.log", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		found |= strstr(line, "op 3 unique 42") && strstr(line, " error: error 0 -> ");
	fclose(f);
	assert_true(found);
	unlink(path);
	/* mutate.ctl's "rate=N" overrides the command line's rate; without the file (a guest
	 * still booting) nothing is mutated. */
	snprintf(path, sizeof(path), "%s/mutate.ctl", dir);
	f = fopen(path, "w");
	fputs("error rate=1\n", f);
	fclose(f);
	mk_reply(win + 8192, sizeof(struct fuse_attr_out));
	idx = 2;
	memcpy(win + 512 + 4 + 8, used, 8);
	memcpy(win + 512 + 2, &idx, 2);
	assert_int_equal(mut_relay_init(&r, 1, 1000000, dir), 0);
	assert_true(mut_relay_start(&r, win, 0x1000, sizeof(win), &q, 1, -1) >= 0);
	r.q[1].last = 1;
	mut_relay_scan(&r);
	assert_int_equal(r.mutated, 1);
	unlink(path);
	mk_reply(win + 8192, sizeof(struct fuse_attr_out));
	idx = 3;
	memcpy(win + 512 + 4 + 16, used, 8);
	memcpy(win + 512 + 2, &idx, 2);
	mut_relay_scan(&r);
	assert_int_equal(r.seen, 2);
	assert_int_equal(r.mutated, 1);
	assert_int_equal(rd32(win + 8192 + 4), 0);
	mut_relay_stop(&r);
	mut_relay_destroy(&r);
	snprintf(path, sizeof(path), "%s/mutations.log", dir);
	/* "missing": three replies published, the first dropped: the two others move down and
	 * the driver's used index lags virtiofsd's by one, after every later pass too. */
	snprintf(path, sizeof(path), "%s/mutate.ctl", dir);
	f = fopen(path, "w");
	fputs("missing\n", f);
	fclose(f);
	assert_int_equal(mut_relay_init(&r, 1, 1, dir), 0);
	assert_true(mut_relay_start(&r, win, 0x1000, sizeof(win), &q, 1, -1) >= 0);
	memset(win + 512, 0, 4 + 8 * 8);
	for (uint32_t i = 0; i < 3; i++) {
		uint32_t e[2] = {0, 100 + i}; /* head 0: the GETATTR chain */

		memcpy(win + 512 + 4 + 8 * i, e, 8);
	}
	idx = 3;
	memcpy(win + 512 + 2, &idx, 2);
	mut_relay_scan(&r);
	/* rate 1: every entry is dropped */
	assert_int_equal(r.q[1].lag, 3);
	assert_int_equal(*(uint16_t *)(win + 512 + 2), 0);
	mut_relay_destroy(&r);
	/* "extra": the last entry of a pass gets one more after it, the index one further. */
	f = fopen(path, "w");
	fputs("extra\n", f);
	fclose(f);
	assert_int_equal(mut_relay_init(&r, 1, 1, dir), 0);
	assert_true(mut_relay_start(&r, win, 0x1000, sizeof(win), &q, 1, -1) >= 0);
	memset(win + 512, 0, 4 + 8 * 8);
	for (uint32_t i = 0; i < 2; i++) {
		uint32_t e[2] = {0, 100 + i}; /* head 0: the GETATTR chain */

		memcpy(win + 512 + 4 + 8 * i, e, 8);
	}
	idx = 2;
	memcpy(win + 512 + 2, &idx, 2);
	mut_relay_scan(&r);
	assert_int_equal(*(uint16_t *)(win + 512 + 2), 3);
	assert_int_equal(rd32(win + 512 + 4 + 8 * 2 + 4), 101); /* the extra carries a len */
	assert_int_equal(rd32(win + 512 + 4 + 8 * 1 + 4), 101); /* the real ones stay */
	assert_int_equal(r.mutated, 1);
	mut_relay_destroy(&r);
	/* A replay's script: the saved mutation (queue 1, GETATTR, "error", the engine's state 5)
	 * is applied to the next such reply whatever the dice (rate 1 in a million), once. */
	f = fopen(path, "w");
	fputs("error script\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/mutate.script", dir);
	f = fopen(path, "w");
	fputs("1 3 error 5\n", f);
	fclose(f);
	{
		struct mut_relay_step st;

		assert_int_equal(mut_relay_parse_step("1 3 error 5", &st), 0);
		assert_true(st.queue == 1 && st.opcode == 3 && st.cls == REPLY_MUT_ERROR &&
			    st.rng == 5);
		assert_int_equal(st.seq, 0);
		assert_int_equal(mut_relay_parse_step("1 3 error 5 80", &st), 0);
		assert_int_equal(st.seq, 80);
		assert_int_equal(mut_relay_parse_step("1 3 colour 5", &st), -EINVAL);
		assert_int_equal(mut_relay_parse_step("99 3 error 5", &st), -EINVAL);
	}
	assert_int_equal(mut_relay_init(&r, 1, 1000000, dir), 0);
	assert_true(mut_relay_start(&r, win, 0x1000, sizeof(win), &q, 1, -1) >= 0);
	memset(win + 512, 0, 4 + 8 * 8);
	for (uint32_t i = 0; i < 2; i++) {
		uint32_t e[2] = {0, 16 + sizeof(struct fuse_attr_out)};

		memcpy(win + 512 + 4 + 8 * i, e, 8);
	}
	mk_reply(win + 8192, sizeof(struct fuse_attr_out));
	idx = 1;
	memcpy(win + 512 + 2, &idx, 2);
	mut_relay_scan(&r);
	assert_int_equal(r.mutated, 1);
	assert_true((int32_t)rd32(win + 8192 + 4) > 0 || (int32_t)rd32(win + 8192 + 4) < -4095);
	mk_reply(win + 8192, sizeof(struct fuse_attr_out));
	idx = 2;
	memcpy(win + 512 + 2, &idx, 2);
	mut_relay_scan(&r); /* the script is used up: the dice again */
	assert_int_equal(r.mutated, 1);
	mut_relay_destroy(&r);
	/* "script only" (a replay shrinking a finding): the script's step, then nothing more,
	 * even at one reply in 1; and while the ctl lacks "script", not even the step. */
	{
		char ctl[300];

		snprintf(ctl, sizeof(ctl), "%s/mutate.ctl", dir);
		f = fopen(ctl, "w");
		fputs("none\n", f);
		fclose(f);
		assert_int_equal(mut_relay_init(&r, 1, 1, dir), 0);
		assert_true(mut_relay_start(&r, win, 0x1000, sizeof(win), &q, 1, -1) >= 0);
		memset(win + 512, 0, 4 + 8 * 8);
		for (uint32_t i = 0; i < 3; i++) {
			uint32_t e[2] = {0, 16 + sizeof(struct fuse_attr_out)};

			memcpy(win + 512 + 4 + 8 * i, e, 8);
		}
		mk_reply(win + 8192, sizeof(struct fuse_attr_out));
		idx = 1;
		memcpy(win + 512 + 2, &idx, 2);
		mut_relay_scan(&r);
		assert_int_equal(r.mutated, 0);
		usleep(20000); /* a new mtime for the ctl */
		f = fopen(ctl, "w");
		fputs("error script only\n", f);
		fclose(f);
		idx = 2;
		memcpy(win + 512 + 2, &idx, 2);
		mut_relay_scan(&r);
		assert_int_equal(r.mutated, 1);
		assert_true((int32_t)rd32(win + 8192 + 4) > 0 ||
			    (int32_t)rd32(win + 8192 + 4) < -4095);
		mk_reply(win + 8192, sizeof(struct fuse_attr_out));
		idx = 3;
		memcpy(win + 512 + 2, &idx, 2);
		mut_relay_scan(&r);
		assert_int_equal(r.mutated, 1);
		assert_int_equal(rd32(win + 8192 + 4), 0);
		mut_relay_destroy(&r);
	}
	unlink(path);
	snprintf(path, sizeof(path), "%s/mutations.log", dir);
	f = fopen(path, "r");
	found = 0;
	while (fgets(line, sizeof(line), f))
		found |= strstr(line, "rng 0000000000000005 scripted error: error 0 -> ") != NULL;
	fclose(f);
	assert_true(found);
	unlink(path);
	snprintf(path, sizeof(path), "%s/mutate.ctl", dir);
	unlink(path);
	rmdir(dir);
	/* A bad spec is refused. */
	{
		uint64_t s;
		uint32_t rate;

		assert_int_equal(mut_relay_parse("7:3", &s, &rate), 0);
		assert_int_equal(s, 7);
		assert_int_equal(rate, 3);
		assert_int_equal(mut_relay_parse("7", &s, &rate), -EINVAL);
		assert_int_equal(mut_relay_parse("7:0", &s, &rate), -EINVAL);
		assert_int_equal(mut_relay_parse("x:1", &s, &rate), -EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rng_and_names),  cmocka_unit_test(test_header_classes),
	    cmocka_unit_test(test_used_classes),   cmocka_unit_test(test_ring_classes),
	    cmocka_unit_test(test_dirent),	   cmocka_unit_test(test_attr_and_init),
	    cmocka_unit_test(test_bytes_and_args), cmocka_unit_test(test_chain),
	    cmocka_unit_test(test_relay_scan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

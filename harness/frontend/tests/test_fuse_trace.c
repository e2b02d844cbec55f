/* test_fuse_trace.c - the `run --record` trace format: records written are read back byte for
 * byte in order, and every malformed file (magic, version, header length, kind, a record cut
 * short anywhere, a part over the limit) is refused with the offset named, never read past;
 * version 2's records (stack, access, kick, used, interrupt) round-trip, their fixed lengths and
 * region lists are checked, and a version-1 file may not hold them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fuse_trace.h"

struct seen {
	size_t n;
	uint32_t lens[8][3];
	uint8_t first[8];
};

static int collect(void *arg, const struct fuse_trace_rec *r, size_t index)
{
	struct seen *s = arg;

	assert_int_equal(index, s->n);
	s->lens[s->n][0] = r->req_len;
	s->lens[s->n][1] = r->data_len;
	s->lens[s->n][2] = r->reply_len;
	s->first[s->n] = r->req_len ? r->req[0] : 0;
	if (r->data_len)
		assert_memory_equal(r->data, "payload", 7);
	s->n++;
	return 0;
}

/* A trace with three records in memory; caller frees. */
static char *make_trace(size_t *len)
{
	char *mem = NULL;
	FILE *f = open_memstream(&mem, len);
	const uint8_t req[] = {1, 2, 3, 4}, reply[] = {9, 9, 9, 9, 9, 9, 9, 9};

	assert_non_null(f);
	assert_int_equal(fuse_trace_write_header(f), 0);
	/* A request with a reply, one with a WRITE payload, one without a reply (FORGET). */
	assert_int_equal(fuse_trace_write(f, &(struct fuse_trace_rec){FUSE_TRACE_KIND_FUSE, req,
								      NULL, reply, 4, 0, 8, 64}),
			 0);
	assert_int_equal(fuse_trace_write(f, &(struct fuse_trace_rec){FUSE_TRACE_KIND_FUSE, req + 1,
								      (const uint8_t *)"payload",
								      reply, 3, 7, 2, 2}),
			 0);
	assert_int_equal(fuse_trace_write(f, &(struct fuse_trace_rec){FUSE_TRACE_KIND_FUSE, req + 2,
								      NULL, NULL, 2, 0, 0, 0}),
			 0);
	fclose(f);
	return mem;
}

static void test_round_trip(void **state)
{
	struct seen s = {0};
	size_t len;
	char why[160], *t = make_trace(&len);

	(void)state;
	assert_int_equal(len, 16 + 3 * FUSE_TRACE_REC_HDR_LEN + 12 + 12 + 2);
	assert_int_equal(fuse_trace_parse((uint8_t *)t, len, collect, &s, why, sizeof(why)), 3);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.lens[0][0], 4);
	assert_int_equal(s.lens[0][2], 8);
	assert_int_equal(s.lens[1][1], 7);
	assert_int_equal(s.lens[2][2], 0);
	assert_int_equal(s.first[1], 2);
	/* The header alone is an empty trace. */
	assert_int_equal(fuse_trace_parse((uint8_t *)t, 16, NULL, NULL, why, sizeof(why)), 0);
	free(t);
}

static void test_refused(void **state)
{
	size_t len;
	char why[160], *t = make_trace(&len);
	uint8_t *b = malloc(len);

	(void)state;
	/* Every truncation but the record boundaries is refused, with an offset. */
	for (size_t cut = 0; cut < len; cut++) {
		long n = fuse_trace_parse((uint8_t *)t, cut, NULL, NULL, why, sizeof(why));

		const size_t h = FUSE_TRACE_REC_HDR_LEN;

		if (cut == 16 || cut == 16 + h + 12 || cut == 16 + 2 * h + 24)
			assert_true(n >= 0);
		else {
			assert_int_equal(n, -EINVAL);
			assert_non_null(strstr(why, "offset "));
		}
	}
	/* magic, version, header length, kind, an over-long part */
	/* A host step record carries only its text. */
	memcpy(b, t, len);
	b[16] = FUSE_TRACE_KIND_HOST;
	assert_int_equal(fuse_trace_parse(b, len, NULL, NULL, why, sizeof(why)), -EINVAL);
	b[16 + 12] = 0; /* reply length 0: the record's lengths no longer add up */
	assert_int_equal(fuse_trace_parse(b, len, NULL, NULL, why, sizeof(why)), -EINVAL);
	const size_t at[] = {0, 8, 12, 16, 16 + 4, 16 + 16};
	const uint8_t val[] = {'X', 3, 17, 8, 0xff, 4}; /* ...capacity 4 < reply length 8 */
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		memcpy(b, t, len);
		b[at[i]] = val[i];
		if (at[i] == 16 + 4)
			b[at[i] + 3] = 0x7f; /* req_len 0x7f0000ff */
		assert_int_equal(fuse_trace_parse(b, len, NULL, NULL, why, sizeof(why)), -EINVAL);
		assert_true(why[0] != '\0');
	}
	assert_int_equal(fuse_trace_parse(NULL, 0, NULL, NULL, why, sizeof(why)), -EINVAL);
	/* An over-long part is not written either. */
	assert_int_equal(
	    fuse_trace_write(stdout, &(struct fuse_trace_rec){.kind = FUSE_TRACE_KIND_FUSE,
							      .req_len = FUSE_TRACE_PART_MAX + 1}),
	    -E2BIG);
	free(b);
	free(t);
}

/* Version 2: every kind written with the encoders reads back with the decoders. */
static void test_v2_round_trip(void **state)
{
	struct fuse_trace_stack st = {0x10000000, 0x1000000, 0xa003e00, 0x200, 2}, st2;
	struct fuse_trace_mmio m = {0xa003e70, 0xf, 1, 1, 4, -110}, m2;
	struct fuse_trace_kick k = {1, FUSE_TRACE_KICK_NOTIFY, 1}, k2;
	struct fuse_trace_used u = {1, 65535, 7, 44}, u2;
	uint8_t fst[FUSE_TRACE_STACK_LEN], fm[FUSE_TRACE_MMIO_LEN], fk[FUSE_TRACE_KICK_LEN],
	    fu[FUSE_TRACE_USED_LEN], regs[3 * FUSE_TRACE_REGION_HDR_LEN + 4];
	struct fuse_trace_rec r = {0};
	char why[160];

	(void)state;
	fuse_trace_put_stack(fst, &st);
	r.req = fst;
	fuse_trace_get_stack(&r, &st2);
	assert_int_equal(st2.window_gpa, st.window_gpa);
	assert_int_equal(st2.window_size, st.window_size);
	assert_int_equal(st2.mmio_base, st.mmio_base);
	assert_int_equal(st2.mmio_size, st.mmio_size);
	assert_int_equal(st2.vcpus, 2);
	fuse_trace_put_mmio(fm, &m);
	r.req = fm;
	fuse_trace_get_mmio(&r, &m2);
	assert_int_equal(m2.addr, m.addr);
	assert_int_equal(m2.value, m.value);
	assert_int_equal(m2.vcpu, 1);
	assert_int_equal(m2.op, 1);
	assert_int_equal(m2.width, 4);
	assert_int_equal(m2.result, -110);
	fuse_trace_put_kick(fk, &k);
	r.req = fk;
	fuse_trace_get_kick(&r, &k2);
	assert_int_equal(k2.queue, 1);
	assert_int_equal(k2.flags, FUSE_TRACE_KICK_NOTIFY);
	assert_int_equal(k2.chains, 1);
	fuse_trace_put_used(fu, &u);
	r.req = fu;
	fuse_trace_get_used(&r, &u2);
	assert_int_equal(u2.pos, 65535);
	assert_int_equal(u2.id, 7);
	assert_int_equal(u2.len, 44);
	/* A head, 4 readable bytes, a writable buffer without bytes: three regions. */
	fuse_trace_put_region(regs, 3, 0, FUSE_TRACE_REG_HEAD);
	fuse_trace_put_region(regs + 16, 0x10002000, 4, FUSE_TRACE_REG_READABLE);
	memcpy(regs + 32, "abcd", 4);
	fuse_trace_put_region(regs + 36, 0x10003000, 4096, FUSE_TRACE_REG_WRITABLE);
	assert_int_equal(fuse_trace_regions(regs, sizeof(regs), NULL, NULL, why, sizeof(why)), 3);
	/* Cut anywhere but a boundary, an unknown type, padding, a head with a length: refused. */
	for (size_t cut = 1; cut < sizeof(regs); cut++)
		if (cut != 16 && cut != 36)
			assert_int_equal(
			    fuse_trace_regions(regs, cut, NULL, NULL, why, sizeof(why)), -EINVAL);
	regs[16 + 12] = 9;
	assert_int_equal(fuse_trace_regions(regs, sizeof(regs), NULL, NULL, why, sizeof(why)),
			 -EINVAL);
	regs[16 + 12] = FUSE_TRACE_REG_READABLE;
	regs[16 + 14] = 1;
	assert_int_equal(fuse_trace_regions(regs, sizeof(regs), NULL, NULL, why, sizeof(why)),
			 -EINVAL);
	regs[16 + 14] = 0;
	regs[8] = 1; /* the head's length */
	assert_int_equal(fuse_trace_regions(regs, sizeof(regs), NULL, NULL, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "region 0"));
}

/* The fixed lengths of version 2, and its kinds refused in a version-1 file. */
static void test_v2_kinds_checked(void **state)
{
	uint8_t fm[FUSE_TRACE_MMIO_LEN] = {0};
	char *mem = NULL, why[256];
	size_t len;
	FILE *f = open_memstream(&mem, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(fuse_trace_write_header(f), 0);
	assert_int_equal(
	    fuse_trace_write(f, &(struct fuse_trace_rec){FUSE_TRACE_KIND_MMIO, fm, NULL, NULL,
							 sizeof(fm), 0, 0, 0}),
	    0);
	fclose(f);
	assert_int_equal(fuse_trace_version((uint8_t *)mem), 2);
	assert_int_equal(fuse_trace_parse((uint8_t *)mem, len, NULL, NULL, why, sizeof(why)), 1);
	mem[8] = 1; /* the same record in a version-1 file */
	assert_int_equal(fuse_trace_parse((uint8_t *)mem, len, NULL, NULL, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "kind 4"));
	mem[8] = 2;
	mem[16 + 4] = FUSE_TRACE_MMIO_LEN - 1; /* an access of 31 bytes */
	assert_int_equal(fuse_trace_parse((uint8_t *)mem, len - 1, NULL, NULL, why, sizeof(why)),
			 -EINVAL);
	mem[16 + 4] = FUSE_TRACE_MMIO_LEN;
	mem[16] = 8; /* no kind 8 */
	assert_int_equal(fuse_trace_parse((uint8_t *)mem, len, NULL, NULL, why, sizeof(why)),
			 -EINVAL);
	free(mem);
}

static int stop_at_two(void *arg, const struct fuse_trace_rec *r, size_t index)
{
	(void)arg;
	(void)r;
	return index == 1 ? -ECANCELED : 0;
}

static void test_callback_stops(void **state)
{
	size_t len;
	char why[160], *t = make_trace(&len);

	(void)state;
	assert_int_equal(fuse_trace_parse((uint8_t *)t, len, stop_at_two, NULL, why, sizeof(why)),
			 -ECANCELED);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),	   cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_v2_round_trip),  cmocka_unit_test(test_v2_kinds_checked),
	    cmocka_unit_test(test_callback_stops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

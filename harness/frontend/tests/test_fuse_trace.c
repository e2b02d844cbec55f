/* test_fuse_trace.c - the `run --record` trace format: records written are read back byte for
 * byte in order, and every malformed file (magic, version, header length, kind, a record cut
 * short anywhere, a part over the limit) is refused with the offset named, never read past. */
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
	const uint8_t val[] = {'X', 2, 17, 7, 0xff, 4}; /* ...capacity 4 < reply length 8 */
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
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_callback_stops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

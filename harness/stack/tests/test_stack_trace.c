/* test_stack_trace.c - the hypervisor's recorder (stack_trace.c) against a window a test lays out
 * by hand: the queue registers learnt from trapped writes, a kick's chain recorded with its
 * readable bytes before its QueueNotify, the used element with the bytes written, chains made
 * available without a notify recorded before their used element, a hostile used index and a
 * looped chain bounded, an interrupt, every record well-formed for the trace reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bao.h"
#include "fuse_trace.h"
#include "stack_trace.h"

#define GPA 0x10000000ULL
#define WIN 0x10000
#define MMIO 0xa003e00ULL
#define DESC 0x1000 /* window offsets of the rings and buffers */
#define AVAIL 0x2000
#define USED 0x3000
#define REQ 0x4000
#define REPLY 0x5000
#define QN 8

struct rec {
	uint32_t kind;
	uint8_t *req, *data;
	uint32_t req_len, data_len;
};

static uint8_t win[WIN];
static struct rec recs[64];
static size_t nrecs;

static void collect(void *arg, const struct fuse_trace_rec *r)
{
	(void)arg;
	assert_true(nrecs < 64);
	recs[nrecs] = (struct rec){r->kind, malloc(r->req_len + 1), malloc(r->data_len + 1),
				   r->req_len, r->data_len};
	memcpy(recs[nrecs].req, r->req, r->req_len);
	if (r->data_len)
		memcpy(recs[nrecs].data, r->data, r->data_len);
	nrecs++;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < nrecs; i++) {
		free(recs[i].req);
		free(recs[i].data);
	}
	nrecs = 0;
	return 0;
}

static void put(uint64_t off, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		win[off + i] = (uint8_t)(v >> (8 * i));
}

/* A trapped write the driver made (before and after: as fakebao calls the observer). */
static void wr(struct stack_trace *t, uint64_t reg, uint64_t v)
{
	stack_trace_access(t, 0, 0, MMIO + reg, BAO_IO_WRITE, 4, v, 0);
	stack_trace_access(t, 1, 0, MMIO + reg, BAO_IO_WRITE, 4, v, 0);
}

/* Queue 1 of QN entries set up as Linux's driver does. */
static struct stack_trace *open_ready(void)
{
	struct stack_trace_where w = {win, GPA, WIN, MMIO, 0x200, 1, "test"};
	struct stack_trace *t;

	memset(win, 0, sizeof(win));
	t = stack_trace_open(&w, collect, NULL);
	assert_non_null(t);
	wr(t, 0x30, 1);
	wr(t, 0x38, QN);
	wr(t, 0x80, GPA + DESC);
	wr(t, 0x84, 0);
	wr(t, 0x90, GPA + AVAIL);
	wr(t, 0xa0, GPA + USED);
	wr(t, 0x44, 1);
	return t;
}

static void desc(unsigned int i, uint64_t off, uint32_t len, uint16_t flags, uint16_t next)
{
	put(DESC + 16 * i, GPA + off, 8);
	put(DESC + 16 * i + 8, len, 4);
	put(DESC + 16 * i + 12, flags, 2);
	put(DESC + 16 * i + 14, next, 2);
}

static void make_available(uint16_t idx, uint16_t head)
{
	put(AVAIL + 4 + 2 * ((idx - 1) % QN), head, 2);
	put(AVAIL + 2, idx, 2);
}

struct regions {
	struct fuse_trace_region g[64];
	size_t n;
};

static int keep_region(void *arg, const struct fuse_trace_region *g, size_t index)
{
	struct regions *r = arg;

	(void)index;
	if (r->n < 64)
		r->g[r->n++] = *g;
	return 0;
}

static void regions_of(const struct rec *r, struct regions *out)
{
	char why[160];
	long n;

	memset(out, 0, sizeof(*out));
	n = fuse_trace_regions(r->data, r->data_len, keep_region, out, why, sizeof(why));
	assert_int_equal(n, (long)out->n);
}

static size_t find(uint32_t kind, size_t from)
{
	for (size_t i = from; i < nrecs; i++)
		if (recs[i].kind == kind)
			return i;
	return nrecs;
}

static void test_kick_and_used(void **state)
{
	struct stack_trace *t = open_ready();
	struct fuse_trace_kick k;
	struct fuse_trace_used u;
	struct fuse_trace_mmio m;
	struct fuse_trace_rec fr;
	struct regions g;
	size_t ki, ui, mi;

	(void)state;
	assert_int_equal(recs[0].kind, FUSE_TRACE_KIND_STACK);
	/* The driver puts in a chain: 8 readable bytes, then a 16-byte writable buffer. */
	memcpy(win + REQ, "REQUEST!", 8);
	desc(3, REQ, 8, 1, 5);
	desc(5, REPLY, 16, 2, 0);
	make_available(1, 3);
	/* ... and notifies: the kick is recorded before the notify reaches anyone. */
	stack_trace_access(t, 0, 0, MMIO + 0x50, BAO_IO_WRITE, 4, 1, 0);
	ki = find(FUSE_TRACE_KIND_KICK, 0);
	assert_true(ki < nrecs);
	assert_int_equal(find(FUSE_TRACE_KIND_MMIO, ki), nrecs); /* not yet */
	stack_trace_access(t, 1, 0, MMIO + 0x50, BAO_IO_WRITE, 4, 1, 0);
	mi = find(FUSE_TRACE_KIND_MMIO, ki);
	assert_true(mi < nrecs);
	fr = (struct fuse_trace_rec){.req = recs[mi].req};
	fuse_trace_get_mmio(&fr, &m);
	assert_int_equal(m.addr, MMIO + 0x50);
	assert_int_equal(m.value, 1);
	assert_int_equal(m.op, BAO_IO_WRITE);
	fr.req = recs[ki].req;
	fuse_trace_get_kick(&fr, &k);
	assert_int_equal(k.queue, 1);
	assert_int_equal(k.flags, FUSE_TRACE_KICK_NOTIFY);
	assert_int_equal(k.chains, 1);
	regions_of(&recs[ki], &g);
	/* the new avail entry and used_event; head 3, its descriptor, the readable bytes, the
	 * next descriptor, the writable buffer; the avail ring's flags and idx last */
	assert_int_equal(g.n, 8);
	assert_int_equal(g.g[0].type, FUSE_TRACE_REG_AVAIL);
	assert_int_equal(g.g[0].gpa, GPA + AVAIL + 4);
	assert_int_equal(g.g[0].len, 2);
	assert_int_equal(g.g[0].bytes[0], 3);
	assert_int_equal(g.g[1].type, FUSE_TRACE_REG_AVAIL);
	assert_int_equal(g.g[1].gpa, GPA + AVAIL + 4 + 2 * QN);
	assert_int_equal(g.g[2].type, FUSE_TRACE_REG_HEAD);
	assert_int_equal(g.g[2].gpa, 3);
	assert_int_equal(g.g[3].type, FUSE_TRACE_REG_DESC);
	assert_int_equal(g.g[3].gpa, GPA + DESC + 48);
	assert_int_equal(g.g[4].type, FUSE_TRACE_REG_READABLE);
	assert_memory_equal(g.g[4].bytes, "REQUEST!", 8);
	assert_int_equal(g.g[6].type, FUSE_TRACE_REG_WRITABLE);
	assert_int_equal(g.g[6].len, 16);
	assert_null(g.g[6].bytes);
	assert_int_equal(g.g[7].type, FUSE_TRACE_REG_AVAIL);
	assert_int_equal(g.g[7].gpa, GPA + AVAIL);
	assert_int_equal(g.g[7].len, 4);
	assert_int_equal(g.g[7].bytes[2], 1); /* idx */
	/* The device writes 5 bytes and returns the chain. */
	memcpy(win + REPLY, "REPLY", 5);
	put(USED + 4, 3, 4);
	put(USED + 8, 5, 4);
	put(USED + 2, 1, 2);
	stack_trace_sync(t);
	ui = find(FUSE_TRACE_KIND_USED, mi);
	assert_true(ui < nrecs);
	fr.req = recs[ui].req;
	fuse_trace_get_used(&fr, &u);
	assert_int_equal(u.queue, 1);
	assert_int_equal(u.pos, 0);
	assert_int_equal(u.id, 3);
	assert_int_equal(u.len, 5);
	regions_of(&recs[ui], &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.g[0].type, FUSE_TRACE_REG_WRITTEN);
	assert_int_equal(g.g[0].gpa, GPA + REPLY);
	assert_int_equal(g.g[0].len, 5);
	assert_memory_equal(g.g[0].bytes, "REPLY", 5);
	/* Seen once: a second look records nothing more. */
	stack_trace_sync(t);
	assert_int_equal(find(FUSE_TRACE_KIND_USED, ui + 1), nrecs);
	stack_trace_close(t);
}

/* A chain made available without a notify and already returned when the recorder next looks
 * (an interrupt): its kick comes first in the file, then its used element, then the IRQ. */
static void test_no_notify_chain_before_its_used(void **state)
{
	struct stack_trace *t = open_ready();
	struct fuse_trace_kick k;
	struct fuse_trace_rec fr;
	size_t ki, ui, ii;

	(void)state;
	desc(0, REQ, 8, 0, 0);
	make_available(1, 0);
	put(USED + 4, 0, 4);
	put(USED + 2, 1, 2);
	stack_trace_irq(t);
	ki = find(FUSE_TRACE_KIND_KICK, 0);
	ui = find(FUSE_TRACE_KIND_USED, 0);
	ii = find(FUSE_TRACE_KIND_IRQ, 0);
	assert_true(ki < ui && ui < ii && ii < nrecs);
	fr = (struct fuse_trace_rec){.req = recs[ki].req};
	fuse_trace_get_kick(&fr, &k);
	assert_int_equal(k.flags, 0);
	stack_trace_close(t);
}

/* The avail entries of a kick that wraps round the ring: two runs, each where it is. */
static void test_avail_wraps(void **state)
{
	struct stack_trace *t = open_ready();
	struct regions g;
	size_t ki;

	(void)state;
	/* QN - 1 chains made available and seen, then two more: slots QN - 1 and 0. */
	desc(0, REQ, 8, 0, 0);
	for (uint16_t i = 1; i < QN; i++)
		make_available(i, 0);
	wr(t, 0x50, 1);
	make_available(QN, 0);
	make_available(QN + 1, 0);
	stack_trace_access(t, 0, 0, MMIO + 0x50, BAO_IO_WRITE, 4, 1, 0);
	stack_trace_access(t, 1, 0, MMIO + 0x50, BAO_IO_WRITE, 4, 1, 0);
	ki = find(FUSE_TRACE_KIND_KICK, find(FUSE_TRACE_KIND_KICK, 0) + 1);
	assert_true(ki < nrecs);
	regions_of(&recs[ki], &g);
	assert_int_equal(g.g[0].gpa, GPA + AVAIL + 4 + 2 * (QN - 1));
	assert_int_equal(g.g[0].len, 2);
	assert_int_equal(g.g[1].gpa, GPA + AVAIL + 4);
	assert_int_equal(g.g[1].len, 2);
	assert_int_equal(g.g[g.n - 1].bytes[2], QN + 1);
	stack_trace_close(t);
}

/* Hostile rings: a used index far ahead and a chain that loops stay bounded by the queue. */
static void test_hostile_rings_bounded(void **state)
{
	struct stack_trace *t = open_ready();
	size_t used = 0;

	(void)state;
	desc(2, REQ, 8, 1, 2); /* points at itself */
	make_available(1, 2);
	wr(t, 0x50, 1);
	put(USED + 2, 40000, 2);
	stack_trace_sync(t);
	for (size_t i = 0; i < nrecs; i++)
		used += recs[i].kind == FUSE_TRACE_KIND_USED;
	assert_int_equal(used, QN);
	for (size_t i = 0; i < nrecs; i++)
		if (recs[i].kind == FUSE_TRACE_KIND_KICK) {
			struct regions g;
			size_t descs = 0;

			regions_of(&recs[i], &g);
			for (size_t j = 0; j < g.n; j++)
				descs += g.g[j].type == FUSE_TRACE_REG_DESC;
			assert_int_equal(descs, QN);
		}
	/* A reset forgets the queues: nothing more is read from the old rings. */
	wr(t, 0x70, 0);
	put(USED + 2, 1, 2);
	used = nrecs;
	stack_trace_sync(t);
	assert_int_equal(nrecs, used);
	stack_trace_close(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_kick_and_used, teardown),
	    cmocka_unit_test_teardown(test_no_notify_chain_before_its_used, teardown),
	    cmocka_unit_test_teardown(test_avail_wraps, teardown),
	    cmocka_unit_test_teardown(test_hostile_rings_bounded, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

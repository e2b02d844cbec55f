/* test_vq_audit.c - the descriptor audit seen from the hypervisor's side: a fake driver sets up
 * a split ring in a fake window through register writes, makes chains available and notifies;
 * buffers outside the window, rings outside it, indirect tables and hostile loops are counted
 * (and bounded). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vq_audit.h"

#define GPA 0x10000000ULL
#define SIZE 0x10000ULL
#define NUM 8
#define DESC (GPA + 0x1000)
#define AVAIL (GPA + 0x2000)

static uint8_t window[SIZE];

static void put_le(uint64_t gpa, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		window[gpa - GPA + i] = (uint8_t)(v >> (8 * i));
}

static void put_desc(unsigned int i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	put_le(DESC + 16 * i, addr, 8);
	put_le(DESC + 16 * i + 8, len, 4);
	put_le(DESC + 16 * i + 12, flags, 2);
	put_le(DESC + 16 * i + 14, next, 2);
}

/* The driver makes head available and the avail index n. */
static void make_avail(uint16_t n, uint16_t head)
{
	put_le(AVAIL + 4 + 2 * ((n - 1) % NUM), head, 2);
	put_le(AVAIL + 2, n, 2);
}

/* Queue 0 set up as Linux's virtio_mmio does: select, size, addresses, ready. */
static void setup_queue(struct vq_audit *a, uint64_t desc, uint64_t avail)
{
	vq_audit_write(a, 0x070, 0); /* reset */
	vq_audit_write(a, 0x030, 0);
	vq_audit_write(a, 0x038, NUM);
	vq_audit_write(a, 0x080, desc & 0xffffffff);
	vq_audit_write(a, 0x084, desc >> 32);
	vq_audit_write(a, 0x090, avail & 0xffffffff);
	vq_audit_write(a, 0x094, avail >> 32);
	vq_audit_write(a, 0x044, 1);
}

static void test_inside_and_outside(void **state)
{
	struct vq_audit a;
	struct vq_audit_stats st;

	(void)state;
	memset(window, 0, sizeof(window));
	vq_audit_init(&a, window, GPA, SIZE);
	setup_queue(&a, DESC, AVAIL);
	/* A request and its reply buffer, both in the window. */
	put_desc(0, GPA + 0x4000, 64, 1, 1);
	put_desc(1, GPA + 0x5000, 128, 2, 0);
	make_avail(1, 0);
	vq_audit_write(&a, 0x050, 0);
	vq_audit_get(&a, &st);
	assert_int_equal(st.desc_checked, 2);
	assert_int_equal(st.desc_outside, 0);
	assert_string_equal(st.first_outside, "");
	/* Then one whose reply buffer lies in the frontend's private RAM. */
	put_desc(2, GPA + 0x4000, 64, 1, 3);
	put_desc(3, 0x30001000ULL, 4096, 2, 0);
	make_avail(2, 2);
	vq_audit_write(&a, 0x050, 0);
	vq_audit_get(&a, &st);
	assert_int_equal(st.desc_checked, 4);
	assert_int_equal(st.desc_outside, 1);
	assert_non_null(strstr(st.first_outside, "queue 0: buffer [0x30001000, +0x1000) outside"));
	/* A buffer ending one byte past the window is outside too. */
	put_desc(4, GPA + SIZE - 16, 17, 0, 0);
	make_avail(3, 4);
	vq_audit_write(&a, 0x050, 0);
	vq_audit_get(&a, &st);
	assert_int_equal(st.desc_outside, 2);
	vq_audit_destroy(&a);
}

static void test_indirect_and_unnotified(void **state)
{
	struct vq_audit a;
	struct vq_audit_stats st;
	uint64_t table = GPA + 0x3000;

	(void)state;
	memset(window, 0, sizeof(window));
	vq_audit_init(&a, window, GPA, SIZE);
	setup_queue(&a, DESC, AVAIL);
	/* An indirect table of two entries, the second outside. */
	put_le(table, GPA + 0x4000, 8);
	put_le(table + 8, 32, 4);
	put_le(table + 12, 1, 2);
	put_le(table + 14, 1, 2);
	put_le(table + 16, 0x40000000ULL, 8);
	put_le(table + 24, 32, 4);
	put_desc(0, table, 32, 4, 0);
	/* Made available without a notify (EVENT_IDX): the stats still see it. */
	make_avail(1, 0);
	vq_audit_get(&a, &st);
	assert_int_equal(st.desc_checked, 3); /* the table itself and its two entries */
	assert_int_equal(st.desc_outside, 1);
	vq_audit_destroy(&a);
}

static void test_rings_outside_and_loops(void **state)
{
	struct vq_audit a;
	struct vq_audit_stats st;

	(void)state;
	memset(window, 0, sizeof(window));
	vq_audit_init(&a, window, GPA, SIZE);
	/* No restricted pool: the rings come from the guest's own RAM. Counted once. */
	setup_queue(&a, 0x30000000ULL, 0x30001000ULL);
	vq_audit_write(&a, 0x050, 0);
	vq_audit_write(&a, 0x050, 0);
	vq_audit_get(&a, &st);
	assert_int_equal(st.rings_outside, 1);
	assert_int_equal(st.desc_checked, 0);
	assert_non_null(strstr(st.first_outside, "rings at 0x30000000"));
	/* A looped chain (0 -> 1 -> 0) is walked at most queue-size long. */
	setup_queue(&a, DESC, AVAIL);
	put_desc(0, GPA, 8, 1, 1);
	put_desc(1, GPA, 8, 1, 0);
	make_avail(1, 0);
	vq_audit_write(&a, 0x050, 0);
	vq_audit_get(&a, &st);
	assert_int_equal(st.desc_checked, NUM);
	/* A head past the queue size and a queue index past the table are ignored. */
	make_avail(2, NUM + 3);
	vq_audit_write(&a, 0x050, 0);
	vq_audit_write(&a, 0x050, 99);
	vq_audit_get(&a, &st);
	assert_int_equal(st.desc_checked, NUM);
	vq_audit_destroy(&a);
	/* No audit at all: nothing happens. */
	vq_audit_write(NULL, 0x050, 0);
	vq_audit_get(NULL, &st);
	assert_int_equal(st.desc_checked, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_inside_and_outside),
	    cmocka_unit_test(test_indirect_and_unnotified),
	    cmocka_unit_test(test_rings_outside_and_loops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

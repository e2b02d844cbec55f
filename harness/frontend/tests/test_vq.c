/* test_vq.c - the driver's split virtqueue against the pure device-side walker, over a
 * malloc'd window: round trips, depth, used-ring validation and every walker rejection. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <linux/virtio_ring.h>

#include "vq_dev.h"
#include "vq_drv.h"
#include "window_alloc.h"

#define GPA 0x10000000ull
#define WIN (1u << 20)
#define QSZ 8u

struct fx {
	uint8_t *mem;
	struct window_alloc wa;
	struct vq_drv vq;
	struct vq_dev_ring ring;
	uint16_t last_avail, used_idx;
	struct vq_dev_iov iov[16];
	struct vq_dev_chain c;
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->mem = aligned_alloc(4096, WIN);
	assert_int_equal(window_alloc_init(&f->wa, f->mem, GPA, WIN), 0);
	assert_int_equal(vq_drv_init(&f->vq, 1, QSZ, &f->wa), 0);
	f->ring = (struct vq_dev_ring){
	    f->mem, WIN, GPA, QSZ, f->vq.desc_gpa, f->vq.avail_gpa, f->vq.used_gpa, true};
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	vq_drv_destroy(&f->vq);
	free(f->mem);
	free(f);
	return 0;
}

static uint64_t fx_buf(struct fx *f, uint64_t len)
{
	uint64_t gpa;

	assert_int_equal(window_alloc_get(&f->wa, len, 8, &gpa), 0);
	return gpa;
}

/* Publish head as the next avail entry by hand (for chains the driver would never build). */
static void fx_publish(struct fx *f, uint16_t head)
{
	f->vq.avail->ring[f->vq.avail_idx % QSZ] = head;
	f->vq.avail_idx++;
	f->vq.avail->idx = f->vq.avail_idx;
}

static void fx_desc(struct fx *f, unsigned int i, uint64_t addr, uint32_t len, uint16_t flags,
		    uint16_t next)
{
	f->vq.desc[i] = (struct vring_desc){addr, len, flags, next};
}

static void test_window_alloc(void **state)
{
	struct fx *f = *state;
	uint64_t a, b, c, in_use = f->wa.in_use;

	assert_int_equal(window_alloc_get(&f->wa, 100, 4096, &a), 0);
	assert_int_equal(a % 4096, 0);
	assert_int_equal(window_alloc_get(&f->wa, 10, 8, &b), 0);
	assert_int_equal(window_alloc_get(&f->wa, 10, 8, &c), 0);
	assert_non_null(window_alloc_hva(&f->wa, b, 10));
	assert_null(window_alloc_hva(&f->wa, GPA + WIN - 4, 8));
	assert_null(window_alloc_hva(&f->wa, GPA - 1, 2));
	assert_int_equal(window_alloc_gpa(&f->wa, f->mem + 64), GPA + 64);
	assert_int_equal(window_alloc_put(&f->wa, b, 10), 0);
	assert_int_equal(window_alloc_put(&f->wa, b, 10), -EINVAL); /* double free */
	assert_int_equal(window_alloc_put(&f->wa, c, 10), 0);
	assert_int_equal(window_alloc_put(&f->wa, a, 100), 0);
	assert_int_equal(f->wa.in_use, in_use);
	assert_int_equal(window_alloc_get(&f->wa, 2 * WIN, 8, &a), -EINVAL);
	assert_int_equal(window_alloc_get(&f->wa, WIN - 64, 8, &a), -ENOMEM); /* rings use some */
}

static void test_round_trip(void **state)
{
	struct fx *f = *state;
	uint64_t in = fx_buf(f, 64), out = fx_buf(f, 128);
	struct vq_buf b[2] = {{in, 64, false}, {out, 128, true}};
	uint16_t head;
	void *cookie;
	uint32_t len;
	int tag = 7;

	/* Guest puts in a chain. */
	assert_int_equal(vq_drv_add(&f->vq, b, 1, 1, &tag, &head), 0);
	assert_true(vq_drv_kick_needed(&f->vq));
	assert_int_equal(vq_drv_get_used(&f->vq, &cookie, &len), 0);
	/* Host retrieves it. */
	assert_int_equal(vq_dev_pop(&f->ring, &f->last_avail, f->iov, 16, &f->c), 1);
	assert_int_equal(f->c.head, head);
	assert_int_equal(f->c.n, 2);
	assert_int_equal(f->c.n_out, 1);
	assert_int_equal(f->iov[0].off, in - GPA);
	assert_true(f->iov[1].writable);
	assert_int_equal(vq_dev_pop(&f->ring, &f->last_avail, f->iov, 16, &f->c), 0);
	/* Host returns it; guest takes it back with the cookie. */
	assert_int_equal(vq_dev_push_used(&f->ring, &f->used_idx, head, 100), 0);
	assert_int_equal(vq_drv_get_used(&f->vq, &cookie, &len), 1);
	assert_ptr_equal(cookie, &tag);
	assert_int_equal(len, 100);
	assert_int_equal(f->vq.num_free, QSZ);
}

static void test_depth(void **state)
{
	struct fx *f = *state;
	uint64_t buf = fx_buf(f, 4096);
	struct vq_buf b[2] = {{buf, 16, false}, {buf + 16, 16, true}};
	uint16_t heads[QSZ / 2];
	int tags[QSZ / 2];

	/* Fill the queue: 4 chains of 2 descriptors, then one more does not fit. */
	for (unsigned int i = 0; i < QSZ / 2; i++)
		assert_int_equal(vq_drv_add(&f->vq, b, 1, 1, &tags[i], &heads[i]), 0);
	assert_int_equal(vq_drv_add(&f->vq, b, 1, 1, NULL, NULL), -ENOSPC);
	for (unsigned int i = 0; i < QSZ / 2; i++)
		assert_int_equal(vq_dev_pop(&f->ring, &f->last_avail, f->iov, 16, &f->c), 1);
	/* Complete out of order: the last first. */
	for (int i = QSZ / 2 - 1; i >= 0; i--)
		assert_int_equal(vq_dev_push_used(&f->ring, &f->used_idx, heads[i], 0), 0);
	for (int i = QSZ / 2 - 1; i >= 0; i--) {
		void *cookie;
		uint32_t len;

		assert_int_equal(vq_drv_get_used(&f->vq, &cookie, &len), 1);
		assert_ptr_equal(cookie, &tags[i]);
	}
	assert_int_equal(f->vq.num_free, QSZ);
	/* The freed descriptors are reusable for a long chain. */
	{
		struct vq_buf lb[QSZ];

		for (unsigned int i = 0; i < QSZ; i++)
			lb[i] = (struct vq_buf){buf + 16 * i, 16, i >= 3};
		assert_int_equal(vq_drv_add(&f->vq, lb, 3, QSZ - 3, NULL, NULL), 0);
		assert_int_equal(vq_dev_pop(&f->ring, &f->last_avail, f->iov, 16, &f->c), 1);
		assert_int_equal(f->c.n, QSZ);
		assert_int_equal(f->c.in_bytes, 16 * (QSZ - 3));
	}
}

static void test_add_rejects(void **state)
{
	struct fx *f = *state;
	struct vq_buf out = {GPA + WIN - 8, 16, false}, zero = {GPA + 4096, 0, false};

	assert_int_equal(vq_drv_add(&f->vq, &out, 1, 0, NULL, NULL), -EINVAL);
	assert_int_equal(vq_drv_add(&f->vq, &zero, 1, 0, NULL, NULL), -EINVAL);
	assert_int_equal(vq_drv_add(&f->vq, &zero, 0, 0, NULL, NULL), -EINVAL);
	{
		struct vq_drv bad;

		assert_int_equal(vq_drv_init(&bad, 0, 6, &f->wa), -EINVAL); /* not a power of two */
		assert_int_equal(vq_drv_init(&bad, 0, 65536, &f->wa), -EINVAL);
	}
}

/* One readable + one writable chain in flight, popped by the device. */
static uint16_t fx_one(struct fx *f)
{
	uint64_t buf = fx_buf(f, 64);
	struct vq_buf b[2] = {{buf, 16, false}, {buf + 16, 32, true}};
	uint16_t head;

	assert_int_equal(vq_drv_add(&f->vq, b, 1, 1, NULL, &head), 0);
	assert_int_equal(vq_dev_pop(&f->ring, &f->last_avail, f->iov, 16, &f->c), 1);
	return head;
}

static void fx_expect_broken(struct fx *f, const char *needle)
{
	void *cookie;
	uint32_t len;

	assert_int_equal(vq_drv_get_used(&f->vq, &cookie, &len), -EIO);
	assert_true(f->vq.broken);
	assert_non_null(strstr(f->vq.why, needle));
	/* Sticky: everything refuses afterwards. */
	assert_int_equal(vq_drv_get_used(&f->vq, &cookie, &len), -EIO);
	assert_int_equal(
	    vq_drv_add(&f->vq, (struct vq_buf[]){{GPA + 8192, 8, false}}, 1, 0, NULL, NULL), -EIO);
}

static void test_used_bogus_id(void **state)
{
	struct fx *f = *state;

	fx_one(f);
	assert_int_equal(vq_dev_push_used(&f->ring, &f->used_idx, QSZ - 1, 0), 0);
	fx_expect_broken(f, "not in flight");
}

static void test_used_id_out_of_range(void **state)
{
	struct fx *f = *state;
	struct vring_used_elem e = {QSZ + 3, 0};

	fx_one(f);
	memcpy(&f->vq.used->ring[0], &e, sizeof(e));
	f->vq.used->idx = 1;
	fx_expect_broken(f, "not below the queue size");
}

static void test_used_len_too_big(void **state)
{
	struct fx *f = *state;
	uint16_t head = fx_one(f);

	assert_int_equal(vq_dev_push_used(&f->ring, &f->used_idx, head, 33), 0);
	fx_expect_broken(f, "exceeds the 32 writable bytes");
}

static void test_used_idx_jump(void **state)
{
	struct fx *f = *state;

	fx_one(f);
	f->vq.used->idx = 5; /* five completions with one chain in flight */
	fx_expect_broken(f, "ahead");
}

/* Walker rejections: each builds a chain by hand and checks the reason. */
static void fx_expect_reject(struct fx *f, uint16_t head, int err, const char *needle)
{
	fx_publish(f, head);
	assert_int_equal(vq_dev_pop(&f->ring, &f->last_avail, f->iov, 16, &f->c), err);
	assert_non_null(strstr(f->c.why, needle));
}

static void test_walk_loop(void **state)
{
	struct fx *f = *state;

	fx_desc(f, 0, GPA + 8192, 16, VRING_DESC_F_NEXT, 1);
	fx_desc(f, 1, GPA + 8192, 16, VRING_DESC_F_NEXT, 0);
	fx_expect_reject(f, 0, -EINVAL, "looped");
}

static void test_walk_out_of_window(void **state)
{
	struct fx *f = *state;

	fx_desc(f, 0, GPA + WIN - 8, 16, 0, 0);
	fx_expect_reject(f, 0, -EINVAL, "exceeds shared window");
	fx_desc(f, 0, GPA - 4096, 16, 0, 0);
	fx_expect_reject(f, 0, -EINVAL, "exceeds shared window");
	/* addr + len wraps around 2^64 */
	fx_desc(f, 0, UINT64_MAX - 4, 0xffffffff, 0, 0);
	fx_expect_reject(f, 0, -EINVAL, "len 0xffffffff exceeds shared window");
	fx_desc(f, 0, GPA + 8192, 0xffffffff, 0, 0);
	fx_expect_reject(f, 0, -EINVAL, "exceeds shared window");
}

static void test_walk_len_zero(void **state)
{
	struct fx *f = *state;

	fx_desc(f, 0, GPA + 8192, 0, 0, 0);
	fx_expect_reject(f, 0, -EINVAL, "len 0");
}

static void test_walk_next_out_of_range(void **state)
{
	struct fx *f = *state;

	fx_desc(f, 0, GPA + 8192, 16, VRING_DESC_F_NEXT, QSZ + 1);
	fx_expect_reject(f, 0, -EINVAL, "not below the queue size");
}

static void test_walk_head_out_of_range(void **state)
{
	struct fx *f = *state;

	fx_expect_reject(f, QSZ, -EINVAL, "names head 8");
	/* The bad entry is consumed: the next good one is served. */
	fx_desc(f, 2, GPA + 8192, 16, 0, 0);
	fx_publish(f, 2);
	assert_int_equal(vq_dev_pop(&f->ring, &f->last_avail, f->iov, 16, &f->c), 1);
}

static void test_walk_avail_jump(void **state)
{
	struct fx *f = *state;

	f->vq.avail->idx = QSZ + 1;
	assert_int_equal(vq_dev_pop(&f->ring, &f->last_avail, f->iov, 16, &f->c), -EINVAL);
	assert_non_null(strstr(f->c.why, "more than the queue size"));
}

static void test_walk_writable_then_readable(void **state)
{
	struct fx *f = *state;

	fx_desc(f, 0, GPA + 8192, 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	fx_desc(f, 1, GPA + 8192, 16, 0, 0);
	fx_expect_reject(f, 0, -EINVAL, "readable after a writable");
}

static void test_walk_iov_cap(void **state)
{
	struct fx *f = *state;

	for (unsigned int i = 0; i < 4; i++)
		fx_desc(f, i, GPA + 8192, 16, i < 3 ? VRING_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	fx_publish(f, 0);
	assert_int_equal(vq_dev_pop(&f->ring, &f->last_avail, f->iov, 3, &f->c), -E2BIG);
}

/* An indirect table of n entries at table_gpa, chained in order. */
static void fx_table(struct fx *f, uint64_t table_gpa, unsigned int n)
{
	struct vring_desc *t = window_alloc_hva(&f->wa, table_gpa, 16u * n);

	for (unsigned int i = 0; i < n; i++)
		t[i] = (struct vring_desc){
		    GPA + 8192 + 64 * i, 64,
		    (uint16_t)((i + 1 < n ? VRING_DESC_F_NEXT : 0) | (i ? VRING_DESC_F_WRITE : 0)),
		    (uint16_t)(i + 1)};
}

static void test_walk_indirect_ok(void **state)
{
	struct fx *f = *state;
	uint64_t t = fx_buf(f, 64);

	fx_table(f, t, 4);
	fx_desc(f, 0, t, 64, VRING_DESC_F_INDIRECT, 0);
	fx_publish(f, 0);
	assert_int_equal(vq_dev_pop(&f->ring, &f->last_avail, f->iov, 16, &f->c), 1);
	assert_int_equal(f->c.n, 4);
	assert_int_equal(f->c.n_out, 1);
	assert_int_equal(f->c.in_bytes, 3 * 64);
}

static void test_walk_indirect_bad(void **state)
{
	struct fx *f = *state;
	uint64_t t = fx_buf(f, 64);
	struct vring_desc *tab = window_alloc_hva(&f->wa, t, 64);

	fx_table(f, t, 4);
	fx_desc(f, 0, t, 60, VRING_DESC_F_INDIRECT, 0);
	fx_expect_reject(f, 0, -EINVAL, "multiple of 16");
	fx_desc(f, 0, t, 64, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	fx_expect_reject(f, 0, -EINVAL, "both INDIRECT and NEXT");
	fx_desc(f, 0, GPA + WIN - 32, 64, VRING_DESC_F_INDIRECT, 0);
	fx_expect_reject(f, 0, -EINVAL, "exceeds shared window");
	tab[2].flags |= VRING_DESC_F_INDIRECT;
	fx_desc(f, 0, t, 64, VRING_DESC_F_INDIRECT, 0);
	fx_expect_reject(f, 0, -EINVAL, "itself INDIRECT");
	fx_table(f, t, 4);
	tab[3].flags |= VRING_DESC_F_NEXT;
	tab[3].next = 1; /* loop inside the table */
	fx_expect_reject(f, 0, -EINVAL, "loops");
	tab[3].next = 9;
	fx_expect_reject(f, 0, -EINVAL, "not below the table");
	fx_table(f, t, 4);
	f->ring.indirect_ok = false;
	fx_expect_reject(f, 0, -EINVAL, "not negotiated");
	f->ring.indirect_ok = true;
	fx_desc(f, 0, GPA + 8192, 16, VRING_DESC_F_NEXT, 1);
	fx_desc(f, 1, t, 64, VRING_DESC_F_INDIRECT, 0);
	fx_expect_reject(f, 0, -EINVAL, "not alone");
}

static void test_walk_bad_ring(void **state)
{
	struct fx *f = *state;

	f->ring.used_gpa = GPA + WIN - 8;
	assert_int_equal(vq_dev_pop(&f->ring, &f->last_avail, f->iov, 16, &f->c), -EINVAL);
	assert_non_null(strstr(f->c.why, "used ring"));
	assert_int_equal(vq_dev_push_used(&f->ring, &f->used_idx, 0, 0), -EINVAL);
	f->ring.used_gpa = f->vq.used_gpa;
	f->ring.size = 6;
	assert_int_equal(vq_dev_pop(&f->ring, &f->last_avail, f->iov, 16, &f->c), -EINVAL);
}

static void test_no_interrupt_flag(void **state)
{
	struct fx *f = *state;

	assert_false(vq_dev_no_interrupt(&f->ring));
	vq_drv_set_interrupts(&f->vq, false);
	assert_true(vq_dev_no_interrupt(&f->ring));
	vq_drv_set_interrupts(&f->vq, true);
	assert_false(vq_dev_no_interrupt(&f->ring));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_window_alloc),
	    T(test_round_trip),
	    T(test_depth),
	    T(test_add_rejects),
	    T(test_used_bogus_id),
	    T(test_used_id_out_of_range),
	    T(test_used_len_too_big),
	    T(test_used_idx_jump),
	    T(test_walk_loop),
	    T(test_walk_out_of_window),
	    T(test_walk_len_zero),
	    T(test_walk_next_out_of_range),
	    T(test_walk_head_out_of_range),
	    T(test_walk_avail_jump),
	    T(test_walk_writable_then_readable),
	    T(test_walk_iov_cap),
	    T(test_walk_indirect_ok),
	    T(test_walk_indirect_bad),
	    T(test_walk_bad_ring),
	    T(test_no_interrupt_flag),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

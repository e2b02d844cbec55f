/* vq_audit.c - count a frontend's virtio descriptors outside the shared window, from the trapped
 * register writes (virtio 1.2 §4.2.2) and the split rings in the window (§2.7). Every ring
 * access is bounds-checked against the window; chains are bounded by the queue size (§2.7.5.3.1)
 * and indirect tables by their length and 1024 entries. The register tracker and the chain
 * walker are public: `run --record`'s recorder (harness/stack/stack_trace.c) uses them too. */
#include <stdio.h>
#include <string.h>

#include "vq_audit.h"

#define REG_QUEUE_SEL 0x030
#define REG_QUEUE_NUM 0x038
#define REG_QUEUE_READY 0x044
#define REG_QUEUE_NOTIFY 0x050
#define REG_STATUS 0x070
#define REG_QUEUE_DESC_LOW 0x080
#define REG_QUEUE_DESC_HIGH 0x084
#define REG_QUEUE_DRIVER_LOW 0x090
#define REG_QUEUE_DRIVER_HIGH 0x094
#define REG_QUEUE_DEVICE_LOW 0x0a0
#define REG_QUEUE_DEVICE_HIGH 0x0a4

#define VQ_AUDIT_INDIRECT_MAX 1024 /* entries walked in one indirect table */

struct vq_audit_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

void vq_audit_init(struct vq_audit *a, const void *window, uint64_t gpa, uint64_t size)
{
	memset(a, 0, sizeof(*a));
	a->window = window;
	a->gpa = gpa;
	a->size = size;
	pthread_mutex_init(&a->lock, NULL);
}

void vq_audit_destroy(struct vq_audit *a)
{
	if (a)
		pthread_mutex_destroy(&a->lock);
}

int vq_audit_inside(uint64_t gpa, uint64_t size, uint64_t addr, uint64_t len)
{
	return addr >= gpa && len <= size && addr - gpa <= size - len;
}

int vq_audit_queue_usable(const struct vq_audit_queue *q, uint64_t gpa, uint64_t size)
{
	return q->num && !(q->num & (q->num - 1)) && q->num <= 32768 &&
	       vq_audit_inside(gpa, size, q->desc, 16ULL * q->num) &&
	       vq_audit_inside(gpa, size, q->avail, 6 + 2ULL * q->num) &&
	       vq_audit_inside(gpa, size, q->used, 6 + 8ULL * q->num);
}

uint64_t vq_audit_le(const uint8_t *window, uint64_t gpa, uint64_t addr, unsigned int n)
{
	const volatile uint8_t *p = window + (addr - gpa);
	uint64_t v = 0;

	for (unsigned int i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

struct vq_audit_walker {
	const uint8_t *window;
	uint64_t gpa, size;
	vq_audit_visit fn;
	void *arg;
};

static int vq_audit_read_desc(const struct vq_audit_walker *w, uint64_t at, struct vq_audit_desc *d)
{
	if (!vq_audit_inside(w->gpa, w->size, at, 16))
		return -1;
	d->addr = vq_audit_le(w->window, w->gpa, at, 8);
	d->len = (uint32_t)vq_audit_le(w->window, w->gpa, at + 8, 4);
	d->flags = (uint16_t)vq_audit_le(w->window, w->gpa, at + 12, 2);
	d->next = (uint16_t)vq_audit_le(w->window, w->gpa, at + 14, 2);
	return 0;
}

/* An indirect table: itself a buffer the device reads, then each of its entries. */
static void vq_audit_walk_table(const struct vq_audit_walker *w, const struct vq_audit_desc *t)
{
	uint32_t n = t->len / 16;

	w->fn(w->arg, VQ_AUDIT_SEEN_TABLE, t->addr, t->len, t->flags);
	if (!vq_audit_inside(w->gpa, w->size, t->addr, t->len) || (t->len % 16))
		return;
	for (uint32_t i = 0, j = 0; i < n && i < VQ_AUDIT_INDIRECT_MAX && j < n; i++) {
		struct vq_audit_desc d;

		if (vq_audit_read_desc(w, t->addr + 16ULL * j, &d))
			return;
		w->fn(w->arg, VQ_AUDIT_SEEN_BUF, d.addr, d.len, d.flags);
		if (!(d.flags & VQ_AUDIT_F_NEXT))
			break;
		j = d.next;
	}
}

void vq_audit_walk(const uint8_t *window, uint64_t gpa, uint64_t size, uint64_t desc, uint32_t num,
		   uint32_t head, vq_audit_visit fn, void *arg)
{
	const struct vq_audit_walker w = {window, gpa, size, fn, arg};
	uint32_t j = head;

	for (uint32_t n = 0; n < num && j < num; n++) {
		struct vq_audit_desc d;

		if (vq_audit_read_desc(&w, desc + 16ULL * j, &d))
			return;
		fn(arg, VQ_AUDIT_SEEN_DESC, desc + 16ULL * j, 16, d.flags);
		if (d.flags & VQ_AUDIT_F_INDIRECT)
			vq_audit_walk_table(&w, &d);
		else
			fn(arg, VQ_AUDIT_SEEN_BUF, d.addr, d.len, d.flags);
		if (!(d.flags & VQ_AUDIT_F_NEXT))
			break;
		j = d.next;
	}
}

struct vq_audit_count {
	struct vq_audit *a;
	unsigned int qi;
};

/* A buffer (or indirect table) the device will reach: counted, and outside the window noted. */
static void vq_audit_buffer(void *arg, enum vq_audit_seen what, uint64_t addr, uint32_t len,
			    uint16_t flags)
{
	struct vq_audit_count *c = arg;
	struct vq_audit *a = c->a;

	(void)flags;
	if (what == VQ_AUDIT_SEEN_DESC)
		return;
	a->desc_checked++;
	if (vq_audit_inside(a->gpa, a->size, addr, len))
		return;
	if (!a->desc_outside)
		snprintf(a->first_outside, sizeof(a->first_outside),
			 "queue %u: buffer [0x%llx, +0x%x) outside the shared window [0x%llx, "
			 "0x%llx)",
			 c->qi, (unsigned long long)addr, len, (unsigned long long)a->gpa,
			 (unsigned long long)(a->gpa + a->size));
	a->desc_outside++;
}

static void vq_audit_notify(struct vq_audit *a, unsigned int qi)
{
	struct vq_audit_queue *q = &a->regs.q[qi];
	struct vq_audit_count c = {a, qi};
	uint16_t idx, n;

	if (!q->num || (q->num & (q->num - 1)))
		return;
	if (!vq_audit_inside(a->gpa, a->size, q->desc, 16ULL * q->num) ||
	    !vq_audit_inside(a->gpa, a->size, q->avail, 4 + 2ULL * q->num)) {
		if (!q->ring_outside) {
			q->ring_outside = 1;
			a->rings_outside++;
			if (!a->desc_outside && !a->first_outside[0])
				snprintf(
				    a->first_outside, sizeof(a->first_outside),
				    "queue %u: rings at 0x%llx/0x%llx outside the shared window "
				    "[0x%llx, 0x%llx)",
				    qi, (unsigned long long)q->desc, (unsigned long long)q->avail,
				    (unsigned long long)a->gpa,
				    (unsigned long long)(a->gpa + a->size));
		}
		return;
	}
	idx = (uint16_t)vq_audit_le(a->window, a->gpa, q->avail + 2, 2);
	n = (uint16_t)(idx - q->last);
	if (n > q->num) /* the guest ran ahead of what can still be seen: the newest num */
		q->last = (uint16_t)(idx - q->num);
	for (; q->last != idx; q->last++)
		vq_audit_walk(a->window, a->gpa, a->size, q->desc, q->num,
			      (uint16_t)vq_audit_le(a->window, a->gpa,
						    q->avail + 4 + 2ULL * (q->last % q->num), 2),
			      vq_audit_buffer, &c);
}

static void vq_audit_set(uint64_t *field, uint64_t value, int high)
{
	*field = high ? (*field & 0xffffffffULL) | value << 32
		      : (*field & ~0xffffffffULL) | (value & 0xffffffffULL);
}

void vq_audit_regs_write(struct vq_audit_regs *g, uint64_t offset, uint64_t value)
{
	struct vq_audit_queue *q = g->sel < VQ_AUDIT_QUEUES ? &g->q[g->sel] : NULL;

	switch (offset) {
	case REG_QUEUE_SEL:
		g->sel = (uint32_t)value;
		break;
	case REG_QUEUE_NUM:
		if (q)
			q->num = (uint32_t)value;
		break;
	case REG_QUEUE_READY:
		if (q && value == 1) {
			q->last = q->last_used = 0;
			q->ring_outside = 0;
		}
		break;
	case REG_QUEUE_DESC_LOW:
	case REG_QUEUE_DESC_HIGH:
		if (q)
			vq_audit_set(&q->desc, value, offset == REG_QUEUE_DESC_HIGH);
		break;
	case REG_QUEUE_DRIVER_LOW:
	case REG_QUEUE_DRIVER_HIGH:
		if (q)
			vq_audit_set(&q->avail, value, offset == REG_QUEUE_DRIVER_HIGH);
		break;
	case REG_QUEUE_DEVICE_LOW:
	case REG_QUEUE_DEVICE_HIGH:
		if (q)
			vq_audit_set(&q->used, value, offset == REG_QUEUE_DEVICE_HIGH);
		break;
	case REG_STATUS:
		if (value == 0) /* reset: every queue forgotten (§2.1.2) */
			memset(g->q, 0, sizeof(g->q));
		break;
	default:
		break;
	}
}

void vq_audit_write(struct vq_audit *a, uint64_t offset, uint64_t value)
{
	if (!a || !a->window)
		return;
	pthread_mutex_lock(&a->lock);
	if (offset == REG_QUEUE_NOTIFY) {
		if (value < VQ_AUDIT_QUEUES)
			vq_audit_notify(a, (unsigned int)value);
	} else {
		vq_audit_regs_write(&a->regs, offset, value);
	}
	pthread_mutex_unlock(&a->lock);
}

void vq_audit_get(struct vq_audit *a, struct vq_audit_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	/* Chains made available without a notify (the device asked for none: EVENT_IDX). */
	for (unsigned int i = 0; a->window && i < VQ_AUDIT_QUEUES; i++)
		if (a->regs.q[i].num)
			vq_audit_notify(a, i);
	out->desc_checked = a->desc_checked;
	out->desc_outside = a->desc_outside;
	out->rings_outside = a->rings_outside;
	memcpy(out->first_outside, a->first_outside, sizeof(out->first_outside));
	pthread_mutex_unlock(&a->lock);
}

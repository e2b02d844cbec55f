/* vq_audit.c - count a frontend's virtio descriptors outside the shared window, from the trapped
 * register writes (virtio 1.2 §4.2.2) and the split rings in the window (§2.7). Every ring
 * access is bounds-checked against the window; chains are bounded by the queue size (§2.7.5.3.1)
 * and indirect tables by their length and the queue size. */
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

#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_INDIRECT 4
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

/* [addr, addr + len) inside the window, without overflow. */
static int vq_audit_inside(const struct vq_audit *a, uint64_t addr, uint64_t len)
{
	return addr >= a->gpa && len <= a->size && addr - a->gpa <= a->size - len;
}

static uint64_t vq_audit_le(const struct vq_audit *a, uint64_t gpa, unsigned int n)
{
	const volatile uint8_t *p = a->window + (gpa - a->gpa);
	uint64_t v = 0;

	for (unsigned int i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

static void vq_audit_read_desc(const struct vq_audit *a, uint64_t at, struct vq_audit_desc *d)
{
	d->addr = vq_audit_le(a, at, 8);
	d->len = (uint32_t)vq_audit_le(a, at + 8, 4);
	d->flags = (uint16_t)vq_audit_le(a, at + 12, 2);
	d->next = (uint16_t)vq_audit_le(a, at + 14, 2);
}

static void vq_audit_buffer(struct vq_audit *a, unsigned int qi, const struct vq_audit_desc *d)
{
	a->desc_checked++;
	if (vq_audit_inside(a, d->addr, d->len))
		return;
	if (!a->desc_outside)
		snprintf(a->first_outside, sizeof(a->first_outside),
			 "queue %u: buffer [0x%llx, +0x%x) outside the shared window [0x%llx, "
			 "0x%llx)",
			 qi, (unsigned long long)d->addr, d->len, (unsigned long long)a->gpa,
			 (unsigned long long)(a->gpa + a->size));
	a->desc_outside++;
}

/* An indirect table: itself a buffer the device reads, then each of its entries. */
static void vq_audit_indirect(struct vq_audit *a, unsigned int qi, const struct vq_audit_desc *t)
{
	uint32_t n = t->len / 16;

	vq_audit_buffer(a, qi, t);
	if (!vq_audit_inside(a, t->addr, t->len) || (t->len % 16))
		return;
	for (uint32_t i = 0, j = 0; i < n && i < VQ_AUDIT_INDIRECT_MAX && j < n; i++) {
		struct vq_audit_desc d;

		vq_audit_read_desc(a, t->addr + 16ULL * j, &d);
		vq_audit_buffer(a, qi, &d);
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		j = d.next;
	}
}

static void vq_audit_chain(struct vq_audit *a, unsigned int qi, uint16_t head)
{
	const struct vq_audit_queue *q = &a->q[qi];
	uint32_t j = head;

	for (uint32_t n = 0; n < q->num && j < q->num; n++) {
		struct vq_audit_desc d;

		vq_audit_read_desc(a, q->desc + 16ULL * j, &d);
		if (d.flags & VRING_DESC_F_INDIRECT)
			vq_audit_indirect(a, qi, &d);
		else
			vq_audit_buffer(a, qi, &d);
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		j = d.next;
	}
}

static void vq_audit_notify(struct vq_audit *a, unsigned int qi)
{
	struct vq_audit_queue *q = &a->q[qi];
	uint16_t idx, n;

	if (!q->num || (q->num & (q->num - 1)))
		return;
	if (!vq_audit_inside(a, q->desc, 16ULL * q->num) ||
	    !vq_audit_inside(a, q->avail, 4 + 2ULL * q->num)) {
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
	idx = (uint16_t)vq_audit_le(a, q->avail + 2, 2);
	n = (uint16_t)(idx - q->last);
	if (n > q->num) /* the guest ran ahead of what can still be seen: the newest num */
		q->last = (uint16_t)(idx - q->num);
	for (; q->last != idx; q->last++)
		vq_audit_chain(
		    a, qi, (uint16_t)vq_audit_le(a, q->avail + 4 + 2ULL * (q->last % q->num), 2));
}

static void vq_audit_set(uint64_t *field, uint64_t value, int high)
{
	*field = high ? (*field & 0xffffffffULL) | value << 32
		      : (*field & ~0xffffffffULL) | (value & 0xffffffffULL);
}

void vq_audit_write(struct vq_audit *a, uint64_t offset, uint64_t value)
{
	struct vq_audit_queue *q;

	if (!a || !a->window)
		return;
	pthread_mutex_lock(&a->lock);
	q = a->sel < VQ_AUDIT_QUEUES ? &a->q[a->sel] : NULL;
	switch (offset) {
	case REG_QUEUE_SEL:
		a->sel = (uint32_t)value;
		break;
	case REG_QUEUE_NUM:
		if (q)
			q->num = (uint32_t)value;
		break;
	case REG_QUEUE_READY:
		if (q && value == 1) {
			q->last = 0;
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
	case REG_QUEUE_NOTIFY:
		if (value < VQ_AUDIT_QUEUES)
			vq_audit_notify(a, (unsigned int)value);
		break;
	case REG_STATUS:
		if (value == 0) /* reset: every queue forgotten (§2.1.2) */
			memset(a->q, 0, sizeof(a->q));
		break;
	default:
		break;
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
		if (a->q[i].num)
			vq_audit_notify(a, i);
	out->desc_checked = a->desc_checked;
	out->desc_outside = a->desc_outside;
	out->rings_outside = a->rings_outside;
	memcpy(out->first_outside, a->first_outside, sizeof(out->first_outside));
	pthread_mutex_unlock(&a->lock);
}

/* vq_dev.c - pure device-side chain walker for split virtqueues (virtio 1.2 §2.7.5, §2.7.13):
 * bounded against loops, clamped to the window, strict about INDIRECT and buffer order. */
#include "vq_dev.h"

#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <linux/virtio_ring.h>

static int vq_dev_fail(char *why, size_t len, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int vq_dev_fail(char *why, size_t len, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return rc;
}

/* Offset of [gpa, gpa + len) in the window, or -1 when any byte is outside it. */
static int64_t vq_dev_off(const struct vq_dev_ring *r, uint64_t gpa, uint64_t len)
{
	uint64_t off = gpa - r->mem_gpa;

	if (gpa < r->mem_gpa || off > r->mem_len || len > r->mem_len - off)
		return -1;
	return (int64_t)off;
}

int vq_dev_check_ring(const struct vq_dev_ring *r, char *why, size_t why_len)
{
	const struct {
		const char *name;
		uint64_t gpa, len, align;
	} part[3] = {
	    {"descriptor table", r->desc_gpa, 16u * (uint64_t)r->size, 16},
	    {"avail ring", r->avail_gpa, 6u + 2u * (uint64_t)r->size, 2},
	    {"used ring", r->used_gpa, 6u + 8u * (uint64_t)r->size, 4},
	};

	if (!r->mem || !r->size || r->size > 32768 || (r->size & (r->size - 1)))
		return vq_dev_fail(why, why_len, -EINVAL,
				   "queue size %u is not a power of two <= 32768", r->size);
	for (int i = 0; i < 3; i++) {
		if (vq_dev_off(r, part[i].gpa, part[i].len) < 0 || part[i].gpa % part[i].align)
			return vq_dev_fail(why, why_len, -EINVAL,
					   "%s at 0x%llx (%llu bytes) is outside the window "
					   "[0x%llx, 0x%llx) or misaligned",
					   part[i].name, (unsigned long long)part[i].gpa,
					   (unsigned long long)part[i].len,
					   (unsigned long long)r->mem_gpa,
					   (unsigned long long)(r->mem_gpa + r->mem_len));
	}
	return 0;
}

static struct vring_desc vq_dev_read_desc(const uint8_t *table, uint32_t i)
{
	struct vring_desc d;

	memcpy(&d, table + 16u * (uint64_t)i, sizeof(d));
	d.addr = le64toh(d.addr);
	d.len = le32toh(d.len);
	d.flags = le16toh(d.flags);
	d.next = le16toh(d.next);
	return d;
}

/* Append one data descriptor to the chain, enforcing window bounds and buffer order. */
static int vq_dev_take(const struct vq_dev_ring *r, const struct vring_desc *d, const char *where,
		       uint32_t i, struct vq_dev_iov *iov, unsigned int cap, struct vq_dev_chain *c)
{
	bool w = d->flags & VRING_DESC_F_WRITE;
	int64_t off;

	if (!d->len)
		return vq_dev_fail(c->why, sizeof(c->why), -EINVAL, "%s descriptor %u has len 0",
				   where, i);
	off = vq_dev_off(r, d->addr, d->len);
	if (off < 0)
		return vq_dev_fail(
		    c->why, sizeof(c->why), -EINVAL,
		    "%s descriptor %u addr 0x%llx len 0x%x exceeds shared window [0x%llx, 0x%llx)",
		    where, i, (unsigned long long)d->addr, d->len, (unsigned long long)r->mem_gpa,
		    (unsigned long long)(r->mem_gpa + r->mem_len));
	/* §2.7.4.2: device-writable buffers follow all device-readable ones. */
	if (!w && c->in_bytes)
		return vq_dev_fail(c->why, sizeof(c->why), -EINVAL,
				   "%s descriptor %u is readable after a writable one", where, i);
	if (c->n >= cap)
		return vq_dev_fail(c->why, sizeof(c->why), -E2BIG,
				   "chain at head %u has more than %u buffers", c->head, cap);
	iov[c->n++] = (struct vq_dev_iov){(uint64_t)off, d->len, w};
	if (w) {
		c->in_bytes += d->len;
	} else {
		c->out_bytes += d->len;
		c->n_out++;
	}
	return 0;
}

/* Walk an indirect table (§2.7.5.3): len a multiple of 16, no nesting, links bounded. */
static int vq_dev_walk_indirect(const struct vq_dev_ring *r, const struct vring_desc *d,
				uint32_t at, struct vq_dev_iov *iov, unsigned int cap,
				struct vq_dev_chain *c)
{
	uint32_t count, i = 0;
	int64_t off;

	if (!r->indirect_ok)
		return vq_dev_fail(c->why, sizeof(c->why), -EINVAL,
				   "descriptor %u is INDIRECT but INDIRECT_DESC was not negotiated",
				   at);
	if (d->flags & VRING_DESC_F_NEXT)
		return vq_dev_fail(c->why, sizeof(c->why), -EINVAL,
				   "descriptor %u has both INDIRECT and NEXT", at);
	if (!d->len || d->len % 16)
		return vq_dev_fail(
		    c->why, sizeof(c->why), -EINVAL,
		    "indirect table at descriptor %u has len %u, not a positive multiple of 16", at,
		    d->len);
	off = vq_dev_off(r, d->addr, d->len);
	if (off < 0)
		return vq_dev_fail(
		    c->why, sizeof(c->why), -EINVAL,
		    "indirect table at descriptor %u addr 0x%llx len 0x%x exceeds shared window",
		    at, (unsigned long long)d->addr, d->len);
	count = d->len / 16;
	for (uint32_t seen = 0;; seen++) {
		struct vring_desc e;
		int rc;

		if (seen >= count)
			return vq_dev_fail(
			    c->why, sizeof(c->why), -EINVAL,
			    "indirect table at descriptor %u loops (more than %u links)", at,
			    count);
		e = vq_dev_read_desc(r->mem + off, i);
		if (e.flags & VRING_DESC_F_INDIRECT)
			return vq_dev_fail(c->why, sizeof(c->why), -EINVAL,
					   "indirect entry %u of descriptor %u is itself INDIRECT",
					   i, at);
		rc = vq_dev_take(r, &e, "indirect", i, iov, cap, c);
		if (rc)
			return rc;
		if (!(e.flags & VRING_DESC_F_NEXT))
			return 0;
		if (e.next >= count)
			return vq_dev_fail(
			    c->why, sizeof(c->why), -EINVAL,
			    "indirect entry %u next %u is not below the table's %u entries", i,
			    e.next, count);
		i = e.next;
	}
}

int vq_dev_walk(const struct vq_dev_ring *r, uint16_t head, struct vq_dev_iov *iov,
		unsigned int cap, struct vq_dev_chain *c)
{
	const uint8_t *table;
	uint32_t i = head;
	int rc;

	memset(c, 0, sizeof(*c));
	c->head = head;
	rc = vq_dev_check_ring(r, c->why, sizeof(c->why));
	if (rc)
		return rc;
	table = r->mem + (r->desc_gpa - r->mem_gpa);
	/* §2.7.5.3.1 / libvhost-user: a chain is at most queue-size long, else it loops. */
	for (uint32_t seen = 0;; seen++) {
		struct vring_desc d;

		if (i >= r->size)
			return vq_dev_fail(c->why, sizeof(c->why), -EINVAL,
					   "descriptor index %u is not below the queue size %u", i,
					   r->size);
		if (seen >= r->size)
			return vq_dev_fail(
			    c->why, sizeof(c->why), -EINVAL,
			    "looped descriptor chain at head %u (more than %u links)", head,
			    r->size);
		d = vq_dev_read_desc(table, i);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (c->n)
				return vq_dev_fail(
				    c->why, sizeof(c->why), -EINVAL,
				    "INDIRECT descriptor %u is not alone in its chain", i);
			return vq_dev_walk_indirect(r, &d, i, iov, cap, c);
		}
		rc = vq_dev_take(r, &d, "direct", i, iov, cap, c);
		if (rc)
			return rc;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		i = d.next;
	}
}

int vq_dev_pop(const struct vq_dev_ring *r, uint16_t *last_avail, struct vq_dev_iov *iov,
	       unsigned int cap, struct vq_dev_chain *c)
{
	const struct vring_avail *avail;
	uint16_t idx, head;
	int rc;

	memset(c, 0, sizeof(*c));
	rc = vq_dev_check_ring(r, c->why, sizeof(c->why));
	if (rc)
		return rc;
	avail = (const struct vring_avail *)(r->mem + (r->avail_gpa - r->mem_gpa));
	/* Acquire pairs with the driver's release store: ring entries are visible after. */
	idx = le16toh(__atomic_load_n(&avail->idx, __ATOMIC_ACQUIRE));
	if (idx == *last_avail)
		return 0;
	if ((uint16_t)(idx - *last_avail) > r->size)
		return vq_dev_fail(c->why, sizeof(c->why), -EINVAL,
				   "avail idx %u moved %u past %u, more than the queue size %u",
				   idx, (uint16_t)(idx - *last_avail), *last_avail, r->size);
	head = le16toh(avail->ring[*last_avail % r->size]);
	(*last_avail)++;
	if (head >= r->size)
		return vq_dev_fail(c->why, sizeof(c->why), -EINVAL,
				   "avail entry %u names head %u, not below the queue size %u",
				   (uint16_t)(*last_avail - 1), head, r->size);
	rc = vq_dev_walk(r, head, iov, cap, c);
	return rc ? rc : 1;
}

int vq_dev_push_used(const struct vq_dev_ring *r, uint16_t *used_idx, uint16_t head, uint32_t len)
{
	struct vring_used *used;
	struct vring_used_elem e = {htole32(head), htole32(len)};
	char why[160];

	if (vq_dev_check_ring(r, why, sizeof(why)) || head >= r->size)
		return -EINVAL;
	used = (struct vring_used *)(r->mem + (r->used_gpa - r->mem_gpa));
	memcpy(&used->ring[*used_idx % r->size], &e, sizeof(e));
	(*used_idx)++;
	/* §2.7.8.2: the element before the index - a release store orders them. */
	__atomic_store_n(&used->idx, htole16(*used_idx), __ATOMIC_RELEASE);
	return 0;
}

bool vq_dev_no_interrupt(const struct vq_dev_ring *r)
{
	const struct vring_avail *avail;
	char why[160];

	if (vq_dev_check_ring(r, why, sizeof(why)))
		return false;
	avail = (const struct vring_avail *)(r->mem + (r->avail_gpa - r->mem_gpa));
	return le16toh(__atomic_load_n(&avail->flags, __ATOMIC_ACQUIRE)) &
	       VRING_AVAIL_F_NO_INTERRUPT;
}

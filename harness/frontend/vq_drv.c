/* vq_drv.c - driver side of a split virtqueue: chains in, used elements out, with the memory
 * ordering of virtio 1.2 §2.7.13 and validation of every used element the device returns. */
#include "vq_drv.h"

#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static void vq_drv_break(struct vq_drv *vq, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Record the first violation and make the queue refuse all further work. */
static void vq_drv_break(struct vq_drv *vq, const char *fmt, ...)
{
	va_list ap;

	if (vq->broken)
		return;
	vq->broken = true;
	va_start(ap, fmt);
	vsnprintf(vq->why, sizeof(vq->why), fmt, ap);
	va_end(ap);
	log_err("vq %u: broken: %s", vq->index, vq->why);
}

void vq_drv_rewind(struct vq_drv *vq)
{
	memset(vq->desc, 0, 16u * vq->size);
	memset(vq->avail, 0, 6u + 2u * vq->size);
	memset(vq->used, 0, 6u + 8u * vq->size);
	memset(vq->slot, 0, sizeof(*vq->slot) * vq->size);
	for (unsigned int i = 0; i < vq->size; i++)
		vq->next[i] = (uint16_t)(i + 1);
	vq->free_head = 0;
	vq->num_free = vq->size;
	vq->avail_idx = 0;
	vq->last_used = 0;
	vq->in_flight = 0;
	vq->broken = false;
	vq->why[0] = '\0';
}

int vq_drv_init(struct vq_drv *vq, uint16_t index, unsigned int size, struct window_alloc *wa)
{
	uint64_t avail_off, used_off;
	int rc;

	memset(vq, 0, sizeof(*vq));
	vq->index = index;
	if (!size || size > VQ_DRV_MAX_SIZE || (size & (size - 1))) {
		/* §2.7: Queue Size is a power of 2, at most 32768 (Linux refuses others too). */
		log_err("vq %u: queue size %u is not a power of two in [1, 32768]", index, size);
		return -EINVAL;
	}
	vq->size = (uint16_t)size;			      /* 32768 fits in uint16_t */
	avail_off = 16u * (uint64_t)size;		      /* desc: 16-byte aligned */
	used_off = (avail_off + 6u + 2u * size + 3u) & ~3ull; /* used: 4-byte aligned (§2.7) */
	vq->ring_len = used_off + 6u + 8u * (uint64_t)size;
	rc = window_alloc_get(wa, vq->ring_len, 4096, &vq->ring_gpa);
	if (rc) {
		log_err("vq %u: no window room for rings of %u entries (%llu bytes)", index, size,
			(unsigned long long)vq->ring_len);
		return rc;
	}
	vq->wa = wa;
	vq->desc_gpa = vq->ring_gpa;
	vq->avail_gpa = vq->ring_gpa + avail_off;
	vq->used_gpa = vq->ring_gpa + used_off;
	vq->desc = window_alloc_hva(wa, vq->desc_gpa, 16u * (uint64_t)size);
	vq->avail = window_alloc_hva(wa, vq->avail_gpa, 6u + 2u * (uint64_t)size);
	vq->used = window_alloc_hva(wa, vq->used_gpa, 6u + 8u * (uint64_t)size);
	vq->next = calloc(size, sizeof(*vq->next));
	vq->slot = calloc(size, sizeof(*vq->slot));
	if (!vq->next || !vq->slot) {
		vq_drv_destroy(vq);
		return -ENOMEM;
	}
	vq_drv_rewind(vq);
	return 0;
}

void vq_drv_destroy(struct vq_drv *vq)
{
	if (vq->wa && vq->ring_len)
		window_alloc_put(vq->wa, vq->ring_gpa, vq->ring_len);
	free(vq->next);
	free(vq->slot);
	memset(vq, 0, sizeof(*vq));
}

static int vq_drv_check_bufs(struct vq_drv *vq, const struct vq_buf *bufs, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (!bufs[i].len || !window_alloc_hva(vq->wa, bufs[i].gpa, bufs[i].len)) {
			log_err("vq %u: buffer %u gpa 0x%llx len %u is empty or outside the window",
				vq->index, i, (unsigned long long)bufs[i].gpa, bufs[i].len);
			return -EINVAL;
		}
	}
	return 0;
}

int vq_drv_add(struct vq_drv *vq, const struct vq_buf *bufs, unsigned int n_out, unsigned int n_in,
	       void *cookie, uint16_t *headp)
{
	unsigned int n = n_out + n_in;
	uint16_t head = vq->free_head, i = head;
	uint64_t in_bytes = 0;
	int rc;

	if (vq->broken)
		return -EIO;
	if (!n || n > vq->size)
		return -EINVAL;
	rc = vq_drv_check_bufs(vq, bufs, n);
	if (rc)
		return rc;
	if (n > vq->num_free)
		return -ENOSPC;
	for (unsigned int k = 0; k < n; k++) {
		uint16_t flags = 0;

		if (k >= n_out) {
			flags |= VRING_DESC_F_WRITE;
			in_bytes += bufs[k].len;
		}
		if (k + 1 < n)
			flags |= VRING_DESC_F_NEXT;
		vq->desc[i].addr = htole64(bufs[k].gpa);
		vq->desc[i].len = htole32(bufs[k].len);
		vq->desc[i].flags = htole16(flags);
		vq->desc[i].next = htole16(k + 1 < n ? vq->next[i] : 0);
		i = vq->next[i];
	}
	vq->free_head = i;
	vq->num_free = (uint16_t)(vq->num_free - n);
	vq->slot[head] = (struct vq_drv_slot){
	    cookie, in_bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)in_bytes, (uint16_t)n, true};
	vq->in_flight++;
	vq->avail->ring[vq->avail_idx % vq->size] = htole16(head);
	vq->avail_idx++;
	/* §2.7.13.3: descriptors and ring entry before the index: a release store orders them. */
	__atomic_store_n(&vq->avail->idx, htole16(vq->avail_idx), __ATOMIC_RELEASE);
	if (headp)
		*headp = head;
	return 0;
}

bool vq_drv_kick_needed(struct vq_drv *vq)
{
	/* §2.7.13.4: the index store must be visible before we read the device's flags. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !(le16toh(__atomic_load_n(&vq->used->flags, __ATOMIC_RELAXED)) &
		 VRING_USED_F_NO_NOTIFY);
}

void vq_drv_set_interrupts(struct vq_drv *vq, bool enabled)
{
	uint16_t f = enabled ? 0 : VRING_AVAIL_F_NO_INTERRUPT;

	__atomic_store_n(&vq->avail->flags, htole16(f), __ATOMIC_RELAXED);
	/* Re-enabling must be visible before the caller re-reads used->idx (§2.7.7). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

bool vq_drv_has_used(struct vq_drv *vq)
{
	return le16toh(__atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE)) != vq->last_used;
}

/* Return chain head's descriptors to the free list (host copy of the links only). */
static void vq_drv_free_chain(struct vq_drv *vq, uint16_t head)
{
	uint16_t last = head;

	for (unsigned int k = 1; k < vq->slot[head].ndesc; k++)
		last = vq->next[last];
	vq->next[last] = vq->free_head;
	vq->free_head = head;
	vq->num_free = (uint16_t)(vq->num_free + vq->slot[head].ndesc);
	vq->slot[head].in_flight = false;
	vq->in_flight--;
}

int vq_drv_get_used(struct vq_drv *vq, void **cookie, uint32_t *len)
{
	uint16_t used_idx, pending;
	uint32_t id, ulen;
	struct vring_used_elem e;

	if (vq->broken)
		return -EIO;
	used_idx = le16toh(__atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE));
	if (used_idx == vq->last_used)
		return 0;
	pending = (uint16_t)(used_idx - vq->last_used);
	if (pending > vq->in_flight) {
		vq_drv_break(vq, "used idx %u is %u ahead of %u with only %u chains in flight",
			     used_idx, pending, vq->last_used, vq->in_flight);
		return -EIO;
	}
	memcpy(&e, &vq->used->ring[vq->last_used % vq->size], sizeof(e));
	id = le32toh(e.id);
	ulen = le32toh(e.len);
	if (id >= vq->size || !vq->slot[id].in_flight) {
		vq_drv_break(vq, "used entry %u: id %u is %s", vq->last_used, id,
			     id >= vq->size ? "not below the queue size" : "not in flight");
		return -EIO;
	}
	if (ulen > vq->slot[id].in_bytes) {
		vq_drv_break(vq, "used entry %u: id %u len %u exceeds the %u writable bytes given",
			     vq->last_used, id, ulen, vq->slot[id].in_bytes);
		return -EIO;
	}
	vq->last_used++;
	*cookie = vq->slot[id].cookie;
	*len = ulen;
	vq_drv_free_chain(vq, (uint16_t)id);
	return 1;
}

int vq_drv_reclaim(struct vq_drv *vq, void **cookie)
{
	for (unsigned int i = 0; i < vq->size; i++) {
		if (!vq->slot[i].in_flight)
			continue;
		*cookie = vq->slot[i].cookie;
		vq_drv_free_chain(vq, (uint16_t)i);
		return 1;
	}
	return 0;
}

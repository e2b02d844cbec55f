/* vq_drv.h - driver side of a split virtqueue (virtio 1.2 §2.7) whose rings live in the shared
 * window. Free-descriptor and in-flight bookkeeping is host-private; everything read back from
 * the used ring is validated, and the first violation makes the queue broken (sticky). */
#ifndef HARNESS_VQ_DRV_H
#define HARNESS_VQ_DRV_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_ring.h>

#include "window_alloc.h"

#define VQ_DRV_MAX_SIZE 32768u /* virtio 1.2 §2.7: Queue Size is at most 32768 */

/* One buffer of a chain: guest-physical address, length, device-writable or readable. */
struct vq_buf {
	uint64_t gpa;
	uint32_t len;
	bool writable;
};

struct vq_drv_slot {
	void *cookie;	   /* caller's token, returned by vq_drv_get_used */
	uint32_t in_bytes; /* sum of writable lengths: a used.len above it is bogus */
	uint16_t ndesc;	   /* descriptors the chain holds */
	bool in_flight;
};

struct vq_drv {
	uint16_t index; /* queue index, for messages */
	uint16_t size;
	struct window_alloc *wa;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	uint64_t ring_gpa, ring_len; /* the one window block holding all three rings */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t *next;		  /* host copy of each chain's links, and the free list */
	struct vq_drv_slot *slot; /* indexed by head descriptor */
	uint16_t free_head, num_free;
	uint16_t avail_idx; /* next avail->idx we publish */
	uint16_t last_used; /* next used->ring entry we consume */
	unsigned int in_flight;
	bool broken;
	char why[160]; /* first violation, when broken */
};

/* Allocate rings for size entries (a power of two <= 32768) from wa. 0 or -errno. */
int vq_drv_init(struct vq_drv *vq, uint16_t index, unsigned int size, struct window_alloc *wa);
/* Free the rings and host bookkeeping (after a device reset: the device must be done). */
void vq_drv_destroy(struct vq_drv *vq);
/* Re-arm an initialised queue to its post-init state (after a reset), keeping the rings. */
void vq_drv_rewind(struct vq_drv *vq);
/* Add a chain: n_out readable buffers then n_in writable ones, and publish it (release
 * store of avail->idx). -ENOSPC when not enough free descriptors, -EIO when broken,
 * -EINVAL for an empty chain, a buffer outside the window or len 0. *head is optional. */
int vq_drv_add(struct vq_drv *vq, const struct vq_buf *bufs, unsigned int n_out, unsigned int n_in,
	       void *cookie, uint16_t *head);
/* True when the device wants a notification (used->flags lacks NO_NOTIFY; §2.7.10). */
bool vq_drv_kick_needed(struct vq_drv *vq);
/* Take one used element: 1 with *cookie and *len, 0 when none, -EIO when the queue is (or
 * just became) broken; vq->why says why. */
int vq_drv_get_used(struct vq_drv *vq, void **cookie, uint32_t *len);
/* Ask the device not to interrupt (VRING_AVAIL_F_NO_INTERRUPT; without EVENT_IDX only). After
 * enabling, callers must re-check the used ring before blocking (§2.7.7). */
void vq_drv_set_interrupts(struct vq_drv *vq, bool enabled);
/* True when the device has used entries not yet taken. */
bool vq_drv_has_used(struct vq_drv *vq);
/* Abandon one in-flight chain (after a device reset): 1 with its cookie, 0 when none left. */
int vq_drv_reclaim(struct vq_drv *vq, void **cookie);

#endif

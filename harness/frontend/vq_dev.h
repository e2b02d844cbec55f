/* vq_dev.h - DEVICE side of a split virtqueue as pure functions over (window bytes, length,
 * guest-physical base): pop the next available chain and walk it (direct and INDIRECT), or
 * push a used element. Every rule the device relies on is checked; the fake device in unit
 * tests and the fuzz targets use it. */
#ifndef HARNESS_VQ_DEV_H
#define HARNESS_VQ_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where a queue's rings are, and the window they must lie in. */
struct vq_dev_ring {
	uint8_t *mem; /* window bytes (the device's mapping) */
	uint64_t mem_len;
	uint64_t mem_gpa; /* guest-physical address of mem[0] */
	uint16_t size;	  /* queue size, 1..32768 */
	uint64_t desc_gpa, avail_gpa, used_gpa;
	bool indirect_ok; /* VIRTIO_F_INDIRECT_DESC negotiated */
};

/* One buffer of a chain, as an offset into mem. */
struct vq_dev_iov {
	uint64_t off;
	uint32_t len;
	bool writable;
};

struct vq_dev_chain {
	uint16_t head;
	unsigned int n;	    /* iov entries filled */
	unsigned int n_out; /* the first n_out are readable */
	uint64_t out_bytes, in_bytes;
	char why[160]; /* the reason when a call returns -EINVAL / -E2BIG */
};

/* Check that the three rings fit inside the window and are aligned (§2.7). 0 or -EINVAL. */
int vq_dev_check_ring(const struct vq_dev_ring *r, char *why, size_t why_len);
/* Walk the chain starting at head into iov[0..cap). 0, -EINVAL (chain violates a rule;
 * c->why says which and where) or -E2BIG (more than cap buffers). */
int vq_dev_walk(const struct vq_dev_ring *r, uint16_t head, struct vq_dev_iov *iov,
		unsigned int cap, struct vq_dev_chain *c);
/* Pop the chain at *last_avail if the driver published one: 1 (and *last_avail advanced), 0
 * when none, or a negative errno with c->why (the avail index itself is bogus or the head is
 * out of range, or the chain is invalid - *last_avail is then advanced past it). */
int vq_dev_pop(const struct vq_dev_ring *r, uint16_t *last_avail, struct vq_dev_iov *iov,
	       unsigned int cap, struct vq_dev_chain *c);
/* Write used element {head, len} at *used_idx and publish it (release store). 0 or -EINVAL. */
int vq_dev_push_used(const struct vq_dev_ring *r, uint16_t *used_idx, uint16_t head, uint32_t len);
/* True when the driver asked not to be interrupted (VRING_AVAIL_F_NO_INTERRUPT). */
bool vq_dev_no_interrupt(const struct vq_dev_ring *r);

#endif

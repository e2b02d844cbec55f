/* vq_audit.h - the hypervisor's view of where a frontend's virtio buffers are: it watches the
 * trapped register writes of one virtio-mmio device (queue addresses, QueueNotify, reset) and,
 * on each notify, walks the new split-ring chains in the shared window and counts descriptors
 * whose buffers lie outside it. On Bao those are buffers the backend cannot reach (a frontend
 * without a restricted DMA pool); `run --stats` reports the count. Read-only, bounded, safe
 * against a hostile or racing guest: it only counts. */
#ifndef HARNESS_VQ_AUDIT_H
#define HARNESS_VQ_AUDIT_H

#include <pthread.h>
#include <stdint.h>

#define VQ_AUDIT_QUEUES 16

struct vq_audit_queue {
	uint64_t desc, avail; /* guest addresses as written to QueueDesc/QueueDriver */
	uint32_t num;
	uint16_t last;	  /* avail index up to which chains were walked */
	int ring_outside; /* the rings themselves are outside the window (counted once) */
};

struct vq_audit {
	const uint8_t *window; /* the host's mapping of the window */
	uint64_t gpa, size;
	pthread_mutex_t lock; /* one vCPU thread per trapped access stream */
	uint32_t sel;
	struct vq_audit_queue q[VQ_AUDIT_QUEUES];
	uint64_t desc_checked, desc_outside, rings_outside;
	char first_outside[192]; /* the first one, for messages; "" while there is none */
};

struct vq_audit_stats {
	uint64_t desc_checked, desc_outside, rings_outside;
	char first_outside[192];
};

void vq_audit_init(struct vq_audit *a, const void *window, uint64_t gpa, uint64_t size);
void vq_audit_destroy(struct vq_audit *a);
/* A trapped write of value at offset (from the device's base): updates the queue state and,
 * for QueueNotify, walks the queue's new chains. NULL a: nothing. */
void vq_audit_write(struct vq_audit *a, uint64_t offset, uint64_t value);
void vq_audit_get(struct vq_audit *a, struct vq_audit_stats *out);

#endif

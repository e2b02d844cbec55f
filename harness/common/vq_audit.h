/* vq_audit.h - the hypervisor's view of where a frontend's virtio buffers are: it watches the
 * trapped register writes of one virtio-mmio device (queue addresses, QueueNotify, reset) and,
 * on each notify, walks the new split-ring chains in the shared window and counts descriptors
 * whose buffers lie outside it. On Bao those are buffers the backend cannot reach (a frontend
 * without a restricted DMA pool); `run --stats` reports the count. Read-only, bounded, safe
 * against a hostile or racing guest: it only counts. Its two parts - the queue registers from
 * trapped writes, and the bounded chain walker - serve `run --record`'s recorder too. */
#ifndef HARNESS_VQ_AUDIT_H
#define HARNESS_VQ_AUDIT_H

#include <pthread.h>
#include <stdint.h>

#define VQ_AUDIT_QUEUES 16

struct vq_audit_queue {
	uint64_t desc, avail, used; /* guest addresses as written to QueueDesc/Driver/Device */
	uint32_t num;
	uint16_t last;	    /* avail index up to which chains were walked */
	uint16_t last_used; /* used index up to which elements were seen (the recorder's) */
	int ring_outside;   /* the rings themselves are outside the window (counted once) */
};

/* The queue registers as the driver's trapped writes set them (virtio 1.2 §4.2.2). */
struct vq_audit_regs {
	uint32_t sel;
	struct vq_audit_queue q[VQ_AUDIT_QUEUES];
};

struct vq_audit {
	const uint8_t *window; /* the host's mapping of the window */
	uint64_t gpa, size;
	pthread_mutex_t lock; /* one vCPU thread per trapped access stream */
	struct vq_audit_regs regs;
	uint64_t desc_checked, desc_outside, rings_outside;
	char first_outside[192]; /* the first one, for messages; "" while there is none */
};

struct vq_audit_stats {
	uint64_t desc_checked, desc_outside, rings_outside;
	char first_outside[192];
};

/* A write of value to the register at offset from the device's base: QueueSel, QueueNum,
 * QueueReady (1: positions from 0), the ring addresses, Status 0 (every queue forgotten).
 * Pure. */
void vq_audit_regs_write(struct vq_audit_regs *g, uint64_t offset, uint64_t value);
/* Whether q's three rings lie inside [gpa, gpa + size) with a power-of-2 size up to 32768. */
int vq_audit_queue_usable(const struct vq_audit_queue *q, uint64_t gpa, uint64_t size);
/* [addr, addr + len) inside [gpa, gpa + size), without overflow. */
int vq_audit_inside(uint64_t gpa, uint64_t size, uint64_t addr, uint64_t len);
/* An n-byte little-endian value at guest address addr (inside the window: the caller checked). */
uint64_t vq_audit_le(const uint8_t *window, uint64_t gpa, uint64_t addr, unsigned int n);

#define VQ_AUDIT_F_NEXT 1
#define VQ_AUDIT_F_WRITE 2
#define VQ_AUDIT_F_INDIRECT 4
/* What the walker shows: a descriptor entry of the ring's table (16 bytes at gpa), an indirect
 * table (the buffer holding it: walked after, when inside the window and a multiple of 16), a
 * buffer (flags: VQ_AUDIT_F_WRITE for one the device writes). */
enum vq_audit_seen { VQ_AUDIT_SEEN_DESC, VQ_AUDIT_SEEN_TABLE, VQ_AUDIT_SEEN_BUF };
typedef void (*vq_audit_visit)(void *arg, enum vq_audit_seen what, uint64_t gpa, uint32_t len,
			       uint16_t flags);
/* Walk the chain at head of a queue whose table is at desc (num entries) in the window: at
 * most num descriptors (§2.7.5.3.1), an indirect table at most its length and 1024 entries;
 * every descriptor read is bounds-checked (the walk stops at one outside). Read-only. */
void vq_audit_walk(const uint8_t *window, uint64_t gpa, uint64_t size, uint64_t desc, uint32_t num,
		   uint32_t head, vq_audit_visit fn, void *arg);

void vq_audit_init(struct vq_audit *a, const void *window, uint64_t gpa, uint64_t size);
void vq_audit_destroy(struct vq_audit *a);
/* A trapped write of value at offset (from the device's base): updates the queue state and,
 * for QueueNotify, walks the queue's new chains. NULL a: nothing. */
void vq_audit_write(struct vq_audit *a, uint64_t offset, uint64_t value);
void vq_audit_get(struct vq_audit *a, struct vq_audit_stats *out);

#endif

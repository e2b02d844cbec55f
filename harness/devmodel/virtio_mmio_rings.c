/* virtio_mmio_rings.c - validation of a queue's split-ring layout before the backend sees it:
 * the backend trusts these addresses, so a hostile driver must not point them outside the window.
 */
#include <errno.h>
#include <stdio.h>

#include "virtio_mmio.h"

/* [addr, addr + size) inside [base, base + len), computed without overflow. */
static int virtio_mmio_rings_inside(const struct virtio_mmio *m, uint64_t addr, uint64_t size)
{
	uint64_t base = m->p.shmem_addr, len = m->p.shmem_size;

	return addr >= base && size <= len && addr - base <= len - size;
}

static int virtio_mmio_rings_one(const struct virtio_mmio *m, unsigned i, const char *what,
				 uint64_t addr, uint64_t size, uint64_t align, char *why,
				 size_t why_cap)
{
	if (addr & (align - 1)) {
		snprintf(why, why_cap, "queue %u: %s ring 0x%llx not %llu-byte aligned", i, what,
			 (unsigned long long)addr, (unsigned long long)align);
		return -EINVAL;
	}
	if (!virtio_mmio_rings_inside(m, addr, size)) {
		snprintf(
		    why, why_cap,
		    "queue %u: %s ring [0x%llx, +0x%llx) outside shared window [0x%llx, 0x%llx)", i,
		    what, (unsigned long long)addr, (unsigned long long)size,
		    (unsigned long long)m->p.shmem_addr,
		    (unsigned long long)(m->p.shmem_addr + m->p.shmem_size));
		return -EINVAL;
	}
	return 0;
}

int virtio_mmio_rings_check(const struct virtio_mmio *m, unsigned i, struct virtio_dev_queue *out,
			    char *why, size_t why_cap)
{
	const struct virtio_mmio_queue *q = &m->q[i];
	uint64_t n = q->num;
	int rc;

	if (n == 0 || (n & (n - 1)) || n > m->p.queue_num_max) {
		snprintf(why, why_cap, "queue %u: size %u not a power of 2 in [1, %u]", i, q->num,
			 m->p.queue_num_max);
		return -EINVAL;
	}
	/* virtio 1.2 §2.7: descriptor table 16*n aligned 16; driver (avail) ring 6+2n aligned 2;
	 * device (used) ring 6+8n aligned 4, each counting its event-index field. */
	rc = virtio_mmio_rings_one(m, i, "descriptor", q->desc, 16 * n, 16, why, why_cap);
	if (!rc)
		rc = virtio_mmio_rings_one(m, i, "driver", q->avail, 6 + 2 * n, 2, why, why_cap);
	if (!rc)
		rc = virtio_mmio_rings_one(m, i, "device", q->used, 6 + 8 * n, 4, why, why_cap);
	if (rc)
		return rc;
	*out = (struct virtio_dev_queue){
	    .index = i,
	    .num = q->num,
	    .desc_gpa = q->desc,
	    .avail_gpa = q->avail,
	    .used_gpa = q->used,
	    .desc_hva = m->p.shmem_host + (q->desc - m->p.shmem_addr),
	    .avail_hva = m->p.shmem_host + (q->avail - m->p.shmem_addr),
	    .used_hva = m->p.shmem_host + (q->used - m->p.shmem_addr),
	    .kick_fd = -1,
	};
	return 0;
}

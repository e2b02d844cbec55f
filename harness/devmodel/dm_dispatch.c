/* dm_dispatch.c - one Bao I/O request to one virtio-mmio device: route by address, read or
 * write the register file, fill in the value to complete with. */
#include "dm_dispatch.h"

#include "log.h"

void dm_dispatch_request(struct virtio_mmio *m, struct bao_virtio_request *req)
{
	uint64_t off = req->addr - m->p.base;
	uint32_t width = (uint32_t)req->access_width;

	if (req->addr < m->p.base || off >= VIRTIO_MMIO_SIZE || req->access_width > 8) {
		log_warn("dispatch: op %llu at 0x%llx width %llu outside device [0x%llx, 0x%llx); "
			 "read as 0",
			 (unsigned long long)req->op, (unsigned long long)req->addr,
			 (unsigned long long)req->access_width, (unsigned long long)m->p.base,
			 (unsigned long long)(m->p.base + VIRTIO_MMIO_SIZE));
		if (req->op == BAO_IO_READ)
			req->value = 0;
		return;
	}
	switch (req->op) {
	case BAO_IO_READ:
		req->value = mmio_regs_read(m, (uint32_t)off, width);
		log_debug("dispatch: read  0x%03llx/%u -> 0x%llx", (unsigned long long)off, width,
			  (unsigned long long)req->value);
		break;
	case BAO_IO_WRITE:
		log_debug("dispatch: write 0x%03llx/%u <- 0x%llx", (unsigned long long)off, width,
			  (unsigned long long)req->value);
		mmio_regs_write(m, (uint32_t)off, width, (uint32_t)req->value);
		break;
	default:
		log_warn("dispatch: unexpected op %llu at 0x%llx ignored",
			 (unsigned long long)req->op, (unsigned long long)req->addr);
		break;
	}
}

/* bao_dm.h - thin wrappers over Bao's I/O-dispatcher UAPI (bao.h) for one device model:
 * DM_GET_INFO, the window mapping, ATTACH/COMPLETE, and the ioeventfd/irqfd platform hooks. */
#ifndef BAO_DM_H
#define BAO_DM_H

#include <stdint.h>

#include "bao.h"
#include "virtio_mmio.h"

struct bao_dm {
	int dispatcher_fd;	 /* /dev/bao-io-dispatcher */
	struct bao_dm_info info; /* info.fd is the per-DM fd */
	void *shmem;		 /* mapping of the window, info.shmem_size bytes */
};

/* Open the dispatcher, DM_GET_INFO(id), mmap the window. -errno with a logged message. */
int bao_dm_open(struct bao_dm *dm, uint32_t id);
void bao_dm_close(struct bao_dm *dm);

/* Block for the next request (op = BAO_IO_ASK on input). -errno (EINTR, ENODEV, ETIMEDOUT...). */
int bao_dm_attach(struct bao_dm *dm, struct bao_virtio_request *req);
/* Complete req (value filled in for reads). */
int bao_dm_complete(struct bao_dm *dm, const struct bao_virtio_request *req);

/* Platform hooks for virtio_mmio; ctx is the struct bao_dm. */
extern const struct virtio_mmio_platform bao_dm_platform;

#endif

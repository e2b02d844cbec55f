/* bao_dm.c - the device model's only contact with the hypervisor: ioctls on
 * /dev/bao-io-dispatcher and the per-DM fd, exactly as on a real Bao backend VM. */
#include "bao_dm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"

int bao_dm_open(struct bao_dm *dm, uint32_t id)
{
	int e;

	memset(dm, 0, sizeof(*dm));
	dm->info.fd = -1;
	dm->dispatcher_fd = open(BAO_IO_DISPATCHER_PATH, O_RDWR | O_CLOEXEC);
	if (dm->dispatcher_fd < 0) {
		e = errno;
		log_err("bao: open %s failed: %s", BAO_IO_DISPATCHER_PATH, strerror(e));
		return -e;
	}
	dm->info.id = id;
	if (ioctl(dm->dispatcher_fd, BAO_IOCTL_DM_GET_INFO, &dm->info) < 0) {
		e = errno;
		log_err("bao: DM_GET_INFO for device model %u failed: %s", id, strerror(e));
		dm->info.fd = -1;
		goto err_close;
	}
	log_info("bao: dm %u: shmem [0x%llx, +0x%llx) irq %u fd %d", id,
		 (unsigned long long)dm->info.shmem_addr, (unsigned long long)dm->info.shmem_size,
		 dm->info.irq, dm->info.fd);
	if (dm->info.shmem_size == 0 || dm->info.fd < 0) {
		e = EINVAL;
		log_err("bao: dm %u: unusable info: shmem size 0x%llx fd %d", id,
			(unsigned long long)dm->info.shmem_size, dm->info.fd);
		goto err_close;
	}
	dm->shmem = mmap(NULL, (size_t)dm->info.shmem_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 dm->info.fd, 0);
	if (dm->shmem == MAP_FAILED) {
		e = errno;
		dm->shmem = NULL;
		log_err("bao: dm %u: mmap of 0x%llx bytes of the shared window failed: %s", id,
			(unsigned long long)dm->info.shmem_size, strerror(e));
		goto err_close;
	}
	return 0;

err_close:
	bao_dm_close(dm);
	return -e;
}

void bao_dm_close(struct bao_dm *dm)
{
	if (dm->shmem)
		munmap(dm->shmem, (size_t)dm->info.shmem_size);
	dm->shmem = NULL;
	if (dm->info.fd >= 0)
		close(dm->info.fd);
	dm->info.fd = -1;
	if (dm->dispatcher_fd >= 0)
		close(dm->dispatcher_fd);
	dm->dispatcher_fd = -1;
}

int bao_dm_attach(struct bao_dm *dm, struct bao_virtio_request *req)
{
	memset(req, 0, sizeof(*req));
	req->dm_id = dm->info.id;
	req->op = BAO_IO_ASK;
	if (ioctl(dm->info.fd, BAO_IOCTL_IO_CLIENT_ATTACH, req) < 0)
		return -errno;
	return 0;
}

int bao_dm_complete(struct bao_dm *dm, const struct bao_virtio_request *req)
{
	if (ioctl(dm->info.fd, BAO_IOCTL_IO_REQUEST_COMPLETE, req) < 0)
		return -errno;
	return 0;
}

static int bao_dm_ioeventfd(void *ctx, int fd, uint64_t addr, uint64_t datamatch, bool assign)
{
	struct bao_dm *dm = ctx;
	struct bao_ioeventfd io = {
	    .fd = (__u32)fd,
	    .flags = BAO_IOEVENTFD_FLAG_DATAMATCH | (assign ? 0 : BAO_IOEVENTFD_FLAG_DEASSIGN),
	    .addr = addr,
	    .len = 4,
	    .data = datamatch,
	};

	if (ioctl(dm->info.fd, BAO_IOCTL_IOEVENTFD, &io) < 0)
		return -errno;
	return 0;
}

static int bao_dm_irqfd(void *ctx, int fd, bool assign)
{
	struct bao_dm *dm = ctx;
	struct bao_irqfd irq = {.fd = fd, .flags = assign ? 0 : BAO_IRQFD_FLAG_DEASSIGN};

	if (ioctl(dm->info.fd, BAO_IOCTL_IRQFD, &irq) < 0)
		return -errno;
	return 0;
}

const struct virtio_mmio_platform bao_dm_platform = {
    .ioeventfd = bao_dm_ioeventfd,
    .irqfd = bao_dm_irqfd,
};

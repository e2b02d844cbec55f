/* virtio_mmio.h - virtio-mmio version 2 transport (virtio 1.2 §4.2.2). The transport keeps the
 * register state and the status machine; the device behind it is a struct virtio_dev_ops table
 * and the hypervisor hooks (ioeventfd, irqfd) a struct virtio_mmio_platform table. */
#ifndef VIRTIO_MMIO_H
#define VIRTIO_MMIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIRTIO_MMIO_SIZE 0x200
#define VIRTIO_MMIO_MAX_QUEUES 16
#define VIRTIO_MMIO_MAGIC 0x74726976  /* "virt" */
#define VIRTIO_MMIO_VENDOR 0x554d4551 /* "QEMU", as QEMU's own virtio-mmio devices */

/* One started queue as the device sees it: guest-physical ring addresses and the same rings
 * in this process's address space (inside the shared window mapping). */
struct virtio_dev_queue {
	uint32_t index;
	uint32_t num;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	uint64_t desc_hva, avail_hva, used_hva;
	int kick_fd; /* eventfd signalled on QueueNotify(index) */
};

/* The device behind the transport (kvmtool's struct virtio_ops). All return 0 or -errno. */
struct virtio_dev_ops {
	const char *name;
	uint32_t device_id;
	/* Features offered to the driver. */
	uint64_t (*features)(void *dev);
	/* Device config space, offset relative to 0x100; width 1, 2 or 4. */
	int (*config_read)(void *dev, uint32_t offset, uint32_t width, uint32_t *value);
	int (*config_write)(void *dev, uint32_t offset, uint32_t width, uint32_t value);
	/* DRIVER_OK: features negotiated, queues validated; call_fd raises the interrupt. */
	int (*start)(void *dev, uint64_t features, const struct virtio_dev_queue *q, unsigned nq,
		     int call_fd);
	/* Undo start (also after a failed start). */
	void (*stop)(void *dev);
	/* Device reset (Status 0), after stop. */
	void (*reset)(void *dev);
};

/* Hypervisor hooks: on Bao, BAO_IOCTL_IOEVENTFD and BAO_IOCTL_IRQFD. */
struct virtio_mmio_platform {
	int (*ioeventfd)(void *ctx, int fd, uint64_t addr, uint64_t datamatch, bool assign);
	int (*irqfd)(void *ctx, int fd, bool assign);
};

struct virtio_mmio_params {
	uint64_t base;	     /* guest-physical address of the register page */
	uint64_t shmem_addr; /* the shared window every ring must lie in */
	uint64_t shmem_size;
	uint64_t shmem_host; /* where that window is mapped in this process */
	uint32_t queue_num_max;
	unsigned nqueues;
};

struct virtio_mmio_queue {
	uint32_t num;
	uint32_t ready;
	uint64_t desc, avail, used;
	int kick_fd;	/* -1 unless live */
	bool ioeventfd; /* registered with the platform */
};

struct virtio_mmio_broken {
	int code; /* 0 = healthy, else -errno */
	char msg[192];
};

struct virtio_mmio {
	struct virtio_mmio_params p;
	const struct virtio_dev_ops *ops;
	void *dev;
	const struct virtio_mmio_platform *plat;
	void *plat_ctx;

	uint32_t status;
	uint32_t device_features_sel;
	uint32_t driver_features_sel;
	uint64_t driver_features;
	uint32_t queue_sel;
	uint32_t interrupt_status; /* bit 1 only; bit 0 is reported while live */
	uint32_t config_generation;
	struct virtio_mmio_queue q[VIRTIO_MMIO_MAX_QUEUES];
	bool live;    /* start() succeeded */
	bool started; /* start() was called: stop() owed on reset */
	int irq_fd;
	bool irqfd_registered;
	struct virtio_mmio_broken broken;
};

/* Set up m; creates the irq eventfd. -EINVAL for bad params, -errno from eventfd. */
int virtio_mmio_init(struct virtio_mmio *m, const struct virtio_mmio_params *p,
		     const struct virtio_dev_ops *ops, void *dev,
		     const struct virtio_mmio_platform *plat, void *plat_ctx);
/* Reset, deassign the irqfd, close the eventfds. */
void virtio_mmio_destroy(struct virtio_mmio *m);

/* Register accesses at offset (0 .. 0x1ff) from base; width in bytes. Never fail: bad
 * accesses are logged, reads of them return 0. */
uint32_t mmio_regs_read(struct virtio_mmio *m, uint32_t offset, uint32_t width);
void mmio_regs_write(struct virtio_mmio *m, uint32_t offset, uint32_t width, uint32_t value);

/* Status machine and events, called by mmio_regs.c (and main for backend loss). */
void virtio_mmio_write_status(struct virtio_mmio *m, uint32_t value);
void virtio_mmio_notify(struct virtio_mmio *m, uint32_t index);
uint64_t virtio_mmio_device_features(struct virtio_mmio *m);
/* Record the first failure {code, message}, set DEVICE_NEEDS_RESET; sticky until reset. */
void virtio_mmio_set_broken(struct virtio_mmio *m, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The backend went away: broken + NEEDS_RESET + config-change interrupt. */
void virtio_mmio_backend_lost(struct virtio_mmio *m, const char *why);
/* Check queue i (size, alignment, whole rings inside the shared window, no wraparound) and
 * fill out with its guest and host addresses. 0, or -EINVAL with the reason in why. */
int virtio_mmio_rings_check(const struct virtio_mmio *m, unsigned i, struct virtio_dev_queue *out,
			    char *why, size_t why_cap);

#endif

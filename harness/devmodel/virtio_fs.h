/* virtio_fs.h - the virtio-fs device (virtio 1.2 §5.11) as a virtio_dev_ops table whose data
 * plane is a vhost-user backend (virtiofsd): the device model only builds config space,
 * filters features, and hands the rings and eventfds over. */
#ifndef VIRTIO_FS_H
#define VIRTIO_FS_H

#include <stdbool.h>
#include <stdint.h>

#include "vhost_user.h"
#include "virtio_mmio.h"

#define VIRTIO_FS_DEVICE_ID 26
#define VIRTIO_FS_CONFIG_SIZE 40 /* tag[36] + le32 num_request_queues */

struct virtio_fs_params {
	const char *tag;
	uint32_t num_request_queues;
	uint64_t shmem_addr; /* guest-physical base of the shared window */
	uint64_t shmem_size;
	uint64_t shmem_host; /* this process's mapping of it */
	int shmem_fd;	     /* the per-DM fd, passed to the backend in SET_MEM_TABLE */
};

struct virtio_fs {
	struct vhost_user *vu; /* connected and handshaken; not owned */
	struct virtio_fs_params p;
	uint8_t config[VIRTIO_FS_CONFIG_SIZE];
	bool ring_started[VIRTIO_MMIO_MAX_QUEUES];
	bool backend_gone; /* the backend hung up: stop() sends nothing (set by the owner) */
};

extern const struct virtio_dev_ops virtio_fs_ops;

/* Bind to a handshaken backend; checks it can serve 1 + num_request_queues queues and builds
 * the config space (the backend's own if it offers the CONFIG protocol feature). */
int virtio_fs_init(struct virtio_fs *fs, struct vhost_user *vu, const struct virtio_fs_params *p);

/* Features offered to the driver for these backend features: VERSION_1 | ACCESS_PLATFORM |
 * backend minus LOG_ALL and PROTOCOL_FEATURES (vhost-user internals). */
uint64_t virtio_fs_offered_features(uint64_t backend);
/* Features to SET on the backend for what the driver negotiated: minus ACCESS_PLATFORM (the
 * backend reads the window directly) plus PROTOCOL_FEATURES when the backend offered it. */
uint64_t virtio_fs_backend_features(uint64_t negotiated, uint64_t backend);

#endif

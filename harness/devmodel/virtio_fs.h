/* virtio_fs.h - the virtio-fs device (virtio 1.2 §5.11) as a virtio_dev_ops table whose data
 * plane is a vhost-user backend (virtiofsd): the device model only builds config space,
 * filters features, and hands the rings and eventfds over. */
#ifndef VIRTIO_FS_H
#define VIRTIO_FS_H

#include <stdbool.h>
#include <stdint.h>

#include "mut_relay.h"
#include "vhost_user.h"
#include "virtio_fs_config.h"
#include "virtio_mmio.h"

#define VIRTIO_FS_DEVICE_ID 26

struct virtio_fs_params {
	const char *tag;	     /* config-fs.yaml's (or the default); a backend's overrides */
	uint32_t num_request_queues; /* likewise */
	uint64_t shmem_addr;	     /* guest-physical base of the shared window */
	uint64_t shmem_size;
	uint64_t shmem_host; /* this process's mapping of it */
	int shmem_fd;	     /* the per-DM fd, passed to the backend in SET_MEM_TABLE */
};

struct virtio_fs {
	struct vhost_user *vu; /* connected and handshaken; not owned */
	struct virtio_fs_params p;
	uint8_t config[VIRTIO_FS_CONFIG_SIZE]; /* what the driver reads at 0x100 */
	struct virtio_fs_config cfg;	       /* the same, decoded: tag, request queues */
	bool config_from_backend;	       /* VHOST_USER_GET_CONFIG supplied it */
	bool ring_started[VIRTIO_MMIO_MAX_QUEUES];
	bool backend_gone; /* the backend hung up: stop() sends nothing (set by the owner) */
	/* Mutation mode (--mutate-replies, set by the owner after init): virtiofsd signals the
	 * relay, which mutates replies and then raises the interrupt. NULL: never. */
	struct mut_relay *relay;
};

extern const struct virtio_dev_ops virtio_fs_ops;

/* Bind to a handshaken backend. The config space is the backend's own when it offers
 * VHOST_USER_PROTOCOL_F_CONFIG (the Rust virtiofsd with --tag: tag and num_request_queues
 * from VHOST_USER_GET_CONFIG, checked), else built from p. Then the backend must serve hiprio
 * + num_request_queues queues: more than one request queue needs PROTOCOL_F_MQ and a
 * GET_QUEUE_NUM that large. 0, -EINVAL (bad p, too few queues), -EPROTO (malformed config
 * space), or the GET_CONFIG error; each logged naming virtiofsd and what it said. */
int virtio_fs_init(struct virtio_fs *fs, struct vhost_user *vu, const struct virtio_fs_params *p);
/* Queues the transport exposes: 1 hiprio + the config space's num_request_queues. */
unsigned virtio_fs_num_queues(const struct virtio_fs *fs);

/* Features offered to the driver for these backend features: VERSION_1 | ACCESS_PLATFORM |
 * backend minus LOG_ALL and PROTOCOL_FEATURES (vhost-user internals). */
uint64_t virtio_fs_offered_features(uint64_t backend);
/* Features to SET on the backend for what the driver negotiated: minus ACCESS_PLATFORM (the
 * backend reads the window directly) plus PROTOCOL_FEATURES when the backend offered it. */
uint64_t virtio_fs_backend_features(uint64_t negotiated, uint64_t backend);

#endif

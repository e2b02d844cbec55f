/* virtio_fs.c - virtio-fs device ops over vhost-user: DRIVER_OK becomes SET_FEATURES,
 * SET_MEM_TABLE and the per-ring messages; reset becomes GET_VRING_BASE on each started ring. */
#include "virtio_fs.h"

#include <errno.h>
#include <linux/virtio_config.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

uint64_t virtio_fs_offered_features(uint64_t backend)
{
	uint64_t hidden = (1ULL << VHOST_F_LOG_ALL) | (1ULL << VHOST_USER_F_PROTOCOL_FEATURES);

	return (backend & ~hidden) | (1ULL << VIRTIO_F_VERSION_1) |
	       (1ULL << VIRTIO_F_ACCESS_PLATFORM);
}

uint64_t virtio_fs_backend_features(uint64_t negotiated, uint64_t backend)
{
	uint64_t f = negotiated & ~(1ULL << VIRTIO_F_ACCESS_PLATFORM);

	return f | (backend & (1ULL << VHOST_USER_F_PROTOCOL_FEATURES));
}

static uint64_t virtio_fs_features(void *dev)
{
	struct virtio_fs *fs = dev;

	return virtio_fs_offered_features(fs->vu->features);
}

static int virtio_fs_config_read(void *dev, uint32_t offset, uint32_t width, uint32_t *value)
{
	struct virtio_fs *fs = dev;
	uint32_t v = 0, i;

	if (offset >= VIRTIO_FS_CONFIG_SIZE || width > VIRTIO_FS_CONFIG_SIZE - offset)
		return -EINVAL;
	/* Config space is little-endian (virtio 1.2 §2.5). */
	for (i = 0; i < width; i++)
		v |= (uint32_t)fs->config[offset + i] << (8 * i);
	*value = v;
	return 0;
}

/* virtio-fs config is read-only for the driver. */
static int virtio_fs_config_write(void *dev, uint32_t offset, uint32_t width, uint32_t value)
{
	(void)dev;
	log_warn("virtio-fs: driver wrote 0x%x to read-only config offset %u width %u", value,
		 offset, width);
	return 0;
}

static int virtio_fs_start_ring(struct virtio_fs *fs, const struct virtio_dev_queue *q, int call_fd,
				bool enable)
{
	struct vhost_user_vring_addr a = {
	    .index = q->index,
	    .desc_user_addr = q->desc_hva,
	    .used_user_addr = q->used_hva,
	    .avail_user_addr = q->avail_hva,
	};
	int rc;

	rc = vhost_user_set_vring_num(fs->vu, q->index, q->num);
	if (!rc)
		rc = vhost_user_set_vring_base(fs->vu, q->index, 0);
	if (!rc)
		rc = vhost_user_set_vring_addr(fs->vu, &a);
	if (!rc)
		rc = vhost_user_set_vring_call(fs->vu, q->index, call_fd);
	if (!rc)
		rc = vhost_user_set_vring_kick(fs->vu, q->index, q->kick_fd);
	if (rc)
		return rc;
	/* The backend's queue thread runs from SET_VRING_KICK on: GET_VRING_BASE is owed. */
	fs->ring_started[q->index] = true;
	if (enable)
		rc = vhost_user_set_vring_enable(fs->vu, q->index, true);
	return rc;
}

static int virtio_fs_start(void *dev, uint64_t features, const struct virtio_dev_queue *q,
			   unsigned nq, int call_fd)
{
	struct virtio_fs *fs = dev;
	uint64_t bf = virtio_fs_backend_features(features, fs->vu->features);
	struct vhost_user_mem_region r = {
	    .guest_phys_addr = fs->p.shmem_addr,
	    .memory_size = fs->p.shmem_size,
	    .userspace_addr = fs->p.shmem_host,
	    .mmap_offset = 0,
	};
	unsigned i;
	int rc;

	log_info("virtio-fs: starting backend: features 0x%llx, %u ring(s)", (unsigned long long)bf,
		 nq);
	rc = vhost_user_set_features(fs->vu, bf);
	if (!rc)
		rc = vhost_user_set_mem_table(fs->vu, &r, &fs->p.shmem_fd, 1);
	for (i = 0; !rc && i < nq; i++) {
		if (q[i].index > fs->p.num_request_queues) {
			log_err("virtio-fs: queue %u beyond 1 + %u request queue(s)", q[i].index,
				fs->p.num_request_queues);
			return -EINVAL;
		}
		rc = virtio_fs_start_ring(fs, &q[i], call_fd,
					  bf & (1ULL << VHOST_USER_F_PROTOCOL_FEATURES));
	}
	return rc;
}

static void virtio_fs_stop(void *dev)
{
	struct virtio_fs *fs = dev;
	uint32_t base;
	unsigned i;

	for (i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++) {
		if (!fs->ring_started[i])
			continue;
		fs->ring_started[i] = false;
		if (fs->vu->fd < 0 || fs->backend_gone) {
			log_debug("virtio-fs: ring %u not stopped: backend already gone", i);
			continue;
		}
		if (vhost_user_get_vring_base(fs->vu, i, &base) == 0)
			log_info("virtio-fs: ring %u stopped at avail index %u", i, base);
	}
}

static void virtio_fs_reset(void *dev)
{
	struct virtio_fs *fs = dev;

	memset(fs->ring_started, 0, sizeof(fs->ring_started));
}

const struct virtio_dev_ops virtio_fs_ops = {
    .name = "virtio-fs",
    .device_id = VIRTIO_FS_DEVICE_ID,
    .features = virtio_fs_features,
    .config_read = virtio_fs_config_read,
    .config_write = virtio_fs_config_write,
    .start = virtio_fs_start,
    .stop = virtio_fs_stop,
    .reset = virtio_fs_reset,
};

int virtio_fs_init(struct virtio_fs *fs, struct vhost_user *vu, const struct virtio_fs_params *p)
{
	uint32_t nrq = p->num_request_queues;
	size_t tlen = strlen(p->tag);

	memset(fs, 0, sizeof(*fs));
	fs->vu = vu;
	fs->p = *p;
	if (tlen == 0 || tlen > 36 || nrq == 0 || 1 + nrq > VIRTIO_MMIO_MAX_QUEUES) {
		log_err("virtio-fs: bad parameters: tag '%s', %u request queue(s)", p->tag, nrq);
		return -EINVAL;
	}
	if (vu->queue_num && 1 + nrq > vu->queue_num) {
		log_err("virtio-fs: %u request queue(s) need %u queues but the backend serves %llu",
			nrq, 1 + nrq, (unsigned long long)vu->queue_num);
		return -EINVAL;
	}
	memcpy(fs->config, p->tag, tlen);
	fs->config[36] = (uint8_t)nrq;
	fs->config[37] = (uint8_t)(nrq >> 8);
	fs->config[38] = (uint8_t)(nrq >> 16);
	fs->config[39] = (uint8_t)(nrq >> 24);
	if (vu->protocol_acked & (1ULL << VHOST_USER_PROTOCOL_F_CONFIG)) {
		/* The demo's Rust virtiofsd owns the tag (--tag): take it, keep our queue count,
		 * which is what the transport exposes. */
		uint8_t cfg[VIRTIO_FS_CONFIG_SIZE];

		if (vhost_user_get_config(vu, 0, sizeof(cfg), cfg) == 0) {
			memcpy(fs->config, cfg, 36);
			log_info("virtio-fs: tag '%.36s' from the backend's config space",
				 (const char *)cfg);
		}
	}
	return 0;
}

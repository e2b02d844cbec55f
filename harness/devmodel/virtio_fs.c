/* virtio_fs.c - virtio-fs device ops over vhost-user: the config space (ours or the backend's),
 * DRIVER_OK becomes SET_FEATURES, SET_MEM_TABLE and the per-ring messages for hiprio and every
 * request queue; reset becomes GET_VRING_BASE on each started ring. */
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
	if (fs->relay) {
		call_fd = mut_relay_start(fs->relay, (uint8_t *)(uintptr_t)fs->p.shmem_host,
					  fs->p.shmem_addr, fs->p.shmem_size, q, nq, call_fd);
		if (call_fd < 0)
			return call_fd;
	}
	rc = vhost_user_set_features(fs->vu, bf);
	if (!rc)
		rc = vhost_user_set_mem_table(fs->vu, &r, &fs->p.shmem_fd, 1);
	for (i = 0; !rc && i < nq; i++) {
		if (q[i].index > fs->cfg.num_request_queues) {
			log_err("virtio-fs: queue %u beyond 1 + %u request queue(s)", q[i].index,
				fs->cfg.num_request_queues);
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

	if (fs->relay)
		mut_relay_stop(fs->relay);
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

_Static_assert(1 + VIRTIO_FS_MAX_REQUEST_QUEUES <= VIRTIO_MMIO_MAX_QUEUES,
	       "request queues beyond the transport's queues");

/* The backend's config space (VHOST_USER_GET_CONFIG), checked before the driver sees it. */
static int virtio_fs_backend_config(struct virtio_fs *fs)
{
	char why[160];
	int rc;

	rc = vhost_user_get_config(fs->vu, 0, VIRTIO_FS_CONFIG_SIZE, fs->config);
	if (rc) {
		log_err("virtio-fs: virtiofsd (%s) offers VHOST_USER_PROTOCOL_F_CONFIG but its "
			"VHOST_USER_GET_CONFIG failed: %s",
			fs->vu->path, strerror(-rc));
		return rc;
	}
	rc = virtio_fs_config_parse(fs->config, sizeof(fs->config), &fs->cfg, why, sizeof(why));
	if (rc) {
		log_err("virtio-fs: malformed config space from virtiofsd (%s, "
			"VHOST_USER_GET_CONFIG): %s",
			fs->vu->path, why);
		return -EPROTO;
	}
	fs->config_from_backend = true;
	log_info("virtio-fs: tag '%s', %u request queue(s) from virtiofsd's config space",
		 fs->cfg.tag, fs->cfg.num_request_queues);
	if (strcmp(fs->cfg.tag, fs->p.tag) ||
	    fs->cfg.num_request_queues != fs->p.num_request_queues)
		log_warn("virtio-fs: config-fs.yaml's tag '%s' and %u request queue(s) not used: "
			 "virtiofsd (%s) supplies its own config space",
			 fs->p.tag, fs->p.num_request_queues, fs->vu->path);
	return 0;
}

/* virtio-fs queue 0 is hiprio, 1..N the request queues (virtio 1.2 §5.11.2): the backend
 * must serve all of them. Without MQ a vhost-user backend serves the device's default, which
 * for virtio-fs is hiprio + 1. */
static int virtio_fs_check_queues(const struct virtio_fs *fs)
{
	const struct vhost_user *vu = fs->vu;
	uint32_t nrq = fs->cfg.num_request_queues;

	if (nrq > 1 && !(vu->protocol_acked & (1ULL << VHOST_USER_PROTOCOL_F_MQ))) {
		log_err(
		    "virtio-fs: %u request queues need VHOST_USER_PROTOCOL_F_MQ, which virtiofsd "
		    "(%s) does not offer: it serves hiprio + 1 request queue (set "
		    "num_request_queues: 1)",
		    nrq, vu->path);
		return -EINVAL;
	}
	if (vu->queue_num && 1 + nrq > vu->queue_num) {
		log_err("virtio-fs: %u request queue(s) need %u queues (hiprio + %u) but virtiofsd "
			"(%s) serves %llu (GET_QUEUE_NUM)%s",
			nrq, 1 + nrq, nrq, vu->path, (unsigned long long)vu->queue_num,
			fs->config_from_backend ? ": its own config space contradicts it"
						: ": lower num_request_queues in config-fs.yaml");
		return -EINVAL;
	}
	return 0;
}

int virtio_fs_init(struct virtio_fs *fs, struct vhost_user *vu, const struct virtio_fs_params *p)
{
	int rc;

	memset(fs, 0, sizeof(*fs));
	fs->vu = vu;
	fs->p = *p;
	if (virtio_fs_config_build(p->tag, p->num_request_queues, fs->config) ||
	    virtio_fs_config_parse(fs->config, sizeof(fs->config), &fs->cfg, NULL, 0)) {
		log_err("virtio-fs: bad parameters: tag '%s', %u request queue(s) (want 1..%d "
			"printable bytes, 1..%d queues)",
			p->tag, p->num_request_queues, VIRTIO_FS_TAG_MAX,
			VIRTIO_FS_MAX_REQUEST_QUEUES);
		return -EINVAL;
	}
	if (vu->protocol_acked & (1ULL << VHOST_USER_PROTOCOL_F_CONFIG)) {
		rc = virtio_fs_backend_config(fs);
		if (rc)
			return rc;
	}
	return virtio_fs_check_queues(fs);
}

unsigned virtio_fs_num_queues(const struct virtio_fs *fs)
{
	return 1 + fs->cfg.num_request_queues;
}

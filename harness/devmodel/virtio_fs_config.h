/* virtio_fs_config.h - the virtio-fs device config space (virtio 1.2 §5.11.4): tag[36], UTF-8,
 * NUL-padded, then le32 num_request_queues. Built from config-fs.yaml values, or parsed from a
 * backend's VHOST_USER_GET_CONFIG answer - untrusted bytes, so a pure function (fuzz target). */
#ifndef VIRTIO_FS_CONFIG_H
#define VIRTIO_FS_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define VIRTIO_FS_CONFIG_SIZE 40 /* tag[36] + le32 num_request_queues */
#define VIRTIO_FS_TAG_MAX 36
/* 1 hiprio + 15 request queues = the transport's 16 (VIRTIO_MMIO_MAX_QUEUES). */
#define VIRTIO_FS_MAX_REQUEST_QUEUES 15

/* A config space as the device model reads it. */
struct virtio_fs_config {
	char tag[VIRTIO_FS_TAG_MAX + 1]; /* NUL-terminated copy */
	uint32_t num_request_queues;
};

/* Lay out tag (1..36 bytes, no control characters) and nrq (1..15) as the driver reads them.
 * 0 or -EINVAL. */
int virtio_fs_config_build(const char *tag, uint32_t nrq, uint8_t out[VIRTIO_FS_CONFIG_SIZE]);

/* Check len bytes of a config space: exactly 40 bytes, a non-empty tag of printable bytes
 * padded with NULs to the end of its field (no NUL needed when it fills all 36), and
 * num_request_queues in 1..15. Fills out; 0, or -EINVAL with the reason (which byte, which
 * value) in why. Pure. */
int virtio_fs_config_parse(const uint8_t *buf, size_t len, struct virtio_fs_config *out, char *why,
			   size_t why_cap);

#endif

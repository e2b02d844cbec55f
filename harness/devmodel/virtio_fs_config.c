/* virtio_fs_config.c - the virtio-fs config space: built from our values, or checked when a
 * backend (the Rust virtiofsd started with --tag) supplies it. Pure. */
#include "virtio_fs_config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 3, 4))) static int virtio_fs_config_fail(char *why, size_t cap,
								       const char *fmt, ...)
{
	va_list ap;

	if (why && cap) {
		va_start(ap, fmt);
		vsnprintf(why, cap, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Linux refuses a tag with a newline (virtio_fs_read_tag); no control character is useful in
 * a mount name or a log line. Bytes >= 0x80 are UTF-8 and pass. */
static int virtio_fs_config_tag_byte_ok(uint8_t c)
{
	return c >= 0x20 && c != 0x7f;
}

int virtio_fs_config_build(const char *tag, uint32_t nrq, uint8_t out[VIRTIO_FS_CONFIG_SIZE])
{
	size_t len = strlen(tag), i;

	if (len == 0 || len > VIRTIO_FS_TAG_MAX || nrq == 0 || nrq > VIRTIO_FS_MAX_REQUEST_QUEUES)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!virtio_fs_config_tag_byte_ok((uint8_t)tag[i]))
			return -EINVAL;
	memset(out, 0, VIRTIO_FS_CONFIG_SIZE);
	memcpy(out, tag, len);
	/* Config space is little-endian (virtio 1.2 §2.5). */
	out[36] = (uint8_t)nrq;
	out[37] = (uint8_t)(nrq >> 8);
	out[38] = (uint8_t)(nrq >> 16);
	out[39] = (uint8_t)(nrq >> 24);
	return 0;
}

int virtio_fs_config_parse(const uint8_t *buf, size_t len, struct virtio_fs_config *out, char *why,
			   size_t why_cap)
{
	size_t tlen, i;
	uint32_t nrq;

	memset(out, 0, sizeof(*out));
	if (len != VIRTIO_FS_CONFIG_SIZE)
		return virtio_fs_config_fail(why, why_cap, "config space is %zu bytes, want %d",
					     len, VIRTIO_FS_CONFIG_SIZE);
	for (tlen = 0; tlen < VIRTIO_FS_TAG_MAX && buf[tlen]; tlen++)
		if (!virtio_fs_config_tag_byte_ok(buf[tlen]))
			return virtio_fs_config_fail(why, why_cap,
						     "tag byte %zu is control character 0x%02x",
						     tlen, buf[tlen]);
	if (tlen == 0)
		return virtio_fs_config_fail(why, why_cap, "tag is empty (byte 0 is NUL)");
	/* virtio 1.2 §5.11.4: "padded with NUL bytes if shorter than the available space". */
	for (i = tlen; i < VIRTIO_FS_TAG_MAX; i++)
		if (buf[i])
			return virtio_fs_config_fail(
			    why, why_cap,
			    "tag not NUL-padded: byte %zu is 0x%02x after the NUL at byte %zu", i,
			    buf[i], tlen);
	nrq = (uint32_t)buf[36] | (uint32_t)buf[37] << 8 | (uint32_t)buf[38] << 16 |
	      (uint32_t)buf[39] << 24;
	if (nrq == 0 || nrq > VIRTIO_FS_MAX_REQUEST_QUEUES)
		return virtio_fs_config_fail(why, why_cap,
					     "num_request_queues %u not in [1, %d] (1 hiprio + "
					     "%d request queues is the transport's limit)",
					     nrq, VIRTIO_FS_MAX_REQUEST_QUEUES,
					     VIRTIO_FS_MAX_REQUEST_QUEUES);
	memcpy(out->tag, buf, tlen);
	out->tag[tlen] = '\0';
	out->num_request_queues = nrq;
	return 0;
}

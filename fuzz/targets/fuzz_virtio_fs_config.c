/* fuzz_virtio_fs_config.c - libFuzzer target: a virtio-fs config space as a backend's
 * VHOST_USER_GET_CONFIG answer could carry it (virtio_fs_config_parse). Oracle: whatever is
 * accepted is a tag of 1..36 printable bytes and 1..15 request queues that lay out to exactly
 * the bytes given (virtio_fs_config_build round trip). */
#include <string.h>

#include "fuzz_input.h"
#include "log.h"
#include "virtio_fs_config.h"

FUZZ_QUIET_INIT()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t again[VIRTIO_FS_CONFIG_SIZE];
	struct virtio_fs_config cfg;
	char why[160] = "";
	uint8_t *buf = fuzz_input_dup(data, size);
	size_t tlen;

	if (!buf)
		return 0;
	if (virtio_fs_config_parse(buf, size, &cfg, why, sizeof(why)) == 0) {
		tlen = strnlen(cfg.tag, sizeof(cfg.tag));
		FUZZ_CHECK(size == VIRTIO_FS_CONFIG_SIZE, "accepted %zu bytes", size);
		FUZZ_CHECK(tlen >= 1 && tlen <= VIRTIO_FS_TAG_MAX, "tag length %zu", tlen);
		FUZZ_CHECK(cfg.num_request_queues >= 1 &&
			       cfg.num_request_queues <= VIRTIO_FS_MAX_REQUEST_QUEUES,
			   "num_request_queues %u", cfg.num_request_queues);
		FUZZ_CHECK(virtio_fs_config_build(cfg.tag, cfg.num_request_queues, again) == 0,
			   "accepted config does not build");
		FUZZ_CHECK(!memcmp(again, buf, VIRTIO_FS_CONFIG_SIZE), "round trip differs");
	} else {
		FUZZ_CHECK(why[0] && memchr(why, '\0', sizeof(why)), "refused without a reason");
	}
	free(buf);
	return 0;
}

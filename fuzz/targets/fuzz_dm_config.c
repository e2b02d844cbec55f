/* fuzz_dm_config.c - libFuzzer target: the device model's config-fs.yaml parser (dm_config_parse,
 * libyaml underneath), its warnings, and the socket path built from each parsed device. */
#include <string.h>

#include "dm_config.h"
#include "fuzz_input.h"
#include "log.h"

FUZZ_QUIET_INIT()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dm_config cfg;
	struct dm_config_error err;
	char sock[DM_CONFIG_PATH_MAX + 32];
	uint8_t *buf = fuzz_input_dup(data, size);
	unsigned i;

	if (!buf)
		return 0;
	memset(&err, 0, sizeof(err));
	if (dm_config_parse((const char *)buf, size, &cfg, &err) == 0) {
		FUZZ_CHECK(cfg.ndevices <= DM_CONFIG_MAX_DEVICES, "ndevices %u", cfg.ndevices);
		for (i = 0; i < cfg.ndevices; i++) {
			const struct dm_device_config *d = &cfg.dev[i];

			FUZZ_CHECK(memchr(d->socket_path, '\0', sizeof(d->socket_path)),
				   "socket_path unterminated");
			FUZZ_CHECK(memchr(d->tag, '\0', sizeof(d->tag)), "tag unterminated");
			FUZZ_CHECK(d->queue_size >= 1 && d->queue_size <= DM_CONFIG_QUEUE_SIZE_MAX,
				   "queue_size %u", d->queue_size);
			FUZZ_CHECK(d->num_request_queues <= DM_CONFIG_MAX_REQUEST_QUEUES,
				   "num_request_queues %u", d->num_request_queues);
			if (dm_config_socket(d, sock, sizeof(sock)) == 0)
				FUZZ_CHECK(strlen(sock) < sizeof(sock), "socket");
			(void)dm_config_socket(d, sock, 8);
		}
	} else {
		FUZZ_CHECK(memchr(err.msg, '\0', sizeof(err.msg)), "error message unterminated");
		FUZZ_CHECK(cfg.ndevices == 0, "%u devices left after an error", cfg.ndevices);
	}
	FUZZ_CHECK(cfg.nwarnings <= DM_CONFIG_MAX_WARNINGS, "nwarnings %u", cfg.nwarnings);
	for (i = 0; i < cfg.nwarnings; i++)
		FUZZ_CHECK(memchr(cfg.warnings[i].msg, '\0', sizeof(cfg.warnings[i].msg)) &&
			       cfg.warnings[i].line > 0,
			   "warning %u", i);
	free(buf);
	return 0;
}

/* dm_config.h - bao-virtio-dm's config-fs.yaml: a `devices:` list of maps, parsed with libyaml
 * from a buffer by a pure function (a fuzz target) into fixed-size structs with defaults
 * applied; keys the harness does not use come back as warnings. */
#ifndef DM_CONFIG_H
#define DM_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define DM_CONFIG_MAX_DEVICES 16 /* BAO_IO_MAX_DMS */
#define DM_CONFIG_TAG_MAX 36	 /* virtio_fs_config.tag */
#define DM_CONFIG_PATH_MAX 108	 /* sockaddr_un.sun_path, NUL included */
#define DM_CONFIG_QUEUE_SIZE_MAX 32768
#define DM_CONFIG_MAX_REQUEST_QUEUES 15 /* 1 hiprio + 15 = 16 queues */
#define DM_CONFIG_FILE_MAX (64 * 1024)
#define DM_CONFIG_MAX_WARNINGS 8

struct dm_device_config {
	uint32_t id;
	uint64_t mmio_addr;
	char type[8];	     /* "fs" */
	char data_plane[16]; /* "vhost_user" */
	char socket_path[DM_CONFIG_PATH_MAX];
	char tag[DM_CONFIG_TAG_MAX + 1];
	uint32_t queue_size;	     /* default 1024 */
	uint32_t num_request_queues; /* default 1 */
	int line;		     /* line of the list item, for messages */
};

/* Something serde_yaml would accept that the harness ignores: an unknown key, a merge key. */
struct dm_config_warning {
	int line;
	char msg[192]; /* "config line N: ..." */
};

struct dm_config {
	unsigned ndevices;
	struct dm_device_config dev[DM_CONFIG_MAX_DEVICES];
	unsigned nwarnings;	   /* in file order */
	unsigned warnings_dropped; /* beyond DM_CONFIG_MAX_WARNINGS */
	struct dm_config_warning warnings[DM_CONFIG_MAX_WARNINGS];
};

struct dm_config_error {
	int line; /* 1-based; 0 when not tied to a line */
	char msg[256];
};

/* Parse len bytes of YAML (no NUL needed) with libyaml. Pure: touches only cfg and err.
 * Returns 0 (cfg->warnings lists keys ignored), or -EINVAL with err->line and err->msg
 * naming the line and key (ndevices 0). */
int dm_config_parse(const char *buf, size_t len, struct dm_config *cfg,
		    struct dm_config_error *err);

/* Read FILE (at most DM_CONFIG_FILE_MAX bytes) and parse it. -errno if unreadable. */
int dm_config_load(const char *path, struct dm_config *cfg, struct dm_config_error *err);

/* socket_path + "Fs" + id + ".sock" into out. -ENAMETOOLONG if it does not fit. */
int dm_config_socket(const struct dm_device_config *dev, char *out, size_t cap);

#endif

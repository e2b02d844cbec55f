/* fake_vhost_backend.h - test-only: a vhost-user backend on a thread at the far end of a
 * socketpair. It answers the handshake with the features, queue count and config space a test
 * sets (or refuses GET_CONFIG, or sends a malformed one), acks every NEED_REPLY, and records
 * which ring messages reached which queue - enough to drive virtio_fs over it. */
#ifndef FAKE_VHOST_BACKEND_H
#define FAKE_VHOST_BACKEND_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vhost_user.h"

#define FAKE_VHOST_QUEUES 16

/* Per queue index: how many of each ring message arrived. */
struct fake_vhost_ring {
	unsigned num, base, addr, kick, call, enable, get_base;
	uint32_t size;	 /* last SET_VRING_NUM */
	bool enabled;	 /* last SET_VRING_ENABLE */
	bool kick_fd_ok; /* SET_VRING_KICK carried an fd */
	int kick_fd;	 /* that fd, kept open until fake_vhost_backend_stop */
};

struct fake_vhost_backend {
	/* What it answers; set before fake_vhost_backend_start. */
	uint64_t features;
	uint64_t protocol_features;
	uint64_t queue_num;
	uint8_t config[64];
	uint32_t config_len;  /* bytes of config it has; GET_CONFIG past it gets zeros */
	bool refuse_config;   /* answer GET_CONFIG with size 0, as the vhost crate does */
	bool config_bad_echo; /* answer GET_CONFIG for another offset */

	/* What it saw; read after fake_vhost_backend_stop. */
	uint64_t protocol_acked;
	uint64_t features_set;
	unsigned get_config_calls, mem_tables, unknown;
	struct fake_vhost_ring ring[FAKE_VHOST_QUEUES];

	/* private */
	int fd;
	pthread_t thread;
	bool running;
};

/* Connect vu to a new fake (vu->fd, timeout 2 s, path "fake-virtiofsd") and start serving.
 * 0 or -errno. */
int fake_vhost_backend_start(struct fake_vhost_backend *b, struct vhost_user *vu);
/* Close vu's end (if still open), wait for the backend thread to see the hang-up and end.
 * Does nothing unless started (safe to call twice). */
void fake_vhost_backend_stop(struct fake_vhost_backend *b, struct vhost_user *vu);

#endif

/* vhost_user.h - vhost-user frontend (client) over a unix socket: one message at a time,
 * fds by SCM_RIGHTS, every reply wait bounded. Talks to virtiofsd; knows nothing of virtio-mmio. */
#ifndef VHOST_USER_H
#define VHOST_USER_H

#include <stdbool.h>
#include <stdint.h>

#include "vhost_user_msg.h"

#define VHOST_USER_TIMEOUT_MS 5000
#define VHOST_USER_CONNECT_MS 10000
#define VHOST_USER_RECONNECT_MS 5000 /* after the backend was lost, at the next device reset */

struct vhost_user {
	int fd;			    /* -1 when closed */
	int timeout_ms;		    /* per reply */
	uint64_t features;	    /* GET_FEATURES */
	uint64_t protocol_features; /* offered by the backend */
	uint64_t protocol_acked;    /* what we SET */
	uint64_t queue_num;	    /* GET_QUEUE_NUM, 0 if MQ not offered */
	bool reply_ack;		    /* REPLY_ACK negotiated: setup messages carry NEED_REPLY */
	char path[108];
};

/* Connect to path, retrying ENOENT/ECONNREFUSED every 50 ms for up to connect_ms.
 * -ETIMEDOUT (message logged) when it never appears. */
int vhost_user_connect(struct vhost_user *vu, const char *path, int connect_ms);
/* Close the socket; the backend sees the hang-up. Idempotent. */
void vhost_user_close(struct vhost_user *vu);

/* GET_FEATURES, GET/SET_PROTOCOL_FEATURES (acks MQ, REPLY_ACK, CONFIG if offered),
 * GET_QUEUE_NUM when MQ, SET_OWNER. Fills vu->features etc. */
int vhost_user_handshake(struct vhost_user *vu);

int vhost_user_get_features(struct vhost_user *vu, uint64_t *features);
int vhost_user_set_features(struct vhost_user *vu, uint64_t features);
int vhost_user_get_protocol_features(struct vhost_user *vu, uint64_t *features);
int vhost_user_set_protocol_features(struct vhost_user *vu, uint64_t features);
int vhost_user_set_owner(struct vhost_user *vu);
int vhost_user_get_queue_num(struct vhost_user *vu, uint64_t *num);
/* One region per entry, fds[i] the mmap-able fd of region i. */
int vhost_user_set_mem_table(struct vhost_user *vu, const struct vhost_user_mem_region *r,
			     const int *fds, unsigned n);
int vhost_user_set_vring_num(struct vhost_user *vu, uint32_t index, uint32_t num);
int vhost_user_set_vring_base(struct vhost_user *vu, uint32_t index, uint32_t base);
int vhost_user_set_vring_addr(struct vhost_user *vu, const struct vhost_user_vring_addr *addr);
int vhost_user_set_vring_call(struct vhost_user *vu, uint32_t index, int fd);
int vhost_user_set_vring_kick(struct vhost_user *vu, uint32_t index, int fd);
int vhost_user_set_vring_enable(struct vhost_user *vu, uint32_t index, bool enable);
/* Stops the ring in the backend; *base = its last avail index. */
int vhost_user_get_vring_base(struct vhost_user *vu, uint32_t index, uint32_t *base);
/* Only valid when the CONFIG protocol feature was acked: -ENOTSUP otherwise. */
int vhost_user_get_config(struct vhost_user *vu, uint32_t offset, uint32_t size, uint8_t *out);

#endif

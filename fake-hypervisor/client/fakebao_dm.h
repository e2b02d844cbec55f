/* fakebao_dm.h - the device model's end of fakebao: what Bao's io-dispatcher driver does for a
 * backend VM, done over fakebao's socket and control page. bao_preload maps the UAPI onto it. */
#ifndef FAKEBAO_DM_H
#define FAKEBAO_DM_H

#include <pthread.h>

#include "bao.h"
#include "fakebao_shm.h"

struct fakebao_dm_conn {
	int sock;
	struct fakebao_shm *shm;
	pthread_mutex_t lock;		/* one control request at a time */
	int spin_us;			/* poll for requests this long before sleeping */
	int doorbell[FAKEBAO_MAX_DMS];	/* request doorbells, fetched on first attach */
	int irq_watch[FAKEBAO_MAX_DMS]; /* epoll sets of the assigned irqfds (remio_fetch) */
};

/* Connect to fakebao at path, retrying up to timeout_ms (fakebao may start later), then map the
 * control page. Returns 0 or -errno with a message. */
int fakebao_dm_connect(struct fakebao_dm_conn *c, const char *path, int timeout_ms);
void fakebao_dm_disconnect(struct fakebao_dm_conn *c);
/* info->id in; out shmem_addr/size, irq and fd (a new O_CLOEXEC fd of the window). */
int fakebao_dm_get_info(struct fakebao_dm_conn *c, struct bao_dm_info *info);
int fakebao_dm_ioeventfd(struct fakebao_dm_conn *c, uint32_t dm_id, const struct bao_ioeventfd *io);
int fakebao_dm_irqfd(struct fakebao_dm_conn *c, uint32_t dm_id, const struct bao_irqfd *irq);
/* Block until the next request for dm_id (FIFO). -ENODEV when fakebao is gone, -EINTR on a
 * signal. */
int fakebao_dm_attach(struct fakebao_dm_conn *c, uint32_t dm_id, struct bao_virtio_request *req);
/* One bounded wait for that request: -ETIMEDOUT when none came within timeout_ms, so a caller
 * that must notice its own reason to give up (the seccomp supervisor, whose target thread may
 * be interrupted) loops on this instead. */
int fakebao_dm_attach_wait(struct fakebao_dm_conn *c, uint32_t dm_id,
			   struct bao_virtio_request *req, int timeout_ms);
int fakebao_dm_complete(struct fakebao_dm_conn *c, const struct bao_virtio_request *req);

#endif

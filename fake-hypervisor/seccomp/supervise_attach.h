/* supervise_attach.h - BAO_IOCTL_IO_CLIENT_ATTACH served off the supervisor's loop: a small
 * pool of worker threads each waits for fakebao's next request on behalf of one blocked
 * device-model thread, so the loop keeps serving the device model's other threads. */
#ifndef SUPERVISE_ATTACH_H
#define SUPERVISE_ATTACH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "fakebao_dm.h"

#define SUPERVISE_ATTACH_WORKERS 16   /* device-model threads blocked in ATTACH at once */
#define SUPERVISE_ATTACH_QUEUE 32     /* ATTACHes waiting for a worker */
#define SUPERVISE_ATTACH_SLICE_MS 100 /* how soon a vanished caller is noticed */

struct supervise_attach_job {
	uint64_t id;  /* the notification */
	pid_t tid;    /* the calling thread */
	uint64_t buf; /* its struct bao_virtio_request */
	uint32_t dm_id;
};

struct supervise_attach {
	int listener;
	struct fakebao_dm_conn *conn;
	pthread_mutex_t lock;
	pthread_cond_t work; /* a job queued, or stopping */
	pthread_cond_t gone; /* a worker ended */
	struct supervise_attach_job jobs[SUPERVISE_ATTACH_QUEUE];
	unsigned int head, count;
	int workers, idle;
	_Atomic int stopping;
	/* Requests fetched for a thread that was gone (a signal interrupted its ATTACH) by the
	 * time they could be handed over: the next ATTACH of that id gets them first. */
	struct bao_virtio_request stash[FAKEBAO_MAX_DMS][FAKEBAO_MAX_VCPUS];
	unsigned int nstash[FAKEBAO_MAX_DMS];
	_Atomic uint64_t delivered, redelivered, abandoned;
};

/* conn must outlive supervise_attach_stop. Returns 0 or -errno. */
int supervise_attach_init(struct supervise_attach *a, int listener, struct fakebao_dm_conn *conn);
/* Hands an ATTACH to a worker (starting one if none is idle). 0, or -EAGAIN when
 * SUPERVISE_ATTACH_QUEUE are already waiting (the caller answers the notification). */
int supervise_attach_submit(struct supervise_attach *a, const struct supervise_attach_job *job);
/* Workers answer what they hold with -ENODEV and end; waits up to timeout_ms for them.
 * Returns 0, or -ETIMEDOUT when some are still running (then a and conn must stay valid). */
int supervise_attach_stop(struct supervise_attach *a, int timeout_ms);

#endif

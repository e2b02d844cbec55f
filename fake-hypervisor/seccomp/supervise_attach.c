/* supervise_attach.c - the blocking ATTACH, one worker per waiting device-model thread: wait for
 * fakebao's next request in slices, give up when the caller's notification is gone, and keep a
 * request the caller could no longer take for the next ATTACH (nothing fetched is lost). */
#include "supervise_attach.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "supervise_notif.h"

static void supervise_attach_stash(struct supervise_attach *a, uint32_t dm_id,
				   const struct bao_virtio_request *req)
{
	pthread_mutex_lock(&a->lock);
	if (a->nstash[dm_id] < FAKEBAO_MAX_VCPUS)
		a->stash[dm_id][a->nstash[dm_id]++] = *req;
	else
		log_err(
		    "dm %u: request 0x%llx (addr 0x%llx) fetched for a thread that left, and %u "
		    "are already kept: dropped",
		    dm_id, (unsigned long long)req->request_id, (unsigned long long)req->addr,
		    a->nstash[dm_id]);
	pthread_mutex_unlock(&a->lock);
}

/* The oldest kept request of dm_id, if any. */
static int supervise_attach_unstash(struct supervise_attach *a, uint32_t dm_id,
				    struct bao_virtio_request *req)
{
	int got = 0;

	pthread_mutex_lock(&a->lock);
	if (a->nstash[dm_id]) {
		*req = a->stash[dm_id][0];
		memmove(&a->stash[dm_id][0], &a->stash[dm_id][1],
			--a->nstash[dm_id] * sizeof(a->stash[dm_id][0]));
		got = 1;
	}
	pthread_mutex_unlock(&a->lock);
	return got;
}

/* Write the request into the caller's buffer and answer 0; a caller gone by then (or a bad
 * buffer) leaves the request for the next ATTACH. */
static void supervise_attach_deliver(struct supervise_attach *a,
				     const struct supervise_attach_job *j,
				     const struct bao_virtio_request *req, int again)
{
	int r = supervise_notif_valid(a->listener, j->id);

	if (!r) {
		r = supervise_notif_write(j->tid, j->buf, req, sizeof(*req));
		if (r) {
			log_warn(
			    "thread %d: BAO_IOCTL_IO_CLIENT_ATTACH buffer 0x%llx not writable: "
			    "%s",
			    (int)j->tid, (unsigned long long)j->buf, strerror(-r));
			supervise_notif_reply(a->listener, j->id, -1, -EFAULT);
		} else {
			r = supervise_notif_reply(a->listener, j->id, 0, 0);
		}
	}
	if (r) {
		log_debug("dm %u: request 0x%llx kept for the next ATTACH (thread %d: %s)",
			  j->dm_id, (unsigned long long)req->request_id, (int)j->tid, strerror(-r));
		supervise_attach_stash(a, j->dm_id, req);
		return;
	}
	atomic_fetch_add(again ? &a->redelivered : &a->delivered, 1);
}

static void supervise_attach_serve(struct supervise_attach *a, const struct supervise_attach_job *j)
{
	struct bao_virtio_request req;
	int r;

	if (supervise_attach_unstash(a, j->dm_id, &req)) {
		supervise_attach_deliver(a, j, &req, 1);
		return;
	}
	for (;;) {
		r = fakebao_dm_attach_wait(a->conn, j->dm_id, &req, SUPERVISE_ATTACH_SLICE_MS);
		if (r == 0) {
			supervise_attach_deliver(a, j, &req, 0);
			return;
		}
		if (r != -ETIMEDOUT && r != -EINTR) {
			supervise_notif_reply(a->listener, j->id, -1, r);
			return;
		}
		if (supervise_notif_valid(a->listener, j->id)) {
			/* A signal ended the caller's ioctl (EINTR, or restarted as a new one). */
			atomic_fetch_add(&a->abandoned, 1);
			return;
		}
		if (a->stopping) {
			supervise_notif_reply(a->listener, j->id, -1, -ENODEV);
			return;
		}
	}
}

static void *supervise_attach_worker(void *arg)
{
	struct supervise_attach *a = arg;
	struct supervise_attach_job j;

	pthread_mutex_lock(&a->lock);
	for (;;) {
		while (!a->count && !a->stopping) {
			a->idle++;
			pthread_cond_wait(&a->work, &a->lock);
			a->idle--;
		}
		if (!a->count)
			break;
		j = a->jobs[a->head];
		a->head = (a->head + 1) % SUPERVISE_ATTACH_QUEUE;
		a->count--;
		pthread_mutex_unlock(&a->lock);
		supervise_attach_serve(a, &j);
		pthread_mutex_lock(&a->lock);
	}
	a->workers--;
	pthread_cond_broadcast(&a->gone);
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

int supervise_attach_init(struct supervise_attach *a, int listener, struct fakebao_dm_conn *conn)
{
	pthread_condattr_t ca;

	memset(a, 0, sizeof(*a));
	a->listener = listener;
	a->conn = conn;
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->work, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&a->gone, &ca);
	pthread_condattr_destroy(&ca);
	return 0;
}

int supervise_attach_submit(struct supervise_attach *a, const struct supervise_attach_job *job)
{
	pthread_attr_t attr;
	pthread_t t;
	sigset_t all, old;
	int r = 0;

	pthread_mutex_lock(&a->lock);
	if (a->count == SUPERVISE_ATTACH_QUEUE || a->stopping) {
		pthread_mutex_unlock(&a->lock);
		return -EAGAIN;
	}
	a->jobs[(a->head + a->count) % SUPERVISE_ATTACH_QUEUE] = *job;
	a->count++;
	if (a->idle >= (int)a->count || a->workers >= SUPERVISE_ATTACH_WORKERS) {
		pthread_cond_signal(&a->work);
		pthread_mutex_unlock(&a->lock);
		return 0;
	}
	/* Workers take no signals: the loop's signalfd gets them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&t, &attr, supervise_attach_worker, a);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r == 0)
		a->workers++;
	else if (a->workers == 0)
		log_err("starting an ATTACH worker failed: %s (no worker to serve thread %d)",
			strerror(r), (int)job->tid);
	else
		log_warn("starting an ATTACH worker failed: %s (thread %d waits for one of %d)",
			 strerror(r), (int)job->tid, a->workers);
	if (r && a->workers == 0) {
		a->count--; /* nobody will take it: the caller answers */
		pthread_mutex_unlock(&a->lock);
		return -r;
	}
	pthread_cond_signal(&a->work);
	pthread_mutex_unlock(&a->lock);
	return 0;
}

int supervise_attach_stop(struct supervise_attach *a, int timeout_ms)
{
	struct timespec until;
	int r = 0;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&a->lock);
	a->stopping = 1;
	pthread_cond_broadcast(&a->work);
	while (a->workers > 0 && r == 0)
		r = pthread_cond_timedwait(&a->gone, &a->lock, &until);
	if (a->workers > 0) {
		log_warn("%d ATTACH worker(s) still busy after %d ms", a->workers, timeout_ms);
		pthread_mutex_unlock(&a->lock);
		return -ETIMEDOUT;
	}
	pthread_mutex_unlock(&a->lock);
	return 0;
}

/* dm_watch.h - a thread that watches the vhost-user socket for the backend hanging up, so a
 * dead virtiofsd is reported to the driver even while no register access arrives. */
#ifndef DM_WATCH_H
#define DM_WATCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

struct dm_watch {
	pthread_t thread;
	int fd; /* our own dup of the watched socket */
	atomic_bool stop;
	bool running;
	void (*on_hangup)(void *ctx);
	void *ctx;
};

/* Start watching fd (dup'ed; the caller keeps its fd). on_hangup runs once, on the watcher
 * thread, when the peer hangs up; it must take whatever lock guards the device. */
int dm_watch_start(struct dm_watch *w, int fd, void (*on_hangup)(void *ctx), void *ctx);
/* Stop and join (within one poll period, 100 ms). Idempotent. */
void dm_watch_stop(struct dm_watch *w);

#endif

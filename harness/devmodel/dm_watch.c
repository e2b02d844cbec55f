/* dm_watch.c - hang-up watcher: polls a dup of the socket for POLLHUP/POLLRDHUP only (never
 * POLLIN), so it never competes with the request/reply traffic on the same socket. */
#include "dm_watch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define DM_WATCH_PERIOD_MS 100

static void *dm_watch_thread(void *arg)
{
	struct dm_watch *w = arg;

	while (!atomic_load(&w->stop)) {
		struct pollfd pfd = {.fd = w->fd, .events = POLLRDHUP};
		int rc = poll(&pfd, 1, DM_WATCH_PERIOD_MS);

		if (rc < 0 && errno != EINTR) {
			log_err("watch: poll on fd %d failed: %s", w->fd, strerror(errno));
			break;
		}
		if (rc > 0 && (pfd.revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL))) {
			w->on_hangup(w->ctx);
			break;
		}
	}
	return NULL;
}

int dm_watch_start(struct dm_watch *w, int fd, void (*on_hangup)(void *ctx), void *ctx)
{
	int rc;

	memset(w, 0, sizeof(*w));
	atomic_init(&w->stop, false);
	w->on_hangup = on_hangup;
	w->ctx = ctx;
	w->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (w->fd < 0) {
		rc = -errno;
		log_err("watch: dup of fd %d failed: %s", fd, strerror(-rc));
		return rc;
	}
	rc = pthread_create(&w->thread, NULL, dm_watch_thread, w);
	if (rc) {
		log_err("watch: pthread_create failed: %s", strerror(rc));
		close(w->fd);
		w->fd = -1;
		return -rc;
	}
	w->running = true;
	return 0;
}

void dm_watch_stop(struct dm_watch *w)
{
	if (!w->running)
		return;
	atomic_store(&w->stop, true);
	pthread_join(w->thread, NULL);
	close(w->fd);
	w->fd = -1;
	w->running = false;
}

/* stack_dmlog.c - the device model's stderr through a pipe: passed on to ours line by line, and
 * its first "device broken" report kept. A real Linux frontend cannot tell the harness why its
 * device stopped answering (on Bao its driver simply waits), so a run on such a guest fails
 * with the device model's own words instead of a bare timeout. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "stack.h"
#include "stack_priv.h"

#define STACK_DMLOG_LINE 1024
#define STACK_DMLOG_MARK "device broken, needs reset: "

struct stack_dmlog {
	int fd; /* read end */
	pthread_t thread;
	atomic_int stop, done;
	pthread_mutex_t lock;
	char broken[512]; /* the first report, "" until one comes */
	char line[STACK_DMLOG_LINE];
	size_t len;
};

/* One whole line (or a full buffer): to our stderr, and remembered if it is the report. */
static void stack_dmlog_line(struct stack_dmlog *d)
{
	const char *m;

	if (write(STDERR_FILENO, d->line, d->len) < 0)
		return;
	d->line[d->len - (d->line[d->len - 1] == '\n')] = '\0';
	m = strstr(d->line, STACK_DMLOG_MARK);
	if (m) {
		pthread_mutex_lock(&d->lock);
		if (!d->broken[0])
			snprintf(d->broken, sizeof(d->broken), "%s", m);
		pthread_mutex_unlock(&d->lock);
	}
}

static void *stack_dmlog_thread(void *arg)
{
	struct stack_dmlog *d = arg;
	char buf[4096];

	/* Bounded waits: a stop request is seen within 100 ms even if a writer never closes. */
	while (!atomic_load(&d->stop)) {
		struct pollfd p = {d->fd, POLLIN, 0};
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(d->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			d->line[d->len++] = buf[i];
			if (buf[i] == '\n' || d->len == sizeof(d->line) - 1) {
				stack_dmlog_line(d);
				d->len = 0;
			}
		}
	}
	if (d->len) {
		d->line[d->len++] = '\n';
		stack_dmlog_line(d);
		d->len = 0;
	}
	atomic_store(&d->done, 1);
	return NULL;
}

int stack_dmlog_start(struct stack *s)
{
	struct stack_dmlog *d;
	int p[2], rc;

	stack_dmlog_stop(s);
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	if (pipe2(p, O_CLOEXEC) < 0) {
		rc = -errno;
		free(d);
		return rc;
	}
	d->fd = p[0];
	pthread_mutex_init(&d->lock, NULL);
	rc = pthread_create(&d->thread, NULL, stack_dmlog_thread, d);
	if (rc) {
		close(p[0]);
		close(p[1]);
		pthread_mutex_destroy(&d->lock);
		free(d);
		return -rc;
	}
	s->dmlog = d;
	return p[1];
}

void stack_dmlog_stop(struct stack *s)
{
	struct stack_dmlog *d = s->dmlog;

	if (!d)
		return;
	/* The device model is gone by now: let its last lines through (bounded: 500 ms). */
	for (int i = 0; i < 50 && !atomic_load(&d->done); i++)
		usleep(10000);
	atomic_store(&d->stop, 1);
	pthread_join(d->thread, NULL);
	close(d->fd);
	pthread_mutex_destroy(&d->lock);
	free(d);
	s->dmlog = NULL;
}

int stack_dmlog_broken(struct stack *s, char *buf, size_t len)
{
	struct stack_dmlog *d = s->dmlog;
	int seen;

	if (!d)
		return 0;
	pthread_mutex_lock(&d->lock);
	seen = d->broken[0] != '\0';
	if (seen)
		snprintf(buf, len, "device model: %s", d->broken);
	pthread_mutex_unlock(&d->lock);
	return seen;
}

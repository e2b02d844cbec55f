/* agent_line.c - read request lines from the console fd: grow a buffer up to AGENT_LINE_MAX,
 * skip the remainder of anything longer, so one oversized line costs one failed step only. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_line.h"

#define AGENT_LINE_CHUNK 4096

void agent_line_init(struct agent_line *al, int fd)
{
	memset(al, 0, sizeof(*al));
	al->fd = fd;
}

void agent_line_free(struct agent_line *al)
{
	free(al->buf);
	al->buf = NULL;
	al->cap = al->len = al->used = 0;
}

/* Read more bytes after buf[len], growing buf while below the cap. 0, -EIO or -ENOMEM. */
static int agent_line_fill(struct agent_line *al)
{
	ssize_t n;

	if (al->cap - al->len < AGENT_LINE_CHUNK) {
		size_t ncap = al->cap ? al->cap * 2 : 65536;
		char *nb = realloc(al->buf, ncap);

		if (!nb)
			return -ENOMEM;
		al->buf = nb;
		al->cap = ncap;
	}
	do
		n = read(al->fd, al->buf + al->len, al->cap - al->len - 1);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -EIO;
	al->len += (size_t)n;
	return 0;
}

/* Drop bytes up to the next '\n' of an oversized line (keeping read-ahead after it). */
static int agent_line_skip(struct agent_line *al, size_t keep)
{
	for (;;) {
		char *nl = memchr(al->buf + keep, '\n', al->len - keep);
		int rc;

		if (nl) {
			size_t after = (size_t)(nl + 1 - al->buf);

			memmove(al->buf + keep, nl + 1, al->len - after);
			al->len = keep + (al->len - after);
			return 0;
		}
		al->len = keep;
		if ((rc = agent_line_fill(al)) < 0)
			return rc;
	}
}

long agent_line_next(struct agent_line *al, char **line)
{
	size_t scanned = 0;
	int rc;

	/* Consume the previous line. */
	if (al->used) {
		memmove(al->buf, al->buf + al->used, al->len - al->used);
		al->len -= al->used;
		al->used = 0;
	}
	for (;;) {
		char *nl = al->buf ? memchr(al->buf + scanned, '\n', al->len - scanned) : NULL;

		if (nl) {
			size_t n = (size_t)(nl - al->buf);

			al->used = n + 1;
			if (n && al->buf[n - 1] == '\r')
				n--;
			al->buf[n] = '\0';
			*line = al->buf;
			return (long)n;
		}
		scanned = al->len;
		if (al->len >= AGENT_LINE_MAX) {
			/* Keep a prefix so the caller can name the step it refuses. */
			size_t keep = sizeof(al->head) - 1;

			memcpy(al->head, al->buf, keep);
			al->head[keep] = '\0';
			if ((rc = agent_line_skip(al, 0)) < 0)
				return rc;
			*line = al->head;
			return -E2BIG;
		}
		if ((rc = agent_line_fill(al)) < 0)
			return rc;
	}
}

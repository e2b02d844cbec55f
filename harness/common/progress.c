/* progress.c - the status line of long jobs: a live line on a terminal ("\r", erase to the end,
 * redrawn at most 4 times a second), a plain line every few seconds in a log. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "progress.h"

int progress_mode_parse(const char *s, enum progress_mode *m)
{
	if (!strcmp(s, "tty"))
		*m = PROGRESS_TTY;
	else if (!strcmp(s, "plain"))
		*m = PROGRESS_PLAIN;
	else if (!strcmp(s, "off"))
		*m = PROGRESS_OFF;
	else
		return -EINVAL;
	return 0;
}

void progress_init(struct progress *p, int fd)
{
	const char *env = getenv("BAOHARNESS_PROGRESS");
	const char *secs = getenv("BAOHARNESS_PROGRESS_SECS");
	const char *ci = getenv("CI");

	memset(p, 0, sizeof(*p));
	p->fd = fd;
	p->mode = isatty(fd) && !(ci && *ci) ? PROGRESS_TTY : PROGRESS_PLAIN;
	if (env && *env && progress_mode_parse(env, &p->mode)) {
		log_warn("BAOHARNESS_PROGRESS=%s: want tty, plain or off; using plain", env);
		p->mode = PROGRESS_PLAIN;
	}
	p->period_ms = p->mode == PROGRESS_TTY ? PROGRESS_TTY_MS : PROGRESS_PLAIN_MS;
	if (p->mode == PROGRESS_PLAIN && secs && *secs) {
		char *end;
		double s = strtod(secs, &end);

		if (*end || !(s >= 0.1) || s > 3600)
			log_warn("BAOHARNESS_PROGRESS_SECS=%s: want 0.1..3600; using %d", secs,
				 PROGRESS_PLAIN_MS / 1000);
		else
			p->period_ms = (int64_t)(s * 1000.0);
	}
}

int progress_due(struct progress *p, int64_t now_ms)
{
	if (p->mode == PROGRESS_OFF || now_ms < p->next_ms)
		return 0;
	p->next_ms = now_ms + p->period_ms;
	return 1;
}

__attribute__((format(printf, 2, 0))) static void progress_write(struct progress *p,
								 const char *fmt, va_list ap)
{
	char line[512];
	size_t n = 0;
	int m;

	if (p->mode == PROGRESS_TTY)
		n = (size_t)snprintf(line, sizeof(line), "\r\033[K");
	m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	if (m < 0)
		return;
	if ((size_t)m > sizeof(line) - n - 2)
		m = (int)(sizeof(line) - n - 2);
	/* One write per line: a terminal line stays open for the next redraw. */
	p->shown = p->mode == PROGRESS_TTY ? (size_t)m : 0;
	n += (size_t)m;
	if (p->mode == PROGRESS_PLAIN)
		line[n++] = '\n';
	if (write(p->fd, line, n) < 0)
		p->mode = PROGRESS_OFF;
}

void progress_show(struct progress *p, const char *fmt, ...)
{
	va_list ap;

	if (!progress_due(p, clock_now_ms()))
		return;
	va_start(ap, fmt);
	progress_write(p, fmt, ap);
	va_end(ap);
}

void progress_force(struct progress *p, const char *fmt, ...)
{
	va_list ap;

	if (p->mode == PROGRESS_OFF)
		return;
	p->next_ms = clock_now_ms() + p->period_ms;
	va_start(ap, fmt);
	progress_write(p, fmt, ap);
	va_end(ap);
}

void progress_clear(struct progress *p)
{
	if (p->mode != PROGRESS_TTY || !p->shown)
		return;
	p->shown = 0;
	if (write(p->fd, "\r\033[K", 4) < 0)
		p->mode = PROGRESS_OFF;
}

void progress_end(struct progress *p)
{
	if (p->mode != PROGRESS_TTY || !p->shown)
		return;
	p->shown = 0;
	if (write(p->fd, "\n", 1) < 0)
		p->mode = PROGRESS_OFF;
}

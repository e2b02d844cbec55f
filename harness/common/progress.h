/* progress.h - the status line of a long job (fuzz campaign, soak): rewritten in place on a
 * terminal, a plain line every few seconds otherwise (CI logs keep every line), or nothing. */
#ifndef HARNESS_PROGRESS_H
#define HARNESS_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

enum progress_mode { PROGRESS_OFF, PROGRESS_TTY, PROGRESS_PLAIN };

/* Terminal: at most 4 redraws a second. Plain: one line every PROGRESS_PLAIN_MS unless
 * BAOHARNESS_PROGRESS_SECS says otherwise. */
#define PROGRESS_TTY_MS 250
#define PROGRESS_PLAIN_MS 5000

struct progress {
	enum progress_mode mode;
	int fd;		   /* where lines go (stderr) */
	int64_t period_ms; /* between two lines */
	int64_t next_ms;   /* CLOCK_MONOTONIC ms before which nothing is shown; 0: now */
	size_t shown;	   /* terminal: width of the live line now on screen, 0 when none */
};

/* The mode: BAOHARNESS_PROGRESS=tty|plain|off when set, else tty when fd is a terminal and
 * CI is not set in the environment, else plain. Never fails (an unknown value means plain,
 * with one warning). */
void progress_init(struct progress *p, int fd);
/* "tty", "plain", "off" -> *m; 0 or -EINVAL. */
int progress_mode_parse(const char *s, enum progress_mode *m);
/* Whether a line is due at now_ms; when it is, the next one is armed a period later. */
int progress_due(struct progress *p, int64_t now_ms);
/* Show the line (one line, no newline in fmt) if due. */
void progress_show(struct progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Show it now whatever the clock says (the final figures). */
void progress_force(struct progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Terminal: erase the live line, so another line can be printed in its place. */
void progress_clear(struct progress *p);
/* Terminal: end the live line with a newline, leaving it on screen. */
void progress_end(struct progress *p);

#endif

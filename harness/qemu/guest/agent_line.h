/* agent_line.h - the guest agent's request reader: whole lines from the serial console,
 * bounded in length, so a long step or stray console bytes cannot break the framing. */
#ifndef HARNESS_AGENT_LINE_H
#define HARNESS_AGENT_LINE_H

#include <stddef.h>

/* Longest request line kept: scenario lines may be 1 MiB, plus the "@@STEP N " header. */
#define AGENT_LINE_MAX ((size_t)1 << 20 | 64)

struct agent_line {
	int fd;
	char *buf;	/* holds the current line, NUL-terminated after agent_line_next */
	size_t cap;	/* allocated bytes */
	size_t len;	/* bytes buffered (current line + read-ahead) */
	size_t used;	/* bytes of buf consumed by the last returned line */
	char head[257]; /* first bytes of a refused oversized line */
};

void agent_line_init(struct agent_line *al, int fd);
void agent_line_free(struct agent_line *al);
/* Next line without its '\n' (and a trailing '\r'). Returns its length with *line set; for a
 * line over AGENT_LINE_MAX returns -E2BIG with *line holding its first bytes (the rest is
 * skipped); -EIO on end of input or a read error, -ENOMEM. */
long agent_line_next(struct agent_line *al, char **line);

#endif

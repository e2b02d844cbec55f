/* qemu_console.h - the host end of the guest's serial console (a unix socket QEMU serves):
 * framed "@@" messages in, requests out, every wait bounded, the recent output kept for errors. */
#ifndef HARNESS_QEMU_CONSOLE_H
#define HARNESS_QEMU_CONSOLE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define QEMU_CONSOLE_MSG_MAX 2048 /* longest "@@" line kept (longer ones are cut) */
#define QEMU_CONSOLE_QUEUE 16	  /* "@@" lines read ahead while sending */
#define QEMU_CONSOLE_TAIL 8192	  /* bytes of raw output kept for failure messages */

struct qemu_console {
	int fd;				 /* connected socket, O_NONBLOCK; -1 when closed */
	int log_fd;			 /* full transcript (console.log), -1 for none */
	int verbose;			 /* log every console line at info level */
	int eof;			 /* QEMU closed the socket */
	char line[QEMU_CONSOLE_MSG_MAX]; /* line being assembled */
	size_t line_len;
	char queue[QEMU_CONSOLE_QUEUE][QEMU_CONSOLE_MSG_MAX]; /* complete "@@" lines */
	unsigned int q_head, q_count;
	char tail[QEMU_CONSOLE_TAIL]; /* ring of the last bytes */
	size_t tail_pos;
	int tail_wrapped;
};

/* Monotonic clock in ns, for the deadlines below. */

/* Connect to QEMU's console socket at path, retrying until deadline_ns while process pid is
 * alive (QEMU creates the socket shortly after it starts). 0, -ETIMEDOUT, -ECHILD (QEMU
 * exited first) or -errno; log_fd (may be -1) receives everything read. */
int qemu_console_connect(struct qemu_console *c, const char *path, pid_t pid, int log_fd,
			 int64_t deadline_ns);
void qemu_console_close(struct qemu_console *c);

/* Next "@@" line (NUL-terminated, without the newline) into msg. Returns its length,
 * -ETIMEDOUT at the deadline, -EPIPE when QEMU closed the console. */
int qemu_console_next_msg(struct qemu_console *c, char *msg, size_t msglen, int64_t deadline_ns);
/* Write all of buf by the deadline, reading the guest's output meanwhile (QEMU blocks its
 * vCPU on a full console socket). 0, -ETIMEDOUT, -EPIPE. */
int qemu_console_send(struct qemu_console *c, const char *buf, size_t len, int64_t deadline_ns);
/* Raw reading for an interactive session: up to len bytes that are there now, recorded in the
 * transcript and the tail ring but not parsed for "@@" lines. Returns the count, 0 when nothing
 * is waiting, -EPIPE when QEMU closed the console. */
ssize_t qemu_console_read_raw(struct qemu_console *c, char *buf, size_t len);
/* Read whatever is there without waiting longer than timeout_ms (keeps the transcript full). */
void qemu_console_drain(struct qemu_console *c, int timeout_ms);
/* The last max_lines lines of output, unprintable bytes as '?', NUL-terminated. */
void qemu_console_tail(const struct qemu_console *c, char *buf, size_t len, unsigned int max_lines);

#endif

/* qemu_console.c - host end of the guest console: only lines starting with "@@" are messages
 * (kernel and init output is transcript only), every wait has a deadline, QEMU is never left
 * blocked on a full socket because sends read while they write. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "qemu_console.h"

#define QEMU_CONSOLE_CONNECT_RETRY_MS 10

/* Milliseconds left until deadline, at least 0, rounded up so a poll never spins. */
static int qemu_console_ms_left(int64_t deadline_ns)
{
	int64_t left = deadline_ns - clock_now_ns();

	if (left <= 0)
		return 0;
	left = (left + 999999) / 1000000;
	return left > 60000 ? 60000 : (int)left;
}

static int qemu_console_pid_alive(pid_t pid)
{
	/* The caller reaps; here a zombie counts as gone. */
	siginfo_t si = {0};

	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return 0;
	return si.si_pid == 0;
}

int qemu_console_connect(struct qemu_console *c, const char *path, pid_t pid, int log_fd,
			 int64_t deadline_ns)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, e;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->log_fd = log_fd;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("qemu console: socket path %s is longer than %zu bytes", path,
			sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		e = errno;
		close(fd);
		if (e != ENOENT && e != ECONNREFUSED) {
			log_err("qemu console: connect %s: %s", path, strerror(e));
			return -e;
		}
		if (!qemu_console_pid_alive(pid))
			return -ECHILD;
		if (clock_now_ns() >= deadline_ns) {
			log_err("qemu console: %s did not accept a connection in time", path);
			return -ETIMEDOUT;
		}
		usleep(QEMU_CONSOLE_CONNECT_RETRY_MS * 1000);
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	c->fd = fd;
	return 0;
}

void qemu_console_close(struct qemu_console *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static void qemu_console_tail_add(struct qemu_console *c, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		c->tail[c->tail_pos++] = p[i];
		if (c->tail_pos == sizeof(c->tail)) {
			c->tail_pos = 0;
			c->tail_wrapped = 1;
		}
	}
}

/* A complete line: queue it when framed, show it when verbose. */
static void qemu_console_line_done(struct qemu_console *c)
{
	c->line[c->line_len] = '\0';
	if (c->verbose)
		log_info("guest console: %s", c->line);
	if (c->line_len >= 2 && c->line[0] == '@' && c->line[1] == '@') {
		unsigned int slot;

		if (c->q_count == QEMU_CONSOLE_QUEUE) {
			log_warn("qemu console: message queue full, dropping '%.60s'",
				 c->queue[c->q_head]);
			c->q_head = (c->q_head + 1) % QEMU_CONSOLE_QUEUE;
			c->q_count--;
		}
		slot = (c->q_head + c->q_count) % QEMU_CONSOLE_QUEUE;
		memcpy(c->queue[slot], c->line, c->line_len + 1);
		c->q_count++;
	}
	c->line_len = 0;
}

static void qemu_console_feed(struct qemu_console *c, const char *p, size_t n)
{
	if (c->log_fd >= 0 && write(c->log_fd, p, n) < 0)
		c->log_fd = -1; /* the transcript is a convenience; never fail a run on it */
	qemu_console_tail_add(c, p, n);
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n')
			qemu_console_line_done(c);
		else if (p[i] == '\r')
			continue; /* the kernel console writes CRLF; the agent writes LF */
		else if (c->line_len < sizeof(c->line) - 1)
			c->line[c->line_len++] = p[i];
	}
}

/* Read what is available now. 0, or -EPIPE at end of file. */
static int qemu_console_read_some(struct qemu_console *c)
{
	char buf[4096];

	for (;;) {
		ssize_t n = read(c->fd, buf, sizeof(buf));

		if (n > 0) {
			qemu_console_feed(c, buf, (size_t)n);
			continue;
		}
		if (n == 0) {
			c->eof = 1;
			return -EPIPE;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		c->eof = 1;
		return -EPIPE;
	}
}

ssize_t qemu_console_read_raw(struct qemu_console *c, char *buf, size_t len)
{
	if (c->fd < 0 || c->eof)
		return -EPIPE;
	for (;;) {
		ssize_t n = read(c->fd, buf, len);

		if (n > 0) {
			if (c->log_fd >= 0 && write(c->log_fd, buf, (size_t)n) < 0)
				c->log_fd = -1;
			qemu_console_tail_add(c, buf, (size_t)n);
			return n;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		c->eof = 1;
		return -EPIPE;
	}
}

/* Wait for input (and output room when want_out) until the deadline. Returns poll revents,
 * 0 on timeout, -EPIPE when closed. */
static int qemu_console_wait(struct qemu_console *c, int want_out, int64_t deadline_ns)
{
	struct pollfd pfd = {.fd = c->fd, .events = POLLIN | (want_out ? POLLOUT : 0)};
	int n;

	if (c->fd < 0 || c->eof)
		return -EPIPE;
	do
		n = poll(&pfd, 1, qemu_console_ms_left(deadline_ns));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	if (pfd.revents & (POLLIN | POLLHUP | POLLERR))
		if (qemu_console_read_some(c) < 0)
			return -EPIPE;
	return pfd.revents ? pfd.revents : 0;
}

int qemu_console_next_msg(struct qemu_console *c, char *msg, size_t msglen, int64_t deadline_ns)
{
	for (;;) {
		int rc;

		if (c->q_count) {
			size_t n = strlen(c->queue[c->q_head]);

			if (n >= msglen)
				n = msglen - 1;
			memcpy(msg, c->queue[c->q_head], n);
			msg[n] = '\0';
			c->q_head = (c->q_head + 1) % QEMU_CONSOLE_QUEUE;
			c->q_count--;
			return (int)n;
		}
		if (clock_now_ns() >= deadline_ns)
			return -ETIMEDOUT;
		rc = qemu_console_wait(c, 0, deadline_ns);
		if (rc < 0)
			return rc;
	}
}

int qemu_console_send(struct qemu_console *c, const char *buf, size_t len, int64_t deadline_ns)
{
	size_t off = 0;

	while (off < len) {
		/* MSG_NOSIGNAL: QEMU dying mid-send is -EPIPE here, not a SIGPIPE. */
		ssize_t n = send(c->fd, buf + off, len - off, MSG_NOSIGNAL);
		int rc;

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return errno == EPIPE || errno == ECONNRESET ? -EPIPE : -errno;
		if (clock_now_ns() >= deadline_ns)
			return -ETIMEDOUT;
		rc = qemu_console_wait(c, 1, deadline_ns);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void qemu_console_drain(struct qemu_console *c, int timeout_ms)
{
	int64_t deadline = clock_now_ns() + (int64_t)timeout_ms * 1000000;

	/* A closed console returns at once: sleep instead so callers polling QEMU do not spin. */
	if (c->fd < 0 || c->eof) {
		usleep((useconds_t)timeout_ms * 1000);
		return;
	}
	while (qemu_console_wait(c, 0, deadline) > 0)
		;
}

void qemu_console_tail(const struct qemu_console *c, char *buf, size_t len, unsigned int max_lines)
{
	char lin[QEMU_CONSOLE_TAIL];
	size_t n = 0, start, out = 0;
	unsigned int lines = 0;

	if (!len)
		return;
	/* Unroll the ring. */
	if (c->tail_wrapped)
		for (size_t i = c->tail_pos; i < sizeof(c->tail); i++)
			lin[n++] = c->tail[i];
	for (size_t i = 0; i < c->tail_pos; i++)
		lin[n++] = c->tail[i];
	/* Walk back over max_lines line ends (a trailing newline does not count). */
	start = n;
	while (start > 0) {
		if (lin[start - 1] == '\n' && start != n && ++lines >= max_lines)
			break;
		start--;
	}
	for (size_t i = start; i < n && out + 1 < len; i++) {
		unsigned char ch = (unsigned char)lin[i];

		if (ch == '\r')
			continue;
		buf[out++] = (ch == '\n' || (ch >= 0x20 && ch < 0x7f)) ? (char)ch : '?';
	}
	buf[out] = '\0';
}

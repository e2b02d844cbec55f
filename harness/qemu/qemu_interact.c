/* qemu_interact.c - shell mode (`baoharness boot`): the user's terminal or a pipe wired to the
 * guest console, byte for byte, until the guest powers off, the user types Ctrl-], or the input
 * ends. A tty is put in raw mode and restored on every return; QEMU never outlives the call. */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "qemu_console.h"
#include "qemu_fe.h"
#include "qemu_fe_priv.h"
#include "qemu_proc.h"

#define QI_BUF 4096
#define QI_CHUNK 512	 /* <= PIPE_BUF: a write after POLLOUT never blocks on a pipe */
#define QI_TICK_MS 100	 /* how often QEMU's exit and the EOF grace are checked */
#define QI_ESCAPE 0x1d	 /* Ctrl-] */
#define QI_EOF_CHAR 0x04 /* Ctrl-D: end of input for the guest's shell */
/* A ^D typed ahead of the shell's prompt is lost (the tty is still canonical then), so after
 * EOF it is repeated this often until the guest powers off or the grace period ends. */
#define QI_EOF_REPEAT_MS 2000
#define QI_FLUSH_MS 2000 /* guest output still owed to out_fd when the session ends */
#define QI_EXIT_MS 3000	 /* console closed -> QEMU's exit */

struct qi_buf {
	char b[QI_BUF];
	size_t off, len;
};

struct qi {
	struct qemu_fe *q;
	int in_fd, out_fd;
	struct qi_buf to_guest, to_user;
	int in_eof;
	int64_t eof_deadline, eof_next;
};

static int64_t qi_ms_to_ns(int ms)
{
	return (int64_t)ms * 1000000;
}

/* Write what is pending for out_fd (at most one chunk). 0 or -errno. */
static int qi_write_user(struct qi *s)
{
	struct qi_buf *u = &s->to_user;
	size_t n = u->len - u->off < QI_CHUNK ? u->len - u->off : QI_CHUNK;
	ssize_t w = write(s->out_fd, u->b + u->off, n);

	if (w < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	u->off += (size_t)w;
	if (u->off == u->len)
		u->off = u->len = 0;
	return 0;
}

/* Hand out_fd what the guest printed last, waiting at most QI_FLUSH_MS; reads the console to
 * its end first when drain is set (QEMU is gone). Best effort. */
static void qi_flush_user(struct qi *s, int drain)
{
	int64_t deadline = clock_now_ns() + qi_ms_to_ns(QI_FLUSH_MS);

	for (;;) {
		struct pollfd p = {.fd = s->out_fd, .events = POLLOUT};
		int64_t left = deadline - clock_now_ns();

		if (!s->to_user.len && drain) {
			ssize_t n = qemu_console_read_raw(&s->q->con, s->to_user.b, QI_BUF);

			if (n > 0)
				s->to_user.len = (size_t)n;
		}
		if (!s->to_user.len || left <= 0)
			return;
		if (poll(&p, 1, (int)(left / 1000000) + 1) <= 0 ||
		    (p.revents & (POLLERR | POLLNVAL)) || qi_write_user(s) < 0)
			return;
	}
}

/* End the session by stopping QEMU (it still runs). Returns rc. */
static int qi_stop(struct qi *s, int rc, const char *why)
{
	qi_flush_user(s, 0);
	log_info("qemu: %s; stopping QEMU (pid %d)", why, (int)s->q->pid);
	qemu_proc_kill(s->q->pid, QEMU_FE_KILL_MS);
	s->q->pid = 0;
	s->q->broken = -ECHILD;
	snprintf(s->q->broken_why, sizeof(s->q->broken_why), "%s", why);
	return rc;
}

/* QEMU exited by itself (the guest powered off): 0 for a clean exit, else -ECHILD. */
static int qi_exited(struct qi *s, int status)
{
	s->q->pid = 0;
	s->q->broken = -ECHILD;
	snprintf(s->q->broken_why, sizeof(s->q->broken_why), "QEMU exited (shell session over)");
	qi_flush_user(s, 1);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	log_err("qemu: QEMU %s %d (see its log %s)",
		WIFEXITED(status) ? "exited with status" : "was killed by signal",
		WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), s->q->qemu_log);
	return -ECHILD;
}

/* The console closed: QEMU is on its way out; give it QI_EXIT_MS. */
static int qi_console_closed(struct qi *s)
{
	int status;

	qi_flush_user(s, 0);
	if (qemu_proc_wait(s->q->pid, QI_EXIT_MS, &status))
		return qi_exited(s, status);
	return qi_stop(s, -EPIPE, "QEMU closed the console but kept running");
}

/* Input from the user: forwarded as is; Ctrl-] ends the session; EOF becomes ^D plus a grace
 * period for the guest to power off. 1 = Ctrl-] seen, 0 = go on, -errno. */
static int qi_read_user(struct qi *s)
{
	struct qi_buf *g = &s->to_guest;
	ssize_t n = read(s->in_fd, g->b, QI_BUF);
	char *esc;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		s->in_eof = 1;
		s->eof_deadline = clock_now_ns() + qi_ms_to_ns(QEMU_FE_EOF_GRACE_MS);
		s->eof_next = 0;
		log_info("qemu: input ended (%s): sent ^D, the guest has %d s to power off",
			 n < 0 ? strerror(errno) : "EOF", QEMU_FE_EOF_GRACE_MS / 1000);
		return 0;
	}
	esc = memchr(g->b, QI_ESCAPE, (size_t)n);
	if (esc)
		return 1;
	g->off = 0;
	g->len = (size_t)n;
	return 0;
}

static int qi_send_guest(struct qi *s)
{
	struct qi_buf *g = &s->to_guest;
	ssize_t n = send(s->q->con.fd, g->b + g->off, g->len - g->off, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -EPIPE;
	g->off += (size_t)n;
	if (g->off == g->len)
		g->off = g->len = 0;
	return 0;
}

static int qi_loop(struct qi *s)
{
	struct qemu_fe *q = s->q;

	for (;;) {
		struct pollfd p[3];
		int status, n, want_con;

		if (qemu_proc_wait(q->pid, 0, &status))
			return qi_exited(s, status);
		if (s->in_eof && clock_now_ns() >= s->eof_deadline)
			return qi_stop(s, -ETIMEDOUT,
				       "input ended and the guest did not power off");
		if (s->in_eof && !s->to_guest.len && clock_now_ns() >= s->eof_next) {
			s->to_guest.b[0] = QI_EOF_CHAR;
			s->to_guest.off = 0;
			s->to_guest.len = 1;
			s->eof_next = clock_now_ns() + qi_ms_to_ns(QI_EOF_REPEAT_MS);
		}
		/* fd -1 = not interested: poll ignores it (no busy loop on a hung-up pipe). */
		want_con = (s->to_user.len ? 0 : POLLIN) | (s->to_guest.len ? POLLOUT : 0);
		p[0] = (struct pollfd){.fd = !s->in_eof && !s->to_guest.len ? s->in_fd : -1,
				       .events = POLLIN};
		p[1] = (struct pollfd){.fd = want_con ? q->con.fd : -1, .events = (short)want_con};
		p[2] = (struct pollfd){.fd = s->to_user.len ? s->out_fd : -1, .events = POLLOUT};
		n = poll(p, 3, QI_TICK_MS);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return qi_stop(s, -errno, "poll failed");
		if (p[2].revents & (POLLERR | POLLNVAL))
			return qi_stop(s, -EPIPE, "the output went away");
		if ((p[2].revents & POLLOUT) && qi_write_user(s) < 0)
			return qi_stop(s, -EPIPE, "cannot write the guest's output");
		if ((p[1].revents & POLLOUT) && qi_send_guest(s) < 0)
			return qi_console_closed(s);
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = qemu_console_read_raw(&q->con, s->to_user.b, QI_BUF);

			if (r < 0)
				return qi_console_closed(s);
			s->to_user.off = 0;
			s->to_user.len = (size_t)r;
		}
		if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) && qi_read_user(s) == 1)
			return qi_stop(s, -ECANCELED, "Ctrl-] typed");
	}
}

int qemu_interact(struct qemu_fe *q, int in_fd, int out_fd)
{
	struct termios saved, raw;
	struct qi *s;
	int tty = 0, rc;

	if (!q || !q->shell) {
		log_err("qemu: interact needs a guest booted in shell mode");
		return -EINVAL;
	}
	if (q->pid <= 0 || q->con.fd < 0)
		return -ECHILD;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->q = q;
	s->in_fd = in_fd;
	s->out_fd = out_fd;
	if (isatty(in_fd)) {
		rc = tcgetattr(in_fd, &saved);
		raw = saved;
		cfmakeraw(&raw);
		if (rc < 0 || tcsetattr(in_fd, TCSANOW, &raw) < 0) {
			rc = -errno;
			free(s);
			return rc;
		}
		tty = 1;
	}
	rc = qi_loop(s);
	free(s);
	if (tty && tcsetattr(in_fd, TCSANOW, &saved) < 0)
		log_warn("qemu: cannot restore the terminal: %s (try `stty sane`)",
			 strerror(errno));
	return rc;
}

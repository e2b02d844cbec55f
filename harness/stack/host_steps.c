/* host_steps.c - the host-step worker and the runner's side of it. A host step touches a
 * directory the guest fills at will (links, FIFOs, deep trees), so it runs in its own process:
 * confined to the share (posix_vfs_open_confined), bounded by the runner's deadline and killed
 * when it passes. The worker is exec'd, never just forked, so the multithreaded runner's
 * state (fakebao's threads and locks) is never inherited half-way. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "confine.h"
#include "host_steps.h"
#include "log.h"
#include "posix_vfs.h"
#include "scn.h"

#define HOST_STEPS_LINE_MAX ((size_t)2 << 20)
#define HOST_STEPS_WHY_MAX 1024

static void host_steps_child(const char *bin, const char *share, int in_fd, int out_fd, pid_t pgid,
			     pid_t parent)
{
	char *argv[] = {(char *)bin, "__host-steps", (char *)share, NULL};

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	setpgid(0, pgid);
	if (getppid() != parent)
		_exit(127);
	if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0)
		_exit(127);
	/* LD_PRELOAD of the device model's shim must never reach a host-side process. */
	unsetenv("LD_PRELOAD");
	execv(bin, argv);
	dprintf(STDERR_FILENO, "baoharness: cannot execute %s: %s\n", bin, strerror(errno));
	_exit(127);
}

int host_steps_start(struct host_steps *h, const char *baoharness, const char *share, pid_t pgid)
{
	int req[2], ans[2];
	pid_t parent = getpid(), pid;

	memset(h, 0, sizeof(*h));
	h->to_fd = h->from_fd = -1;
	if (pipe2(req, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(ans, O_CLOEXEC) < 0) {
		int e = -errno;

		close(req[0]);
		close(req[1]);
		return e;
	}
	pid = fork();
	if (pid == 0)
		host_steps_child(baoharness, share, req[0], ans[1], pgid, parent);
	close(req[0]);
	close(ans[1]);
	if (pid < 0) {
		int e = -errno;

		close(req[1]);
		close(ans[0]);
		log_err("cannot start the host-step worker: %s", strerror(-e));
		return e;
	}
	setpgid(pid, pgid ? pgid : pid);
	h->pid = pid;
	h->pgid = pgid ? pgid : pid;
	h->to_fd = req[1];
	h->from_fd = ans[0];
	fcntl(h->to_fd, F_SETFL, O_NONBLOCK);
	fcntl(h->from_fd, F_SETFL, O_NONBLOCK);
	return 0;
}

/* Wait for fd to be ready for ev until deadline; 0, -ETIMEDOUT or -EPIPE. */
static int host_steps_poll(int fd, short ev, int64_t deadline)
{
	struct pollfd p = {.fd = fd, .events = ev};

	for (;;) {
		int64_t left = deadline - clock_now_ms();
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, left > 100 ? 100 : (int)left);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r > 0)
			return (p.revents & ev) ? 0 : -EPIPE;
	}
}

static int host_steps_send(struct host_steps *h, const char *msg, size_t len, int64_t deadline)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(h->to_fd, msg + off, len - off);
		int r;

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -EPIPE;
		r = host_steps_poll(h->to_fd, POLLOUT, deadline);
		if (r)
			return r;
	}
	return 0;
}

/* One answer line into line (NUL-terminated, without '\n'); 0 or -errno. */
static int host_steps_recv(struct host_steps *h, char *line, size_t cap, int64_t deadline)
{
	for (;;) {
		char *nl = memchr(h->buf, '\n', h->len);
		ssize_t n;
		int r;

		if (nl) {
			size_t l = (size_t)(nl - h->buf);

			snprintf(line, cap, "%.*s", (int)l, h->buf);
			memmove(h->buf, nl + 1, h->len - l - 1);
			h->len -= l + 1;
			return 0;
		}
		if (h->len == sizeof(h->buf))
			return -EPROTO;
		n = read(h->from_fd, h->buf + h->len, sizeof(h->buf) - h->len);
		if (n > 0) {
			h->len += (size_t)n;
			continue;
		}
		if (n == 0)
			return -EPIPE;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		r = host_steps_poll(h->from_fd, POLLIN, deadline);
		if (r)
			return r;
	}
}

int host_steps_run(struct host_steps *h, const struct scn_step *st, int timeout_ms, char *why,
		   size_t len)
{
	int64_t t0 = clock_now_ms(), deadline = t0 + timeout_ms;
	char answer[HOST_STEPS_WHY_MAX + 64], head[40];
	size_t tl = strlen(st->text);
	char *msg;
	int r, n;

	if (h->pid <= 0) {
		snprintf(why, len, "the host-step worker is not running");
		return -1;
	}
	msg = malloc(tl + 48);
	if (!msg) {
		snprintf(why, len, "out of memory for a %zu-byte step", tl);
		return -1;
	}
	n = snprintf(msg, tl + 48, "@@STEP %u %s\n", st->line, st->text);
	r = host_steps_send(h, msg, (size_t)n, deadline);
	free(msg);
	if (!r)
		r = host_steps_recv(h, answer, sizeof(answer), deadline);
	if (r == -ETIMEDOUT) {
		snprintf(why, len,
			 "%s: host step timed out after %.1f s (--step-timeout); worker "
			 "pid %d killed",
			 scn_cmd_name(st->cmd), (double)(clock_now_ms() - t0) / 1000.0,
			 (int)h->pid);
		host_steps_stop(h);
		return -1;
	}
	if (r) {
		snprintf(why, len, "%s: the host-step worker (pid %d) %s", scn_cmd_name(st->cmd),
			 (int)h->pid, r == -EPIPE ? "is gone" : strerror(-r));
		host_steps_stop(h);
		return -1;
	}
	snprintf(head, sizeof(head), "@@RESULT %u ", st->line);
	if (strncmp(answer, head, strlen(head))) {
		snprintf(why, len, "host-step worker answered out of turn: '%.80s'", answer);
		host_steps_stop(h);
		return -1;
	}
	if (!strcmp(answer + strlen(head), "ok"))
		return 0;
	snprintf(why, len, "%s",
		 strncmp(answer + strlen(head), "fail ", 5) ? answer : answer + strlen(head) + 5);
	return -1;
}

void host_steps_stop(struct host_steps *h)
{
	if (h->to_fd >= 0)
		close(h->to_fd);
	if (h->from_fd >= 0)
		close(h->from_fd);
	h->to_fd = h->from_fd = -1;
	/* Not reaped here: its pid is the group's id, which must stay taken until the whole
	 * group is killed and reaped (proc_group_kill). */
	if (h->pid > 0)
		kill(h->pid, SIGKILL);
	h->pid = 0;
	h->len = 0;
}

/* ---- the worker ---- */

static void host_steps_answer(unsigned int line, const char *verdict, const char *why)
{
	char out[HOST_STEPS_WHY_MAX + 64];
	int n = snprintf(out, sizeof(out) - 1, "@@RESULT %u %s%s%s", line, verdict, why ? " " : "",
			 why ? why : "");
	size_t off = 0, l;

	if (n < 0)
		return;
	l = (size_t)n < sizeof(out) - 1 ? (size_t)n : sizeof(out) - 2;
	/* A reason must stay on one line: anything unprintable becomes '?'. */
	for (size_t i = 0; i < l; i++)
		if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] == 0x7f)
			out[i] = '?';
	out[l++] = '\n';
	while (off < l) {
		ssize_t w = write(STDOUT_FILENO, out + off, l - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		off += (size_t)w;
	}
}

static void host_steps_serve_one(struct posix_vfs *pv, char *req, size_t len)
{
	char why[HOST_STEPS_WHY_MAX], full[HOST_STEPS_WHY_MAX];
	struct scn_step st;
	char *end;
	unsigned long line = strtoul(req, &end, 10);
	int rc;

	if (end == req || *end != ' ' || line > 0xffffffffUL) {
		host_steps_answer(0, "fail", "malformed @@STEP header");
		return;
	}
	end++;
	rc = scn_parse_step("host", (unsigned int)line, end, len - (size_t)(end - req), &st, why,
			    sizeof(why));
	if (rc < 0) {
		host_steps_answer((unsigned int)line, "fail", rc == -ENODATA ? "empty step" : why);
		return;
	}
	if (scn_cmd_step_side(&st) != SCN_SIDE_HOST) {
		snprintf(why, sizeof(why), "%s is not a host step", scn_cmd_name(st.cmd));
		host_steps_answer((unsigned int)line, "fail", why);
	} else if (scn_exec_step(&st, &posix_vfs_ops, pv, why, sizeof(why)) == 0) {
		host_steps_answer((unsigned int)line, "ok", NULL);
	} else if (pv->refused[0]) {
		snprintf(full, sizeof(full), "%s: refused: %s", scn_cmd_name(st.cmd), pv->refused);
		host_steps_answer((unsigned int)line, "fail", full);
	} else {
		host_steps_answer((unsigned int)line, "fail", why);
	}
	pv->refused[0] = '\0';
	scn_parse_step_free(&st);
}

int host_steps_main(int argc, char **argv)
{
	struct posix_vfs pv = {.root_fd = -1};
	size_t cap = 65536, used = 0;
	char *buf = malloc(cap);
	int rc;

	log_set_component("host-steps");
	/* Tests: the walk that kernels without openat2 use, on this kernel. */
	if (getenv("BAOHARNESS_CONFINE_WALK"))
		confine_force_walk(1);
	if (argc != 2 || !buf) {
		fprintf(stderr, "usage: baoharness __host-steps SHARE (internal)\n");
		free(buf);
		return 2;
	}
	rc = posix_vfs_open_confined(&pv, argv[1]);
	if (rc) {
		log_err("cannot open the share %s: %s", argv[1], strerror(-rc));
		free(buf);
		return 3;
	}
	for (;;) {
		char *nl = memchr(buf, '\n', used);
		ssize_t n;

		if (nl) {
			size_t l = (size_t)(nl - buf);

			*nl = '\0';
			if (!strncmp(buf, "@@STEP ", 7))
				host_steps_serve_one(&pv, buf + 7, l - 7);
			else
				host_steps_answer(0, "fail", "unknown request");
			memmove(buf, nl + 1, used - l - 1);
			used -= l + 1;
			continue;
		}
		if (used == cap) {
			char *nb;

			if (cap >= HOST_STEPS_LINE_MAX) {
				host_steps_answer(0, "fail", "request line too long");
				break;
			}
			nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(STDIN_FILENO, buf + used, cap - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	posix_vfs_close(&pv);
	free(buf);
	return 0;
}

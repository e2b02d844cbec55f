/* supervise_loop.c - poll the seccomp listener and the signalfd: one notification at a time to
 * supervise_bao, termination signals forwarded to the child (SIGKILL after a grace), reap. */
#include "supervise_loop.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "supervise_notif.h"

/* Forwards a termination signal; returns 1 if one was forwarded. */
static int supervise_loop_signal(int sigfd, pid_t child)
{
	struct signalfd_siginfo si;
	int forwarded = 0;

	while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			continue;
		log_info("signal %u: forwarded to %d", si.ssi_signo, (int)child);
		kill(child, (int)si.ssi_signo);
		forwarded = 1;
	}
	return forwarded;
}

static int supervise_loop_reap(pid_t child, int block)
{
	int st;
	pid_t r;

	do
		r = waitpid(child, &st, block ? 0 : WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == child)
		return st;
	return r < 0 ? -errno : -EAGAIN;
}

static int supervise_loop_fail(pid_t child, int err)
{
	kill(child, SIGKILL);
	supervise_loop_reap(child, 1);
	return err;
}

int supervise_loop_run(struct supervise_bao *b, pid_t child, int sigfd)
{
	struct pollfd p[2] = {{b->listener, POLLIN, 0}, {sigfd, POLLIN, 0}};
	int64_t kill_at = 0;
	struct seccomp_notif n;
	int r, st;

	for (;;) {
		r = poll(p, 2, 200);
		if (r < 0 && errno != EINTR) {
			r = -errno;
			log_err("poll on the seccomp listener failed: %s", strerror(-r));
			return supervise_loop_fail(child, r);
		}
		if (p[0].revents & POLLIN) {
			r = supervise_notif_recv(b->listener, &n);
			if (r == 0)
				supervise_bao_handle(b, &n);
			else if (r != -ENOENT && r != -EINTR) {
				log_err("receiving a seccomp notification failed: %s",
					strerror(-r));
				return supervise_loop_fail(child, r);
			}
		} else if (p[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			p[0].fd = -1; /* nothing runs under the filter any more */
		}
		if (sigfd >= 0 && (p[1].revents & POLLIN) && supervise_loop_signal(sigfd, child) &&
		    !kill_at)
			kill_at = clock_now_ms() + SUPERVISE_LOOP_GRACE_MS;
		st = supervise_loop_reap(child, 0);
		if (st >= 0)
			return st;
		if (st != -EAGAIN) {
			log_err("waitpid(%d) failed: %s", (int)child, strerror(-st));
			return supervise_loop_fail(child, st);
		}
		if (kill_at && clock_now_ms() > kill_at) {
			log_warn("%d still running %d ms after the signal: SIGKILL", (int)child,
				 SUPERVISE_LOOP_GRACE_MS);
			kill(child, SIGKILL);
			kill_at = 0;
		}
	}
}

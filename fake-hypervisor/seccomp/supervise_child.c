/* supervise_child.c - fork the supervised program with the seccomp filter installed between
 * fork and exec, the listener passed back over a socketpair with SCM_RIGHTS. */
#include "supervise_child.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "supervise_filter.h"

#define SUPERVISE_CHILD_HANDOVER_MS 5000

static int supervise_child_send_fd(int sock, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	char byte = 'L';
	struct iovec iov = {&byte, 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm;

	memset(&u, 0, sizeof(u));
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

static int supervise_child_recv_fd(int sock, int timeout_ms)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	char byte;
	struct iovec iov = {&byte, 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct pollfd p = {sock, POLLIN, 0};
	struct cmsghdr *cm;
	ssize_t n;
	int fd, r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return -ETIMEDOUT;
	if (r < 0)
		return -errno;
	memset(&u, 0, sizeof(u));
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECHILD; /* the child closed its end without sending: it failed and said why
				 */
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* In the child: never returns. */
static void supervise_child_run(int sock, pid_t parent, int (*fn)(void *), void *arg)
{
	sigset_t none;
	int listener, r;

	/* Dies with the supervisor; a supervisor already gone must not leave us running. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(SUPERVISE_CHILD_SETUP_FAILED);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	listener = supervise_filter_install();
	if (listener < 0) {
		log_err("installing the seccomp filter (user notification) failed: %s",
			strerror(-listener));
		_exit(SUPERVISE_CHILD_SETUP_FAILED);
	}
	/* From here on an open or a Bao ioctl waits for the parent: send the listener first. */
	r = supervise_child_send_fd(sock, listener);
	if (r) {
		log_err("handing the seccomp listener (fd %d) to the supervisor failed: %s",
			listener, strerror(-r));
		_exit(SUPERVISE_CHILD_SETUP_FAILED);
	}
	close(listener);
	close(sock);
	_exit(fn(arg));
}

int supervise_child_spawn(int (*fn)(void *arg), void *arg, struct supervise_child *out)
{
	pid_t parent = getpid(), pid;
	int sv[2], fd, st;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		fd = -errno;
		log_err("socketpair for the seccomp listener failed: %s", strerror(-fd));
		return fd;
	}
	pid = fork();
	if (pid < 0) {
		fd = -errno;
		log_err("fork failed: %s", strerror(-fd));
		close(sv[0]);
		close(sv[1]);
		return fd;
	}
	if (pid == 0) {
		close(sv[0]);
		supervise_child_run(sv[1], parent, fn, arg);
	}
	close(sv[1]);
	fd = supervise_child_recv_fd(sv[0], SUPERVISE_CHILD_HANDOVER_MS);
	close(sv[0]);
	if (fd < 0) {
		log_err("child %d did not hand over its seccomp listener: %s", (int)pid,
			strerror(-fd));
		kill(pid, SIGKILL);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		return fd;
	}
	out->pid = pid;
	out->listener = fd;
	return 0;
}

int supervise_child_exec(void *arg)
{
	const struct supervise_child_exec *e = arg;

	execve(e->path, e->argv, e->envp);
	log_err("exec %s failed: %s", e->path, strerror(errno));
	return SUPERVISE_CHILD_EXEC_FAILED;
}

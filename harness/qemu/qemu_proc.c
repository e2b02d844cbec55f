/* qemu_proc.c - spawn and stop QEMU. An exec failure travels back through a CLOEXEC pipe so
 * a missing binary is an error at start rather than a boot timeout later. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qemu_proc.h"

#define QEMU_PROC_POLL_US 10000

/* In the child: never returns. */
static void qemu_proc_child(char *const argv[], int out_fd, int err_pipe, pid_t parent, pid_t pgid)
{
	int e, nul;

	if (pgid > 0)
		setpgid(0, pgid);
	/* Dies with the harness; covers the race of the parent dying before prctl. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127);
	nul = open("/dev/null", O_RDONLY);
	if (nul >= 0) {
		dup2(nul, STDIN_FILENO);
		close(nul);
	}
	if (out_fd >= 0) {
		dup2(out_fd, STDOUT_FILENO);
		dup2(out_fd, STDERR_FILENO);
	}
	execvp(argv[0], argv);
	e = errno;
	if (write(err_pipe, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

pid_t qemu_proc_spawn_in(char *const argv[], int out_fd, pid_t pgid)
{
	pid_t parent = getpid(), pid;
	int p[2], e = 0;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		e = errno;
		close(p[0]);
		close(p[1]);
		return -e;
	}
	if (pid == 0)
		qemu_proc_child(argv, out_fd, p[1], parent, pgid);
	if (pgid > 0)
		setpgid(pid, pgid);
	close(p[1]);
	/* EOF (0 bytes) means the exec succeeded and closed the pipe. */
	do
		n = read(p[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	if (n == (ssize_t)sizeof(e)) {
		waitpid(pid, NULL, 0);
		return -e;
	}
	return pid;
}

pid_t qemu_proc_spawn(char *const argv[], int out_fd)
{
	return qemu_proc_spawn_in(argv, out_fd, 0);
}

int qemu_proc_wait(pid_t pid, int timeout_ms, int *status)
{
	int waited = 0, st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid || (r < 0 && errno == ECHILD)) {
			if (status)
				*status = r == pid ? st : 0;
			return 1;
		}
		if (waited >= timeout_ms)
			return 0;
		usleep(QEMU_PROC_POLL_US);
		waited += QEMU_PROC_POLL_US / 1000;
	}
}

int qemu_proc_kill(pid_t pid, int timeout_ms)
{
	int st = 0;

	if (pid <= 0)
		return -EINVAL;
	if (kill(pid, SIGTERM) < 0 && errno == ESRCH)
		return qemu_proc_wait(pid, 0, &st) ? st : -ESRCH;
	if (qemu_proc_wait(pid, timeout_ms, &st))
		return st;
	kill(pid, SIGKILL);
	/* SIGKILL cannot be ignored; 5 s covers a loaded machine without ever hanging. */
	if (qemu_proc_wait(pid, 5000, &st))
		return st;
	return -ETIMEDOUT;
}

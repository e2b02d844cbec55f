/* proc.c - spawning and reaping the harness's children with bounded waits. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

static void proc_child(char *const argv[], char *const extra_env[], char *const unset_env[],
		       int err_fd, pid_t parent)
{
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Scenario modes are exact (umask 0 on every frontend); virtiofsd applies its own umask. */
	umask(0);
	if (getppid() != parent)
		_exit(127);
	if (null_fd >= 0) {
		dup2(null_fd, STDIN_FILENO);
		dup2(null_fd, STDOUT_FILENO);
	}
	if (err_fd >= 0)
		dup2(err_fd, STDERR_FILENO);
	for (size_t i = 0; unset_env && unset_env[i]; i++)
		unsetenv(unset_env[i]);
	for (size_t i = 0; extra_env && extra_env[i]; i++)
		putenv(extra_env[i]);
	execv(argv[0], argv);
	dprintf(STDERR_FILENO, "baoharness: cannot execute %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

pid_t proc_spawn(char *const argv[], char *const extra_env[], char *const unset_env[], int err_fd)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		proc_child(argv, extra_env, unset_env, err_fd, parent);
	return pid;
}

int proc_alive(pid_t pid, int *status)
{
	int st = 0;
	pid_t r = waitpid(pid, &st, WNOHANG);

	if (r == 0)
		return 1;
	if (r == pid && status)
		*status = st;
	return 0;
}

int proc_stop(pid_t pid, int sig, int timeout_ms)
{
	struct timespec pause = {0, 5 * 1000000L};
	int st = 0;

	if (pid <= 0)
		return -EINVAL;
	if (sig)
		kill(pid, sig);
	for (int waited = 0; waited <= timeout_ms; waited += 5) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return st;
		if (r < 0)
			return -errno;
		nanosleep(&pause, NULL);
	}
	kill(pid, SIGKILL);
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return st;
}

const char *proc_status_str(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "wait status 0x%x", status);
	return buf;
}

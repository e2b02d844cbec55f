/* proc.c - spawning and reaping the harness's children with bounded waits. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <dirent.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

static void proc_child(char *const argv[], char *const extra_env[], char *const unset_env[],
		       int err_fd, pid_t parent, pid_t pgid)
{
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (pgid >= 0)
		setpgid(0, pgid);
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

pid_t proc_spawn_in(char *const argv[], char *const extra_env[], char *const unset_env[],
		    int err_fd, pid_t pgid)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		proc_child(argv, extra_env, unset_env, err_fd, parent, pgid);
	/* Both sides set it, so the group is right whichever runs first (the child's exec makes
	 * a late call from here fail with EACCES, harmlessly). */
	if (pgid >= 0)
		setpgid(pid, pgid ? pgid : pid);
	return pid;
}

pid_t proc_spawn(char *const argv[], char *const extra_env[], char *const unset_env[], int err_fd)
{
	return proc_spawn_in(argv, extra_env, unset_env, err_fd, -1);
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

/* /proc/PID/stat: "pid (comm) S ppid pgrp ..."; comm may hold spaces and parentheses, so
 * the fields after it are found from the last ')'. 0, or -errno when the process is gone. */
int proc_stat_read(pid_t pid, struct proc_stat *ps)
{
	char path[64], buf[512], *open_paren, *close_paren;
	int fd, ppid = 0, pgrp = 0;
	ssize_t n;
	char state = '?';

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -ENOENT;
	buf[n] = '\0';
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren ||
	    sscanf(close_paren + 1, " %c %d %d", &state, &ppid, &pgrp) != 3)
		return -EPROTO;
	ps->pid = pid;
	ps->state = state;
	ps->ppid = ppid;
	ps->pgrp = pgrp;
	n = close_paren - open_paren - 1;
	if ((size_t)n >= sizeof(ps->comm))
		n = sizeof(ps->comm) - 1;
	memcpy(ps->comm, open_paren + 1, (size_t)n);
	ps->comm[n] = '\0';
	return 0;
}

int proc_group_scan(pid_t pgid, int (*fn)(void *arg, const struct proc_stat *ps), void *arg)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct proc_stat ps;
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 0 || proc_stat_read((pid_t)pid, &ps) || ps.pgrp != pgid)
			continue;
		/* A zombie is dead already: it only waits to be reaped. */
		if (ps.state == 'Z' || ps.state == 'X')
			continue;
		n++;
		if (fn && fn(arg, &ps))
			break;
	}
	closedir(d);
	return n;
}

struct proc_stopped_text {
	char *buf;
	size_t len, off;
	int count;
};

static int proc_group_stopped_one(void *arg, const struct proc_stat *ps)
{
	struct proc_stopped_text *t = arg;

	if (ps->state != 'T' && ps->state != 't')
		return 0;
	t->count++;
	if (t->off < t->len)
		t->off += (size_t)snprintf(t->buf + t->off, t->len - t->off, "%s%s (pid %d) is %s",
					   t->off ? "; " : "", ps->comm, (int)ps->pid,
					   ps->state == 'T' ? "stopped" : "stopped by a tracer");
	return 0;
}

int proc_group_stopped(pid_t pgid, char *buf, size_t len)
{
	struct proc_stopped_text t = {.buf = buf, .len = len};
	int r;

	if (len)
		buf[0] = '\0';
	if (pgid <= 0)
		return 0;
	r = proc_group_scan(pgid, proc_group_stopped_one, &t);
	return r < 0 ? r : t.count;
}

int proc_group_kill(pid_t pgid, int timeout_ms)
{
	struct timespec pause = {0, 2 * 1000000L};
	int left = 0;

	if (pgid <= 0)
		return 0;
	for (int waited = 0; waited <= timeout_ms; waited += 2) {
		/* Again each round: a member that was mid-fork may have left a new child. */
		kill(-pgid, SIGKILL);
		/* Reap our own children in the group; their children are init's. */
		while (waitpid(-pgid, NULL, WNOHANG) > 0)
			;
		left = proc_group_scan(pgid, NULL, NULL);
		if (left <= 0)
			return 0;
		nanosleep(&pause, NULL);
	}
	return left;
}

/* bench_cmd.c - child programs of the benchmark: spawned in their own process group so a
 * timeout stops everything they started (QEMU, virtiofsd), bounded waits, output to a file. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "bench.h"
#include "bench_cmd.h"
#include "stack.h"

static void bench_cmd_child(char *const argv[], int out_fd, pid_t parent)
{
	int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	if (null_fd >= 0)
		dup2(null_fd, STDIN_FILENO);
	dup2(out_fd, STDOUT_FILENO);
	dup2(out_fd, STDERR_FILENO);
	execv(argv[0], argv);
	dprintf(STDERR_FILENO, "bao-bench: cannot execute %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Wait for pid until deadline_ns; 0 with *st set, or -ETIMEDOUT. */
static int bench_cmd_wait(pid_t pid, int64_t deadline_ns, int *st)
{
	struct timespec pause = {0, 20 * 1000000L};

	for (;;) {
		pid_t r = waitpid(pid, st, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (clock_now_ns() >= deadline_ns)
			return -ETIMEDOUT;
		nanosleep(&pause, NULL);
	}
}

int bench_cmd_run(char *const argv[], const char *out_path, int timeout_ms)
{
	pid_t parent = getpid(), pid;
	int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int st = 0, rc;

	if (fd < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (pid == 0)
		bench_cmd_child(argv, fd, parent);
	close(fd);
	setpgid(pid, pid); /* also in the child: whichever runs first */
	rc = bench_cmd_wait(pid, clock_now_ns() + (int64_t)timeout_ms * 1000000LL, &st);
	if (rc == -ETIMEDOUT) {
		kill(-pid, SIGTERM);
		if (bench_cmd_wait(pid, clock_now_ns() + 2000000000LL, &st))
			kill(-pid, SIGKILL), waitpid(pid, &st, 0);
		return -ETIMEDOUT;
	}
	return rc ? rc : st;
}

int bench_cmd_value(const char *out_path, const char *prefix, const char *key, double *v)
{
	FILE *f = fopen(out_path, "r");
	char line[4096];
	size_t kl = strlen(key);
	int rc = -ENOENT;

	if (!f)
		return -errno;
	while (rc == -ENOENT && fgets(line, sizeof(line), f)) {
		char *p = line;

		if (strncmp(line, prefix, strlen(prefix)))
			continue;
		while ((p = strstr(p, key)) != NULL) {
			char *end;

			/* whole key only: start of line or after a blank, then '=' or ':' */
			if ((p == line || p[-1] == ' ' || p[-1] == ':') &&
			    (p[kl] == '=' || p[kl] == ':')) {
				*v = strtod(p + kl + 1, &end);
				if (end != p + kl + 1) {
					rc = 0;
					break;
				}
			}
			p += kl;
		}
		break; /* only the first line with the prefix */
	}
	fclose(f);
	return rc;
}

int bench_cmd_sibling(const char *name, char *buf, size_t len)
{
	int rc = stack_rundir_sibling(name, buf, len);

	return rc ? rc : access(buf, X_OK) ? -errno : 0;
}

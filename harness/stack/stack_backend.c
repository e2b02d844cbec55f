/* stack_backend.c - the backend launcher: virtiofsd on the share at RUN/Fs0.sock, in the
 * stack's process group, its log in the run directory. The one place a virtiofsd is started
 * (the --virtiofsd choice of backend lands here). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <signal.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "stack.h"
#include "stack_priv.h"

#define VIRTIOFSD_DEFAULT "/usr/lib/qemu/virtiofsd"

static const char *stack_backend_path(void)
{
	const char *p = getenv("BAOHARNESS_VIRTIOFSD");

	return p && *p ? p : VIRTIOFSD_DEFAULT;
}

static int stack_backend_wait_socket(const char *path, pid_t pid, int timeout_ms)
{
	struct timespec pause = {0, 5 * 1000000L};

	for (int waited = 0; waited < timeout_ms; waited += 5) {
		if (access(path, F_OK) == 0)
			return 0;
		if (!proc_alive(pid, NULL))
			return -ECHILD;
		nanosleep(&pause, NULL);
	}
	return -ETIMEDOUT;
}

pid_t stack_backend_spawn(const char *share, const char *sock, const char *log, int append,
			  pid_t pgid)
{
	const char *bin = stack_backend_path();
	char sock_arg[PATH_MAX + 32], src_arg[PATH_MAX + 16];
	char *argv[] = {(char *)bin, sock_arg, "-o", src_arg, "-o", "cache=none", NULL};
	char *unset[] = {"LD_PRELOAD", NULL};
	pid_t pid;
	int fd, r;

	if (access(bin, X_OK) != 0) {
		log_err("virtiofsd not found at %s (Debian package qemu-system-common; or set "
			"BAOHARNESS_VIRTIOFSD)",
			bin);
		return STACK_ENV_MISSING;
	}
	snprintf(sock_arg, sizeof(sock_arg), "--socket-path=%s", sock);
	snprintf(src_arg, sizeof(src_arg), "source=%s", share);
	fd = open(log, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0644);
	if (fd < 0)
		return -errno;
	/* A killed virtiofsd leaves its socket file behind: never mistake it for the new one. */
	unlink(sock);
	pid = proc_spawn_in(argv, NULL, unset, fd, pgid);
	close(fd);
	if (pid < 0) {
		log_err("cannot start %s: %s", bin, strerror(-pid));
		return pid;
	}
	r = stack_backend_wait_socket(sock, pid, 5000);
	if (r) {
		log_err("virtiofsd (%s) did not create its socket %s: %s", bin, sock,
			r == -ECHILD ? "it exited" : "timed out after 5 s");
		proc_stop(pid, SIGKILL, 1000);
		return geteuid() != 0 ? STACK_ENV_MISSING : -EIO;
	}
	return pid;
}

int stack_backend_start(struct stack *s)
{
	char sock[PATH_MAX + 16];
	pid_t pid;

	snprintf(sock, sizeof(sock), "%s/Fs0.sock", s->rundir);
	snprintf(s->vfsd_log, sizeof(s->vfsd_log), "%s/virtiofsd.log", s->rundir);
	/* A restart (fault injection) appends to the first one's log. */
	pid = stack_backend_spawn(s->share, sock, s->vfsd_log, s->vfsd_starts > 0, s->pgid);
	s->vfsd_starts++;
	if (pid < 0) {
		s->vfsd_pid = 0;
		stack_backend_print_log(s, 10);
		return pid;
	}
	s->vfsd_pid = pid;
	return 0;
}

void stack_backend_print_log(const struct stack *s, int lines)
{
	char buf[8192];
	int fd = open(s->vfsd_log, O_RDONLY | O_CLOEXEC);
	off_t size;
	ssize_t n;
	char *p;

	if (fd < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	lseek(fd, size > (off_t)sizeof(buf) - 1 ? size - ((off_t)sizeof(buf) - 1) : 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	/* Walk back over the last `lines` newlines (the final one ends the last line). */
	p = buf + n - 1;
	while (p > buf && lines >= 0) {
		if (*--p == '\n')
			lines--;
	}
	if (*p == '\n')
		p++;
	fprintf(stderr, "--- tail of %s ---\n%s", s->vfsd_log, p);
}

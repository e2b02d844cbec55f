/* stack_shim.c - the vhost-user shim (`bao-vu-shim`, harness/vushim) in front of virtiofsd on the
 * qemu-native frontend, started only when the guest fuzzer asks for mutated replies: QEMU's own
 * vhost-user-fs-device has no device model in its path, so the shim is where replies change. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "stack.h"
#include "stack_priv.h"

#define STACK_SHIM_READY_MS 15000 /* its connect to virtiofsd is bounded by 10 s */

/* The last lines of the shim's log, for a failure message. */
static void stack_shim_tail(const struct stack *s, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/vu-shim.log", s->rundir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (lseek(fd, 0, SEEK_END) > (off_t)len - 1)
		lseek(fd, -(off_t)(len - 1), SEEK_END);
	else
		lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	for (char *p = buf; *p; p++)
		if (*p == '\n' && p[1])
			*p = ' ';
}

int stack_shim_start(struct stack *s, const struct stack_opts *o, char *sock, size_t len)
{
	char prog[PATH_MAX], vsock[PATH_MAX + 16], logp[PATH_MAX], tail[400], st[64];
	char *argv[12];
	struct timespec pause = {0, 5 * 1000000L};
	struct stat sb;
	int n = 0, err_fd, status = 0;

	if (stack_rundir_sibling("bao-vu-shim", prog, sizeof(prog)) || access(prog, X_OK)) {
		log_err(
		    "the vhost-user shim bao-vu-shim is not next to this program (%s): make all",
		    prog);
		return STACK_ENV_MISSING;
	}
	snprintf(vsock, sizeof(vsock), "%s/Fs0.sock", s->rundir);
	snprintf(sock, len, "%s/shim.sock", s->rundir);
	snprintf(logp, sizeof(logp), "%s/vu-shim.log", s->rundir);
	argv[n++] = prog;
	argv[n++] = "--listen";
	argv[n++] = sock;
	argv[n++] = "--backend";
	argv[n++] = vsock;
	argv[n++] = "--mutate-replies";
	argv[n++] = (char *)o->mutate_replies;
	argv[n++] = "--mutate-dir";
	argv[n++] = s->rundir;
	if (o->verbose)
		argv[n++] = "-v";
	argv[n] = NULL;
	err_fd = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (err_fd < 0) {
		log_err("vhost-user shim: cannot create its log %s: %s", logp, strerror(errno));
		return -errno;
	}
	s->shim_pid = proc_spawn_in(argv, NULL, NULL, err_fd, s->pgid);
	close(err_fd);
	if (s->shim_pid < 0) {
		int e = (int)s->shim_pid;

		s->shim_pid = 0;
		log_err("vhost-user shim %s: cannot start: %s", prog, strerror(-e));
		return e;
	}
	/* Its socket appears once it is connected to virtiofsd and listens for QEMU. */
	for (int waited = 0; waited < STACK_SHIM_READY_MS; waited += 5) {
		if (stat(sock, &sb) == 0 && S_ISSOCK(sb.st_mode))
			return 0;
		if (!proc_alive(s->shim_pid, &status)) {
			s->shim_pid = 0;
			stack_shim_tail(s, tail, sizeof(tail));
			log_err("vhost-user shim %s before listening on %s: %s",
				proc_status_str(status, st, sizeof(st)), sock, tail);
			return -ECHILD;
		}
		nanosleep(&pause, NULL);
	}
	log_err("vhost-user shim did not listen on %s within %d ms", sock, STACK_SHIM_READY_MS);
	return -ETIMEDOUT;
}

void stack_shim_health(struct stack *s, char *buf, size_t len)
{
	char st[64], tail[300];
	int status = 0;

	buf[0] = '\0';
	if (s->shim_pid <= 0 || proc_alive(s->shim_pid, &status))
		return;
	s->shim_pid = 0;
	/* It ends with status 0 when QEMU or virtiofsd hung up: the guest's death, not ours. */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	stack_shim_tail(s, tail, sizeof(tail));
	snprintf(buf, len, "vhost-user shim %s (%s)", proc_status_str(status, st, sizeof(st)),
		 tail);
}

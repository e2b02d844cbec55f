/* doctor_notify.c - the doctor's seccomp user-notification check
 * (SECCOMP_FILTER_FLAG_NEW_LISTENER): what a syscall-trapping fakebao (fake-hypervisor/seccomp)
 * needs; optional until a run uses it. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "doctor.h"

/* In a child: install an allow-all filter asking for a listener fd; 0 or -errno. */
static int doctor_notify_try(void)
{
	struct sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
	struct sock_fprog prog = {1, allow};
	struct seccomp_notif_sizes sizes;
	long fd;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes))
		return -errno;
	fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (fd < 0)
		return -errno;
	close((int)fd);
	return 0;
}

/* The child's errno travels in its exit status (the filter must not stay on the doctor). */
static int doctor_notify_in_child(void)
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(-doctor_notify_try() & 0xff);
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) ? -WEXITSTATUS(st) : -EINTR;
}

void doctor_notify_check(const struct doctor_want *w, struct doctor_result *r)
{
	int rc = doctor_notify_in_child();

	(void)w;
	r->optional = 1;
	snprintf(r->why_opt, sizeof(r->why_opt), "for fakebao's seccomp trapping");
	r->ok = rc == 0;
	snprintf(r->detail, sizeof(r->detail), "seccomp user notification %s%s",
		 rc ? "refused: " : "works (a listener fd from SECCOMP_FILTER_FLAG_NEW_LISTENER)",
		 rc ? strerror(-rc) : "");
	snprintf(
	    r->fix, sizeof(r->fix),
	    "Linux >= 5.0 with CONFIG_SECCOMP_FILTER; a container runtime that allows seccomp()");
}

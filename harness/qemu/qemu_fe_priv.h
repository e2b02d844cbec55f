/* qemu_fe_priv.h - the inside of a struct qemu_fe, shared by qemu_fe.c (boot, steps, stop)
 * and qemu_interact.c (shell mode's console proxy), and its guest-unusable ending, shared with
 * qemu_fe_fio.c and qemu_fe_fuzz.c. Not for other components. */
#ifndef HARNESS_QEMU_FE_PRIV_H
#define HARNESS_QEMU_FE_PRIV_H

#include <limits.h>
#include <sys/types.h>

#include "qemu_console.h"
#include "qemu_fe.h"

#define QEMU_FE_KILL_MS 2000 /* SIGTERM to SIGKILL */

struct qemu_fe {
	pid_t pid; /* QEMU, 0 once reaped */
	struct qemu_console con;
	int con_log_fd;
	int qemu_log_fd;
	char sock[PATH_MAX];
	char qemu_log[PATH_MAX];
	int shell;  /* booted with baoharness.shell=1: no agent on the console */
	int broken; /* sticky harness error (-errno) after a timeout or a lost console */
	char broken_why[1024];
	/* What the guest's watchdog said about the request in progress (@@GUEST lines). */
	char evidence[768];
	size_t evidence_len;
};

/* The guest is unusable from now on (sticky), with why: the caller's own for -ETIMEDOUT, -EIO
 * and -EPROTO (what it waited for, what the agent said), the console's error otherwise.
 * Returns rc. One ending for qemu_fe.c's steps, qemu_fe_fio.c and qemu_fe_fuzz.c. */
int qemu_fe_broken(struct qemu_fe *q, int rc, char *why, size_t whylen);

#endif

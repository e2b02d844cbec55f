/* supervise_loop.h - the supervisor's loop: serve the child's notifications, forward
 * SIGTERM/SIGINT/SIGHUP to it, and end when it is reaped. */
#ifndef SUPERVISE_LOOP_H
#define SUPERVISE_LOOP_H

#include <sys/types.h>

#include "supervise_bao.h"

/* After a forwarded signal the child has this long to exit before it is SIGKILLed. */
#define SUPERVISE_LOOP_GRACE_MS 5000

/* Serves b's listener until child (ours, not yet reaped) exits. sigfd, when >= 0, is a
 * signalfd for SIGCHLD, SIGTERM, SIGINT and SIGHUP (blocked in every thread). Returns the
 * child's wait status, or -errno when the supervisor itself failed (the child is then killed
 * and reaped). */
int supervise_loop_run(struct supervise_bao *b, pid_t child, int sigfd);

#endif

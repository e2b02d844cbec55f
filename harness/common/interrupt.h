/* interrupt.h - SIGINT, SIGTERM and SIGHUP end any command cleanly: every live stack's process
 * group is killed at once from the handler (so the step in progress fails within a bound), the
 * signal is remembered, and the command stops its stack, removes its run directory and exits
 * with 128 + the signal number. */
#ifndef HARNESS_INTERRUPT_H
#define HARNESS_INTERRUPT_H

#include <sys/types.h>

/* Install the handlers (no SA_RESTART). Idempotent. */
void interrupt_install(void);
/* The first signal received, or 0. */
int interrupt_signal(void);
/* A stack's process group the handler must kill; 0 or -ENOSPC (then it is not watched). */
int interrupt_watch(pid_t pgid);
void interrupt_unwatch(pid_t pgid);
/* "interrupted by SIGINT" etc. for messages. */
const char *interrupt_name(int sig);

#endif

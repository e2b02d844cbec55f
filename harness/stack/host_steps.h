/* host_steps.h - host steps (host-write, host-read, ...) run in a worker process of the
 * stack, confined to the share, so that any step can be bounded by --step-timeout and killed:
 * the runner never blocks in a system call on a share the guest controls. The worker leads
 * the stack's process group. Protocol: the guest agent's (harness/qemu/README.md). */
#ifndef HARNESS_HOST_STEPS_H
#define HARNESS_HOST_STEPS_H

#include <stddef.h>
#include <sys/types.h>

struct scn_step;

struct host_steps {
	pid_t pid;   /* the worker, 0 when not running */
	pid_t pgid;  /* the group it leads (or joined), kept after it is gone */
	int to_fd;   /* requests: "@@STEP N TEXT\n" */
	int from_fd; /* answers: "@@RESULT N ok" / "@@RESULT N fail WHY" */
	char buf[4096];
	size_t len;
};

/* Start `baoharness __host-steps SHARE`: pgid 0 makes it a new group's leader, > 0 joins that
 * group. Returns 0 or -errno (message logged). */
int host_steps_start(struct host_steps *h, const char *baoharness, const char *share, pid_t pgid);
/* Run one host step within timeout_ms: 0 passed; -1 failed with why; a worker that does not
 * answer in time is killed and the step fails with its name and the time. */
int host_steps_run(struct host_steps *h, const struct scn_step *st, int timeout_ms, char *why,
		   size_t len);
/* Close the pipes and kill the worker (it is reaped with the stack's group). */
void host_steps_stop(struct host_steps *h);

/* The worker's main: serves steps on stdin/stdout until EOF. */
int host_steps_main(int argc, char **argv);

#endif

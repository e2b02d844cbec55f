/* qemu_proc.h - the QEMU child process: spawned so that it dies with the harness, stopped
 * with bounded waits so it is never left running. */
#ifndef HARNESS_QEMU_PROC_H
#define HARNESS_QEMU_PROC_H

#include <sys/types.h>

/* Start argv (argv[0] looked up in PATH) with stdin /dev/null and stdout+stderr to out_fd.
 * The child gets PR_SET_PDEATHSIG(SIGKILL). Returns the pid, or -errno when the fork or the
 * exec failed (exec errors are reported back through a pipe: -ENOENT for a missing QEMU). */
pid_t qemu_proc_spawn(char *const argv[], int out_fd);
/* The same, the child in process group pgid (> 0; 0 leaves it in ours). */
pid_t qemu_proc_spawn_in(char *const argv[], int out_fd, pid_t pgid);
/* Wait up to timeout_ms for the child to exit by itself; 1 if it did (reaped, *status set
 * when not NULL), 0 if still running. */
int qemu_proc_wait(pid_t pid, int timeout_ms, int *status);
/* SIGTERM, wait up to timeout_ms, then SIGKILL and reap. Returns the wait status or -errno. */
int qemu_proc_kill(pid_t pid, int timeout_ms);

#endif

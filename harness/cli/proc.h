/* proc.h - child processes of the harness (virtiofsd, the device model): spawn with a clean
 * environment of our choosing, stop with a bounded wait, never leave one behind. */
#ifndef HARNESS_PROC_H
#define HARNESS_PROC_H

#include <sys/types.h>

/* Spawn argv[0] with extra "NAME=value" strings added to the environment (NULL-terminated,
 * may be NULL) and unset_env names removed; stderr goes to err_fd when >= 0 (else inherited),
 * stdout to /dev/null. The child dies with the harness (PR_SET_PDEATHSIG). Returns pid or -errno.
 */
pid_t proc_spawn(char *const argv[], char *const extra_env[], char *const unset_env[], int err_fd);
/* Non-blocking: 1 if running, 0 if it exited (*status set when not NULL). */
int proc_alive(pid_t pid, int *status);
/* Send sig, wait up to timeout_ms, then SIGKILL and reap. Returns the wait status or -errno. */
int proc_stop(pid_t pid, int sig, int timeout_ms);
/* Describe a wait status: "exited with status 1", "killed by signal 6 (Aborted)". */
const char *proc_status_str(int status, char *buf, size_t len);

#endif

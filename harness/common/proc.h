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
/* The same, in process group pgid: 0 makes the child the leader of a new group, -1 leaves it
 * in ours. A stack's processes share one group so that one kill reaches them all, sandbox
 * children and stopped processes included. */
pid_t proc_spawn_in(char *const argv[], char *const extra_env[], char *const unset_env[],
		    int err_fd, pid_t pgid);
/* Non-blocking: 1 if running, 0 if it exited (*status set when not NULL). */
int proc_alive(pid_t pid, int *status);
/* Send sig, wait up to timeout_ms, then SIGKILL and reap. Returns the wait status or -errno. */
int proc_stop(pid_t pid, int sig, int timeout_ms);
/* Describe a wait status: "exited with status 1", "killed by signal 6 (Aborted)". */
const char *proc_status_str(int status, char *buf, size_t len);

/* A process as /proc/PID/stat describes it. */
struct proc_stat {
	pid_t pid;
	char state; /* R S D T t Z X ... */
	pid_t ppid;
	pid_t pgrp;
	char comm[32];
};
int proc_stat_read(pid_t pid, struct proc_stat *ps);
/* Calls fn for every live (non-zombie) process of group pgid (fn may be NULL; nonzero stops
 * the walk). Returns how many there were, or -errno. */
int proc_group_scan(pid_t pgid, int (*fn)(void *arg, const struct proc_stat *ps), void *arg);
/* Describes the group's stopped members ("virtiofsd (pid 12) is stopped; ...") in buf and
 * returns how many there are. */
int proc_group_stopped(pid_t pgid, char *buf, size_t len);
/* SIGKILL the whole group, stopped members included, and reap what is ours; waits up to
 * timeout_ms for the group to be empty. Returns 0, or how many members are still there. */
int proc_group_kill(pid_t pgid, int timeout_ms);

#endif

/* supervise_child.h - start the supervised program: fork, die with the supervisor, install
 * the seccomp filter, hand its listener to the parent over a socketpair, then run. */
#ifndef SUPERVISE_CHILD_H
#define SUPERVISE_CHILD_H

#include <sys/types.h>

/* Exit status of a child that could not be set up (filter, listener hand-over) and of one whose
 * exec failed, as env(1) and the shells use them. */
#define SUPERVISE_CHILD_SETUP_FAILED 125
#define SUPERVISE_CHILD_EXEC_FAILED 127

struct supervise_child {
	pid_t pid;
	int listener; /* the seccomp notification fd, in the parent */
};

/* Forks; the child gets PR_SET_PDEATHSIG(SIGKILL), an empty signal mask and default SIGPIPE,
 * installs the filter (supervise_filter_install), sends the listener to the parent and then
 * _exit(fn(arg)). The parent waits up to 5 s for the listener. Returns 0 with *out filled, or
 * -errno (message logged; a child that got that far is killed and reaped). */
int supervise_child_spawn(int (*fn)(void *arg), void *arg, struct supervise_child *out);

struct supervise_child_exec {
	const char *path;
	char **argv;
	char **envp;
};
/* An fn for supervise_child_spawn: execve(path, argv, envp); on failure a message and
 * SUPERVISE_CHILD_EXEC_FAILED. */
int supervise_child_exec(void *arg);

#endif

/* fuzz_oracle.h - whole-stack fuzzer oracles outside the reply itself: a canary file next to
 * the share (content and mtime), the run directory's entries (nothing created outside the
 * share), and the fd count of virtiofsd's sandboxed child. */
#ifndef HARNESS_FUZZ_ORACLE_H
#define HARNESS_FUZZ_ORACLE_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#define FUZZ_ORACLE_MAX_ENTRIES 32

struct fuzz_oracle {
	char dir[4096]; /* the directory holding the share (the stack's run directory) */
	char canary[4200];
	struct timespec canary_mtime;
	char entries[FUZZ_ORACLE_MAX_ENTRIES][64];
	unsigned n_entries;
	pid_t vfsd_pid;	  /* the process started */
	pid_t vfsd_child; /* the one serving requests (namespace sandbox), or vfsd_pid */
	int fds_base, fds_max;
};

/* Plant the canary next to share and remember the directory's entries. 0 or -errno. */
int fuzz_oracle_arm(struct fuzz_oracle *o, const char *share, pid_t vfsd_pid);
/* 0 when intact; otherwise -1 with what changed in why. */
int fuzz_oracle_check_outside(struct fuzz_oracle *o, char *why, size_t len);
/* Open fds of virtiofsd's serving process, or -1 when it cannot be read. */
int fuzz_oracle_fds(struct fuzz_oracle *o);
/* How virtiofsd ended, from health (stack_health's text) and the last line of its log
 * vfsd_log (copied into last): "abort" (assert, fortify), "signal", "panic" or "exit". */
/* 1 when virtiofsd's process pid (its serving worker) is still working - a thread running or
 * in uninterruptible sleep, or CPU time spent over 300 ms: a request that did not complete in
 * time because the backend is busy with it (a mutated length), not lost by the harness. */
int fuzz_oracle_backend_busy(pid_t pid);
const char *fuzz_oracle_death_kind(const char *vfsd_log, const char *health, char *last,
				   size_t len);

#endif

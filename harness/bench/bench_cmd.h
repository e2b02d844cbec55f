/* bench_cmd.h - run another program for a measurement (baoharness, a fuzz target) with its
 * stdout and stderr in a file and a hard time bound, then look for a "key=value" in that file. */
#ifndef HARNESS_BENCH_CMD_H
#define HARNESS_BENCH_CMD_H

#include <stddef.h>

/* Run argv (argv[0] a path) in its own process group, stdout+stderr to out_path (truncated),
 * stdin /dev/null. After timeout_ms the group gets SIGTERM, then SIGKILL 2 s later.
 * Returns the wait status (>= 0) or -errno (-ETIMEDOUT when it had to be stopped). */
int bench_cmd_run(char *const argv[], const char *out_path, int timeout_ms);

/* In out_path, the first line starting with prefix: the number after key ("key=" or "key: ")
 * on it. 0 found, -ENOENT not there, -errno. */
int bench_cmd_value(const char *out_path, const char *prefix, const char *key, double *v);

/* stack_rundir_sibling (next to this executable: baoharness, fuzz/fuzz_x), and executable.
 * 0 or -errno. */
int bench_cmd_sibling(const char *name, char *buf, size_t len);

#endif

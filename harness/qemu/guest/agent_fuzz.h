/* agent_fuzz.h - the guest fuzzer's workload (issue 18): a child process keeps the FUSE client
 * busy on the mount while the host's hostile backend mutates replies; the agent watches it and
 * the kernel log and reports oracles. Protocol lines: harness/qemu/README.md, "Guest fuzzing". */
#ifndef AGENT_FUZZ_H
#define AGENT_FUZZ_H

/* How the agent talks to the host: one framed line each. */
struct agent_fuzz_io {
	void (*say)(void *ctx, const char *line);
	void *ctx;
	const char *mnt;
};

/* "@@FUZZ <ms> <seed> [remount%]": run the workload in a child for ms milliseconds (a remount,
 * i.e. a fresh FUSE_INIT, in remount% of its operations: default 1); report "@@ANOMALY",
 * "@@ORACLE", "@@TRACE" and "@@HANG" lines as they come, then "@@RESULT 0 ok FUZZ ops=N
 * errors=N anomalies=N oracles=N child=STATUS". args is the text after "@@FUZZ ". */
void agent_fuzz_run(const struct agent_fuzz_io *io, const char *args);

#endif

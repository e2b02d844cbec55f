/* qemu_fe_fuzz.h - the host end of one guest-fuzzer workload round (issue 18): "@@FUZZ" to the
 * agent, its oracle lines (@@ANOMALY, @@ORACLE, @@HANG, @@NOTE) handed to the caller as they
 * arrive, and the round's counts from its result line. */
#ifndef HARNESS_QEMU_FE_FUZZ_H
#define HARNESS_QEMU_FE_FUZZ_H

#include <stdint.h>

#include "qemu_fe.h"

struct qemu_fe_fuzz_round {
	unsigned long ops, errors, mountfail, anomalies, oracles, notes;
	int hung;
	char child[32]; /* "exit0", "signal9", "stuck0" */
};

/* kind: "ANOMALY", "ORACLE", "HANG", "NOTE"; text: the rest of the line. */
typedef void (*qemu_fe_fuzz_line_fn)(void *arg, const char *kind, const char *text);

/* Run the workload for ms in the guest (seed picks its operations, remount_pct of them are
 * remounts: a fresh FUSE_INIT) and wait for its result
 * (ms + timeout_ms). 0 with *r filled; 1 when the agent refused (why); -ETIMEDOUT (no result:
 * the guest hangs), -EPIPE (QEMU gone: the guest died), -EPROTO; why set then too. */
int qemu_fe_fuzz(struct qemu_fe *q, int ms, uint64_t seed, unsigned remount_pct, int timeout_ms,
		 qemu_fe_fuzz_line_fn fn, void *arg, struct qemu_fe_fuzz_round *r, char *why,
		 size_t whylen);

#endif

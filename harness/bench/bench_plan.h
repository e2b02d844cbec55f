/* bench_plan.h - the paths a run measures (emulated stacks per wait policy, direct, host) and
 * the plan: which workloads, in which interleaved order, under which metric names. */
#ifndef HARNESS_BENCH_PLAN_H
#define HARNESS_BENCH_PLAN_H

#include "bench.h"
#include "stack.h"

#define BENCH_ROUNDS_MAX 16

struct bench_cfg {
	const char *out, *only, *notes;
	const char *cpus; /* --cpus LIST: every in-process path's processes on these CPUs */
	double dur_ms;
	int rounds, verbose;
	unsigned int seq_mib;
	int no_qemu, no_fuzz, fuzz_s; /* the groups that run other programs (bench_ext.h) */
	int no_fio, fio_s;	      /* the fio matrix; seconds per fio job */
};

enum { BENCH_EMU_ADAPTIVE, BENCH_EMU_BLOCK, BENCH_EMU_POLL, BENCH_EMU_N };

struct bench_world {
	struct bench_cfg cfg;
	char rundir[256];
	struct stack st[BENCH_EMU_N];
	int st_up[BENCH_EMU_N];
	struct bench_direct *direct;
	struct bench_path emu[BENCH_EMU_N], dir, host;
};

/* Start what cfg.only needs: stacks, direct path, host directory; prepare the test files.
 * 0 or -errno (what failed is logged). bench_world_stop is needed either way. */
int bench_world_start(struct bench_world *w);
void bench_world_stop(struct bench_world *w);
/* Run every round and fill r with medians and their baselines. 0 or -errno. */
int bench_plan_run(struct bench_world *w, struct bench_report *r);

#endif

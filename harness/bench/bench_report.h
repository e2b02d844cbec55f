/* bench_report.h - results/bench.json, results/bench.md and the PNG plot (gnuplot) from the
 * metric table, with each target evaluated pass/miss from measured values only. */
#ifndef HARNESS_BENCH_REPORT_H
#define HARNESS_BENCH_REPORT_H

#include "bench.h"

struct bench_target {
	const char *what;      /* "GETATTR QD1 emulated adaptive p50 <= 1.5x direct" */
	const char *num, *den; /* metric names; the target is num / den <= limit */
	double limit;
};

struct bench_meta {
	int rounds;
	double dur_ms;
	unsigned int seq_mib;
	double wall_s;
	const char
	    *notes; /* Markdown appended to bench.md (harness/bench/limits.md), may be NULL */
};

/* Write dir/bench.json, dir/bench.md, dir/bench.dat + bench.gp, and dir/bench.png when gnuplot
 * exists. 0 or -errno. */
int bench_report_write(struct bench_report *r, const struct bench_target *t, size_t nt,
		       const struct bench_meta *meta, const char *dir);

#endif

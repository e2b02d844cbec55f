/* bench.h - shared pieces of the benchmark: clocks, latency samples with percentiles, one
 * "path" (emulated Bao stack, direct vhost-user, host directory) and the metric list. */
#ifndef HARNESS_BENCH_H
#define HARNESS_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "fakebao.h"
#include "fuse_client.h"

#define BENCH_MAX_SAMPLES (1u << 20)
#define BENCH_MAX_METRICS 160

/* Latency samples (ns) of one run; the array is owned by the struct. */
struct bench_lat {
	uint64_t *ns;
	size_t n, cap;
};
int bench_stats_lat_init(struct bench_lat *l);
void bench_stats_lat_free(struct bench_lat *l);
static inline void bench_lat_add(struct bench_lat *l, uint64_t ns)
{
	if (l->n < l->cap)
		l->ns[l->n++] = ns;
}
/* Percentile p (0..100) in microseconds; sorts the samples. 0 when empty. */
double bench_stats_lat_pct_us(struct bench_lat *l, double p);

/* Median of n doubles (n <= 16; the array is sorted in place). */
double bench_stats_median(double *v, size_t n);

/* Where a workload runs and how its cost is counted. traps: fakebao trapped accesses;
 * kicks: queue notifications (fakebao ioeventfd or the direct kick eventfd); bus: accesses
 * the frontend made on its guest_bus (direct mode answers them in-process). */
struct bench_counts {
	uint64_t traps, kicks, irqs, bus;
};
struct bench_direct;
struct bench_path {
	const char *name;	/* "emulated", "direct", "host" */
	struct fuse_client *fc; /* NULL for host */
	struct fakebao *fb;	/* emulated only */
	struct bench_direct *d; /* direct only */
	char share[4096];	/* the directory the server exports (host: the directory used) */
	/* set by bench_fuse_prepare: the 4 KiB READ and WRITE files, opened */
	uint64_t r_node, r_fh, w_node, w_fh;
	int dir_fd, r_fd, w_fd; /* host only */
};
void bench_stats_path_counts(const struct bench_path *p, struct bench_counts *c);

/* One result row. ratio = value / baseline_value (0 when no baseline). */
struct bench_metric {
	char name[64];
	double value;
	char unit[16];
	char baseline_name[64];
	double baseline_value;
	double ratio;
	char path[16];
	struct bench_counts counts; /* per-op averages x1000 are derived when writing */
	uint64_t ops;
	double rounds[16]; /* the per-round values behind the median, in round order */
	size_t nrounds;
};
/* One row of the fio matrix (bench_fio.c): a job on one subject ("qemu"/"qemu-native" with a
 * backend, or "host" with backend "-"). */
#define BENCH_FIO_MAX_ROWS 48
struct bench_fio_row {
	char job[16];	   /* seqread, seqwrite, randread, randwrite */
	int numjobs;	   /* 1 or 2 */
	char frontend[16]; /* qemu, qemu-native, host */
	char backend[8];   /* c, rust, - */
	double iops, mbs;  /* fio's IOPS and bytes/s / 1e6, both directions */
	uint64_t ios;	   /* fio's total I/Os */
	uint64_t traps;	   /* fakebao's trapped accesses over the job (0 unless qemu) */
};
struct bench_report {
	struct bench_metric m[BENCH_MAX_METRICS];
	size_t n;
	struct bench_fio_row fio[BENCH_FIO_MAX_ROWS];
	size_t nfio;
	char fio_how[256]; /* the matrix's job parameters, for the tables' heading */
	char notes[4096];  /* one line per note: skipped rows and why, how rows were measured */
	size_t notes_len;
};
/* Add a one-line note for bench.md and bench.json (truncated when the buffer is full). */
void bench_stats_report_note(struct bench_report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Add (or replace) a metric; returns it so counts can be attached. Baselines are linked by
 * bench_stats_report_link once all values are known. */
struct bench_metric *bench_stats_report_add(struct bench_report *r, const char *name, double value,
					    const char *unit, const char *path);
struct bench_metric *bench_stats_report_get(struct bench_report *r, const char *name);
/* bench_stats_report_add with the median of n per-round values v, kept in round order in rounds[].
 */
struct bench_metric *bench_stats_report_add_rounds(struct bench_report *r, const char *name,
						   const double *v, size_t n, const char *unit,
						   const char *path);
/* Set m's baseline to the metric named base (value copied, ratio computed). */
void bench_stats_report_link(struct bench_report *r, const char *name, const char *base);
/* n / d as the median of the per-round ratios (rounds[] in round order), else value / value. */
double bench_stats_paired_ratio(const struct bench_metric *n, const struct bench_metric *d);
/* Smallest and largest of m's per-round values. */
void bench_stats_round_range(const struct bench_metric *m, double *lo, double *hi);

#endif

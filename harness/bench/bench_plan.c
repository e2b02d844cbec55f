/* bench_plan.c - the measurement plan. Every round runs each workload on every path back to
 * back (alternating which path goes first), so a noisy neighbour slows baseline and subject
 * alike; the reported value is the median over rounds, each ratio is from the same run. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench_direct.h"
#include "bench_fuse.h"
#include "bench_plan.h"
#include "bench_rtt.h"
#include "log.h"

#define BENCH_SERIES_MAX 160

/* Values of one metric across rounds, with the counters of the runs behind it. */
struct bench_series {
	char name[64], unit[16], path[16];
	double v[BENCH_ROUNDS_MAX];
	size_t n;
	struct bench_counts c;
	uint64_t ops;
};

struct bench_plan {
	struct bench_world *w;
	struct bench_lat lat;
	struct bench_series s[BENCH_SERIES_MAX];
	size_t ns;
	int step, steps, round;
	int64_t dur_ns;
};

static struct bench_series *bench_series(struct bench_plan *p, const char *name)
{
	for (size_t i = 0; i < p->ns; i++)
		if (!strcmp(p->s[i].name, name))
			return &p->s[i];
	if (p->ns >= BENCH_SERIES_MAX)
		return NULL;
	memset(&p->s[p->ns], 0, sizeof(p->s[0]));
	snprintf(p->s[p->ns].name, sizeof(p->s[0].name), "%s", name);
	return &p->s[p->ns++];
}

static void bench_rec(struct bench_plan *p, const char *name, const char *unit, const char *path,
		      double v, const struct bench_run *run)
{
	struct bench_series *s = bench_series(p, name);

	if (!s || s->n >= BENCH_ROUNDS_MAX)
		return;
	snprintf(s->unit, sizeof(s->unit), "%s", unit);
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->v[s->n++] = v;
	if (run) {
		s->ops += run->ops;
		s->c.traps += run->delta.traps;
		s->c.kicks += run->delta.kicks;
		s->c.irqs += run->delta.irqs;
		s->c.bus += run->delta.bus;
	}
}

static void bench_progress(struct bench_plan *p, const char *what, const char *path)
{
	fprintf(stderr, "[%3d/%d] round %d: %-28s %s\n", ++p->step, p->steps, p->round + 1, what,
		path);
}

/* Record ops/s, p50 and p99 of a run under base + suffix. */
static void bench_rec3(struct bench_plan *p, const char *base, const char *suffix,
		       const struct bench_run *run, const char *path)
{
	char n[64];

	snprintf(n, sizeof(n), "%s_ops%s", base, suffix);
	bench_rec(p, n, "ops/s", path, run->ops_s, run);
	snprintf(n, sizeof(n), "%s_p50_us%s", base, suffix);
	bench_rec(p, n, "us", path, run->p50_us, run);
	snprintf(n, sizeof(n), "%s_p99_us%s", base, suffix);
	bench_rec(p, n, "us", path, run->p99_us, run);
}

typedef int (*bench_rtt_fn)(int64_t, struct bench_lat *);

static int bench_rtt_efd_cross(int64_t dur_ns, struct bench_lat *l)
{
	return bench_rtt_eventfd(dur_ns, l, 0);
}

static int bench_rtt_efd_same(int64_t dur_ns, struct bench_lat *l)
{
	return bench_rtt_eventfd(dur_ns, l, 1);
}

static int bench_rtt_one(struct bench_plan *p, const char *name, const char *path,
			 struct bench_path *bp, bench_rtt_fn fn)
{
	struct bench_run run = {0};
	struct bench_counts c0, c1;
	char n[64];
	int rc;

	bench_progress(p, name, path);
	p->lat.n = 0;
	if (bp)
		bench_stats_path_counts(bp, &c0);
	rc = bp ? bench_rtt_trap(bp->fb, STACK_MMIO_BASE, p->dur_ns, &p->lat)
		: fn(p->dur_ns, &p->lat);
	if (rc) {
		log_err("bench: %s: %s", name, strerror(-rc));
		return rc;
	}
	if (bp) {
		bench_stats_path_counts(bp, &c1);
		run.delta = (struct bench_counts){c1.traps - c0.traps, c1.kicks - c0.kicks,
						  c1.irqs - c0.irqs, c1.bus - c0.bus};
	}
	run.ops = p->lat.n;
	snprintf(n, sizeof(n), "%s_p50_us", name);
	bench_rec(p, n, "us", path, bench_stats_lat_pct_us(&p->lat, 50), &run);
	snprintf(n, sizeof(n), "%s_p99_us", name);
	bench_rec(p, n, "us", path, bench_stats_lat_pct_us(&p->lat, 99), &run);
	return 0;
}

static int bench_round_rtt(struct bench_plan *p)
{
	struct bench_world *w = p->w;
	int rc = bench_rtt_one(p, "eventfd_rtt", "2 processes", NULL, bench_rtt_efd_cross);

	rc = rc ? rc
		: bench_rtt_one(p, "eventfd_rtt_samecpu", "2 processes", NULL, bench_rtt_efd_same);

	rc = rc ? rc : bench_rtt_one(p, "shm_spin_rtt", "2 processes", NULL, bench_rtt_shm_spin);
	rc = rc ? rc : bench_rtt_one(p, "trap_rtt", "emulated", &w->emu[BENCH_EMU_ADAPTIVE], NULL);
	rc = rc ? rc
		: bench_rtt_one(p, "trap_rtt_block", "emulated-block", &w->emu[BENCH_EMU_BLOCK],
				NULL);
	return rc;
}

static const char *const bench_op_name[] = {"getattr", "read4k", "write4k"};

static int bench_fuse_one_path(struct bench_plan *p, struct bench_path *bp, enum bench_op op,
			       unsigned int qd, const char *suffix)
{
	struct bench_run run;
	char base[48], what[64];
	int rc;

	snprintf(base, sizeof(base), "%s_qd%u", bench_op_name[op], qd);
	snprintf(what, sizeof(what), "%s%s", base, suffix);
	bench_progress(p, what, bp->name);
	rc = bench_fuse_run(bp, op, qd, p->dur_ns, &p->lat, &run);
	if (rc) {
		log_err("bench: %s on %s: %s", base, bp->name, strerror(-rc));
		return rc;
	}
	bench_rec3(p, base, suffix, &run, bp->name);
	return 0;
}

static int bench_round_fuse(struct bench_plan *p)
{
	static const unsigned int qds[] = {1, 16, 64};
	struct bench_world *w = p->w;
	int rc = 0, flip = p->round & 1;

	for (int op = 0; !rc && op < 3; op++)
		for (int q = 0; !rc && q < 3; q++) {
			struct bench_path *a = flip ? &w->dir : &w->emu[BENCH_EMU_ADAPTIVE];
			struct bench_path *b = flip ? &w->emu[BENCH_EMU_ADAPTIVE] : &w->dir;

			rc = bench_fuse_one_path(p, a, op, qds[q], flip ? "_direct" : "");
			rc = rc ? rc : bench_fuse_one_path(p, b, op, qds[q], flip ? "" : "_direct");
			if (!rc && qds[q] == 1)
				rc = bench_fuse_one_path(p, &w->host, op, 1, "_host");
		}
	return rc;
}

/* GETATTR QD1 under each wait policy: the emulated stack started with it, and the direct path
 * with its client switched to it. */
static int bench_round_policy(struct bench_plan *p)
{
	static const char *const sfx[] = {"", "_block", "_poll"};
	static const enum fe_wait_policy pol[] = {FE_WAIT_ADAPTIVE, FE_WAIT_BLOCK, FE_WAIT_POLL};
	struct bench_world *w = p->w;
	char dsfx[32];
	int rc = 0;

	for (int i = 1; !rc && i < BENCH_EMU_N; i++) {
		rc = bench_fuse_one_path(p, &w->emu[i], BENCH_GETATTR, 1, sfx[i]);
		snprintf(dsfx, sizeof(dsfx), "%s_direct", sfx[i]);
		w->dir.fc->wait = pol[i];
		rc = rc ? rc : bench_fuse_one_path(p, &w->dir, BENCH_GETATTR, 1, dsfx);
		w->dir.fc->wait = FE_WAIT_ADAPTIVE;
	}
	return rc;
}

static int bench_seq_path(struct bench_plan *p, struct bench_path *bp, const char *wname,
			  const char *rname)
{
	uint64_t bytes = (uint64_t)p->w->cfg.seq_mib << 20;
	struct bench_run run;
	int rc;

	bench_progress(p, wname, bp->name);
	rc = bench_fuse_seq(bp, true, bytes, &run);
	if (!rc)
		bench_rec(p, wname, "MB/s", bp->name, run.ops_s, &run);
	bench_progress(p, rname, bp->name);
	rc = rc ? rc : bench_fuse_seq(bp, false, bytes, &run);
	if (!rc)
		bench_rec(p, rname, "MB/s", bp->name, run.ops_s, &run);
	if (rc)
		log_err("bench: sequential I/O on %s: %s", bp->name, strerror(-rc));
	return rc;
}

/* Untimed, before the first round: this VM hands freed guest pages back to its host (free
 * page reporting), so whoever first grows the page cache by 256 MiB pays a host fault per page
 * (the first round's writer ran at ~1/10 of the others' MB/s, whichever path it was). Each
 * path's seq.dat is then kept and overwritten in place by later rounds. */
static int bench_seq_warmup(struct bench_plan *p)
{
	struct bench_path *host = &p->w->host;
	struct bench_run run;
	char path[4200];
	int rc = bench_fuse_seq(host, true, 3 * ((uint64_t)p->w->cfg.seq_mib << 20), &run);

	snprintf(path, sizeof(path), "%s/seq.dat", host->share);
	unlink(path);
	if (rc)
		log_err("bench: sequential warm-up on %s: %s", host->share, strerror(-rc));
	return rc;
}

static int bench_round_seq(struct bench_plan *p)
{
	struct bench_world *w = p->w;
	int rc = p->round == 0 ? bench_seq_warmup(p) : 0, flip = p->round & 1;

	/* Alternate who goes first: the first 256 MiB writer also pays for page-cache growth. */
	if (!rc && flip)
		rc = bench_seq_path(p, &w->dir, "seqwrite_mb_s_direct", "seqread_mb_s_direct");
	rc = rc ? rc
		: bench_seq_path(p, &w->emu[BENCH_EMU_ADAPTIVE], "seqwrite_mb_s", "seqread_mb_s");
	if (!flip)
		rc = rc ? rc
			: bench_seq_path(p, &w->dir, "seqwrite_mb_s_direct", "seqread_mb_s_direct");
	rc = rc ? rc : bench_seq_path(p, &w->host, "host_seqwrite_mb_s", "host_seqread_mb_s");
	return rc;
}

/* Baselines: subject -> same thing one layer down. */
static void bench_plan_links(struct bench_report *r)
{
	static const char *const fixed[][2] = {
	    {"trap_rtt_p50_us", "eventfd_rtt_p50_us"},
	    {"trap_rtt_p99_us", "eventfd_rtt_p99_us"},
	    {"trap_rtt_block_p50_us", "eventfd_rtt_p50_us"},
	    {"trap_rtt_block_p99_us", "eventfd_rtt_p99_us"},
	    {"shm_spin_rtt_p50_us", "eventfd_rtt_p50_us"},
	    {"eventfd_rtt_samecpu_p50_us", "eventfd_rtt_p50_us"},
	    {"shm_spin_rtt_p99_us", "eventfd_rtt_p99_us"},
	    {"seqread_mb_s", "seqread_mb_s_direct"},
	    {"seqwrite_mb_s", "seqwrite_mb_s_direct"},
	    {"seqread_mb_s_direct", "host_seqread_mb_s"},
	    {"seqwrite_mb_s_direct", "host_seqwrite_mb_s"},
	};
	char b[80];

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		bench_stats_report_link(r, fixed[i][0], fixed[i][1]);
	for (size_t i = 0; i < r->n; i++) {
		const char *n = r->m[i].name;
		size_t l = strlen(n);

		int fuse_op = !strncmp(n, "getattr", 7) || !strncmp(n, "read4k", 6) ||
			      !strncmp(n, "write4k", 7);

		if (r->m[i].baseline_name[0] || !fuse_op)
			continue;
		if (l > 7 && !strcmp(n + l - 7, "_direct")) {
			snprintf(b, sizeof(b), "%.*s_host", (int)(l - 7), n);
			if (!bench_stats_report_get(r, b) && strstr(n, "p50_us"))
				snprintf(b, sizeof(b), "eventfd_rtt_p50_us");
		} else if (l > 5 && !strcmp(n + l - 5, "_host")) {
			continue;
		} else {
			snprintf(b, sizeof(b), "%s_direct", n);
		}
		bench_stats_report_link(r, n, b);
	}
}

static void bench_plan_emit(struct bench_plan *p, struct bench_report *r)
{
	for (size_t i = 0; i < p->ns; i++) {
		struct bench_series *s = &p->s[i];
		/* Round order kept: round i of a subject pairs with round i of its baseline. */
		struct bench_metric *m =
		    bench_stats_report_add_rounds(r, s->name, s->v, s->n, s->unit, s->path);

		m->counts = s->c;
		m->ops = s->ops;
	}
	bench_plan_links(r);
}

int bench_plan_run(struct bench_world *w, struct bench_report *r)
{
	static struct bench_plan p;
	const char *only = w->cfg.only;
	int g_rtt = !!strstr(only, "rtt"), g_fuse = !!strstr(only, "fuse");
	int g_pol = !!strstr(only, "policy"), g_seq = !!strstr(only, "seq");
	int rc = bench_stats_lat_init(&p.lat);

	p.w = w;
	p.dur_ns = (int64_t)(w->cfg.dur_ms * 1e6);
	p.steps = w->cfg.rounds * (g_rtt * 5 + g_fuse * 21 + g_pol * 4 + g_seq * 6);
	for (p.round = 0; !rc && p.round < w->cfg.rounds; p.round++) {
		rc = g_rtt ? bench_round_rtt(&p) : 0;
		rc = rc ? rc : g_fuse ? bench_round_fuse(&p) : 0;
		rc = rc ? rc : g_pol ? bench_round_policy(&p) : 0;
		rc = rc ? rc : g_seq ? bench_round_seq(&p) : 0;
	}
	if (!rc)
		bench_plan_emit(&p, r);
	bench_stats_lat_free(&p.lat);
	return rc;
}

/* bench_stats.c - clocks, latency percentiles, medians across rounds and the metric table. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "bench_direct.h"

int bench_stats_lat_init(struct bench_lat *l)
{
	l->n = 0;
	l->cap = BENCH_MAX_SAMPLES;
	l->ns = malloc(l->cap * sizeof(*l->ns));
	return l->ns ? 0 : -ENOMEM;
}

void bench_stats_lat_free(struct bench_lat *l)
{
	free(l->ns);
	l->ns = NULL;
	l->n = l->cap = 0;
}

static int bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int bench_cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_stats_lat_pct_us(struct bench_lat *l, double p)
{
	size_t i;

	if (!l->n)
		return 0;
	qsort(l->ns, l->n, sizeof(*l->ns), bench_cmp_u64);
	i = (size_t)(p / 100.0 * (double)(l->n - 1) + 0.5);
	return (double)l->ns[i < l->n ? i : l->n - 1] / 1000.0;
}

double bench_stats_median(double *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), bench_cmp_dbl);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void bench_stats_path_counts(const struct bench_path *p, struct bench_counts *c)
{
	memset(c, 0, sizeof(*c));
	if (p->fb) {
		struct fakebao_stats s;

		fakebao_get_stats(p->fb, &s);
		c->traps = s.mmio_traps;
		c->kicks = s.ioeventfd_kicks;
		c->irqs = s.irqs_injected;
		c->bus = s.mmio_traps;
	} else if (p->d) {
		bench_direct_counts(p->d, c);
	}
}

struct bench_metric *bench_stats_report_get(struct bench_report *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->m[i].name, name))
			return &r->m[i];
	return NULL;
}

struct bench_metric *bench_stats_report_add(struct bench_report *r, const char *name, double value,
					    const char *unit, const char *path)
{
	struct bench_metric *m = bench_stats_report_get(r, name);

	if (!m) {
		if (r->n >= BENCH_MAX_METRICS)
			return &r->m[BENCH_MAX_METRICS - 1]; /* overwrite the last: never NULL */
		m = &r->m[r->n++];
		memset(m, 0, sizeof(*m));
	}
	snprintf(m->name, sizeof(m->name), "%s", name);
	snprintf(m->unit, sizeof(m->unit), "%s", unit);
	snprintf(m->path, sizeof(m->path), "%s", path);
	m->value = value;
	return m;
}

struct bench_metric *bench_stats_report_add_rounds(struct bench_report *r, const char *name,
						   const double *v, size_t n, const char *unit,
						   const char *path)
{
	struct bench_metric *m;
	double sorted[sizeof(m->rounds) / sizeof(m->rounds[0])];

	if (n > sizeof(sorted) / sizeof(sorted[0]))
		n = sizeof(sorted) / sizeof(sorted[0]);
	memcpy(sorted, v, n * sizeof(v[0])); /* bench_stats_median sorts its input */
	m = bench_stats_report_add(r, name, bench_stats_median(sorted, n), unit, path);
	m->nrounds = n;
	memcpy(m->rounds, v, n * sizeof(v[0]));
	return m;
}

void bench_stats_report_link(struct bench_report *r, const char *name, const char *base)
{
	struct bench_metric *m = bench_stats_report_get(r, name),
			    *b = bench_stats_report_get(r, base);

	if (!m || !b)
		return;
	snprintf(m->baseline_name, sizeof(m->baseline_name), "%s", base);
	m->baseline_value = b->value;
	m->ratio = bench_stats_paired_ratio(m, b);
}

/* Each round measures a subject and its baseline back to back, so the machine's drift between
 * rounds (which on this VM moves QD1 latencies by 2-3x for seconds at a time) cancels in the
 * per-round ratio; a ratio of two medians can pair a fast round of one with a slow one of the
 * other. Falls back to value / value when the rounds do not pair up. */
double bench_stats_paired_ratio(const struct bench_metric *n, const struct bench_metric *d)
{
	double q[sizeof(n->rounds) / sizeof(n->rounds[0])];
	size_t k = 0;

	if (n->nrounds && n->nrounds == d->nrounds && n->nrounds <= sizeof(q) / sizeof(q[0]))
		for (size_t i = 0; i < n->nrounds; i++)
			if (n->rounds[i] > 0 && d->rounds[i] > 0)
				q[k++] = n->rounds[i] / d->rounds[i];
	if (k == n->nrounds && k > 0)
		return bench_stats_median(q, k);
	return d->value != 0 ? n->value / d->value : 0;
}

void bench_stats_round_range(const struct bench_metric *m, double *lo, double *hi)
{
	*lo = *hi = m->nrounds ? m->rounds[0] : 0;
	for (size_t i = 1; i < m->nrounds; i++) {
		*lo = m->rounds[i] < *lo ? m->rounds[i] : *lo;
		*hi = m->rounds[i] > *hi ? m->rounds[i] : *hi;
	}
}

void bench_stats_report_note(struct bench_report *r, const char *fmt, ...)
{
	size_t start = r->notes_len, room = sizeof(r->notes) - start;
	va_list ap;
	int n;

	if (room < 2)
		return;
	va_start(ap, fmt);
	n = vsnprintf(r->notes + start, room - 1, fmt, ap); /* leaves room for the newline */
	va_end(ap);
	if (n < 0)
		return;
	r->notes_len += (size_t)n < room - 2 ? (size_t)n : room - 2;
	r->notes[r->notes_len++] = '\n';
	r->notes[r->notes_len] = '\0';
	fprintf(stderr, "bao-bench: note: %s", r->notes + start);
}

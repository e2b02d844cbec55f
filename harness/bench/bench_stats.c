/* bench_stats.c - clocks, latency percentiles, medians across rounds and the metric table. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "bench_direct.h"

int64_t bench_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int bench_lat_init(struct bench_lat *l)
{
	l->n = 0;
	l->cap = BENCH_MAX_SAMPLES;
	l->ns = malloc(l->cap * sizeof(*l->ns));
	return l->ns ? 0 : -ENOMEM;
}

void bench_lat_free(struct bench_lat *l)
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

double bench_lat_pct_us(struct bench_lat *l, double p)
{
	size_t i;

	if (!l->n)
		return 0;
	qsort(l->ns, l->n, sizeof(*l->ns), bench_cmp_u64);
	i = (size_t)(p / 100.0 * (double)(l->n - 1) + 0.5);
	return (double)l->ns[i < l->n ? i : l->n - 1] / 1000.0;
}

double bench_median(double *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), bench_cmp_dbl);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void bench_path_counts(const struct bench_path *p, struct bench_counts *c)
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

struct bench_metric *bench_report_get(struct bench_report *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->m[i].name, name))
			return &r->m[i];
	return NULL;
}

struct bench_metric *bench_report_add(struct bench_report *r, const char *name, double value,
				      const char *unit, const char *path)
{
	struct bench_metric *m = bench_report_get(r, name);

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

void bench_report_link(struct bench_report *r, const char *name, const char *base)
{
	struct bench_metric *m = bench_report_get(r, name), *b = bench_report_get(r, base);

	if (!m || !b)
		return;
	snprintf(m->baseline_name, sizeof(m->baseline_name), "%s", base);
	m->baseline_value = b->value;
	m->ratio = b->value != 0 ? m->value / b->value : 0;
}

void bench_report_note(struct bench_report *r, const char *fmt, ...)
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

/* bench_report.c - writes the results: JSON for machines, Markdown for people (with the
 * targets and what limits the numbers), and a gnuplot plot of emulated vs direct vs host. */
#include "bench_report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "log.h"
#include "stack.h"

struct bench_machine {
	char cpu[128], kernel[128], virtiofsd[128], load[128], hog[160];
	long nproc;
};

static void bench_first_line(const char *cmd, char *buf, size_t len)
{
	FILE *f = popen(cmd, "r");

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	pclose(f);
}

static void bench_machine(struct bench_machine *m)
{
	struct stack_backend b;
	struct utsname u;

	bench_first_line("sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1", m->cpu,
			 sizeof(m->cpu));
	/* The virtiofsd the direct path starts (the stack's default), by its `--version`. */
	if (stack_backend_resolve(NULL, &b))
		snprintf(m->virtiofsd, sizeof(m->virtiofsd), "unknown");
	else
		snprintf(m->virtiofsd, sizeof(m->virtiofsd), "%s", b.version);
	snprintf(m->kernel, sizeof(m->kernel), "%s", uname(&u) ? "unknown" : u.release);
	m->nproc = sysconf(_SC_NPROCESSORS_ONLN);
	bench_first_line("cat /proc/loadavg", m->load, sizeof(m->load));
	/* What else was busy: the numbers are only comparable within this run. */
	bench_first_line("ps -eo pcpu,comm --sort=-pcpu --no-headers | head -3 | tr -s ' ' | "
			 "paste -sd, -",
			 m->hog, sizeof(m->hog));
}

/* JSON strings here are our own names and tool output: escape quotes and backslashes. */
static void bench_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
	fputc('"', f);
}

static double bench_target_value(struct bench_report *r, const struct bench_target *t, int *ok)
{
	struct bench_metric *n = bench_stats_report_get(r, t->num),
			    *d = bench_stats_report_get(r, t->den);

	*ok = n && d && d->value > 0 && n->value > 0;
	return *ok ? bench_stats_paired_ratio(n, d) : 0;
}

static void bench_json_metric(FILE *f, const struct bench_metric *m, int last)
{
	double ops = m->ops ? (double)m->ops : 1;

	fprintf(f, "    {\"name\": ");
	bench_json_str(f, m->name);
	fprintf(f, ", \"value\": %.4g, \"unit\": ", m->value);
	bench_json_str(f, m->unit);
	fprintf(f, ", \"baseline_name\": ");
	if (m->baseline_name[0])
		bench_json_str(f, m->baseline_name);
	else
		fprintf(f, "null");
	fprintf(f, ", \"baseline_value\": %.4g, \"ratio\": %.4g, \"rounds\": [", m->baseline_value,
		m->ratio);
	for (size_t i = 0; i < m->nrounds; i++)
		fprintf(f, "%s%.4g", i ? ", " : "", m->rounds[i]);
	fprintf(f, "], \"path\": ");
	bench_json_str(f, m->path);
	fprintf(f,
		", \"ops\": %llu, \"traps\": %llu, \"kicks\": %llu, \"irqs\": %llu, "
		"\"bus_accesses\": %llu, \"traps_per_op\": %.3f, \"kicks_per_op\": %.3f}%s\n",
		(unsigned long long)m->ops, (unsigned long long)m->counts.traps,
		(unsigned long long)m->counts.kicks, (unsigned long long)m->counts.irqs,
		(unsigned long long)m->counts.bus, (double)m->counts.traps / ops,
		(double)m->counts.kicks / ops, last ? "" : ",");
}

/* The report's notes, one JSON string per line. */
static void bench_json_notes(FILE *f, const char *notes)
{
	char line[1024];
	int first = 1;

	while (*notes) {
		size_t n = strcspn(notes, "\n");

		snprintf(line, sizeof(line), "%.*s", (int)n, notes);
		fprintf(f, "%s\n    ", first ? "" : ",");
		bench_json_str(f, line);
		first = 0;
		notes += n + (notes[n] == '\n');
	}
	if (!first)
		fprintf(f, "\n  ");
}

/* The fio matrix's rows (bench_fio.c), each with its traps per I/O. */
static void bench_json_fio(FILE *f, const struct bench_report *r)
{
	fprintf(f, "  \"fio_how\": ");
	bench_json_str(f, r->fio_how);
	fprintf(f, ",\n  \"fio\": [");
	for (size_t i = 0; i < r->nfio; i++) {
		const struct bench_fio_row *w = &r->fio[i];

		fprintf(f, "%s\n    {\"job\": ", i ? "," : "");
		bench_json_str(f, w->job);
		fprintf(f, ", \"numjobs\": %d, \"frontend\": ", w->numjobs);
		bench_json_str(f, w->frontend);
		fprintf(f, ", \"backend\": ");
		bench_json_str(f, w->backend);
		fprintf(f,
			", \"iops\": %.1f, \"mb_s\": %.3f, \"ios\": %llu, \"traps\": %llu, "
			"\"traps_per_io\": %.3f}",
			w->iops, w->mbs, (unsigned long long)w->ios, (unsigned long long)w->traps,
			w->ios ? (double)w->traps / (double)w->ios : 0.0);
	}
	fprintf(f, "%s],\n", r->nfio ? "\n  " : "");
}

/* The host row of the same job, or NULL. */
static const struct bench_fio_row *bench_fio_host_row(const struct bench_report *r,
						      const struct bench_fio_row *w)
{
	for (size_t i = 0; i < r->nfio; i++)
		if (!strcmp(r->fio[i].frontend, "host") && !strcmp(r->fio[i].job, w->job) &&
		    r->fio[i].numjobs == w->numjobs)
			return &r->fio[i];
	return NULL;
}

/* Markdown: per job, the host's row first, then every guest row with its share of the host. */
static void bench_md_fio(FILE *f, const struct bench_report *r)
{
	static const char *const jobs[] = {"seqread", "seqwrite", "randread", "randwrite"};

	if (!r->nfio)
		return;
	fprintf(f,
		"\n## fio in the guest (issue 16 item 4)\n\n%s. traps/I/O = fakebao's trapped "
		"accesses over the job / fio's I/Os (`qemu` only: QEMU's own device and the host "
		"trap nothing). x host = IOPS / the host's IOPS for the same job.\n\n"
		"| job | numjobs | frontend | backend | IOPS | MB/s | traps/I/O | x host |\n"
		"|---|---|---|---|---|---|---|---|\n",
		r->fio_how);
	for (size_t j = 0; j < 4; j++)
		for (int nj = 1; nj <= 2; nj++)
			for (int host = 1; host >= 0; host--)
				for (size_t i = 0; i < r->nfio; i++) {
					const struct bench_fio_row *w = &r->fio[i], *h;

					if (strcmp(w->job, jobs[j]) || w->numjobs != nj ||
					    !strcmp(w->frontend, "host") != !host)
						continue;
					h = bench_fio_host_row(r, w);
					fprintf(
					    f,
					    "| %s | %d | %s | %s | %.0f | %.2f | %.2f | %.4f |\n",
					    w->job, w->numjobs, w->frontend, w->backend, w->iops,
					    w->mbs,
					    w->ios ? (double)w->traps / (double)w->ios : 0.0,
					    h && h->iops > 0 ? w->iops / h->iops : 0.0);
				}
}

static int bench_write_json(struct bench_report *r, const struct bench_target *t, size_t nt,
			    const struct bench_meta *meta, const struct bench_machine *mc,
			    const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "{\n  \"machine\": {\"cpu\": ");
	bench_json_str(f, mc->cpu);
	fprintf(f, ", \"nproc\": %ld, \"kernel\": ", mc->nproc);
	bench_json_str(f, mc->kernel);
	fprintf(f, ", \"virtiofsd\": ");
	bench_json_str(f, mc->virtiofsd);
	fprintf(f, ", \"loadavg_at_end\": ");
	bench_json_str(f, mc->load);
	fprintf(f, ", \"busiest_processes_pcpu\": ");
	bench_json_str(f, mc->hog);
	fprintf(f,
		"},\n  \"run\": {\"rounds\": %d, \"seconds_per_measurement\": %.3f, "
		"\"seq_mib\": %u, \"wall_s\": %.1f, \"aggregate\": \"median of rounds\"},\n",
		meta->rounds, meta->dur_ms / 1000, meta->seq_mib, meta->wall_s);
	fprintf(f, "  \"metrics\": [\n");
	for (size_t i = 0; i < r->n; i++)
		bench_json_metric(f, &r->m[i], i + 1 == r->n);
	fprintf(f, "  ],\n  \"targets\": [\n");
	for (size_t i = 0; i < nt; i++) {
		int ok;
		double v = bench_target_value(r, &t[i], &ok);

		fprintf(f, "    {\"what\": ");
		bench_json_str(f, t[i].what);
		fprintf(f,
			", \"numerator\": \"%s\", \"denominator\": \"%s\", \"ratio\": %.4g, "
			"\"limit\": %.4g, \"result\": \"%s\"}%s\n",
			t[i].num, t[i].den, v, t[i].limit,
			!ok		  ? "not measured"
			: v <= t[i].limit ? "pass"
					  : "miss",
			i + 1 == nt ? "" : ",");
	}
	fprintf(f, "  ],\n");
	bench_json_fio(f, r);
	fprintf(f, "  \"notes\": [");
	bench_json_notes(f, r->notes);
	fprintf(f, "]\n}\n");
	return fclose(f) ? -errno : 0;
}

/* Copy the hand-written analysis (what limits the numbers) after the tables. */
static void bench_append_notes(FILE *f, const char *path)
{
	char buf[4096];
	size_t n;
	FILE *in = path ? fopen(path, "r") : NULL;

	if (!in)
		return;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, f);
	fclose(in);
}

/* The Markdown prose about limits lives in bench_report_md.c's sibling README; here, tables. */
static int bench_write_md(struct bench_report *r, const struct bench_target *t, size_t nt,
			  const struct bench_meta *meta, const struct bench_machine *mc,
			  const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "# Benchmarks: the emulated Bao virtio-fs path beside its baselines\n\n");
	fprintf(f,
		"Machine: %s, %ld CPUs, kernel %s, %s. %d rounds of %.2f s per measurement, "
		"median of rounds; sequential file %u MiB; whole run %.0f s. "
		"Generated by `make bench` (harness/bench); see harness/bench/README.md.\n\n",
		mc->cpu, mc->nproc, mc->kernel, mc->virtiofsd, meta->rounds, meta->dur_ms / 1000,
		meta->seq_mib, meta->wall_s);
	fprintf(f, "Load average at the end: %s; busiest processes (%%CPU, command): %s.\n\n",
		mc->load, mc->hog);
	fprintf(
	    f,
	    "## Targets\n\nEach ratio (here and in the ratio column below) is the median over "
	    "rounds of the per-round ratio: every round measures a subject and its baseline back "
	    "to back, so drift between rounds cancels.\n\n"
	    "| target | measured ratio | limit | result |\n|---|---|---|---|\n");
	for (size_t i = 0; i < nt; i++) {
		int ok;
		double v = bench_target_value(r, &t[i], &ok);

		fprintf(f, "| %s (`%s` / `%s`) | %.3f | %.2f | %s |\n", t[i].what, t[i].num,
			t[i].den, v, t[i].limit,
			!ok		  ? "not measured"
			: v <= t[i].limit ? "**pass**"
					  : "**miss**");
	}
	bench_md_fio(f, r);
	fprintf(
	    f,
	    "\n## Metrics\n\nvalue = median of rounds (min..max in brackets); traps, kicks and "
	    "irqs are per operation over all rounds (per 1 MiB chunk for sequential I/O; per whole "
	    "guest run, boot included, for the qemu_ rows).\n\n"
	    "| metric | value | unit | baseline | baseline value | ratio | "
	    "traps/op | kicks/op | irqs/op |\n|---|---|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < r->n; i++) {
		const struct bench_metric *m = &r->m[i];
		double ops = m->ops ? (double)m->ops : 1, lo, hi;

		bench_stats_round_range(m, &lo, &hi);
		fprintf(f,
			"| %s | %.4g [%.4g..%.4g] | %s | %s | %.4g | %.3f | %.2f | %.2f | %.2f |\n",
			m->name, m->value, lo, hi, m->unit,
			m->baseline_name[0] ? m->baseline_name : "-", m->baseline_value, m->ratio,
			(double)m->counts.traps / ops, (double)m->counts.kicks / ops,
			(double)m->counts.irqs / ops);
	}
	if (r->notes_len) {
		const char *p = r->notes;

		fprintf(f, "\n## Notes from this run\n\n");
		while (*p) {
			size_t n = strcspn(p, "\n");

			fprintf(f, "- %.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
	}
	fprintf(f, "\n![emulated vs direct vs host; QEMU guest trapped vs native](bench.png)\n\n");
	bench_append_notes(f, meta->notes);
	return fclose(f) ? -errno : 0;
}

static double bench_val(struct bench_report *r, const char *name)
{
	struct bench_metric *m = bench_stats_report_get(r, name);

	return m ? m->value : 0;
}

/* IOPS of a fio row (0 when absent). */
static double bench_plot_fio_iops(const struct bench_report *r, const char *job, int nj,
				  const char *fe, const char *be)
{
	for (size_t i = 0; i < r->nfio; i++)
		if (!strcmp(r->fio[i].job, job) && r->fio[i].numjobs == nj &&
		    !strcmp(r->fio[i].frontend, fe) && !strcmp(r->fio[i].backend, be))
			return r->fio[i].iops;
	return 0;
}

/* The fio panel's data (index 3): per job, host / qemu-native / qemu IOPS, C backend. */
static void bench_plot_fio(FILE *f, const struct bench_report *r)
{
	static const char *const jobs[] = {"seqread", "seqwrite", "randread", "randwrite"};

	fprintf(f, "\n\n# fio: job host qemu-native qemu (IOPS)\n");
	for (int j = 0; j < 4; j++)
		for (int nj = 1; nj <= 2; nj++)
			fprintf(f, "%s-%dj %.0f %.0f %.0f\n", jobs[j], nj,
				bench_plot_fio_iops(r, jobs[j], nj, "host", "-"),
				bench_plot_fio_iops(r, jobs[j], nj, "qemu-native", "c"),
				bench_plot_fio_iops(r, jobs[j], nj, "qemu", "c"));
}

/* Panels: ops/s per workload for the three paths (log scale), p50 latencies, and (when measured)
 * the QEMU guest trapped vs native. */
static int bench_write_plot(struct bench_report *r, const char *dir)
{
	static const char *ops[] = {"getattr", "read4k", "write4k"};
	static const unsigned int qds[] = {1, 16, 64};
	char dat[4200], gp[4200], png[4200], cmd[8600], n[96];
	int qemu = bench_stats_report_get(r, "qemu_loop_ops") != NULL, fio = r->nfio > 0;
	FILE *f;

	snprintf(dat, sizeof(dat), "%s/bench.dat", dir);
	snprintf(gp, sizeof(gp), "%s/bench.gp", dir);
	snprintf(png, sizeof(png), "%s/bench.png", dir);
	f = fopen(dat, "w");
	if (!f)
		return -errno;
	fprintf(f, "# workload emulated direct host (ops/s)\n");
	for (int o = 0; o < 3; o++)
		for (int q = 0; q < 3; q++) {
			snprintf(n, sizeof(n), "%s_qd%u_ops", ops[o], qds[q]);
			fprintf(f, "%s-QD%u %.0f", ops[o], qds[q], bench_val(r, n));
			snprintf(n, sizeof(n), "%s_qd%u_ops_direct", ops[o], qds[q]);
			fprintf(f, " %.0f", bench_val(r, n));
			snprintf(n, sizeof(n), "%s_qd1_ops_host", ops[o]);
			fprintf(f, " %.0f\n", q == 0 ? bench_val(r, n) : 0.0);
		}
	fprintf(f, "\n\n# label value (us)\n");
	{
		static const char *lat[] = {"shm_spin_rtt_p50_us",
					    "trap_rtt_p50_us",
					    "eventfd_rtt_p50_us",
					    "getattr_qd1_p50_us_poll",
					    "getattr_qd1_p50_us_poll_direct",
					    "getattr_qd1_p50_us",
					    "getattr_qd1_p50_us_direct",
					    "getattr_qd1_p50_us_block",
					    "getattr_qd1_p50_us_block_direct"};

		for (size_t i = 0; i < sizeof(lat) / sizeof(lat[0]); i++)
			fprintf(f, "%s %.3f\n", lat[i], bench_val(r, lat[i]));
	}
	fprintf(f, "\n\n# QEMU guest: label trapped qemu-native\n");
	fprintf(f, "boot-to-mount-s %.3f %.3f\n", bench_val(r, "qemu_boot_to_mount_s"),
		bench_val(r, "qemu_native_boot_to_mount_s"));
	fprintf(f, "4K-loop-ops/s %.1f %.1f\n", bench_val(r, "qemu_loop_ops"),
		bench_val(r, "qemu_native_loop_ops"));
	bench_plot_fio(f, r);
	fclose(f);
	f = fopen(gp, "w");
	if (!f)
		return -errno;
	fprintf(
	    f,
	    "set terminal pngcairo size %d,600 noenhanced\nset output '%s'\n"
	    "set multiplot layout 1,%d\nset style data histogram\n"
	    "set style histogram clustered gap 1\nset style fill solid 0.8 border -1\n"
	    "set logscale y\nset grid ytics\nset xtics rotate by -40\nset key top right\n"
	    "set title 'FUSE ops/s: emulated Bao path vs direct vhost-user vs host (QD1 only)'\n"
	    "plot '%s' index 0 using 2:xtic(1) title 'emulated (adaptive)', '' index 0 using 3 "
	    "title 'direct vhost-user', '' index 0 using 4 title 'host syscalls'\n"
	    "set title 'p50 latency, microseconds (log)'\nunset key\n"
	    "plot '%s' index 1 using 2:xtic(1) title 'p50 us'\n",
	    400 + 500 * (2 + qemu + fio), png, 2 + qemu + fio, dat, dat);
	if (qemu)
		fprintf(
		    f,
		    "set title 'arm64 Linux guest: trapped (EL2 stub + fakebao) vs qemu-native'\n"
		    "set key top right\nplot '%s' index 2 using 2:xtic(1) title 'qemu (trapped)', "
		    "'' index 2 using 3 title 'qemu-native'\n",
		    dat);
	if (fio)
		fprintf(f,
			"set title 'fio psync 4 KiB IOPS (log), C virtiofsd"
			"'\nset key top right\nplot '%s' index 3 using "
			"2:xtic(1) title 'host fio', '' index 3 using 3 title 'qemu-native', '' "
			"index 3 "
			"using 4 title 'qemu (trapped)'\n",
			dat);
	fprintf(f, "unset multiplot\n");
	fclose(f);
	if (!bench_stats_report_get(r, "getattr_qd1_ops")) {
		log_warn("bench: no plot without the fuse group");
		return 0;
	}
	if (access("/usr/bin/gnuplot", X_OK)) {
		log_warn("bench: gnuplot not installed (apt-get install gnuplot-nox): no %s", png);
		return 0;
	}
	snprintf(cmd, sizeof(cmd), "/usr/bin/gnuplot '%s'", gp);
	if (system(cmd) != 0)
		log_warn("bench: gnuplot failed on %s", gp);
	return 0;
}

int bench_report_write(struct bench_report *r, const struct bench_target *t, size_t nt,
		       const struct bench_meta *meta, const char *dir)
{
	struct bench_machine mc;
	char p[4200];
	int rc;

	bench_machine(&mc);
	snprintf(p, sizeof(p), "%s/bench.json", dir);
	rc = bench_write_json(r, t, nt, meta, &mc, p);
	snprintf(p, sizeof(p), "%s/bench.md", dir);
	rc = rc ? rc : bench_write_md(r, t, nt, meta, &mc, p);
	rc = rc ? rc : bench_write_plot(r, dir);
	return rc;
}

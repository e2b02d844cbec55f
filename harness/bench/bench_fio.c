/* bench_fio.c - issue 16's workload matrix: fio's psync 4 KiB jobs (sequential and random, read
 * and write, one and two jobs) in the arm64 guest through `baoharness fio` - the trapped stack
 * and QEMU's own device, with the C and the Rust virtiofsd - beside the same jobs run by the
 * host's own fio on a local directory. Rows carry fio's IOPS and MB/s and fakebao's traps. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "bench_cmd.h"
#include "bench_ext.h"
#include "clock.h"
#include "fio_json.h"
#include "stack.h"

#define BENCH_FIO_HOST_BIN "/usr/bin/fio"
#define BENCH_FIO_NJOBS 8
#define BENCH_FIO_JOB_SLACK_S 60 /* per job beyond its runtime: layout, start, a slow guest */

/* Writes first: the two write jobs with numjobs=2 lay out bh.0.0 and bh.1.0 (fio's names for
 * --name=bh), so the read jobs find their files and time reading only. */
static const struct {
	const char *job, *rw;
} bench_fio_kinds[] = {{"seqwrite", "write"},
		       {"randwrite", "randwrite"},
		       {"seqread", "read"},
		       {"randread", "randread"}};

static void bench_fio_spec(int k, int fio_s, char *buf, size_t len)
{
	/* invalidate=0: fio would drop the file's page cache before each job (its default); on
	 * the host that sends 4 KiB random reads to the disk, while virtiofsd under the guest
	 * reads the same host page cache fio's writes left: both read cached data so. */
	snprintf(
	    buf, len,
	    "rw=%s,bs=4k,ioengine=psync,size=4M,numjobs=%d,runtime=%d,time_based=1,invalidate=0",
	    bench_fio_kinds[k / 2].rw, k % 2 + 1, fio_s);
}

static void bench_fio_add(struct bench_report *r, int k, const char *fe, const char *be,
			  const struct fio_json_result *f, uint64_t traps)
{
	struct bench_fio_row *w;

	if (r->nfio >= BENCH_FIO_MAX_ROWS)
		return;
	w = &r->fio[r->nfio++];
	memset(w, 0, sizeof(*w));
	snprintf(w->job, sizeof(w->job), "%s", bench_fio_kinds[k / 2].job);
	w->numjobs = k % 2 + 1;
	snprintf(w->frontend, sizeof(w->frontend), "%s", fe);
	snprintf(w->backend, sizeof(w->backend), "%s", be);
	w->iops = f->read_iops + f->write_iops;
	w->mbs = (f->read_bw + f->write_bw) / 1e6;
	w->ios = f->read_ios + f->write_ios;
	w->traps = traps;
}

/* fio's JSON report at path into *f: 0 or -errno. */
static int bench_fio_read_json(const char *path, struct fio_json_result *f)
{
	static char buf[1 << 20];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = 0, k;

	if (fd < 0)
		return -errno;
	while (n < (ssize_t)sizeof(buf) - 1 &&
	       (k = read(fd, buf + n, sizeof(buf) - 1 - (size_t)n)) > 0)
		n += k;
	close(fd);
	buf[n] = '\0';
	return fio_json_parse(buf, f);
}

/* The host's own figures: the same jobs, fio on a directory of this machine's filesystem. */
static int bench_fio_host(const struct bench_ext_cfg *c, struct bench_report *r)
{
	char dir[300], dirarg[320], out[300], outarg[320], log[300], spec[200], opts[10][64];
	struct fio_json_result f;

	if (access(BENCH_FIO_HOST_BIN, X_OK)) {
		bench_stats_report_note(r,
					"fio host rows not measured: %s: %s (apt-get install fio)",
					BENCH_FIO_HOST_BIN, strerror(errno));
		return -ENOENT;
	}
	snprintf(dir, sizeof(dir), "%s/fio-host", c->dir);
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	snprintf(dirarg, sizeof(dirarg), "--directory=%s", dir);
	for (int k = 0; k < BENCH_FIO_NJOBS; k++) {
		char *argv[18] = {
		    BENCH_FIO_HOST_BIN, "--output-format=json", outarg, "--name=bh", dirarg,
		    "--group_reporting"};
		int st, n = 6, i = 0, rc;
		char *save = NULL;

		bench_fio_spec(k, c->fio_s, spec, sizeof(spec));
		for (char *t = strtok_r(spec, ",", &save); t && i < 10;
		     t = strtok_r(NULL, ",", &save))
			snprintf(opts[i], sizeof(opts[i]), "--%s", t), argv[n++] = opts[i++];
		snprintf(out, sizeof(out), "%s/host-%d.json", c->dir, k);
		snprintf(outarg, sizeof(outarg), "--output=%s", out);
		snprintf(log, sizeof(log), "%s/host-%d.log", c->dir, k);
		fprintf(stderr, "[fio] host        %-9s numjobs=%d\n", bench_fio_kinds[k / 2].job,
			k % 2 + 1);
		st = bench_cmd_run(argv, log, (c->fio_s + BENCH_FIO_JOB_SLACK_S) * 1000);
		rc = st < 0				 ? st
		     : !WIFEXITED(st) || WEXITSTATUS(st) ? -EIO
							 : bench_fio_read_json(out, &f);
		if (rc) {
			bench_stats_report_note(r, "fio host %s numjobs=%d failed (%s; %s)",
						bench_fio_kinds[k / 2].job, k % 2 + 1,
						strerror(-rc), log);
			continue;
		}
		bench_fio_add(r, k, "host", "-", &f, 0);
	}
	return 0;
}

/* One guest boot running all jobs: `baoharness fio --frontend fe --virtiofsd be JOB...`. */
static int bench_fio_guest(const struct bench_ext_cfg *c, struct bench_report *r, const char *bin,
			   const char *fe, const char *be)
{
	char specs[BENCH_FIO_NJOBS][200], log[300], tmo[16], prefix[32];
	char *argv[8 + BENCH_FIO_NJOBS + 1] = {(char *)bin,   "fio",	  "--frontend", (char *)fe,
					       "--virtiofsd", (char *)be, "--timeout",	tmo};
	int st, bad = 0;

	snprintf(tmo, sizeof(tmo), "%d", c->fio_s + BENCH_FIO_JOB_SLACK_S);
	for (int k = 0; k < BENCH_FIO_NJOBS; k++) {
		bench_fio_spec(k, c->fio_s, specs[k], sizeof(specs[k]));
		argv[8 + k] = specs[k];
	}
	argv[8 + BENCH_FIO_NJOBS] = NULL;
	snprintf(log, sizeof(log), "%s/fio-%s-%s.log", c->dir, fe, be);
	fprintf(stderr, "[fio] %-11s %-4s boot + %d jobs of %d s\n", fe, be, BENCH_FIO_NJOBS,
		c->fio_s);
	st = bench_cmd_run(argv, log,
			   (120 + BENCH_FIO_NJOBS * (c->fio_s + BENCH_FIO_JOB_SLACK_S)) * 1000);
	for (int k = 0; k < BENCH_FIO_NJOBS; k++) {
		struct fio_json_result f = {0};
		double v[5];
		static const char *const keys[] = {"read_ios", "write_ios", "read_iops",
						   "write_iops", "traps"};

		snprintf(prefix, sizeof(prefix), "# fio: job=%d ", k + 1);
		for (int i = 0; i < 5; i++)
			if (bench_cmd_value(log, prefix, keys[i], &v[i]))
				goto missing;
		if (bench_cmd_value(log, prefix, "read_bw", &f.read_bw) ||
		    bench_cmd_value(log, prefix, "write_bw", &f.write_bw))
			goto missing;
		f.read_ios = (uint64_t)v[0], f.write_ios = (uint64_t)v[1];
		f.read_iops = v[2], f.write_iops = v[3];
		bench_fio_add(r, k, fe, be, &f, (uint64_t)v[4]);
		continue;
	missing:
		bad++;
	}
	if (bad)
		bench_stats_report_note(r,
					"fio on %s with the %s virtiofsd: %d of %d jobs without "
					"figures (exit status %d; see `baoharness fio` output)",
					fe, be, bad, BENCH_FIO_NJOBS,
					st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : st);
	return bad ? -EIO : 0;
}

int bench_fio_run(const struct bench_ext_cfg *c, struct bench_report *r)
{
	static const char *const fes[] = {"qemu", "qemu-native"};
	const char *bes[2] = {"c", NULL};
	struct stack_backend b;
	char bin[4096];
	int64_t t0 = clock_now_ns();
	int rc = bench_cmd_sibling("baoharness", bin, sizeof(bin)), nb = 1;

	if (rc) {
		bench_stats_report_note(
		    r, "fio rows not measured: no baoharness beside bao-bench (%s)", strerror(-rc));
		return 0;
	}
	if (!stack_backend_resolve("rust", &b))
		bes[nb++] = "rust";
	else
		bench_stats_report_note(r, "fio rows: no Rust virtiofsd (make backends): C only");
	snprintf(r->fio_how, sizeof(r->fio_how),
		 "fio 3.33, ioengine=psync bs=4k size=4M per job, time_based runtime=%d s, "
		 "invalidate=0, group_reporting; one guest boot per frontend and backend",
		 c->fio_s);
	rc = bench_fio_host(c, r);
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < nb; j++)
			if (bench_fio_guest(c, r, bin, fes[i], bes[j]))
				rc = rc ? rc : -EIO;
	bench_stats_report_note(r, "fio matrix: %zu rows in %.0f s", r->nfio,
				(double)(clock_now_ns() - t0) / 1e9);
	return rc;
}

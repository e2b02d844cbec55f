/* bench_fuzz.c - execs/s of each in-process libFuzzer target (fuzz/targets/fuzz_*.c): the
 * binary built by `make fuzz-build` beside bao-bench (fuzz/fuzz_<t>) runs for a few seconds on
 * a scratch corpus seeded from fuzz/corpus/<t>, and libFuzzer's final stats give the rate.
 * Without the binary the newest results/fuzz/<t>.json (`make fuzz`) is used, marked as such;
 * without either the row is skipped with a note. */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "bench_cmd.h"
#include "bench_ext.h"

/* Run fuzz_<t> for c->fuzz_s seconds; 0 with execs/s and execs, or -errno. */
static int bench_fuzz_once(const struct bench_ext_cfg *c, const char *t, const char *bin,
			   double *eps, double *execs)
{
	char tm[32], art[4200], dict[300], work[4200], seeds[300], log[4200];
	char *argv[12] = {(char *)bin,	 tm, "-print_final_stats=1", "-rss_limit_mb=2048",
			  "-timeout=10", art};
	int n = 6, st;

	snprintf(tm, sizeof(tm), "-max_total_time=%d", c->fuzz_s);
	snprintf(art, sizeof(art), "-artifact_prefix=%s/crash-%s-", c->dir, t);
	snprintf(dict, sizeof(dict), "fuzz/dict/%s.dict", t);
	if (access(dict, R_OK) == 0) {
		memmove(dict + 6, dict, strlen(dict) + 1);
		memcpy(dict, "-dict=", 6);
		argv[n++] = dict;
	}
	snprintf(work, sizeof(work), "%s/corpus-%s", c->dir, t);
	if (mkdir(work, 0755) < 0 && errno != EEXIST)
		return -errno;
	argv[n++] = work; /* new inputs land here, never in the repository's seeds */
	snprintf(seeds, sizeof(seeds), "fuzz/corpus/%s", t);
	if (access(seeds, R_OK) == 0)
		argv[n++] = seeds;
	argv[n] = NULL;
	snprintf(log, sizeof(log), "%s/fuzz-%s.log", c->dir, t);
	st = bench_cmd_run(argv, log, c->fuzz_s * 1000 + 60000);
	if (st < 0)
		return st;
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return -EIO;
	if (bench_cmd_value(log, "stat::average_exec_per_sec", "average_exec_per_sec", eps) ||
	    bench_cmd_value(log, "stat::number_of_executed_units", "number_of_executed_units",
			    execs))
		return -EBADMSG;
	return 0;
}

/* "execs_per_sec": N from results/fuzz/<t>.json. 0 or -errno. */
static int bench_fuzz_json(const char *t, double *eps, double *execs)
{
	char path[300], line[512];
	FILE *f;
	int got = 0;

	snprintf(path, sizeof(path), "results/fuzz/%s.json", t);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		got |= sscanf(line, " \"execs_per_sec\": %lf", eps) == 1 ? 1 : 0;
		got |= sscanf(line, " \"execs\": %lf", execs) == 1 ? 2 : 0;
	}
	fclose(f);
	return got == 3 ? 0 : -EBADMSG;
}

static void bench_fuzz_row(struct bench_report *r, const char *t, double eps, double execs,
			   const char *path)
{
	char name[64];
	struct bench_metric *m;

	snprintf(name, sizeof(name), "fuzz_%.40s_execs_s", t);
	m = bench_stats_report_add(r, name, eps, "execs/s", path);
	m->ops = (uint64_t)execs;
	m->rounds[0] = eps;
	m->nrounds = 1;
}

/* The whole-stack fuzzer (`baoharness fuzz fuse-requests`, seed 1) for a few seconds: its
 * requests/s, the figure the whole-stack campaign is judged by (results/fuzz/README.md). */
static void bench_fuzz_stack(const struct bench_ext_cfg *c, struct bench_report *r)
{
	char bin[4096], tm[32], out[4200], reg[4300], log[4300], json[4300];
	char *argv[] = {bin,	 "fuzz", "fuzz-requests", "--time", tm,	 "--seed", "1",
			"--out", out,	 "--regress-dir", reg,	    NULL};
	double rps = 0, reqs = 0;
	struct bench_metric *m;
	int st;

	argv[2] = "fuse-requests";
	if (bench_cmd_sibling("baoharness", bin, sizeof(bin))) {
		bench_stats_report_note(r, "fuzz_fuse_requests_per_s not measured: no baoharness");
		return;
	}
	snprintf(tm, sizeof(tm), "%d", c->fuzz_s * 4);
	snprintf(out, sizeof(out), "%s/fuse-requests", c->dir);
	snprintf(reg, sizeof(reg), "%s/found", out);
	snprintf(log, sizeof(log), "%s/fuse-requests.log", c->dir);
	snprintf(json, sizeof(json), "%s/fuse-requests.json", out);
	fprintf(stderr, "[fuzz] %-16s %s s\n", "fuse-requests", tm);
	st = bench_cmd_run(argv, log, (c->fuzz_s * 4 + 120) * 1000);
	if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) ||
	    bench_cmd_value(json, "  \"requests_per_sec\"", "\"requests_per_sec\"", &rps) ||
	    bench_cmd_value(json, "  \"requests\"", "\"requests\"", &reqs)) {
		bench_stats_report_note(r,
					"fuzz_fuse_requests_per_s not measured: `baoharness fuzz "
					"fuse-requests` failed (see %s)",
					log);
		return;
	}
	m = bench_stats_report_add(r, "fuzz_fuse_requests_per_s", rps, "requests/s", "whole stack");
	m->ops = (uint64_t)reqs;
	m->rounds[0] = rps;
	m->nrounds = 1;
	bench_stats_report_note(
	    r,
	    "fuzz_fuse_requests_per_s: the whole-stack fuzzer (scripted frontend, "
	    "fakebao, device model, C virtiofsd), seed 1, %s s",
	    tm);
}

int bench_fuzz_run(const struct bench_ext_cfg *c, struct bench_report *r)
{
	glob_t g;
	int ran = 0, old = 0;

	if (glob("fuzz/targets/fuzz_*.c", 0, NULL, &g)) {
		bench_stats_report_note(r, "fuzz rows not measured: fuzz/targets not found from %s",
					"the current directory (run from the repository root)");
		return 0;
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char t[48], rel[96], bin[4096];
		const char *b = strrchr(g.gl_pathv[i], '/') + 1 + 5; /* after "fuzz_" */
		double eps = 0, execs = 0;
		int rc;

		snprintf(t, sizeof(t), "%.*s", (int)(strlen(b) - 2), b);
		snprintf(rel, sizeof(rel), "fuzz/fuzz_%s", t);
		if (!bench_cmd_sibling(rel, bin, sizeof(bin))) {
			fprintf(stderr, "[fuzz] %-16s %d s\n", t, c->fuzz_s);
			rc = bench_fuzz_once(c, t, bin, &eps, &execs);
			if (!rc) {
				bench_fuzz_row(r, t, eps, execs, "libFuzzer");
				ran++;
			} else {
				bench_stats_report_note(
				    r,
				    "fuzz_%s_execs_s not measured: %s failed (%s); "
				    "see make fuzz TARGET=%s",
				    t, bin, strerror(-rc), t);
			}
		} else if (!bench_fuzz_json(t, &eps, &execs)) {
			bench_fuzz_row(r, t, eps, execs, "fuzz JSON");
			old++;
		} else {
			bench_stats_report_note(r,
						"fuzz_%s_execs_s skipped: no %s beside bao-bench "
						"(make fuzz-build) and no results/fuzz/%s.json",
						t, rel, t);
		}
	}
	globfree(&g);
	bench_fuzz_stack(c, r);
	if (ran)
		bench_stats_report_note(
		    r,
		    "fuzz rows (path libFuzzer): %d targets measured here, %d s each "
		    "(ASan+UBSan builds, one process, seeds from fuzz/corpus)",
		    ran, c->fuzz_s);
	if (old)
		bench_stats_report_note(
		    r,
		    "fuzz rows (path `fuzz JSON`): %d targets not built, value copied "
		    "from results/fuzz/<target>.json of an earlier `make fuzz` campaign",
		    old);
	return 0;
}

/* bench_main.c - `bao-bench`: brings up the emulated stacks (one per wait policy), the direct
 * vhost-user baseline and a host directory side by side, then measures every workload on each
 * path in interleaved rounds so noise from a shared machine hits all paths alike. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "bench.h"
#include "bench_direct.h"
#include "bench_ext.h"
#include "bench_fuse.h"
#include "bench_plan.h"
#include "bench_report.h"
#include "cpus.h"
#include "log.h"
#include "rmtree.h"
#include "stack.h"

static const struct bench_target bench_targets[] = {
    {"GETATTR QD1 emulated adaptive p50 <= 1.5x direct adaptive", "getattr_qd1_p50_us",
     "getattr_qd1_p50_us_direct", 1.5},
    {"GETATTR QD1 emulated adaptive p50 <= 0.25x eventfd RTT", "getattr_qd1_p50_us",
     "eventfd_rtt_p50_us", 0.25},
    {"trap RTT p50 <= 0.25x eventfd RTT", "trap_rtt_p50_us", "eventfd_rtt_p50_us", 0.25},
    {"GETATTR QD1 direct/emulated ops <= 1.2", "getattr_qd1_ops_direct", "getattr_qd1_ops", 1.2},
    {"GETATTR QD16 direct/emulated ops <= 1.2", "getattr_qd16_ops_direct", "getattr_qd16_ops", 1.2},
    {"READ 4K QD1 direct/emulated ops <= 1.2", "read4k_qd1_ops_direct", "read4k_qd1_ops", 1.2},
    {"READ 4K QD16 direct/emulated ops <= 1.2", "read4k_qd16_ops_direct", "read4k_qd16_ops", 1.2},
    {"WRITE 4K QD1 direct/emulated ops <= 1.2", "write4k_qd1_ops_direct", "write4k_qd1_ops", 1.2},
    {"WRITE 4K QD16 direct/emulated ops <= 1.2", "write4k_qd16_ops_direct", "write4k_qd16_ops",
     1.2},
    {"GETATTR QD1 --wait block p50 <= 2x eventfd RTT", "getattr_qd1_p50_us_block",
     "eventfd_rtt_p50_us", 2.0},
    {"QEMU guest boot to mount: trapped <= 1.1x qemu-native (issue 16)", "qemu_boot_to_mount_s",
     "qemu_native_boot_to_mount_s", 1.1},
    {"QEMU guest 4K write/read loop: qemu-native/trapped ops <= 1.3 (issue 16)",
     "qemu_native_loop_ops", "qemu_loop_ops", 1.3},
    {"QEMU guest long scenario (600 mixed steps): trapped/qemu-native steps time <= 1.3 (issue 16)",
     "qemu_long_steps_s", "qemu_native_long_steps_s", 1.3},
    {"QEMU guest interrupt raised -> handler p50 <= 100 us (issue 16)",
     "qemu_irq_to_handler_p50_us", "qemu_irq_target_us", 1.0},
};

static void bench_usage(void)
{
	fprintf(
	    stderr,
	    "usage: bao-bench [--out DIR] [--ms N] [--rounds N] [--seq-mib N] [--quick] "
	    "[--only LIST] [--no-qemu] [--no-fuzz] [--fuzz-s N] [--no-fio] [--fio-s N] [-v]\n"
	    "  --ms: milliseconds per measurement (400); --rounds: interleaved rounds (5)\n"
	    "  --only: comma list of groups rtt,fuse,policy,seq,qemu,fio,fuzz (all)\n"
	    "  --no-qemu, --no-fuzz, --no-fio: drop those groups; --fuzz-s: seconds per fuzz "
	    "target (3)\n"
	    "  --fio-s: seconds per fio job of the guest/host matrix (3)\n"
	    "  --quick: 1 round, 0.2 s per measurement, 64 MiB file, 1 s per fuzz target and fio "
	    "job\n"
	    "  --notes FILE: Markdown appended to bench.md (harness/bench/limits.md)\n"
	    "  --cpus LIST: run the frontend, device models and virtiofsd on these CPUs\n"
	    "               (e.g. 0: all on one; the round-trip floors pin their own)\n");
}

static int bench_args(int argc, char **argv, struct bench_cfg *c)
{
	static const struct option lo[] = {
	    {"out", 1, 0, 'o'},	    {"ms", 1, 0, 'm'},	   {"rounds", 1, 0, 'r'},
	    {"seq-mib", 1, 0, 's'}, {"quick", 0, 0, 'q'},  {"only", 1, 0, 'O'},
	    {"help", 0, 0, 'h'},    {"notes", 1, 0, 'n'},  {"no-qemu", 0, 0, 'Q'},
	    {"no-fuzz", 0, 0, 'F'}, {"fuzz-s", 1, 0, 'f'}, {"cpus", 1, 0, 'c'},
	    {"no-fio", 0, 0, 'I'},  {"fio-s", 1, 0, 'i'},  {0, 0, 0, 0}};
	int o;

	*c = (struct bench_cfg){.out = "results",
				.dur_ms = 400,
				.rounds = 5,
				.seq_mib = 256,
				.only = "rtt,fuse,policy,seq,qemu,fio,fuzz",
				.fuzz_s = 3,
				.fio_s = 3,
				.notes = "harness/bench/limits.md"};
	while ((o = getopt_long(argc, argv, "v", lo, NULL)) != -1) {
		switch (o) {
		case 'o':
			c->out = optarg;
			break;
		case 'm':
			c->dur_ms = atof(optarg);
			break;
		case 'r':
			c->rounds = atoi(optarg);
			break;
		case 's':
			c->seq_mib = (unsigned int)atoi(optarg);
			break;
		case 'q':
			c->dur_ms = 200, c->rounds = 1, c->seq_mib = 64, c->fuzz_s = 1,
			c->fio_s = 1;
			break;
		case 'Q':
			c->no_qemu = 1;
			break;
		case 'F':
			c->no_fuzz = 1;
			break;
		case 'f':
			c->fuzz_s = atoi(optarg);
			break;
		case 'I':
			c->no_fio = 1;
			break;
		case 'i':
			c->fio_s = atoi(optarg);
			break;
		case 'O':
			c->only = optarg;
			break;
		case 'n':
			c->notes = optarg;
			break;
		case 'c':
			c->cpus = optarg;
			break;
		case 'v':
			c->verbose = 1;
			break;
		default:
			bench_usage();
			return o == 'h' ? 1 : -EINVAL;
		}
	}
	if (c->rounds < 1 || c->rounds > BENCH_ROUNDS_MAX || c->dur_ms <= 0 || !c->seq_mib ||
	    c->fuzz_s < 1 || c->fuzz_s > 600 || c->fio_s < 1 || c->fio_s > 60) {
		bench_usage();
		return -EINVAL;
	}
	return 0;
}

/* The groups that run other programs, after the in-process paths are down (the QEMU guests
 * and fuzz targets then have the machine to themselves). Failures become notes. */
static void bench_ext(const struct bench_cfg *cfg, struct bench_report *rep)
{
	const char *tmp = getenv("TMPDIR");
	char dir[256];
	struct bench_ext_cfg c = {.rounds = cfg->rounds,
				  .loop_steps = 100,
				  .fuzz_s = cfg->fuzz_s,
				  .fio_s = cfg->fio_s,
				  .dir = dir};
	int rc;

	if (cfg->no_qemu)
		bench_stats_report_note(rep, "QEMU rows skipped (--no-qemu)");
	if (cfg->no_fuzz)
		bench_stats_report_note(rep, "fuzz rows skipped (--no-fuzz)");
	if (cfg->no_fio)
		bench_stats_report_note(rep, "fio matrix skipped (--no-fio, BENCH_FIO=0)");
	snprintf(dir, sizeof(dir), "%s/bao-bench-ext-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		bench_stats_report_note(rep, "QEMU and fuzz rows not measured: mkdtemp: %s",
					strerror(errno));
		return;
	}
	if (strstr(cfg->only, "qemu") && !cfg->no_qemu) {
		rc = bench_qemu_run(&c, rep);
		if (rc)
			fprintf(stderr, "bao-bench: QEMU rows failed: %s\n", strerror(-rc));
	}
	/* Its own guest boots (no --no-qemu needed to skip it: --no-fio) */
	if (strstr(cfg->only, "fio") && !cfg->no_fio) {
		rc = bench_fio_run(&c, rep);
		if (rc)
			fprintf(stderr, "bao-bench: fio rows incomplete: %s\n", strerror(-rc));
	}
	if (strstr(cfg->only, "fuzz") && !cfg->no_fuzz)
		bench_fuzz_run(&c, rep);
	rmtree(dir);
}

int main(int argc, char **argv)
{
	struct bench_world w;
	struct bench_report *rep = calloc(1, sizeof(*rep));
	struct bench_meta meta;
	int64_t t0 = clock_now_ns();
	int rc = rep ? bench_args(argc, argv, &w.cfg) : -ENOMEM;
	const char *only;

	if (rc)
		return rc > 0 ? 0 : 2;
	log_set_level(w.cfg.verbose ? LOG_INFO : LOG_WARN);
	if (w.cfg.cpus) {
		cpu_set_t set;

		if (cpus_option("bao-bench", w.cfg.cpus, &set)) {
			free(rep);
			return 2;
		}
		/* Before anything starts: every stack, virtiofsd and thread inherits it. */
		if (cpus_pin_self(&set)) {
			free(rep);
			return 1;
		}
		bench_stats_report_note(
		    rep,
		    "placement: every in-process path ran with --cpus %s (frontend, "
		    "device models and virtiofsd; the round-trip floors pin their own CPUs)",
		    w.cfg.cpus);
	}
	mkdir(w.cfg.out, 0755);
	only = w.cfg.only;
	if (strstr(only, "rtt") || strstr(only, "fuse") || strstr(only, "policy") ||
	    strstr(only, "seq")) {
		rc = bench_world_start(&w);
		if (!rc)
			rc = bench_plan_run(&w, rep);
		bench_world_stop(&w);
	}
	if (rc) {
		fprintf(stderr, "bao-bench: failed: %s\n", strerror(-rc));
		free(rep);
		return 1;
	}
	bench_ext(&w.cfg, rep);
	meta = (struct bench_meta){w.cfg.rounds, w.cfg.dur_ms, w.cfg.seq_mib,
				   (double)(clock_now_ns() - t0) / 1e9, w.cfg.notes};
	rc = bench_report_write(rep, bench_targets,
				sizeof(bench_targets) / sizeof(bench_targets[0]), &meta, w.cfg.out);
	if (!rc)
		fprintf(stderr, "bao-bench: wrote %s/bench.json, bench.md, bench.png in %.0f s\n",
			w.cfg.out, meta.wall_s);
	free(rep);
	return rc ? 1 : 0;
}

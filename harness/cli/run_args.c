/* run_args.c - command line of `baoharness run`: options, then every file parsed before any
 * runs, so a malformed file exits 2 having touched nothing. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpus.h"
#include "guest_args.h"
#include "parts_args.h"
#include "interrupt.h"
#include "log.h"
#include "run.h"
#include "run_jobs.h"
#include "shard.h"

static void run_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: baoharness run [--frontend scripted|qemu|qemu-native] [--share DIR] [--keep] "
	    "[--stats]\n"
	    "                      [--step-timeout S] [--wait adaptive|block|poll] [--cpus LIST]\n"
	    "                      [--virtiofsd c|rust|PATH] [--jobs N] [--shard K/N]\n"
	    "                      [--junit FILE] [--format plain|tap] [--record TRACE]\n"
	    "                      [-v] FILE.scn...\n" GUEST_ARGS_USAGE PARTS_ARGS_USAGE);
}

static int run_parse_wait(const char *s, enum fe_wait_policy *w)
{
	if (!strcmp(s, "adaptive"))
		*w = FE_WAIT_ADAPTIVE;
	else if (!strcmp(s, "block"))
		*w = FE_WAIT_BLOCK;
	else if (!strcmp(s, "poll"))
		*w = FE_WAIT_POLL;
	else
		return -EINVAL;
	return 0;
}

#define RUN_OPT_OTHER 1 /* not an option of this group */

/* The options of the run and its stack: 0, -EINVAL (said why) or RUN_OPT_OTHER. */
static int run_opt_stack(int c, struct run_opts *o)
{
	char *end;
	long v;

	switch (c) {
	case 'f':
		o->stack.frontend = stack_frontend_find(optarg);
		if (!o->stack.frontend) {
			char names[128];

			fprintf(stderr,
				"baoharness run: frontend '%s' is not available in this build "
				"(available: %s)\n",
				optarg, stack_frontend_names(names, sizeof(names)));
			return -EINVAL;
		}
		break;
	case 's':
		o->stack.share = optarg;
		break;
	case 'k':
		o->stack.keep = 1;
		break;
	case 'S':
		o->stats = 1;
		break;
	case 't':
		errno = 0;
		v = strtol(optarg, &end, 10);
		if (errno || *end || v < 1 || v > 3600) {
			fprintf(stderr,
				"baoharness run: --step-timeout '%s': want 1..3600 seconds\n",
				optarg);
			return -EINVAL;
		}
		o->stack.step_timeout_ms = (int)v * 1000;
		break;
	case 'w':
		if (run_parse_wait(optarg, &o->stack.wait)) {
			fprintf(stderr,
				"baoharness run: --wait '%s': want adaptive, block or poll\n",
				optarg);
			return -EINVAL;
		}
		break;
	case 'b':
		o->stack.virtiofsd = optarg;
		break;
	case 'c':
		if (cpus_option("baoharness run", optarg, &o->stack.cpus))
			return -EINVAL;
		o->stack.pin = 1;
		break;
	case 'R':
		o->record->path = optarg;
		break;
	case 'v':
		o->stack.verbose++;
		log_set_level(o->stack.verbose > 1 ? LOG_DEBUG : LOG_INFO);
		break;
	default:
		return RUN_OPT_OTHER;
	}
	return 0;
}

/* The options of how files are run and reported: --jobs, --junit, --format, --shard. */
static int run_opt_report(int c, struct run_jobs_opts *jo, unsigned int *shard_k,
			  unsigned int *shard_n)
{
	char *end;
	long v;

	switch (c) {
	case 'j':
		v = strtol(optarg, &end, 10);
		if (*end || v < 1 || v > 64) {
			fprintf(stderr, "baoharness run: --jobs '%s': want 1..64\n", optarg);
			return -EINVAL;
		}
		jo->jobs = (int)v;
		break;
	case 'J':
		jo->junit = optarg;
		break;
	case 'F':
		if (strcmp(optarg, "plain") && strcmp(optarg, "tap")) {
			fprintf(stderr, "baoharness run: --format '%s': want plain or tap\n",
				optarg);
			return -EINVAL;
		}
		jo->tap = !strcmp(optarg, "tap");
		break;
	case 'D':
		if (shard_parse(optarg, shard_k, shard_n)) {
			fprintf(stderr,
				"baoharness run: --shard '%s': want K/N with 1 <= K <= N "
				"<= 1000\n",
				optarg);
			return -EINVAL;
		}
		break;
	default:
		return RUN_OPT_OTHER;
	}
	return 0;
}

static int run_parse_opts(int argc, char **argv, struct run_opts *o, struct run_jobs_opts *jo,
			  unsigned int *shard_k, unsigned int *shard_n)
{
	static const struct option longopts[] = {{"frontend", required_argument, NULL, 'f'},
						 {"share", required_argument, NULL, 's'},
						 {"keep", no_argument, NULL, 'k'},
						 {"stats", no_argument, NULL, 'S'},
						 {"step-timeout", required_argument, NULL, 't'},
						 {"wait", required_argument, NULL, 'w'},
						 {"verbose", no_argument, NULL, 'v'},
						 {"help", no_argument, NULL, 'h'},
						 {"cpus", required_argument, NULL, 'c'},
						 {"virtiofsd", required_argument, NULL, 'b'},
						 {"jobs", required_argument, NULL, 'j'},
						 {"junit", required_argument, NULL, 'J'},
						 {"format", required_argument, NULL, 'F'},
						 {"shard", required_argument, NULL, 'D'},
						 {"record", required_argument, NULL, 'R'},
						 GUEST_ARGS_LONGOPTS,
						 PARTS_ARGS_LONGOPTS,
						 {NULL, 0, NULL, 0}};
	int c, r;

	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		if (c == 'h') {
			run_usage(stdout);
			return 1;
		}
		r = run_opt_stack(c, o);
		if (r == RUN_OPT_OTHER)
			r = run_opt_report(c, jo, shard_k, shard_n);
		if (r == RUN_OPT_OTHER) {
			int g = parts_args_parse(c, optarg, &o->stack);

			if (!g)
				g = guest_args_parse(c, optarg, &o->stack, "baoharness run");

			if (g > 0)
				continue;
			if (!g)
				run_usage(stderr);
			return -EINVAL;
		}
		if (r)
			return r;
	}
	if (guest_args_check(&o->stack, "baoharness run"))
		return -EINVAL;
	return parts_args_check(&o->stack, "baoharness run");
}

int run_args_main(int argc, char **argv)
{
	struct run_record rec = {0};
	struct run_opts o = {.stack = {.step_timeout_ms = 30000, .wait = FE_WAIT_ADAPTIVE},
			     .record = &rec};
	struct run_jobs_opts jo = {.jobs = 1};
	struct run_totals t = {0};
	struct scn_file *files, *sel = NULL;
	unsigned int shard_k = 1, shard_n = 1;
	int nfiles, nsel = 0, bad = 0, status = RUN_EXIT_PASS;
	int r = run_parse_opts(argc, argv, &o, &jo, &shard_k, &shard_n);

	if (r)
		return r > 0 ? RUN_EXIT_PASS : RUN_EXIT_USAGE;
	nfiles = argc - optind;
	if (nfiles <= 0) {
		run_usage(stderr);
		return RUN_EXIT_USAGE;
	}
	files = calloc((size_t)nfiles, sizeof(*files));
	if (!files)
		return RUN_EXIT_FAIL;
	for (int i = 0; i < nfiles; i++)
		if (run_load(argv[optind + i], &files[i]))
			bad = 1;
	if (bad) {
		fprintf(stderr, "baoharness run: parse errors: nothing was run\n");
		status = RUN_EXIT_USAGE;
		goto out;
	}
	/* Every file was parsed; the shard picks which of them this job runs (shallow copies). */
	sel = calloc((size_t)nfiles, sizeof(*sel));
	if (!sel) {
		status = RUN_EXIT_FAIL;
		goto out;
	}
	for (int i = 0; i < nfiles; i++)
		if (shard_selects(argv[optind + i], shard_k, shard_n))
			sel[nsel++] = files[i];
	if (shard_n > 1)
		fprintf(stderr, "baoharness run: shard %u/%u: %d of %d files\n", shard_k, shard_n,
			nsel, nfiles);
	if (run_record_open(&rec, &o, &jo)) {
		status = RUN_EXIT_USAGE;
		goto out;
	}
	run_record_stack(&o);
	if (jo.jobs > 1 || jo.junit || jo.tap) {
		status = run_jobs_run(sel, nsel, &o, &jo, &t);
	} else {
		for (int i = 0; i < nsel && !interrupt_signal(); i++) {
			r = run_file(&sel[i], &o, stdout, &t);
			if (r == RUN_EXIT_ENV)
				status = RUN_EXIT_ENV;
			else if (r != RUN_EXIT_PASS && status == RUN_EXIT_PASS)
				status = RUN_EXIT_FAIL;
		}
	}
	if (run_record_close(&rec) && status == RUN_EXIT_PASS)
		status = RUN_EXIT_FAIL;
	printf("%s%d passed, %d failed, %d skipped\n", jo.tap ? "# " : "", t.passed, t.failed,
	       t.skipped);
	if (interrupt_signal()) {
		fprintf(stderr, "baoharness run: interrupted by %s: stack stopped, exit %d\n",
			interrupt_name(interrupt_signal()), 128 + interrupt_signal());
		status = 128 + interrupt_signal();
	}
out:
	for (int i = 0; i < nfiles; i++)
		scn_file_free(&files[i]);
	free(files);
	free(sel);
	return status;
}

/* run_args.c - command line of `baoharness run`: options, then every file parsed before any
 * runs, so a malformed file exits 2 having touched nothing. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpus.h"
#include "interrupt.h"
#include "log.h"
#include "run.h"

static void run_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: baoharness run [--frontend scripted|qemu|qemu-native] [--share DIR] [--keep] "
	    "[--stats]\n"
	    "                      [--step-timeout S] [--wait adaptive|block|poll] [--cpus LIST]\n"
	    "                      [--virtiofsd c|rust|PATH]\n"
	    "                      [-v] FILE.scn...\n");
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

static int run_parse_opts(int argc, char **argv, struct run_opts *o)
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
						 {NULL, 0, NULL, 0}};
	int c;

	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		char *end;
		long v;

		switch (c) {
		case 'f':
			o->stack.frontend = stack_frontend_find(optarg);
			if (!o->stack.frontend) {
				fprintf(
				    stderr,
				    "baoharness run: frontend '%s' is not available in this build "
				    "(available: %s)\n",
				    optarg, stack_frontend_names());
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
				fprintf(
				    stderr,
				    "baoharness run: --step-timeout '%s': want 1..3600 seconds\n",
				    optarg);
				return -EINVAL;
			}
			o->stack.step_timeout_ms = (int)v * 1000;
			break;
		case 'w':
			if (run_parse_wait(optarg, &o->stack.wait)) {
				fprintf(
				    stderr,
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
		case 'v':
			o->stack.verbose++;
			log_set_level(o->stack.verbose > 1 ? LOG_DEBUG : LOG_INFO);
			break;
		case 'h':
			run_usage(stdout);
			return 1;
		default:
			run_usage(stderr);
			return -EINVAL;
		}
	}
	return 0;
}

int run_args_main(int argc, char **argv)
{
	struct run_opts o = {.stack = {.step_timeout_ms = 30000, .wait = FE_WAIT_ADAPTIVE}};
	struct run_totals t = {0};
	struct scn_file *files;
	int nfiles, bad = 0, status = RUN_EXIT_PASS;
	int r = run_parse_opts(argc, argv, &o);

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
	for (int i = 0; i < nfiles && !interrupt_signal(); i++) {
		r = run_file(&files[i], &o, stdout, &t);
		if (r == RUN_EXIT_ENV)
			status = RUN_EXIT_ENV;
		else if (r != RUN_EXIT_PASS && status == RUN_EXIT_PASS)
			status = RUN_EXIT_FAIL;
	}
	printf("%d passed, %d failed, %d skipped\n", t.passed, t.failed, t.skipped);
	if (interrupt_signal()) {
		fprintf(stderr, "baoharness run: interrupted by %s: stack stopped, exit %d\n",
			interrupt_name(interrupt_signal()), 128 + interrupt_signal());
		status = 128 + interrupt_signal();
	}
out:
	for (int i = 0; i < nfiles; i++)
		scn_file_free(&files[i]);
	free(files);
	return status;
}

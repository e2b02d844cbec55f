/* doctor.c - `baoharness doctor [--frontend F] [--virtiofsd c|rust|PATH] [-v]`: one line per
 * part a run needs (doctor_checks.c), `ok` or what is missing and what fixes it; parts the
 * asked-for run does not need are marked optional and never fail the doctor. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "doctor.h"
#include "log.h"
#include "run.h"
#include "stack.h"

static void doctor_usage(FILE *f)
{
	char names[128];

	fprintf(f,
		"usage: baoharness doctor [--frontend %s] [--virtiofsd c|rust|PATH] [-v]\n"
		"  checks what a run with these options needs; exit 0 when every required part "
		"holds, 3 when one is missing\n",
		stack_frontend_names(names, sizeof(names)));
}

static int doctor_args(int argc, char **argv, struct doctor_want *w)
{
	static const struct option opts[] = {{"frontend", required_argument, NULL, 'f'},
					     {"virtiofsd", required_argument, NULL, 'b'},
					     {"verbose", no_argument, NULL, 'v'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	int c;

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!stack_frontend_find(optarg)) {
				char names[128];

				fprintf(stderr,
					"baoharness doctor: frontend '%s' is not available in this "
					"build (available: %s)\n",
					optarg, stack_frontend_names(names, sizeof(names)));
				return -EINVAL;
			}
			w->frontend = optarg;
			break;
		case 'b':
			w->virtiofsd = optarg;
			break;
		case 'v':
			w->verbose++;
			log_set_level(LOG_INFO);
			break;
		case 'h':
			doctor_usage(stdout);
			return 1;
		default:
			doctor_usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "baoharness doctor: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/* One line: "NAME  ok  detail", "NAME  MISSING  detail -> fix: ...", optional ones say so. */
static void doctor_line(const char *name, const struct doctor_result *r)
{
	if (r->ok)
		printf("%-20s ok       %s\n", name, r->detail);
	else if (r->optional)
		printf("%-20s optional %s; fix: %s (needed only %s)\n", name, r->detail, r->fix,
		       r->why_opt);
	else
		printf("%-20s MISSING  %s; fix: %s\n", name, r->detail, r->fix);
}

int doctor_main(int argc, char **argv)
{
	struct doctor_want w = {.frontend = "scripted"};
	int r = doctor_args(argc, argv, &w), missing = 0, optional = 0;

	if (r)
		return r > 0 ? RUN_EXIT_PASS : RUN_EXIT_USAGE;
	printf("# baoharness doctor: what `baoharness run --frontend %s` needs on this machine\n",
	       w.frontend);
	for (const struct doctor_check *c = doctor_checks; c->name; c++) {
		struct doctor_result res;

		memset(&res, 0, sizeof(res));
		c->run(&w, &res);
		if (res.hidden)
			continue;
		doctor_line(c->name, &res);
		missing += !res.ok && !res.optional;
		optional += !res.ok && res.optional;
	}
	if (missing)
		printf("# doctor: %d required part%s missing (%d optional): run the fixes above\n",
		       missing, missing == 1 ? "" : "s", optional);
	else
		printf("# doctor: every required part is here (%d optional missing)\n", optional);
	return missing ? RUN_EXIT_ENV : RUN_EXIT_PASS;
}

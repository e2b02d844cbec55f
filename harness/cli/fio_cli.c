/* fio_cli.c - `baoharness fio [--frontend qemu|qemu-native] JOB...`: one stack, one guest
 * boot, then each JOB (fio options, comma-separated) run by the guest agent (`@@FIO`) on the
 * share; per job the figures fio reported and the trapped accesses fakebao counted over it. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fakebao.h"
#include "fio_cli.h"
#include "guest_args.h"
#include "log.h"
#include "parts_args.h"
#include "qemu_fe_fio.h"
#include "run.h"
#include "stack.h"

#define FIO_CLI_TIMEOUT_S 120

static void fio_cli_usage(FILE *f)
{
	fprintf(f,
		"usage: baoharness fio [--frontend qemu|qemu-native] [--virtiofsd c|rust|PATH] "
		"[--share DIR] [--keep] [--timeout S] [-v] JOB...\n" GUEST_ARGS_USAGE
		"  JOB: fio options, comma-separated, e.g. rw=randwrite,bs=4k,size=4M,runtime=3,"
		"time_based=1\n"
		"       (keys: rw bs size numjobs runtime time_based ioengine iodepth verify "
		"do_verify ...)\n"
		"  each job runs on the guest's /mnt (files bh.N.0), bounded by --timeout (%d s);\n"
		"  prints '# fio: job=K ... traps=T irqs=I' per job (traps: fakebao's, over the "
		"job)\n",
		FIO_CLI_TIMEOUT_S);
}

struct fio_cli {
	struct stack_opts o;
	int timeout_s;
	int first_job; /* argv index of the first JOB */
};

static int fio_cli_parse(int argc, char **argv, struct fio_cli *c)
{
	static const struct option longopts[] = {{"frontend", required_argument, NULL, 'f'},
						 {"share", required_argument, NULL, 's'},
						 {"virtiofsd", required_argument, NULL, 'b'},
						 {"keep", no_argument, NULL, 'k'},
						 {"timeout", required_argument, NULL, 't'},
						 {"verbose", no_argument, NULL, 'v'},
						 {"help", no_argument, NULL, 'h'},
						 GUEST_ARGS_LONGOPTS,
						 PARTS_ARGS_LONGOPTS,
						 {NULL, 0, NULL, 0}};
	int ch;

	while ((ch = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			c->o.frontend = stack_frontend_find(optarg);
			/* Only the QEMU frontends have a guest agent (and fio) */
			if (!c->o.frontend || !c->o.frontend->shell) {
				fprintf(stderr,
					"baoharness fio: frontend '%s' runs no guest (want qemu or "
					"qemu-native)\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 's':
			c->o.share = optarg;
			break;
		case 'b':
			c->o.virtiofsd = optarg;
			break;
		case 'k':
			c->o.keep = 1;
			break;
		case 't':
			c->timeout_s = atoi(optarg);
			if (c->timeout_s < 1 || c->timeout_s > 600) {
				fprintf(stderr, "baoharness fio: --timeout '%s': want 1..600 s\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 'v':
			c->o.verbose++;
			log_set_level(c->o.verbose > 1 ? LOG_DEBUG : LOG_INFO);
			break;
		case 'h':
			fio_cli_usage(stdout);
			return 1;
		default: {
			int g = parts_args_parse(ch, optarg, &c->o);

			if (!g)
				g = guest_args_parse(ch, optarg, &c->o, "baoharness fio");
			if (g > 0)
				break;
			if (!g)
				fio_cli_usage(stderr);
			return -EINVAL;
		}
		}
	}
	if (guest_args_check(&c->o, "baoharness fio") || parts_args_check(&c->o, "baoharness fio"))
		return -EINVAL;
	if (optind >= argc) {
		fprintf(stderr, "baoharness fio: no JOB given\n");
		fio_cli_usage(stderr);
		return -EINVAL;
	}
	for (int i = optind; i < argc; i++)
		if (!argv[i][0] || strlen(argv[i]) > 900 || strpbrk(argv[i], " \t\n")) {
			fprintf(stderr,
				"baoharness fio: JOB '%.60s': want comma-separated key=value, no "
				"blanks, at most 900 bytes\n",
				argv[i]);
			return -EINVAL;
		}
	c->first_job = optind;
	return 0;
}

static void fio_cli_counts(struct stack *s, uint64_t *traps, uint64_t *irqs)
{
	struct fakebao_stats fs;

	*traps = *irqs = 0;
	if (!s->fb)
		return;
	fakebao_get_stats(s->fb, &fs);
	*traps = fs.mmio_traps;
	*irqs = fs.irqs_injected;
}

/* One JOB: 0 ran, 1 fio failed, <0 the guest is gone. */
static int fio_cli_job(struct stack *s, int k, const char *job, int timeout_s)
{
	char opts[1024], why[1024], line[512];
	struct fio_json_result r;
	uint64_t t0, i0, t1, i1, ios;
	int rc;

	snprintf(opts, sizeof(opts), "%s", job);
	for (char *p = opts; *p; p++)
		if (*p == ',')
			*p = ' ';
	fio_cli_counts(s, &t0, &i0);
	rc = qemu_fe_fio(s->qfe, opts, timeout_s, &r, why, sizeof(why));
	fio_cli_counts(s, &t1, &i1);
	if (rc) {
		printf("fio %d FAIL %s: %s\n", k, job, why);
		fflush(stdout);
		return rc;
	}
	ios = r.read_ios + r.write_ios;
	fio_json_format(&r, line, sizeof(line));
	printf("fio %d ok %s: %.0f IOPS, %.2f MB/s, %llu I/Os, %.2f traps per I/O\n", k, job,
	       r.read_iops + r.write_iops, (r.read_bw + r.write_bw) / 1e6, (unsigned long long)ios,
	       ios ? (double)(t1 - t0) / (double)ios : 0.0);
	printf("# fio: job=%d %s traps=%llu irqs=%llu\n", k, line, (unsigned long long)(t1 - t0),
	       (unsigned long long)(i1 - i0));
	fflush(stdout);
	return ios ? 0 : 1;
}

int fio_cli_main(int argc, char **argv)
{
	struct fio_cli c = {.o = {.frontend = &stack_fe_trapped_ops,
				  .step_timeout_ms = 30000,
				  .wait = FE_WAIT_ADAPTIVE},
			    .timeout_s = FIO_CLI_TIMEOUT_S};
	struct stack s;
	int r = fio_cli_parse(argc, argv, &c), failed = 0;

	if (r)
		return r > 0 ? RUN_EXIT_PASS : RUN_EXIT_USAGE;
	r = stack_start(&s, &c.o);
	if (r) {
		fprintf(stderr, "baoharness fio: the stack did not start (%s)\n",
			r == STACK_ENV_MISSING ? "environment incomplete: run `baoharness doctor`"
			: s.start_why[0]       ? s.start_why
					       : strerror(-r));
		return r == STACK_ENV_MISSING ? RUN_EXIT_ENV : RUN_EXIT_FAIL;
	}
	printf("# fio: frontend=%s backend=%s version='%s' share=%s\n", c.o.frontend->name,
	       stack_backend_kind_name(&s.backend), s.backend.version, s.share);
	for (int i = c.first_job; i < argc; i++) {
		r = fio_cli_job(&s, i - c.first_job + 1, argv[i], c.timeout_s);
		if (r)
			failed = 1;
		if (r < 0)
			break; /* the guest is gone: the other jobs cannot run */
	}
	stack_stop(&s);
	return failed ? RUN_EXIT_FAIL : RUN_EXIT_PASS;
}

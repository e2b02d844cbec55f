/* boot.c - `baoharness boot [--frontend qemu|qemu-native] [--share DIR] [--keep] [-v]`: bring
 * up the stack as `run` does (for `qemu`: EL2 stub, fakebao, device model, virtiofsd), but boot
 * the guest to a shell and hand the console to the user until the guest powers off. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "boot.h"
#include "guest_args.h"
#include "parts_args.h"
#include "log.h"
#include "run.h"
#include "stack.h"

static void boot_usage(FILE *f)
{
	fprintf(f,
		"usage: baoharness boot [--frontend qemu|qemu-native] [--share DIR] [--keep] "
		"[-v]\n" GUEST_ARGS_USAGE PARTS_ARGS_USAGE
		"  boots the arm64 guest to a shell on this terminal; in the guest:\n"
		"    mount -t virtiofs myfs /mnt      the share, through the trapped device\n"
		"    poweroff -f                      leave (or type Ctrl-] to stop the guest)\n");
}

static int boot_parse(int argc, char **argv, struct stack_opts *o)
{
	static const struct option longopts[] = {{"frontend", required_argument, NULL, 'f'},
						 {"share", required_argument, NULL, 's'},
						 {"virtiofsd", required_argument, NULL, 'b'},
						 {"keep", no_argument, NULL, 'k'},
						 {"verbose", no_argument, NULL, 'v'},
						 {"help", no_argument, NULL, 'h'},
						 GUEST_ARGS_LONGOPTS,
						 PARTS_ARGS_LONGOPTS,
						 {NULL, 0, NULL, 0}};
	int c;

	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->frontend = stack_frontend_find(optarg);
			if (!o->frontend || !o->frontend->shell) {
				fprintf(stderr,
					"baoharness boot: frontend '%s' has no shell "
					"(available: qemu, qemu-native)\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 's':
			o->share = optarg;
			break;
		case 'b':
			o->virtiofsd = optarg;
			break;
		case 'k':
			o->keep = 1;
			break;
		case 'v':
			o->verbose++;
			log_set_level(o->verbose > 1 ? LOG_DEBUG : LOG_INFO);
			break;
		case 'h':
			boot_usage(stdout);
			return 1;
		default: {
			int g = parts_args_parse(c, optarg, o);

			if (!g)
				g = guest_args_parse(c, optarg, o, "baoharness boot");

			if (g > 0)
				break;
			if (!g)
				boot_usage(stderr);
			return -EINVAL;
		}
		}
	}
	if (guest_args_check(o, "baoharness boot") || parts_args_check(o, "baoharness boot"))
		return -EINVAL;
	if (optind < argc) {
		fprintf(stderr, "baoharness boot: unexpected argument '%s'\n", argv[optind]);
		boot_usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* What the hypervisor side saw, so the user knows the accesses really were trapped. */
static void boot_print_traps(struct stack *s)
{
	struct fakebao_stats fs;

	if (!s->fb)
		return;
	fakebao_get_stats(s->fb, &fs);
	fprintf(stderr,
		"baoharness boot: %llu virtio-mmio accesses trapped, %llu interrupts injected; "
		"traps per vCPU:",
		(unsigned long long)fs.mmio_traps, (unsigned long long)fs.irqs_injected);
	for (int i = 0; i < (s->vcpus > 0 ? s->vcpus : 1) && i < FAKEBAO_MAX_VCPUS; i++)
		fprintf(stderr, " %d=%llu", i, (unsigned long long)fs.vcpu_traps[i]);
	fprintf(stderr, "\n");
}

int boot_main(int argc, char **argv)
{
	struct stack_opts o = {.frontend = &stack_fe_trapped_ops,
			       .step_timeout_ms = 30000,
			       .wait = FE_WAIT_ADAPTIVE,
			       .shell = 1};
	struct stack s;
	int r = boot_parse(argc, argv, &o);

	if (r)
		return r > 0 ? RUN_EXIT_PASS : RUN_EXIT_USAGE;
	printf("baoharness boot: starting virtiofsd, %s and the arm64 guest ...\n",
	       o.frontend->traps
		   ? "fakebao, the device model and the EL2 stub (virtio-mmio trapped)"
		   : "QEMU's own vhost-user-fs-device (native baseline, nothing trapped)");
	fflush(stdout);
	r = stack_start(&s, &o);
	if (r) {
		fprintf(stderr, "baoharness boot: the stack did not start (%s)\n",
			r == STACK_ENV_MISSING ? "environment incomplete: run `baoharness doctor`"
			: s.start_why[0]       ? s.start_why
					       : strerror(-r));
		return r == STACK_ENV_MISSING ? RUN_EXIT_ENV : RUN_EXIT_FAIL;
	}
	printf("share on the host: %s%s\n"
	       "guest console follows; Ctrl-] stops the guest\n",
	       s.share, o.share || o.keep ? "" : " (removed on exit: use --share DIR or --keep)");
	fflush(stdout);
	r = qemu_interact(s.qfe, STDIN_FILENO, STDOUT_FILENO);
	if (r == 0)
		fprintf(stderr, "\nbaoharness boot: the guest powered off\n");
	else if (r == -ECANCELED)
		fprintf(stderr, "\nbaoharness boot: left with Ctrl-]; guest stopped\n");
	else if (r == -ETIMEDOUT)
		fprintf(stderr,
			"\nbaoharness boot: input ended but the guest did not power off within "
			"%d s; guest stopped\n",
			QEMU_FE_EOF_GRACE_MS / 1000);
	else
		fprintf(stderr, "\nbaoharness boot: session ended: %s; guest stopped\n",
			strerror(-r));
	boot_print_traps(&s);
	stack_stop(&s);
	return r == 0 || r == -ECANCELED ? RUN_EXIT_PASS : RUN_EXIT_FAIL;
}

/* main.c - `baoharness`, the one command-line entry point: run scenarios, the narrated demo. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

#include "boot.h"
#include "fio_cli.h"
#include "demo.h"
#include "doctor.h"
#include "fuzz_cli.h"
#include "host_steps.h"
#include "interrupt.h"
#include "soak.h"
#include "stack.h"
#include "trace_cli.h"
#include "replay_cli.h"
#include "log.h"
#include "run.h"

static void main_usage(FILE *f)
{
	fprintf(f, "usage: baoharness COMMAND [ARGS]\n"
		   "  run [--frontend scripted|qemu|qemu-native] [--share DIR] [--keep] [--stats] "
		   "[--step-timeout S]\n"
		   "      [--wait adaptive|block|poll] [-v] FILE.scn...   run scenario files\n"
		   "  demo [-v]                                             the Bao virtio-fs seed "
		   "demo, narrated\n"
		   "  fuzz TARGET [--time S] [--seed N] [--replay FILE]     whole-stack fuzzing "
		   "(TARGET fuse-requests, semantics, guest)\n"
		   "  trace show FILE                                       a `run --record FILE` "
		   "trace, decoded\n"
		   "  replay [--virtiofsd c|rust|PATH] FILE                 a trace through a "
		   "fresh backend: first divergence\n"
		   "  boot [--frontend qemu|qemu-native] [--share DIR]    shell in the trapped "
		   "guest: mount -t virtiofs myfs /mnt\n"
		   "  fio [--frontend qemu|qemu-native] JOB...            fio jobs in the guest "
		   "on its share, traps per I/O\n"
		   "  soak --minutes N [--seed S] [FILE.scn...]            scenario library, "
		   "random order, random faults\n"
		   "  bench [--quick] [--out DIR]                           benchmarks "
		   "(results/bench.json, .md, .png)\n"
		   "  doctor [--frontend F] [--virtiofsd c|rust|PATH]        what a run needs "
		   "here: ok, or the fix\n");
}

/* `bench` is its own program (it links the device model's vhost-user client for the direct
 * baseline, which baoharness itself must not): run it from beside this one. */
static int main_exec_sibling(const char *name, int argc, char **argv)
{
	char path[PATH_MAX];

	(void)argc;
	if (stack_rundir_sibling(name, path, sizeof(path))) {
		fprintf(stderr, "baoharness: cannot locate %s\n", name);
		return 3;
	}
	argv[0] = path;
	execv(path, argv);
	fprintf(stderr, "baoharness: cannot run %s: %s (build it with make bench-build)\n", path,
		strerror(errno));
	return 3;
}

static int main_dispatch(int argc, char **argv)
{
	log_set_component("baoharness");
	/* A vanished peer must be an error return, not a dead harness. */
	signal(SIGPIPE, SIG_IGN);
	/* The stack's host-step worker (host_steps.c): not a user command. */
	if (argc >= 2 && !strcmp(argv[1], "__host-steps"))
		return host_steps_main(argc - 1, argv + 1);
	/* Ctrl-C, kill, a closed terminal: stop the stack, remove the run directory, exit 128+N. */
	interrupt_install();
	if (argc < 2) {
		main_usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "run"))
		return run_args_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "boot"))
		return boot_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "fio"))
		return fio_cli_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "demo"))
		return demo_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "soak"))
		return soak_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "fuzz"))
		return fuzz_cli_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "replay"))
		return replay_cli_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "trace"))
		return trace_cli_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "bench"))
		return main_exec_sibling("bao-bench", argc - 1, argv + 1);
	if (!strcmp(argv[1], "doctor"))
		return doctor_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		main_usage(stdout);
		return 0;
	}
	fprintf(stderr, "baoharness: unknown command '%s'\n", argv[1]);
	main_usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	int rc = main_dispatch(argc, argv);

	/* Exit 3 is "this machine lacks something": say where to find out what. */
	if (rc == RUN_EXIT_ENV && argc >= 2 && strcmp(argv[1], "doctor") &&
	    strcmp(argv[1], "__host-steps"))
		fprintf(stderr, "baoharness: exit 3: %s\n", DOCTOR_HINT);
	return rc;
}

/* main.c - `baoharness`, the one command-line entry point: run scenarios, the narrated demo. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "demo.h"
#include "log.h"
#include "run.h"

static void main_usage(FILE *f)
{
	fprintf(f, "usage: baoharness COMMAND [ARGS]\n"
		   "  run [--frontend scripted] [--share DIR] [--keep] [--stats] [--step-timeout S]\n"
		   "      [--wait adaptive|block|poll] [-v] FILE.scn...   run scenario files\n"
		   "  demo [-v]                                             the Bao virtio-fs seed demo, narrated\n");
}

int main(int argc, char **argv)
{
	log_set_component("baoharness");
	/* A vanished peer must be an error return, not a dead harness. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		main_usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "run"))
		return run_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "demo"))
		return demo_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		main_usage(stdout);
		return 0;
	}
	fprintf(stderr, "baoharness: unknown command '%s'\n", argv[1]);
	main_usage(stderr);
	return 2;
}

/* demo.c - the seed demo (bao-demos-virtio demo-3) end to end on the emulated stack: the frontend
 * mounts "myfs", creates and edits files that the host then sees, and reads what the host wrote.
 * It is an ordinary scenario run with narration, so the demo exercises exactly what tests do. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "demo.h"
#include "log.h"
#include "parts_args.h"
#include "run.h"

static const char demo_scenario[] =
    "# The frontend VM creates and edits files; the backend's host directory sees them.\n"
    "mkdir /guest\n"
    "write /guest/hello.txt \"Hello from the frontend VM\\n\"\n"
    "host-read /guest/hello.txt \"Hello from the frontend VM\\n\"\n"
    "append /guest/hello.txt \"edited on the frontend\\n\"\n"
    "host-read /guest/hello.txt \"Hello from the frontend VM\\nedited on the frontend\\n\"\n"
    "# The host writes; the frontend reads it through virtio-fs.\n"
    "host-write /from-host.txt \"Hello from the backend host\\n\"\n"
    "read /from-host.txt \"Hello from the backend host\\n\"\n"
    "host-append /from-host.txt \"edited on the host\\n\"\n"
    "read /from-host.txt \"Hello from the backend host\\nedited on the host\\n\"\n"
    "# Both sides list the same tree.\n"
    "list / guest from-host.txt\n"
    "host-list /guest hello.txt\n"
    "stat /guest/hello.txt size 50 type file mode 0644\n"
    "# Binary data survives the round trip, and a remount.\n"
    "write /guest/blob.bin @rand:65536:7\n"
    "host-read /guest/blob.bin @rand:65536:7\n"
    "remount\n"
    "read /guest/blob.bin @rand:65536:7\n"
    "unlink /guest/blob.bin\n"
    "host-absent /guest/blob.bin\n";

/* A heading whenever the acting side changes; the runner's own "ok N - step" line names the
 * step, so repeating it here would print every step twice. */
static void demo_narrate(const struct scn_step *st, void *arg)
{
	static const char *const who[] = {"frontend VM", "backend host", "control"};
	static int last = -1;
	int side = (int)scn_cmd_step_side(st);

	(void)arg;
	if (side != last)
		printf("  [%s]\n", who[side]);
	last = side;
}

/* The user's-own-parts options (parts_args.h) by name: their getopt code, or 0. */
static int demo_parts_option(const char *arg)
{
	static const struct option opts[] = {PARTS_ARGS_LONGOPTS};

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (!strncmp(arg, "--", 2) && !strcmp(arg + 2, opts[i].name))
			return opts[i].val;
	return 0;
}

int demo_main(int argc, char **argv)
{
	struct run_opts o = {.stack = {.step_timeout_ms = 30000, .wait = FE_WAIT_ADAPTIVE},
			     .stats = 1,
			     .narrate = demo_narrate};
	struct run_totals t = {0};
	struct scn_file f;
	char err[256];
	int r;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v")) {
			o.stack.verbose++;
			log_set_level(LOG_INFO);
		} else if (!strcmp(argv[i], "--virtiofsd") && i + 1 < argc) {
			o.stack.virtiofsd = argv[++i];
		} else if (demo_parts_option(argv[i]) && i + 1 < argc) {
			parts_args_parse(demo_parts_option(argv[i]), argv[i + 1], &o.stack);
			i++;
		} else {
			fprintf(stderr, "usage: baoharness demo [--virtiofsd c|rust|PATH] "
					"[-v]\n" PARTS_ARGS_USAGE);
			return RUN_EXIT_USAGE;
		}
	}
	if (parts_args_check(&o.stack, "baoharness demo"))
		return RUN_EXIT_USAGE;
	if (scn_file_parse("demo", demo_scenario, sizeof(demo_scenario) - 1, &f, err,
			   sizeof(err))) {
		fprintf(stderr, "baoharness demo: internal scenario does not parse: %s\n", err);
		return RUN_EXIT_FAIL;
	}
	printf("Bao virtio-fs demo, with Bao emulated on this host:\n"
	       "  backend:  real virtiofsd (/usr/lib/qemu/virtiofsd, cache=none) serving a fresh "
	       "share\n"
	       "            bao-virtio-dm: virtio-mmio + virtio-fs device model, Bao's UAPI via "
	       "/dev/bao-io-dispatcher,\n"
	       "            vhost-user to virtiofsd\n"
	       "  fakebao:  16 MiB shared-memory window at 0x10000000; virtio-mmio at 0xa003e00 "
	       "trapped,\n"
	       "            each access a Bao I/O request; QueueNotify by ioeventfd, interrupts by "
	       "irqfd\n"
	       "  frontend: scripted virtio-mmio driver + FUSE client: mount -t virtiofs myfs "
	       "/mnt\n\n");
	r = run_file(&f, &o, stdout, &t);
	scn_file_free(&f);
	printf("\n%s\n", r == RUN_EXIT_PASS ? "demo passed: both sides agree on every file"
					    : "demo FAILED (see above)");
	return r;
}

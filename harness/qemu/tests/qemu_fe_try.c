/* qemu_fe_try.c - drive the QEMU frontend by hand or from test_qemu_native.sh: boot, run the
 * given steps, power off. Prints one line per step and the boot time; exit 0 when all matched. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "qemu_fe.h"

static int step_ms = 30000; /* QEMU_FE_TRY_STEP_MS */

static void usage(void)
{
	fprintf(stderr, "usage: qemu_fe_try [-v] IMAGE_DIR VHOST_SOCKET WORKDIR ARG...\n"
			"  ARG: a frontend step (must pass), '?STEP' (must fail), '@remount',\n"
			"       '<FILE' (the step text is FILE's content: long steps),\n"
			"       or '=SHELL COMMAND' run on the host (must exit 0)\n");
}

/* '<FILE': the whole file as one step text (may be larger than an argv string). */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
		}
	}
	fclose(f);
	return buf;
}

/* One ARG; returns 0 when it did what was expected, 1 otherwise, -errno on a harness error. */
static int run_arg(struct qemu_fe *q, unsigned int no, const char *arg)
{
	char why[1024] = "";
	int want_fail = arg[0] == '?', rc;

	if (arg[0] == '=') {
		rc = system(arg + 1);
		printf("%s %u - host: %s%s\n", rc == 0 ? "ok" : "not ok", no, arg + 1,
		       rc == 0 ? "" : " (nonzero exit)");
		return rc == 0 ? 0 : 1;
	}
	if (arg[0] == '<') {
		char *text = slurp(arg + 1);
		double t = ((double)clock_now_ns() / 1e9);

		if (!text) {
			printf("not ok %u - %s: cannot read the file\n", no, arg);
			return 1;
		}
		rc = qemu_fe_step(q, no, text, 120000, why, sizeof(why));
		printf("%s %u - step from %s (%zu bytes, %.2f s)%s%s\n", rc == 0 ? "ok" : "not ok",
		       no, arg + 1, strlen(text), ((double)clock_now_ns() / 1e9) - t,
		       rc ? ": " : "", why);
		free(text);
		return rc;
	}
	if (!strcmp(arg, "@remount"))
		rc = qemu_fe_remount(q, step_ms, why, sizeof(why));
	else
		rc = qemu_fe_step(q, no, arg + want_fail, step_ms, why, sizeof(why));
	if (rc < 0) {
		printf("not ok %u - %s: harness error %s: %s\n", no, arg, strerror(-rc), why);
		return rc;
	}
	if (rc == want_fail) {
		printf("ok %u - %s%s%s\n", no, arg, rc ? " # failed as expected: " : "",
		       rc ? why : "");
		return 0;
	}
	printf("not ok %u - %s: %s\n", no, arg, rc ? why : "passed but should have failed");
	return 1;
}

int main(int argc, char **argv)
{
	struct qemu_fe_opts o = {.mode = "native", .boot_timeout_ms = 60000};
	struct qemu_fe *q;
	int first = 1, bad = 0, rc;
	double t0;

	log_set_component("qemu_fe_try");
	/* Small bounds make the timeout paths testable. */
	if (getenv("QEMU_FE_TRY_BOOT_MS"))
		o.boot_timeout_ms = atoi(getenv("QEMU_FE_TRY_BOOT_MS"));
	if (getenv("QEMU_FE_TRY_STEP_MS"))
		step_ms = atoi(getenv("QEMU_FE_TRY_STEP_MS"));
	if (getenv("QEMU_FE_TRY_MODE"))
		o.mode = getenv("QEMU_FE_TRY_MODE");
	o.qemu_bin = getenv("QEMU_FE_TRY_QEMU"); /* a wrapper can break the guest on purpose */
	if (argc > 1 && !strcmp(argv[1], "-v")) {
		o.verbose = 1;
		log_set_level(LOG_DEBUG);
		first++;
	}
	if (argc - first < 3) {
		usage();
		return 2;
	}
	o.image_dir = argv[first];
	o.vhost_socket = argv[first + 1];
	o.workdir = argv[first + 2];
	t0 = ((double)clock_now_ns() / 1e9);
	rc = qemu_fe_start(&o, &q);
	if (rc < 0) {
		printf("not ok - boot: %s\n", strerror(-rc));
		return 1;
	}
	printf("# boot to READY: %.2f s\n", ((double)clock_now_ns() / 1e9) - t0);
	for (int i = first + 3; i < argc; i++) {
		rc = run_arg(q, (unsigned int)(i - first - 2), argv[i]);
		if (rc != 0)
			bad++;
		if (rc < 0)
			break;
	}
	if (bad) {
		char tail[8192];

		qemu_fe_console_tail(q, tail, sizeof(tail));
		fprintf(stderr, "%s\n", tail);
	}
	t0 = ((double)clock_now_ns() / 1e9);
	qemu_fe_stop(q);
	printf("# poweroff: %.2f s\n", ((double)clock_now_ns() / 1e9) - t0);
	printf("# %d failed\n", bad);
	return bad ? 1 : 0;
}

/* parts_args.c - the user's-own-parts options of `run` and `boot` (parts_args.h): stored in the
 * stack's options and checked before any stack starts, so a config for another address, a
 * virtiofsd line with an unknown placeholder or a device model that is not a program is a usage
 * error (exit 2) naming the option, not a failure of every scenario file. A missing device
 * model is the environment's (exit 3, from the stack), as a missing virtiofsd is. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parts_args.h"
#include "stack_config.h"

#define PARTS_ARGS_CONFIG_MAX (64 * 1024)

int parts_args_parse(int c, const char *arg, struct stack_opts *o)
{
	switch (c) {
	case PARTS_ARGS_CONFIG:
		o->config = arg;
		return 1;
	case PARTS_ARGS_VIRTIOFSD_ARGS:
		o->virtiofsd_args = arg;
		return 1;
	case PARTS_ARGS_DEVMODEL:
		o->devmodel = arg;
		return 1;
	case PARTS_ARGS_DEVMODEL_ARGS:
		o->devmodel_args = arg;
		return 1;
	default:
		return 0;
	}
}

/* The config read and relocated once into a scratch buffer: what the stack will do per run. */
static int parts_args_check_config(const char *path, const char *cmd)
{
	char *in = malloc(PARTS_ARGS_CONFIG_MAX + 1), *out = malloc(2 * PARTS_ARGS_CONFIG_MAX);
	FILE *f = in && out ? fopen(path, "re") : NULL;
	size_t n = f ? fread(in, 1, PARTS_ARGS_CONFIG_MAX + 1, f) : 0;
	struct stack_config_report rep;
	int r = -EINVAL;

	if (!in || !out)
		fprintf(stderr, "%s: --config %s: out of memory\n", cmd, path);
	else if (!f)
		fprintf(stderr, "%s: --config %s: %s\n", cmd, path, strerror(errno));
	else if (n > PARTS_ARGS_CONFIG_MAX)
		fprintf(stderr, "%s: --config %s: larger than %d bytes\n", cmd, path,
			PARTS_ARGS_CONFIG_MAX);
	else if (stack_config_relocate(in, n, "/tmp/baoharness-check", STACK_MMIO_BASE, out,
				       2 * PARTS_ARGS_CONFIG_MAX, &rep))
		fprintf(stderr, "%s: --config %s: %s\n", cmd, path, rep.why);
	else
		r = 0;
	if (f)
		fclose(f);
	free(in);
	free(out);
	return r;
}

int parts_args_check(const struct stack_opts *o, const char *cmd)
{
	const char *fe = o->frontend ? o->frontend->name : "scripted";
	struct stack_backend b = {.path = "virtiofsd"};
	struct stack_backend_argv a;
	struct stack_backend_args_report rep;

	if (!strcmp(fe, "qemu-native") && (o->config || o->devmodel || o->devmodel_args)) {
		fprintf(stderr,
			"%s: --config, --devmodel and --devmodel-args are for the frontends that "
			"run a device model (scripted, qemu); qemu-native uses QEMU's own device\n",
			cmd);
		return -EINVAL;
	}
	if (o->devmodel_args && !o->devmodel) {
		fprintf(stderr, "%s: --devmodel-args without --devmodel\n", cmd);
		return -EINVAL;
	}
	if (o->virtiofsd_args &&
	    stack_backend_args_build(o->virtiofsd_args, &b, "/share", "/run/Fs0.sock", &a, &rep)) {
		fprintf(stderr, "%s: --virtiofsd-args '%s': %s\n", cmd, o->virtiofsd_args, rep.why);
		return -EINVAL;
	}
	return o->config ? parts_args_check_config(o->config, cmd) : 0;
}

/* guest_args.c - the guest options of `run` and `boot` (guest_args.h): parsed into the stack's
 * options, and refused together where they make no sense (a device tree for QEMU's own device,
 * Debian's kernel with the user's). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest_args.h"
#include "qemu_dt.h"

int guest_args_parse(int c, const char *arg, struct stack_opts *o, const char *cmd)
{
	char *end;
	long v;

	switch (c) {
	case GUEST_ARGS_GUEST:
		if (strcmp(arg, "own") && strcmp(arg, "debian")) {
			fprintf(stderr, "%s: --guest '%s': want own or debian\n", cmd, arg);
			return -EINVAL;
		}
		o->guest = arg;
		return 1;
	case GUEST_ARGS_DTB:
		o->dtb = arg;
		return 1;
	case GUEST_ARGS_DTS:
		o->dts = arg;
		return 1;
	case GUEST_ARGS_KERNEL:
		o->kernel = arg;
		return 1;
	case GUEST_ARGS_INITRD:
		o->initrd = arg;
		return 1;
	case GUEST_ARGS_VCPUS:
		v = strtol(arg, &end, 10);
		if (*end || end == arg || v < 1 || v > QEMU_DT_VCPUS_MAX) {
			fprintf(stderr, "%s: --vcpus '%s': want 1..%d\n", cmd, arg,
				QEMU_DT_VCPUS_MAX);
			return -EINVAL;
		}
		o->vcpus = (int)v;
		return 1;
	default:
		return 0;
	}
}

int guest_args_check(const struct stack_opts *o, const char *cmd)
{
	const char *fe = o->frontend ? o->frontend->name : "scripted";
	int qemu = !strcmp(fe, "qemu"), native = !strcmp(fe, "qemu-native");
	const char *why = NULL;

	if ((o->guest || o->kernel || o->initrd || o->vcpus) && !qemu && !native)
		why = "--guest, --kernel, --initrd and --vcpus are for --frontend qemu or "
		      "qemu-native";
	else if ((o->dtb || o->dts) && !qemu)
		why =
		    "--dtb and --dts are for --frontend qemu (qemu-native boots QEMU's own device "
		    "tree)";
	else if (o->dtb && o->dts)
		why = "--dtb and --dts: give one";
	else if (o->kernel && o->guest && !strcmp(o->guest, "debian"))
		why = "--kernel and --guest debian: give one";
	if (why)
		fprintf(stderr, "%s: %s\n", cmd, why);
	return why ? -EINVAL : 0;
}

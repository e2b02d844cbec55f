/* guest_args.h - the options that choose what the QEMU frontends boot, shared by `run` and
 * `boot`: --guest own|debian, --dtb FILE, --dts FILE, --kernel FILE, --initrd FILE, --vcpus N. */
#ifndef HARNESS_GUEST_ARGS_H
#define HARNESS_GUEST_ARGS_H

#include "stack.h"

enum guest_args_code {
	GUEST_ARGS_GUEST = 0x4701,
	GUEST_ARGS_DTB,
	GUEST_ARGS_DTS,
	GUEST_ARGS_KERNEL,
	GUEST_ARGS_INITRD,
	GUEST_ARGS_VCPUS,
};

/* Rows for a getopt_long table. */
#define GUEST_ARGS_LONGOPTS                                                                        \
	{"guest", required_argument, NULL, GUEST_ARGS_GUEST},                                      \
	    {"dtb", required_argument, NULL, GUEST_ARGS_DTB},                                      \
	    {"dts", required_argument, NULL, GUEST_ARGS_DTS},                                      \
	    {"kernel", required_argument, NULL, GUEST_ARGS_KERNEL},                                \
	    {"initrd", required_argument, NULL, GUEST_ARGS_INITRD},                                \
	{                                                                                          \
		"vcpus", required_argument, NULL, GUEST_ARGS_VCPUS                                 \
	}

#define GUEST_ARGS_USAGE                                                                           \
	"  QEMU frontends: [--guest own|debian] [--kernel Image --initrd FILE] [--vcpus N]\n"      \
	"                  qemu only: [--dtb FILE | --dts FILE]\n"

/* One getopt result: 1 when it was one of these (stored in o), 0 when not, -EINVAL (message
 * printed, prefixed with cmd) for a bad value. */
int guest_args_parse(int c, const char *arg, struct stack_opts *o, const char *cmd);
/* After parsing: options that do not go together, or with the chosen frontend. 0 or -EINVAL
 * with a message. */
int guest_args_check(const struct stack_opts *o, const char *cmd);

#endif

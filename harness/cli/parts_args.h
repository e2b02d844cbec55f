/* parts_args.h - the options that put the user's own parts into a stack, shared by `run` and
 * `boot`: --config FILE (their config-fs.yaml), --virtiofsd-args '...' (their virtiofsd command
 * line, {socket}/{share} placeholders), --devmodel PATH and --devmodel-args '...' (their device
 * model speaking Bao's UAPI). README "Testing your own bao-virtio-dm / virtiofsd / config". */
#ifndef HARNESS_PARTS_ARGS_H
#define HARNESS_PARTS_ARGS_H

#include "stack.h"

enum parts_args_code {
	PARTS_ARGS_CONFIG = 0x5001,
	PARTS_ARGS_VIRTIOFSD_ARGS,
	PARTS_ARGS_DEVMODEL,
	PARTS_ARGS_DEVMODEL_ARGS,
};

/* Rows for a getopt_long table. */
#define PARTS_ARGS_LONGOPTS                                                                        \
	{"config", required_argument, NULL, PARTS_ARGS_CONFIG},                                    \
	    {"virtiofsd-args", required_argument, NULL, PARTS_ARGS_VIRTIOFSD_ARGS},                \
	    {"devmodel", required_argument, NULL, PARTS_ARGS_DEVMODEL},                            \
	{                                                                                          \
		"devmodel-args", required_argument, NULL, PARTS_ARGS_DEVMODEL_ARGS                 \
	}

#define PARTS_ARGS_USAGE                                                                           \
	"  your own parts: [--config config-fs.yaml] [--virtiofsd-args 'ARGS with {socket} "       \
	"{share}']\n"                                                                              \
	"                  [--devmodel PATH [--devmodel-args 'ARGS']]\n"

/* One getopt result: 1 when it was one of these (stored in o), 0 when not. */
int parts_args_parse(int c, const char *arg, struct stack_opts *o);
/* After parsing: each part checked as far as it can be before a stack starts (the config read
 * and relocated, the virtiofsd line expanded, the device model executable), and refused with
 * frontends that do not run it. 0 or -EINVAL with a message prefixed with cmd. */
int parts_args_check(const struct stack_opts *o, const char *cmd);

#endif

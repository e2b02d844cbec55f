/* supervise_args.h - bao-dm-supervise's command line (pure):
 *   bao-dm-supervise [-v|-vv] [--program PATH] [--] PROGRAM [ARGS...]
 * With --program, PATH runs with PROGRAM's arguments: a wrapper in front of a command line
 * that names another device model (BAOHARNESS_DM_WRAPPER) replaces it. */
#ifndef SUPERVISE_ARGS_H
#define SUPERVISE_ARGS_H

#include <stdio.h>

struct supervise_args {
	int verbose;	     /* -v: 1 (info), -vv: 2 (debug) */
	const char *program; /* --program PATH, or NULL */
	int first;	     /* argv index of PROGRAM */
	const char *path;    /* what runs: program, else argv[first] */
};

/* Returns 0, 1 for --help (usage written to err), or -EINVAL with the reason written to err.
 * argv is not modified. */
int supervise_args_parse(int argc, char *const argv[], struct supervise_args *out, FILE *err);
void supervise_args_usage(FILE *f);

#endif

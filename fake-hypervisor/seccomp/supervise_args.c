/* supervise_args.c - parse bao-dm-supervise's options; everything from the first non-option
 * (or after "--") is the supervised command line. */
#include "supervise_args.h"

#include <errno.h>
#include <string.h>

void supervise_args_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: bao-dm-supervise [-v|-vv] [--program PATH] [--] PROGRAM [ARGS...]\n"
	    "  runs a device model (static ones too) with Bao's /dev/bao-io-dispatcher served by\n"
	    "  fakebao (socket from $BAO_FAKEBAO_SOCKET) through seccomp user notification;\n"
	    "  LD_PRELOAD is removed from its environment; exits with its status (128+N if a\n"
	    "  signal N ended it)\n"
	    "  --program PATH  run PATH with PROGRAM's arguments instead of PROGRAM\n"
	    "  -v, -vv         log what is served (info, debug)\n");
}

int supervise_args_parse(int argc, char *const argv[], struct supervise_args *out, FILE *err)
{
	int i = 1;

	memset(out, 0, sizeof(*out));
	for (; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			out->verbose++;
		} else if (!strcmp(a, "-vv")) {
			out->verbose += 2;
		} else if (!strcmp(a, "--program")) {
			if (i + 1 >= argc || !*argv[i + 1]) {
				fprintf(err, "bao-dm-supervise: --program needs a PATH\n");
				return -EINVAL;
			}
			out->program = argv[++i];
		} else if (!strncmp(a, "--program=", 10)) {
			if (!a[10]) {
				fprintf(err, "bao-dm-supervise: --program needs a PATH\n");
				return -EINVAL;
			}
			out->program = a + 10;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			supervise_args_usage(err);
			return 1;
		} else if (a[0] == '-') {
			fprintf(err, "bao-dm-supervise: unknown option '%s'\n", a);
			supervise_args_usage(err);
			return -EINVAL;
		} else {
			break;
		}
	}
	if (i >= argc || !*argv[i]) {
		fprintf(err, "bao-dm-supervise: no PROGRAM to run\n");
		supervise_args_usage(err);
		return -EINVAL;
	}
	out->first = i;
	out->path = out->program ? out->program : argv[i];
	return 0;
}

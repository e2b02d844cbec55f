/* fuzz_diff.h - `baoharness fuzz fuse-requests --differential` (fuzz_diff.c). */
#ifndef HARNESS_FUZZ_DIFF_H
#define HARNESS_FUZZ_DIFF_H

#include <stdint.h>

struct fuzz_diff_opts {
	const char *virtiofsd;	 /* the first backend (NULL: the default, c) */
	const char *against;	 /* the second (NULL: rust) */
	const char *out;	 /* results directory */
	const char *replay;	 /* a saved difference to send again, or NULL */
	const char *regress_dir; /* where a campaign saves each new difference's requests */
	double time_s;
	uint64_t seed;
	int verbose;
};

/* Run the campaign (or the replay); the exit status: 0, 1 (a difference reproduced, or our
 * error), 2 usage, 3 environment. */
int fuzz_diff_main(const struct fuzz_diff_opts *o);

#endif

/* fuzz_diff_cmp.h - one request's answers from two virtiofsd backends compared, with the
 * documented causes of differences that are not bugs (fuzz_diff_cmp.c has the table). */
#ifndef HARNESS_FUZZ_DIFF_CMP_H
#define HARNESS_FUZZ_DIFF_CMP_H

#include <stddef.h>
#include <stdint.h>

/* One backend's answer: no reply at all, or an error, or a body. */
struct fuzz_diff_cmp_side {
	int replied;
	int32_t error; /* 0 or -errno */
	const uint8_t *body;
	size_t len;
};

enum fuzz_diff_cmp_verdict {
	FUZZ_DIFF_CMP_SAME, /* equal where the protocol says the answer is the file system's */
	FUZZ_DIFF_CMP_DOCUMENTED, /* different for a documented cause (*cause) */
	FUZZ_DIFF_CMP_FINDING,	  /* different: why says how */
};

/* The documented causes: name and why it is not a bug. */
struct fuzz_diff_cmp_cause {
	const char *name;
	const char *why;
};
extern const struct fuzz_diff_cmp_cause fuzz_diff_cmp_causes[];
extern const unsigned int fuzz_diff_cmp_ncauses;

/* Compare the answers to request (req[0..req_len), a FUSE request as sent to backend a) of
 * opcode. Host-dependent fields (node ids, generations, handles, inode numbers, times,
 * timeouts, block counts) are never compared. Returns the verdict; *cause is the index of the
 * documented cause (FUZZ_DIFF_CMP_DOCUMENTED), why the difference (FUZZ_DIFF_CMP_FINDING). */
enum fuzz_diff_cmp_verdict fuzz_diff_cmp_reply(uint32_t opcode, const uint8_t *req, size_t req_len,
					       const struct fuzz_diff_cmp_side *a,
					       const struct fuzz_diff_cmp_side *b,
					       unsigned int *cause, char *why, size_t whylen);

#endif

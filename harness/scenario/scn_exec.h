/* scn_exec.h - internal interface between the executor's files: the per-step context, the
 * step handlers, and the incremental data comparison used by read and pread. */
#ifndef HARNESS_SCN_EXEC_H
#define HARNESS_SCN_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "scn.h"

/* A handler returns 0 (pass), a -errno from a vfs call (x->what names the call), or
 * SCN_EXEC_MISMATCH (the calls worked but the result differs; x->why says how). */
#define SCN_EXEC_MISMATCH 1
/* Unit of reads and writes: keeps buffers small while files reach 256 MiB and more. */
#define SCN_EXEC_CHUNK (1024u * 1024u)

struct scn_x {
	const struct vfs_ops *ops;
	void *ctx;
	char what[160];
	char *why;
	size_t whylen;
};

/* Record which call failed (`open "/a"`) and return rc; a NULL op gives -ENOSYS. */
int scn_exec_fail(struct scn_x *x, int rc, const char *call, const char *path);

typedef int (*scn_exec_fn)(struct scn_x *x, const struct scn_step *st);

/* scn_exec_io.c */
int scn_exec_io_write(struct scn_x *x, const struct scn_step *st);
int scn_exec_io_read(struct scn_x *x, const struct scn_step *st);
int scn_exec_io_fsync(struct scn_x *x, const struct scn_step *st);
/* scn_exec_meta.c */
int scn_exec_meta_stat(struct scn_x *x, const struct scn_step *st);
int scn_exec_meta_list(struct scn_x *x, const struct scn_step *st);
int scn_exec_meta_readlink(struct scn_x *x, const struct scn_step *st);
int scn_exec_meta_absent(struct scn_x *x, const struct scn_step *st);

/* Compare a stream of bytes against expected ones without holding the stream. */
struct scn_cmp {
	const unsigned char *exp; /* NULL: nothing to compare */
	size_t exp_len;
	uint64_t got; /* bytes seen so far */
	int differs;
	uint64_t diff_off;    /* first differing offset, when differs */
	unsigned char ex[16]; /* what we got from diff_off on */
	size_t ex_len;
};

void scn_cmp_feed(struct scn_cmp *c, const unsigned char *b, size_t n);
/* 0 when equal; otherwise SCN_EXEC_MISMATCH with a one-line reason in why. more: reading
 * stopped before the end, so the length got is a lower bound. */
int scn_cmp_result(struct scn_cmp *c, int more, char *why, size_t whylen);

#endif

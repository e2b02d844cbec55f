/* fuzz_sem.h - `baoharness fuzz semantics`: differential testing of the scenario language's
 * executors. Random programs (fuzz_sem_gen.c) run on the host file system directly (the oracle,
 * fuzz_sem_oracle.c), which turns each step into a step carrying its observed outcome; that file
 * then runs on the whole stack and any failing step is a divergence, shrunk (fuzz_sem_shrink.c)
 * and saved unless fuzz_sem_expected.c's table documents it. */
#ifndef HARNESS_FUZZ_SEM_H
#define HARNESS_FUZZ_SEM_H

#include <stddef.h>
#include <stdint.h>

#include "scn.h"

#define FUZZ_SEM_PATH_MAX 48
#define FUZZ_SEM_DATA_MAX 96
/* Offsets and sizes stay small: a whole file is read back into one scenario line. */
#define FUZZ_SEM_SIZE_MAX 4096u

/* One generated step before its outcome is known. Paths are relative to the program's root
 * ("a", "d0/b"; "" is the root itself) so a program can run under any prefix. */
struct fuzz_sem_op {
	enum scn_cmd cmd;
	char path[FUZZ_SEM_PATH_MAX];
	char path2[FUZZ_SEM_PATH_MAX]; /* rename: NEW (a path); symlink: TARGET (raw text) */
	uint64_t off, len;	       /* pwrite/pread offset, pread len, truncate size */
	unsigned char data[FUZZ_SEM_DATA_MAX];
	size_t data_len;
};

struct fuzz_sem_prog {
	struct fuzz_sem_op *ops;
	size_t n;
};

/* A growable text buffer (the rendered scenario). */
struct fuzz_sem_buf {
	char *p;
	size_t len, cap;
	int oom; /* an append failed: the text is incomplete */
};

/* fuzz_sem_gen.c */
/* A program of n_ops random steps from seed (deterministic). 0 or -ENOMEM. */
int fuzz_sem_gen_program(uint64_t seed, size_t n_ops, struct fuzz_sem_prog *p);
void fuzz_sem_gen_free(struct fuzz_sem_prog *p);
/* Append printf-style text; sets b->oom on failure. */
void fuzz_sem_gen_printf(struct fuzz_sem_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append bytes as one quoted scenario word (C escapes, \xHH for the rest). */
void fuzz_sem_gen_quote(struct fuzz_sem_buf *b, const void *data, size_t len);
/* Append "/PREFIX/PATH" (prefix "" gives "/PATH"; path "" the prefix itself or "/"). */
void fuzz_sem_gen_path(struct fuzz_sem_buf *b, const char *prefix, const char *path);
/* The step without any expectation, as a scenario line (no newline). */
void fuzz_sem_gen_render(struct fuzz_sem_buf *b, const struct fuzz_sem_op *op, const char *prefix);
void fuzz_sem_gen_buf_free(struct fuzz_sem_buf *b);

/* fuzz_sem_oracle.c */
/* Run ops (those with keep[i] nonzero; keep NULL: all) on the host file system under root
 * (an existing empty directory), paths under prefix (created first as a directory when not
 * ""; at "" frontend steps resolve beneath root, as the host side does), and append each
 * step with its observed outcome to out: `fail ERRNO STEP` for a failed
 * frontend step, the data, names, target or stat fields for an observing one. A host step
 * that fails is left out (the language cannot wrap it). Returns 0 or -errno (root unusable). */
int fuzz_sem_oracle_run(const char *root, const char *prefix, const struct fuzz_sem_prog *p,
			const unsigned char *keep, struct fuzz_sem_buf *out);
/* Run a scenario text's steps on the host file system under root: 0 when every step passes;
 * otherwise the failing step's index + 1 with why. -errno when it cannot run at all. */
int fuzz_sem_oracle_check(const char *root, const char *text, size_t len, char *why, size_t whylen);

/* fuzz_sem_shrink.c */
/* Is this subset (indexes into the original steps, ascending) still failing the same way?
 * 1 yes, 0 no, negative: stop shrinking. */
typedef int (*fuzz_sem_shrink_fn)(void *arg, const unsigned char *keep, size_t n);
/* Delta debugging (Zeller's ddmin, then single removals) over n steps: keep[] starts all ones
 * and ends marking a subset for which fails() still says 1, trying at most budget subsets.
 * Returns the number of tests run. */
unsigned int fuzz_sem_shrink(size_t n, unsigned char *keep, fuzz_sem_shrink_fn fails, void *arg,
			     unsigned int budget);

/* fuzz_sem_expected.c: documented differences between an executor and the oracle. */
struct fuzz_sem_expected {
	const char *executor; /* "scripted", "qemu", ... */
	enum scn_cmd cmd;     /* the step's command */
	const char *why;      /* a substring of the executor's failure message */
	const char *verdict;  /* why it differs and whose behaviour it is */
};
/* The row matching a divergence (executor, failing step, its message), or NULL. */
const struct fuzz_sem_expected *fuzz_sem_expected_match(const char *executor,
							const struct scn_step *st, const char *why);
/* The table itself (for the report): rows and their count. */
const struct fuzz_sem_expected *fuzz_sem_expected_table(size_t *n);

/* fuzz_sem.c */
int fuzz_sem_main(int argc, char **argv);

#endif

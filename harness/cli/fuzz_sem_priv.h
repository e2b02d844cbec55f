/* fuzz_sem_priv.h - what fuzz_sem.c (the campaign) and fuzz_sem_found.c (a divergence shrunk
 * and saved) share: the campaign's state, one executor's stack and counters, a divergence. */
#ifndef HARNESS_FUZZ_SEM_PRIV_H
#define HARNESS_FUZZ_SEM_PRIV_H

#include <limits.h>
#include <stdint.h>

#include "fuzz_sem.h"
#include "progress.h"
#include "stack.h"

#define FUZZ_SEM_STEP_MS 10000
#define FUZZ_SEM_MAX_KEYS 64
#define FUZZ_SEM_MAX_EXPECTED 32
/* A shrink stops after this many tests or seconds: a finding is saved either way. */
#define FUZZ_SEM_SHRINK_TESTS 400
#define FUZZ_SEM_SHRINK_MS 120000

/* One executor through the whole stack: its own stack, started on first use. */
struct fuzz_sem_exec {
	const char *name;     /* for reports and file names: "scripted", "scripted+rust", ... */
	const char *frontend; /* the frontend's name: scripted, qemu, qemu-native */
	const char *backend;  /* --virtiofsd for this executor; NULL: the campaign's */
	struct stack s;
	struct stack_opts so;
	int up, disabled;
	unsigned int starts;
	unsigned long programs, steps; /* every run, shrinking's too */
	int64_t ns;		       /* time spent running them */
	unsigned long divergences, expected, duplicates;
	unsigned long environment; /* the machine's fault (a full disk), not a divergence */
};

/* Where and how one run on an executor diverged. */
struct fuzz_sem_div {
	enum scn_cmd cmd;
	int fail_errno; /* the oracle's errno for that step (0: it succeeded there) */
	size_t index;	/* step index in the run's text */
	char text[512];
	char why[1024];
	char health[256]; /* a stack process died or stopped (the stack was restarted) */
	const struct fuzz_sem_expected *match;
};

struct fuzz_sem {
	double time_s, elapsed_s;
	uint64_t seed;
	unsigned int every;
	size_t n_ops;
	const char *found_dir, *virtiofsd;
	int verbose, brk_truncate;
	char oroot[PATH_MAX - 64], ocheck[PATH_MAX - 64]; /* the oracle's directories */
	unsigned long serial;				  /* the next program directory */
	unsigned long programs, oracle_programs, oracle_steps, oracle_unstable, findings;
	int64_t oracle_ns;
	struct fuzz_sem_exec ex[4];
	int nex;
	char keys[FUZZ_SEM_MAX_KEYS][128]; /* divergences already shrunk */
	int nkeys;
	unsigned long expected_hits[FUZZ_SEM_MAX_EXPECTED];
	struct progress prog;
};

/* fuzz_sem.c */
int fuzz_sem_up(struct fuzz_sem *z, struct fuzz_sem_exec *e);
void fuzz_sem_down(struct fuzz_sem_exec *e);
/* Program p (steps marked in keep; NULL all) on the oracle then on e, in directory prefix of
 * the share (NULL: a fresh one; "": the share's root, emptied after). The oracle's text goes to
 * text when not NULL. 0 passed, 1 diverged (d filled), -errno when it could not run. */
int fuzz_sem_try(struct fuzz_sem *z, struct fuzz_sem_exec *e, const struct fuzz_sem_prog *p,
		 const unsigned char *keep, const char *prefix, struct fuzz_sem_buf *text,
		 struct fuzz_sem_div *d);

/* fuzz_sem_found.c */
/* A divergence of program p (from seed ps) on e: counted; documented ones stop there, the
 * first of its kind is shrunk, checked on a fresh stack and saved under z->found_dir. */
void fuzz_sem_found(struct fuzz_sem *z, struct fuzz_sem_exec *e, const struct fuzz_sem_prog *p,
		    uint64_t ps, const struct fuzz_sem_div *d);

#endif

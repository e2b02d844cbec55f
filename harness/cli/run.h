/* run.h - `baoharness run`: parse every scenario file first, then run each on a fresh stack with
 * the output, per-step timeouts and exit codes scenario-format.md fixes. */
#ifndef HARNESS_RUN_H
#define HARNESS_RUN_H

#include <pthread.h>
#include <stdio.h>

#include "scn.h"
#include "stack.h"

/* Exit statuses (scenario-format.md). */
#define RUN_EXIT_PASS 0
#define RUN_EXIT_FAIL 1
#define RUN_EXIT_USAGE 2
#define RUN_EXIT_ENV 3

struct run_opts {
	struct stack_opts stack;
	int stats;
	/* Called before each step with a narration line, or NULL (the demo uses it). */
	void (*narrate)(const struct scn_step *st, void *arg);
	void *narrate_arg;
	/* Print "# step-time LINE SECONDS" after each step (for --junit; run_jobs.c strips them
	 * from what the user sees). */
	int step_times;
	/* --record FILE (run_record.c): the frontend's boundary and FUSE pairs; NULL: off. */
	struct run_record *record;
};

/* The trace a --record run writes (its state changes while the options stay const). */
struct run_record {
	const char *path;
	FILE *f;
	pthread_mutex_t lock; /* the stack's recorder and the runner write from two threads */
	int err;	      /* the first write error: the trace is incomplete */
};

struct run_totals {
	int passed, failed, skipped;
	int env_missing;
	int cleanup_failed; /* a process or a run directory was left: the exit is non-zero */
};

int run_args_main(int argc, char **argv);
/* Run one parsed file; output to out. Returns RUN_EXIT_*. */
int run_file(const struct scn_file *f, const struct run_opts *o, FILE *out, struct run_totals *t);
/* run_record.c: open the trace (0, or -EINVAL with the reason printed: not scripted, forked
 * workers, cannot create); attach it to a started stack; close it (0 or -errno, printed). */
struct run_jobs_opts;
int run_record_open(struct run_record *r, const struct run_opts *o, const struct run_jobs_opts *jo);
void run_record_attach(struct stack *s, const struct run_opts *o);
/* The recorder of every stack o starts (o->stack.trace), when recording. */
void run_record_stack(struct run_opts *o);
/* For any command with stacks (soak, fuzz): open r->path (NULL: not recording; 0) with the
 * header, or -EINVAL with "WHO: --record PATH: why" printed; every stack started with so
 * records into it; a host step into it; run_record_close at the end. */
int run_record_begin(struct run_record *r, const char *who);
void run_record_to(struct run_record *r, struct stack_opts *so);
void run_record_step(struct run_record *r, const struct scn_step *st);
int run_record_close(struct run_record *r);
/* A host step about to run, into the trace (a replay redoes it in order). */
void run_record_host(const struct run_opts *o, const struct scn_step *st);
/* Read and parse a scenario file; prints "FILE:LINE: message" to stderr on error. */
int run_load(const char *path, struct scn_file *f);

#endif

/* run_jobs.h - scenario files run in worker processes: `--jobs N` runs N at a time, each on its
 * own stack (own share, socket, window, run directory); the output of each file is kept apart
 * and printed in file order; `--junit FILE` and `--format tap` are written from those outputs. */
#ifndef HARNESS_RUN_JOBS_H
#define HARNESS_RUN_JOBS_H

#include <stdio.h>
#include <sys/types.h>

#include "run.h"

/* What one file's worker did. */
struct run_job {
	const struct scn_file *f;
	pid_t pid;
	FILE *out, *err; /* its stdout and stderr, kept in temporary files */
	int code;	 /* RUN_JOB_* */
	int done;
	double secs;
	char *out_text, *err_text; /* read back once it ended (step-time lines included) */
};

/* A worker's exit code. */
#define RUN_JOB_PASS 0
#define RUN_JOB_FAIL 1
#define RUN_JOB_ENV 3
#define RUN_JOB_SKIP 4

struct run_jobs_opts {
	int jobs;	   /* workers at a time, >= 1 */
	int tap;	   /* print TAP 14 instead of the plain lines */
	const char *junit; /* write JUnit XML here, or NULL */
};

/* Run the n files; prints as it goes (file order), fills t. Returns the exit status. */
int run_jobs_run(const struct scn_file *files, int n, const struct run_opts *o,
		 const struct run_jobs_opts *jo, struct run_totals *t);

/* run_report.c: JUnit XML for the finished jobs (0 or -errno, message printed) and one job as a
 * TAP 14 subtest. */
int run_report_junit(const char *path, const struct run_job *jobs, int n, const struct run_opts *o);
void run_report_tap(FILE *out, const struct run_job *j, int index);
/* s[0..len) as XML character data or attribute value: &<>" escaped; control bytes, DEL and
 * ill-formed UTF-8 (overlong, surrogate, truncated, > U+10FFFF, U+FFFE/FFFF) become '?'. */
void run_report_xml(FILE *out, const char *s, size_t len);

#endif

/* run_jobs.c - files run by forked workers, at most `--jobs` at a time. The parent forks before
 * any stack exists, so no thread or lock of a stack is ever inherited; each worker runs one file
 * exactly as `run` does (run_file) with its stdout and stderr in temporary files, which the parent
 * prints in file order as soon as every earlier file has been printed. A signal to the parent
 * is passed on to the workers, which stop their stacks and clean up as a single run would. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "interrupt.h"
#include "run_jobs.h"

static char *run_jobs_slurp(FILE *f)
{
	long len;
	char *buf;

	fflush(f);
	if (fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0)
		return strdup("");
	buf = malloc((size_t)len + 1);
	if (!buf)
		return NULL;
	len = (long)fread(buf, 1, (size_t)len, f);
	buf[len] = '\0';
	return buf;
}

/* The worker: never returns. */
static void run_jobs_child(struct run_job *j, const struct run_opts *o, int step_times)
{
	struct run_opts co = *o;
	struct run_totals ct = {0};
	int r;

	co.step_times = step_times;
	fflush(stderr);
	if (dup2(fileno(j->err), STDERR_FILENO) < 0)
		_exit(RUN_JOB_ENV);
	r = run_file(j->f, &co, j->out, &ct);
	fflush(j->out);
	fflush(stderr);
	if (interrupt_signal())
		_exit(128 + interrupt_signal());
	if (ct.skipped)
		_exit(RUN_JOB_SKIP);
	_exit(r == RUN_EXIT_ENV ? RUN_JOB_ENV : r == RUN_EXIT_PASS ? RUN_JOB_PASS : RUN_JOB_FAIL);
}

static int run_jobs_start(struct run_job *j, const struct run_opts *o, int step_times)
{
	j->out = tmpfile();
	j->err = tmpfile();
	if (!j->out || !j->err) {
		fprintf(stderr, "baoharness run: cannot create a temporary file for %s: %s\n",
			j->f->name, strerror(errno));
		return -errno;
	}
	fflush(stdout);
	fflush(stderr);
	j->secs = (double)clock_now_ns() / 1e9;
	j->pid = fork();
	if (j->pid < 0) {
		fprintf(stderr, "baoharness run: cannot fork a worker for %s: %s\n", j->f->name,
			strerror(errno));
		return -errno;
	}
	if (j->pid == 0)
		run_jobs_child(j, o, step_times);
	return 0;
}

/* The user's view of a worker's output: the plain lines without the step-time ones. */
static void run_jobs_print_plain(FILE *out, const struct run_job *j)
{
	const char *p = j->out_text;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);

		if (strncmp(p, "# step-time ", 12))
			fwrite(p, 1, len, out);
		p += len;
	}
}

static void run_jobs_finish(struct run_job *j, int status)
{
	j->done = 1;
	j->secs = (double)clock_now_ns() / 1e9 - j->secs;
	if (WIFEXITED(status))
		j->code = WEXITSTATUS(status);
	else
		j->code = 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	j->out_text = run_jobs_slurp(j->out);
	j->err_text = run_jobs_slurp(j->err);
	fclose(j->out);
	fclose(j->err);
	j->out = j->err = NULL;
}

static void run_jobs_count(const struct run_job *j, struct run_totals *t)
{
	if (j->code == RUN_JOB_PASS)
		t->passed++;
	else if (j->code == RUN_JOB_SKIP)
		t->skipped++;
	else
		t->failed++;
	if (j->code == RUN_JOB_ENV)
		t->env_missing = 1;
}

/* Pass a signal on to the workers once; they clean up and end. */
static void run_jobs_forward(struct run_job *jobs, int n, int *forwarded)
{
	if (*forwarded || !interrupt_signal())
		return;
	*forwarded = 1;
	for (int i = 0; i < n; i++)
		if (jobs[i].pid > 0 && !jobs[i].done)
			kill(jobs[i].pid, SIGTERM);
}

int run_jobs_run(const struct scn_file *files, int n, const struct run_opts *o,
		 const struct run_jobs_opts *jo, struct run_totals *t)
{
	struct run_job *jobs = calloc((size_t)n, sizeof(*jobs));
	int next = 0, running = 0, printed = 0, forwarded = 0, status = RUN_EXIT_PASS;

	if (!jobs)
		return RUN_EXIT_FAIL;
	if (jo->tap)
		printf("TAP version 14\n1..%d\n", n);
	while (printed < n) {
		pid_t pid;
		int st;

		while (running < jo->jobs && next < n && !interrupt_signal()) {
			jobs[next].f = &files[next];
			if (run_jobs_start(&jobs[next], o, jo->junit != NULL)) {
				status = RUN_EXIT_FAIL;
				break;
			}
			next++;
			running++;
		}
		if (!running)
			break;
		pid = waitpid(-1, &st, 0);
		if (pid < 0) {
			if (errno == EINTR) {
				run_jobs_forward(jobs, next, &forwarded);
				continue;
			}
			break;
		}
		for (int i = 0; i < next; i++)
			if (jobs[i].pid == pid && !jobs[i].done) {
				run_jobs_finish(&jobs[i], st);
				running--;
			}
		run_jobs_forward(jobs, next, &forwarded);
		for (; printed < next && jobs[printed].done; printed++) {
			struct run_job *j = &jobs[printed];

			if (jo->tap)
				run_report_tap(stdout, j, printed + 1);
			else
				run_jobs_print_plain(stdout, j);
			fputs(j->err_text ? j->err_text : "", stderr);
			fflush(stdout);
			run_jobs_count(j, t);
			if (j->code == RUN_JOB_ENV)
				status = RUN_EXIT_ENV;
			else if (j->code != RUN_JOB_PASS && j->code != RUN_JOB_SKIP &&
				 status == RUN_EXIT_PASS)
				status = RUN_EXIT_FAIL;
		}
	}
	if (jo->junit && run_report_junit(jo->junit, jobs, printed, o))
		status = status == RUN_EXIT_PASS ? RUN_EXIT_FAIL : status;
	for (int i = 0; i < n; i++) {
		free(jobs[i].out_text);
		free(jobs[i].err_text);
		if (jobs[i].out)
			fclose(jobs[i].out);
		if (jobs[i].err)
			fclose(jobs[i].err);
	}
	free(jobs);
	return status;
}

/* run_record.c - `baoharness run --record FILE`: one trace file (fuse_trace.h, version 2) of
 * every file run: what the hypervisor sees of the frontend (trapped accesses, kicks with their
 * chains, used elements with the bytes written, interrupts: stack_trace.c, for the scripted
 * frontend and the trapped Linux guest alike), the host steps, and - for the scripted frontend,
 * whose FUSE client is ours - the FUSE request/reply pairs decoded. Not for `qemu-native` (no
 * hypervisor in its path), nor --jobs, --junit, --format tap (files run in forked workers).
 * `soak --record` and `fuzz fuse-requests --record` write the same trace of their stacks. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "fuse_client.h"
#include "fuse_trace.h"
#include "log.h"
#include "run.h"
#include "run_jobs.h"

/* Records come from the frontend's thread, the QEMU guest's mailbox server and the runner's
 * host steps: one writer at a time. */
static void run_record_hook(void *arg, const struct fuse_trace_rec *r)
{
	struct run_record *rec = arg;

	pthread_mutex_lock(&rec->lock);
	if (!rec->err) {
		rec->err = fuse_trace_write(rec->f, r);
		if (rec->err)
			log_err("run --record %s: cannot write a record (kind %u): %s", rec->path,
				r->kind, strerror(-rec->err));
	}
	pthread_mutex_unlock(&rec->lock);
}

int run_record_open(struct run_record *r, const struct run_opts *o, const struct run_jobs_opts *jo)
{
	if (!r->path)
		return 0;
	if (o->stack.frontend && !o->stack.frontend->traps) {
		fprintf(stderr,
			"baoharness run: --record %s: only a trapped frontend records (scripted, "
			"qemu; not '%s': no hypervisor between its guest and virtiofsd)\n",
			r->path, o->stack.frontend->name);
		return -EINVAL;
	}
	if (jo->jobs > 1 || jo->junit || jo->tap) {
		fprintf(stderr,
			"baoharness run: --record %s: not with --jobs %d, --junit or --format tap "
			"(files run in forked workers)\n",
			r->path, jo->jobs);
		return -EINVAL;
	}
	return run_record_begin(r, "baoharness run");
}

int run_record_begin(struct run_record *r, const char *who)
{
	if (!r->path)
		return 0;
	r->f = fopen(r->path, "wb");
	if (!r->f) {
		fprintf(stderr, "%s: --record %s: %s\n", who, r->path, strerror(errno));
		return -EINVAL;
	}
	pthread_mutex_init(&r->lock, NULL);
	r->err = fuse_trace_write_header(r->f);
	return 0;
}

void run_record_to(struct run_record *r, struct stack_opts *so)
{
	if (!r->f)
		return;
	so->trace = run_record_hook;
	so->trace_arg = r;
}

void run_record_step(struct run_record *rec, const struct scn_step *st)
{
	struct fuse_trace_rec r = {.kind = FUSE_TRACE_KIND_HOST};

	if (!rec || !rec->f || rec->err)
		return;
	r.req = (const uint8_t *)st->text;
	r.req_len = (uint32_t)strlen(st->text);
	run_record_hook(rec, &r);
}

void run_record_host(const struct run_opts *o, const struct scn_step *st)
{
	run_record_step(o->record, st);
}

void run_record_stack(struct run_opts *o)
{
	if (o->record)
		run_record_to(o->record, &o->stack);
}

void run_record_attach(struct stack *s, const struct run_opts *o)
{
	struct fuse_client *fc;

	if (!o->record || !o->record->f || !s->fe)
		return;
	fc = scripted_fe_client(s->fe);
	fc->record = run_record_hook;
	fc->record_arg = o->record;
}

int run_record_close(struct run_record *r)
{
	int rc;

	if (!r->f)
		return 0;
	rc = fclose(r->f) ? -errno : 0;
	r->f = NULL;
	pthread_mutex_destroy(&r->lock);
	rc = r->err ? r->err : rc;
	if (rc)
		fprintf(stderr, "baoharness run: --record %s: the trace is incomplete: %s\n",
			r->path, strerror(-rc));
	return rc;
}

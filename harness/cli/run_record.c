/* run_record.c - `baoharness run --record FILE`: the FUSE request/reply pairs of every file
 * run, recorded at the scripted frontend's FUSE client (fuse_trace.h) into one trace file.
 * Only in-process runs can record: the QEMU guests' FUSE client is Linux's own, and --jobs,
 * --junit and --format tap run files in forked workers. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fuse_client.h"
#include "fuse_trace.h"
#include "log.h"
#include "run.h"
#include "run_jobs.h"

static void run_record_hook(void *arg, const struct fuse_trace_rec *r)
{
	struct run_record *rec = arg;

	if (rec->err)
		return;
	rec->err = fuse_trace_write(rec->f, r);
	if (rec->err)
		log_err("run --record %s: cannot write a record: %s", rec->path,
			strerror(-rec->err));
}

int run_record_open(struct run_record *r, const struct run_opts *o, const struct run_jobs_opts *jo)
{
	if (!r->path)
		return 0;
	if (o->stack.frontend && strcmp(o->stack.frontend->name, "scripted")) {
		fprintf(stderr,
			"baoharness run: --record %s: only the scripted frontend records (not "
			"'%s': its FUSE client is the guest's)\n",
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
	r->f = fopen(r->path, "wb");
	if (!r->f) {
		fprintf(stderr, "baoharness run: --record %s: %s\n", r->path, strerror(errno));
		return -EINVAL;
	}
	r->err = fuse_trace_write_header(r->f);
	return 0;
}

void run_record_host(const struct run_opts *o, const struct scn_step *st)
{
	struct fuse_trace_rec r = {.kind = FUSE_TRACE_KIND_HOST};

	if (!o->record || !o->record->f || o->record->err)
		return;
	r.req = (const uint8_t *)st->text;
	r.req_len = (uint32_t)strlen(st->text);
	run_record_hook(o->record, &r);
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
	rc = r->err ? r->err : rc;
	if (rc)
		fprintf(stderr, "baoharness run: --record %s: the trace is incomplete: %s\n",
			r->path, strerror(-rc));
	return rc;
}

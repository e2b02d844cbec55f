/* scripted_fe_fault.c - the scripted frontend's part in fault injection: requests kept in
 * flight across a fault (backend killed, device reset), each checked to end exactly once -
 * completed by the device or failed with -EIO - and never freed while the device owns it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "scripted_fe_priv.h"

#define SCRIPTED_FE_FAULT_OUT 256 /* fuse_out_header + fuse_attr_out, rounded up */
#define SCRIPTED_FE_FAULT_MAX 64u

struct scripted_fe_fault_req {
	struct fuse_client_req r; /* first: release() casts back */
	struct window_alloc *wa;
};

struct scripted_fe_inflight {
	unsigned int n;
	struct scripted_fe_fault_req *q[SCRIPTED_FE_FAULT_MAX];
};

static void scripted_fe_fault_free(struct fuse_client *fc, struct fuse_client_req *r)
{
	struct scripted_fe_fault_req *q = (struct scripted_fe_fault_req *)r;

	(void)fc;
	if (r->in_len)
		window_alloc_put(q->wa, r->in_gpa, r->in_len);
	if (r->out_len)
		window_alloc_put(q->wa, r->out_gpa, r->out_len);
	free(q);
}

static int scripted_fe_fault_post(struct scripted_fe *fe, struct scripted_fe_fault_req **out)
{
	struct fuse_getattr_in in = {0};
	struct fuse_msg_req m = {
	    .opcode = FUSE_GETATTR, .nodeid = FUSE_ROOT_ID, .arg = &in, .arg_len = sizeof(in)};
	size_t len = 0, cap = FUSE_MSG_IN_HDR + sizeof(in);
	struct scripted_fe_fault_req *q = calloc(1, sizeof(*q));
	int rc;

	*out = NULL;
	if (!q)
		return -ENOMEM;
	q->wa = &fe->wa;
	q->r.release = scripted_fe_fault_free;
	m.unique = fuse_client_unique(&fe->fc);
	rc = window_alloc_get(&fe->wa, cap, 8, &q->r.in_gpa);
	if (!rc)
		q->r.in_len = (uint32_t)cap;
	rc = rc ? rc : window_alloc_get(&fe->wa, SCRIPTED_FE_FAULT_OUT, 8, &q->r.out_gpa);
	if (!rc)
		q->r.out_len = SCRIPTED_FE_FAULT_OUT;
	q->r.queue = 1;
	rc = rc ? rc : fuse_msg_encode(&m, window_alloc_hva(&fe->wa, q->r.in_gpa, cap), cap, &len);
	rc = rc ? rc : fuse_client_submit_async(&fe->fc, &q->r);
	if (rc) {
		scripted_fe_fault_free(&fe->fc, &q->r);
		return rc;
	}
	*out = q;
	return 0;
}

int scripted_fe_fault_inflight_post(struct scripted_fe *fe, unsigned int n,
				    struct scripted_fe_inflight **out)
{
	struct scripted_fe_inflight *inf = calloc(1, sizeof(*inf));
	int rc = 0;

	*out = NULL;
	if (!inf)
		return -ENOMEM;
	if (n > SCRIPTED_FE_FAULT_MAX)
		n = SCRIPTED_FE_FAULT_MAX;
	/* The driver posts n requests and kicks; the device starts on them at once. */
	for (unsigned int i = 0; i < n && !rc; i++) {
		rc = scripted_fe_fault_post(fe, &inf->q[inf->n]);
		inf->n += rc == 0;
	}
	if (rc)
		log_warn("scripted frontend: %u of %u requests posted: %d", inf->n, n, rc);
	*out = inf;
	return inf->n ? 0 : rc;
}

static bool scripted_fe_inflight_all_done(const struct scripted_fe_inflight *inf)
{
	for (unsigned int i = 0; i < inf->n; i++)
		if (!inf->q[i]->r.done)
			return false;
	return true;
}

int scripted_fe_fault_inflight_finish(struct scripted_fe *fe, struct scripted_fe_inflight *inf,
				      int timeout_ms, struct scripted_fe_inflight_report *rep)
{
	int64_t saved = fe->fc.deadline_ns;
	struct fuse_client_req *r;

	memset(rep, 0, sizeof(*rep));
	fe->fc.deadline_ns = clock_now_ns() + (int64_t)timeout_ms * 1000000LL;
	/* Take completions off the async list until ours are all done or the wait fails. */
	while (fe->fc.done_head || !scripted_fe_inflight_all_done(inf))
		if (fuse_client_complete(&fe->fc, &r))
			break;
	fe->fc.deadline_ns = saved;
	rep->posted = inf->n;
	for (unsigned int i = 0; i < inf->n; i++) {
		struct scripted_fe_fault_req *q = inf->q[i];

		if (!q->r.done) {
			/* The device still owns it: the completion path frees it. */
			rep->pending++;
			q->r.abandoned = true;
			continue;
		}
		if (q->r.completions != 1)
			rep->bad++;
		else if (q->r.status == 0 && q->r.used_len)
			rep->completed++;
		else
			rep->failed++;
		scripted_fe_fault_free(&fe->fc, &q->r);
	}
	free(inf);
	if (rep->bad)
		log_err("scripted frontend: %u of %u requests ended more than once", rep->bad,
			rep->posted);
	return rep->bad ? -EPROTO : rep->pending ? -ETIMEDOUT : 0;
}

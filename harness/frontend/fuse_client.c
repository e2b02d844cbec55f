/* fuse_client.c - FUSE requests as virtio-fs descriptor chains: post, notify, wait (bounded,
 * spin/block/adaptive), reap used elements and match them to requests by chain head. */
#include "clock.h"
#include "fuse_client.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "spin.h"

void fuse_client_setup(struct fuse_client *fc, struct virtio_mmio_drv *dev, struct vq_drv *hiprio,
		       struct vq_drv *req, struct window_alloc *wa, enum fe_wait_policy wait,
		       int timeout_ms)
{
	void (*record)(void *, const struct fuse_trace_rec *) = fc->record;
	void *record_arg = fc->record_arg;
	void (*reaping)(void *) = fc->reaping;
	void *reaping_arg = fc->reaping_arg;

	memset(fc, 0, sizeof(*fc));
	/* A recorder outlives device resets (set up again then): a trace spans the whole run. */
	fc->record = record;
	fc->record_arg = record_arg;
	fc->reaping = reaping;
	fc->reaping_arg = reaping_arg;
	fc->dev = dev;
	fc->vq[0] = hiprio;
	fc->vq[1] = req;
	fc->wa = wa;
	fc->wait = wait;
	fc->timeout_ms = timeout_ms > 0 ? timeout_ms : FUSE_CLIENT_DEFAULT_TIMEOUT_MS;
	fc->next_unique = 2;
	fc->io_max = FUSE_CLIENT_IO_MAX;
}

uint64_t fuse_client_unique(struct fuse_client *fc)
{
	uint64_t u = fc->next_unique;

	fc->next_unique += 2;
	return u;
}

/* The device finished r (or a reset did): record it and hand it to whoever owns it now. */
static void fuse_client_finish(struct fuse_client *fc, struct fuse_client_req *r, int status,
			       uint32_t used_len)
{
	r->done = true;
	r->completions++;
	r->status = status;
	r->used_len = used_len;
	if (r->abandoned) {
		if (r->release)
			r->release(fc, r);
		return;
	}
	if (r->async) {
		r->next_done = NULL;
		if (fc->done_tail)
			fc->done_tail->next_done = r;
		else
			fc->done_head = r;
		fc->done_tail = r;
	}
}

void fuse_client_fail_all(struct fuse_client *fc, int err)
{
	for (int q = 0; q < 2; q++) {
		void *cookie;

		while (fc->vq[q] && vq_drv_reclaim(fc->vq[q], &cookie) == 1)
			fuse_client_finish(fc, cookie, err, 0);
	}
}

int fuse_client_poll(struct fuse_client *fc)
{
	int n = 0;

	for (int q = 0; q < 2; q++) {
		void *cookie;
		uint32_t len;
		int rc = 0;

		/* One entry at a time, each published before the recorder looked: one the device
		 * adds after the look must wait for the next turn, or it would go unrecorded. */
		while (!fc->reaping || vq_drv_has_used(fc->vq[q])) {
			if (fc->reaping)
				fc->reaping(fc->reaping_arg);
			rc = vq_drv_get_used(fc->vq[q], &cookie, &len);
			if (rc != 1)
				break;
			fuse_client_finish(fc, cookie, 0, len);
			n++;
		}
		if (rc < 0) {
			log_err("fuse: queue %d broken (%s): failing every request in flight", q,
				fc->vq[q]->why);
			fuse_client_fail_all(fc, -EIO);
			return -EIO;
		}
	}
	return n;
}

/* The notify of r failed: the device cannot be reached, so nothing in flight will complete.
 * Fail it all now; r itself only gets marked (the caller sees -EIO and still owns it). */
static void fuse_client_unreachable(struct fuse_client *fc, struct fuse_client_req *r)
{
	bool async = r->async;

	log_err("fuse: device unreachable (notify failed): failing every request in flight");
	fc->dev->broken = true;
	r->async = false;
	fuse_client_fail_all(fc, -EIO);
	r->async = async;
}

static int fuse_client_post(struct fuse_client *fc, struct fuse_client_req *r)
{
	struct vq_buf b[3];
	unsigned int n_out = 0, n_in = 0;
	struct vq_drv *vq;
	int rc;

	const uint8_t *in = window_alloc_hva(fc->wa, r->in_gpa, r->in_len);

	if (in && r->in_len >= FUSE_MSG_IN_HDR) {
		struct fuse_in_header h;

		memcpy(&h, in, sizeof(h));
		r->unique = h.unique;
		r->opcode = h.opcode;
	}
	if (r->queue > 1 || !r->in_len || !in)
		return -EINVAL;
	if (fc->dev->broken)
		return -EIO;
	vq = fc->vq[r->queue];
	b[n_out++] = (struct vq_buf){r->in_gpa, r->in_len, false};
	if (r->data_len)
		b[n_out++] = (struct vq_buf){r->data_gpa, r->data_len, false};
	if (r->out_len)
		b[n_out + n_in++] = (struct vq_buf){r->out_gpa, r->out_len, true};
	r->done = false;
	r->completions = 0;
	r->status = 0;
	r->used_len = 0;
	r->next_done = NULL;
	rc = vq_drv_add(vq, b, n_out, n_in, r, NULL);
	if (rc == -ENOSPC) {
		/* Reap what the device already finished, then retry once. */
		if (fuse_client_poll(fc) < 0)
			return -EIO;
		rc = vq_drv_add(vq, b, n_out, n_in, r, NULL);
	}
	if (rc)
		return rc;
	if (fc->op_stats)
		fc->op_stats[r->opcode < 63 ? r->opcode : 63]++;
	if (vq_drv_kick_needed(vq))
		rc = virtio_mmio_drv_notify(fc->dev, vq->index);
	if (rc)
		fuse_client_unreachable(fc, r);
	return rc ? -EIO : 0;
}

int fuse_client_submit(struct fuse_client *fc, struct fuse_client_req *r)
{
	r->async = false;
	r->abandoned = false;
	return fuse_client_post(fc, r);
}

int fuse_client_submit_async(struct fuse_client *fc, struct fuse_client_req *r)
{
	r->async = true;
	r->abandoned = false;
	return fuse_client_post(fc, r);
}

static void fuse_client_irqs(struct fuse_client *fc, bool enabled)
{
	vq_drv_set_interrupts(fc->vq[0], enabled);
	vq_drv_set_interrupts(fc->vq[1], enabled);
}

/* No completion for a while: read Status as a driver's timeout handler would. NEEDS_RESET,
 * or a register access that fails (the device model is gone), fails everything in flight. */
static int fuse_client_heartbeat(struct fuse_client *fc)
{
	int rc = virtio_mmio_drv_check_status(fc->dev);

	if (rc) {
		log_err("fuse: device %s: failing every request in flight",
			rc == -EIO ? "needs a reset" : "unreachable");
		fc->dev->broken = true;
		fuse_client_fail_all(fc, -EIO);
		return -EIO;
	}
	return 0;
}

/* Block on the interrupt until deadline, one slice at most per call; 0 or -errno. */
static int fuse_client_block(struct fuse_client *fc, int64_t deadline)
{
	int64_t left = deadline - clock_now_ns();
	int ms = left <= 0 ? 0 : (int)((left + 999999) / 1000000);
	uint32_t isr = 0;
	int rc;

	/* §2.7.7: re-enable, then re-check the ring, or a completion could go unnoticed. */
	fuse_client_irqs(fc, true);
	if (vq_drv_has_used(fc->vq[0]) || vq_drv_has_used(fc->vq[1]))
		return 0;
	rc = fc->dev->bus->wait_irq(
	    fc->dev->bus->ctx, ms > FUSE_CLIENT_BLOCK_SLICE_MS ? FUSE_CLIENT_BLOCK_SLICE_MS : ms);
	if (rc <= 0)
		return rc;
	if (fc->irqs)
		(*fc->irqs)++;
	rc = virtio_mmio_drv_ack_irq(fc->dev, &isr);
	if (rc) {
		/* -EIO: needs a reset; anything else: the registers are unreachable. */
		fc->dev->broken = true;
		fuse_client_fail_all(fc, -EIO);
		rc = -EIO;
	}
	return rc;
}

/* Wait until *done is set (or, with done NULL, an async completion is queued). */
static int fuse_client_wait_for(struct fuse_client *fc, const bool *done)
{
	int64_t start = clock_now_ns();
	int64_t deadline =
	    fc->deadline_ns ? fc->deadline_ns : start + (int64_t)fc->timeout_ms * 1000000;
	int64_t spin_until = fc->wait == FE_WAIT_POLL	    ? deadline
			     : fc->wait == FE_WAIT_ADAPTIVE ? start + FUSE_CLIENT_SPIN_NS
							    : start;
	int64_t next_check = start + (int64_t)FUSE_CLIENT_HEARTBEAT_MS * 1000000;
	struct spin_yield yield = {0};
	int rc;

	if (fc->wait != FE_WAIT_BLOCK)
		fuse_client_irqs(fc, false);
	for (;;) {
		int64_t now;

		rc = fuse_client_poll(fc);
		if (rc < 0)
			return rc;
		if (done ? *done : fc->done_head != NULL)
			return 0;
		if (fc->dev->broken)
			return -EIO;
		now = clock_now_ns();
		if (now >= deadline) {
			log_err("fuse: no completion within %lld ms (%u + %u chains in flight)",
				(long long)((now - start) / 1000000), fc->vq[0]->in_flight,
				fc->vq[1]->in_flight);
			return -ETIMEDOUT;
		}
		if (now >= next_check) {
			next_check = now + (int64_t)FUSE_CLIENT_HEARTBEAT_MS * 1000000;
			if (fuse_client_heartbeat(fc))
				return -EIO;
			continue;
		}
		if (now < spin_until) {
			spin_pause(now, &yield);
			continue;
		}
		rc = fuse_client_block(fc, deadline);
		if (rc < 0)
			return rc;
	}
}

int fuse_client_wait(struct fuse_client *fc, struct fuse_client_req *r)
{
	return fuse_client_wait_for(fc, &r->done);
}

int fuse_client_complete(struct fuse_client *fc, struct fuse_client_req **out)
{
	int rc = fc->done_head ? 0 : fuse_client_wait_for(fc, NULL);

	if (rc)
		return rc;
	*out = fc->done_head;
	fc->done_head = (*out)->next_done;
	if (!fc->done_head)
		fc->done_tail = NULL;
	(*out)->next_done = NULL;
	return 0;
}

/* A client-owned request: the struct plus the window blocks it posts. */
struct fuse_client_buf {
	struct fuse_client_req r; /* first: release() casts back */
	uint64_t in_size, data_size, out_size;
};

static void fuse_client_buf_free(struct fuse_client *fc, struct fuse_client_req *r)
{
	struct fuse_client_buf *b = (struct fuse_client_buf *)r;

	if (b->in_size)
		window_alloc_put(fc->wa, r->in_gpa, b->in_size);
	if (b->data_size)
		window_alloc_put(fc->wa, r->data_gpa, b->data_size);
	if (b->out_size)
		window_alloc_put(fc->wa, r->out_gpa, b->out_size);
	free(b);
}

static int fuse_client_buf_new(struct fuse_client *fc, size_t in, size_t data, size_t out,
			       struct fuse_client_buf **bp)
{
	struct fuse_client_buf *b = calloc(1, sizeof(*b));
	int rc = 0;

	if (!b)
		return -ENOMEM;
	if (in > UINT32_MAX || data > UINT32_MAX || out > UINT32_MAX)
		rc = -E2BIG;
	b->r.release = fuse_client_buf_free;
	if (!rc && in && !(rc = window_alloc_get(fc->wa, in, 8, &b->r.in_gpa)))
		b->in_size = in;
	if (!rc && data && !(rc = window_alloc_get(fc->wa, data, 8, &b->r.data_gpa)))
		b->data_size = data;
	if (!rc && out && !(rc = window_alloc_get(fc->wa, out, 8, &b->r.out_gpa)))
		b->out_size = out;
	if (rc) {
		log_err("fuse: no window room for a request (%zu + %zu + %zu bytes): %d", in, data,
			out, rc);
		fuse_client_buf_free(fc, &b->r);
		return rc;
	}
	b->r.in_len = (uint32_t)in;
	b->r.data_len = (uint32_t)data;
	b->r.out_len = (uint32_t)out;
	*bp = b;
	return 0;
}

/* Post b and wait; on a timeout b is left to the completion path (the device owns it). */
static int fuse_client_run(struct fuse_client *fc, struct fuse_client_buf *b)
{
	int rc = fuse_client_submit(fc, &b->r);

	if (rc) {
		log_err("fuse: %s unique %llu: post failed: %d", fuse_msg_op_name(b->r.opcode),
			(unsigned long long)b->r.unique, rc);
		fuse_client_buf_free(fc, &b->r);
		return rc;
	}
	rc = fuse_client_wait(fc, &b->r);
	if (rc && !b->r.done) {
		log_err("fuse: %s unique %llu: wait failed: %d", fuse_msg_op_name(b->r.opcode),
			(unsigned long long)b->r.unique, rc);
		b->r.abandoned = true;
		return rc;
	}
	if (!rc)
		rc = b->r.status;
	if (rc) {
		fuse_client_buf_free(fc, &b->r);
		return rc;
	}
	return 0;
}

/* Hand a finished request and the bytes the device wrote back to the recorder, if any. */
static void fuse_client_record(struct fuse_client *fc, struct fuse_client_buf *b, size_t req_len,
			       const void *wdata, size_t wdata_len, uint32_t used)
{
	struct fuse_trace_rec r = {.kind = FUSE_TRACE_KIND_FUSE};

	if (!fc->record)
		return;
	if (used > b->r.out_len)
		used = b->r.out_len; /* a device claiming more than it was given */
	r.req = window_alloc_hva(fc->wa, b->r.in_gpa, req_len);
	r.req_len = (uint32_t)req_len;
	r.data = wdata;
	r.data_len = (uint32_t)wdata_len;
	r.reply = used ? window_alloc_hva(fc->wa, b->r.out_gpa, used) : NULL;
	r.reply_len = used;
	r.reply_cap = b->r.out_len;
	fc->record(fc->record_arg, &r);
}

int fuse_client_call(struct fuse_client *fc, struct fuse_msg_req *m, const void *wdata,
		     size_t wdata_len, void *reply, size_t reply_cap, size_t *reply_len)
{
	const struct fuse_msg_op *op = fuse_msg_op(m->opcode);
	size_t in = FUSE_MSG_IN_HDR + m->arg_len + m->data_len, len = 0;
	struct fuse_msg_reply rep;
	struct fuse_client_buf *b;
	char why[160];
	int rc;

	if (!op)
		return -EINVAL;
	in += (m->name1 ? strlen(m->name1) + 1 : 0) + (m->name2 ? strlen(m->name2) + 1 : 0);
	m->unique = fuse_client_unique(fc);
	m->extra_len = wdata_len;
	rc = fuse_client_buf_new(fc, in, wdata_len, op->no_reply ? 0 : FUSE_MSG_OUT_HDR + reply_cap,
				 &b);
	if (rc)
		return rc;
	rc = fuse_msg_encode(m, window_alloc_hva(fc->wa, b->r.in_gpa, in), in, &len);
	if (rc) {
		log_err("fuse: cannot encode %s: %d", op->name, rc);
		fuse_client_buf_free(fc, &b->r);
		return rc;
	}
	if (wdata_len)
		memcpy(window_alloc_hva(fc->wa, b->r.data_gpa, wdata_len), wdata, wdata_len);
	if (op->no_reply) {
		/* Linux sends FORGET on the hiprio queue and never waits; reaping frees it. */
		b->r.queue = 0;
		fuse_client_record(fc, b, len, wdata, wdata_len, 0);
		rc = fuse_client_submit(fc, &b->r);
		if (rc)
			fuse_client_buf_free(fc, &b->r);
		else
			b->r.abandoned = true;
		return rc;
	}
	b->r.queue = 1;
	rc = fuse_client_run(fc, b);
	if (rc)
		return rc;
	fuse_client_record(fc, b, len, wdata, wdata_len, b->r.used_len);
	if (!b->r.used_len && m->opcode == FUSE_DESTROY) {
		/* The session is over either way: QEMU's C virtiofsd answers DESTROY, the Rust one
		 * (fuse-backend-rs) completes the chain with nothing written. */
		log_info("fuse: DESTROY unique %llu completed without a reply",
			 (unsigned long long)m->unique);
		fuse_client_buf_free(fc, &b->r);
		return 0;
	}
	if (!b->r.used_len) {
		log_err("fuse: %s unique %llu: reply dropped by the device (used len 0)", op->name,
			(unsigned long long)m->unique);
		fuse_client_buf_free(fc, &b->r);
		return -EIO;
	}
	rc = fuse_msg_decode_reply(window_alloc_hva(fc->wa, b->r.out_gpa, b->r.out_len),
				   b->r.out_len, b->r.used_len, m->unique, m->opcode, reply_cap,
				   &rep, why, sizeof(why));
	if (rc) {
		log_err("fuse: %s unique %llu: malformed reply: %s", op->name,
			(unsigned long long)m->unique, why);
	} else {
		if (rep.body_len && reply)
			memcpy(reply, rep.body,
			       rep.body_len < reply_cap ? rep.body_len : reply_cap);
		if (reply_len)
			*reply_len = rep.body_len;
		rc = rep.error;
	}
	fuse_client_buf_free(fc, &b->r);
	return rc;
}

int fuse_client_raw(struct fuse_client *fc, uint16_t queue, const void *req, size_t req_len,
		    void *reply, size_t reply_cap, size_t *reply_len)
{
	struct fuse_client_buf *b;
	int rc;

	if (!req_len || queue > 1)
		return -EINVAL;
	rc = fuse_client_buf_new(fc, req_len, 0, reply_cap, &b);
	if (rc)
		return rc;
	memcpy(window_alloc_hva(fc->wa, b->r.in_gpa, req_len), req, req_len);
	b->r.queue = queue;
	rc = fuse_client_run(fc, b);
	if (rc)
		return rc;
	if (reply_cap)
		memcpy(reply, window_alloc_hva(fc->wa, b->r.out_gpa, reply_cap), b->r.used_len);
	*reply_len = b->r.used_len;
	fuse_client_buf_free(fc, &b->r);
	return 0;
}

int fuse_client_init_reply(struct fuse_client *fc, const struct fuse_init_out *out, size_t len)
{
	size_t need;
	uint64_t cap;

	/* Linux's process_init_reply checks the major only: a server with a newer minor speaks
	 * ours (FUSE's rule: the lower of the two minors is the protocol), an older one down to
	 * 7.12 is spoken as it is. Another major is a different protocol altogether. */
	if (len < 8 || out->major != FUSE_KERNEL_VERSION) {
		log_err("fuse: INIT reply version %u.%u (%zu bytes): major %u is not supported "
			"(this client speaks 7.12..7.%u and any newer 7.x as 7.%u)",
			out->major, out->minor, len, out->major, FUSE_CLIENT_MINOR,
			FUSE_CLIENT_MINOR);
		return -EPROTO;
	}
	if (out->minor < 12) {
		log_err("fuse: INIT reply version 7.%u is older than 7.12, the oldest this client "
			"speaks",
			out->minor);
		return -EPROTO;
	}
	fc->minor = out->minor < FUSE_CLIENT_MINOR ? out->minor : FUSE_CLIENT_MINOR;
	/* The server sizes fuse_init_out by the protocol spoken: 24 bytes before 7.23 (nothing
	 * past max_write), 64 from 7.23. A shorter reply lacks fields its minor promises. */
	need = fuse_msg_init_out_size(fc->minor);
	if (len < need) {
		log_err("fuse: INIT reply 7.%u is %zu bytes, but protocol 7.%u's fuse_init_out has "
			"%zu",
			out->minor, len, fc->minor, need);
		return -EPROTO;
	}
	/* Features: only flags this client asked for, each only from the minor that has it. */
	fc->init_flags = out->flags & FUSE_CLIENT_INIT_FLAGS;
	if (fc->minor < 28)
		fc->init_flags &= ~(uint32_t)FUSE_MAX_PAGES;
	if (out->max_write < 4096) {
		log_err("fuse: INIT reply max_write %u is below 4096", out->max_write);
		return -EPROTO;
	}
	fc->max_write = out->max_write;
	/* READ/WRITE chunks: max_write, and at most 1/8 of the window so QD>1 still fits. */
	cap = fc->wa->size / 8 > FUSE_CLIENT_IO_MAX ? FUSE_CLIENT_IO_MAX : fc->wa->size / 8;
	fc->io_max = (uint32_t)(out->max_write < cap ? out->max_write : cap) & ~4095u;
	if (!fc->io_max)
		fc->io_max = 4096;
	return 0;
}

int fuse_client_handshake(struct fuse_client *fc)
{
	struct fuse_init_in in = {
	    .major = FUSE_KERNEL_VERSION,
	    .minor = FUSE_CLIENT_MINOR,
	    .max_readahead = 1u << 17,
	    .flags = FUSE_CLIENT_INIT_FLAGS,
	};
	/* Room for a newer server's longer fuse_init_out; only its first 64 bytes are read. */
	union {
		struct fuse_init_out out;
		uint8_t raw[FUSE_MSG_INIT_OUT_MAX];
	} r;
	struct fuse_init_out out;
	struct fuse_msg_req m = {.opcode = FUSE_INIT, .arg = &in, .arg_len = sizeof(in)};
	size_t len = 0;
	int rc;

	memset(&r, 0, sizeof(r));
	fc->initialized = false;
	rc = fuse_client_call(fc, &m, NULL, 0, r.raw, sizeof(r.raw), &len);
	if (rc) {
		log_err("fuse: INIT failed: %d", rc);
		return rc;
	}
	out = r.out;
	if (len > sizeof(out))
		log_info("fuse: INIT reply 7.%u is %zu bytes; the %zu past fuse_init_out are a "
			 "newer protocol's and ignored",
			 out.minor, len, len - sizeof(out));
	rc = fuse_client_init_reply(fc, &out, len);
	if (rc)
		return rc;
	fc->initialized = true;
	log_info("fuse: INIT: server 7.%u, speaking 7.%u, max_write %u flags 0x%x (server's 0x%x), "
		 "I/O chunk %u",
		 out.minor, fc->minor, out.max_write, fc->init_flags, out.flags, fc->io_max);
	return 0;
}

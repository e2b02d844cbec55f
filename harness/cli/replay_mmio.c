/* replay_mmio.c - `baoharness replay TRACE` for a version-2 trace: no frontend at all. Each
 * recorded stack becomes a fresh fakebao, device model and virtiofsd; the replay is the guest:
 * the trapped accesses are made again in order through fakebao (register reads compared), each
 * kick's descriptors and readable bytes are put back into the window at their recorded
 * addresses before its QueueNotify (the FUSE request's node ids and handles mapped), and each
 * used element the device returns is compared with the recorded one, the bytes written under
 * fuse_map.h's rules. The first divergence names the record, the request and the byte. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/fuse.h>

#include "clock.h"
#include "fuse_map.h"
#include "fuse_msg.h"
#include "replay_cli.h"
#include "run.h"
#include "stack.h"
#include "virtio_mmio_regs.h"

#define REPLAY_MMIO_INFLIGHT 4096 /* chains kicked and not yet returned */
#define REPLAY_MMIO_USED_WAIT_MS 10000
#define REPLAY_MMIO_PENDING 1024 /* used entries returned in another order than recorded */

/* A chain the replay made available: what the divergence message names. */
struct replay_mmio_chain {
	uint16_t queue;
	uint32_t head;
	uint32_t opcode;
	uint64_t unique, nodeid;
	size_t request; /* its number, from 1 */
	int live;
};

/* Used entries the replay's device returned that no USED record asked for yet. */
struct replay_mmio_seen {
	uint16_t next; /* the replay's used ring read up to here */
	size_t n;
	uint32_t id[REPLAY_MMIO_PENDING], len[REPLAY_MMIO_PENDING];
};

struct replay_mmio {
	struct stack s;
	int up;
	uint8_t *win;
	uint64_t gpa, size, mmio_base;
	struct vq_audit_regs regs;
	struct replay_mmio_seen seen[VQ_AUDIT_QUEUES];
	struct replay_mmio_chain chains[REPLAY_MMIO_INFLIGHT];
	struct fuse_map map;
	const char *virtiofsd;
	long flip;
	uint32_t break_op; /* test only: replay_cli_break_op */
	size_t requests, accesses, used, host_steps, stacks, irqs, skipped, nudges;
	uint8_t *rec, *live; /* a reply: recorded, replayed */
	char why[1024], where[256];
};

static struct replay_mmio_chain *replay_mmio_find(struct replay_mmio *r, uint16_t q, uint32_t head)
{
	for (size_t i = 0; i < REPLAY_MMIO_INFLIGHT; i++)
		if (r->chains[i].live && r->chains[i].queue == q && r->chains[i].head == head)
			return &r->chains[i];
	return NULL;
}

static int replay_mmio_inside(const struct replay_mmio *r, uint64_t gpa, uint64_t len)
{
	return gpa >= r->gpa && len <= r->size && gpa - r->gpa <= r->size - len;
}

static void replay_mmio_stop(struct replay_mmio *r)
{
	if (r->up)
		stack_stop(&r->s);
	r->up = 0;
}

static int replay_mmio_stack(struct replay_mmio *r, const struct fuse_trace_rec *t, size_t index)
{
	struct fuse_trace_stack st;
	struct stack_opts so = {.step_timeout_ms = 10000, .wait = FE_WAIT_ADAPTIVE, .bare = 1};
	int rc;

	fuse_trace_get_stack(t, &st);
	replay_mmio_stop(r);
	if (st.mmio_base != STACK_MMIO_BASE || st.mmio_size != STACK_MMIO_SIZE || !st.window_size ||
	    st.window_size > (1ULL << 32) || (st.window_gpa | st.window_size) & 0xfff ||
	    !st.vcpus || st.vcpus > FAKEBAO_MAX_VCPUS) {
		snprintf(
		    r->why, sizeof(r->why),
		    "record %zu: stack with registers at 0x%" PRIx64 "+0x%" PRIx64
		    ", window 0x%" PRIx64 "+0x%" PRIx64 ", %u vCPUs: this harness replays "
		    "registers at 0x%llx+0x%llx, a page-aligned window up to 4 GiB, 1..%d vCPUs",
		    index, st.mmio_base, st.mmio_size, st.window_gpa, st.window_size, st.vcpus,
		    STACK_MMIO_BASE, STACK_MMIO_SIZE, FAKEBAO_MAX_VCPUS);
		return -EINVAL;
	}
	so.virtiofsd = r->virtiofsd;
	so.bare_gpa = st.window_gpa;
	so.bare_size = st.window_size;
	so.vcpus = (int)st.vcpus;
	rc = stack_start(&r->s, &so);
	if (rc) {
		snprintf(r->why, sizeof(r->why), "record %zu: the replay's stack did not start: %s",
			 index, r->s.start_why[0] ? r->s.start_why : strerror(-rc));
		return rc == STACK_ENV_MISSING ? STACK_ENV_MISSING : -EIO;
	}
	r->up = 1;
	r->stacks++;
	r->win = fakebao_window(r->s.fb);
	r->gpa = st.window_gpa;
	r->size = st.window_size;
	r->mmio_base = st.mmio_base;
	memset(&r->regs, 0, sizeof(r->regs));
	memset(r->seen, 0, sizeof(r->seen));
	memset(r->chains, 0, sizeof(r->chains));
	/* A fresh virtiofsd hands out its own node ids and handles: nothing learnt carries over. */
	memset(&r->map.nodes, 0, sizeof(r->map.nodes));
	memset(&r->map.fhs, 0, sizeof(r->map.fhs));
	return 0;
}

static int replay_mmio_access(struct replay_mmio *r, const struct fuse_trace_rec *t, size_t index)
{
	struct fuse_trace_mmio m;
	uint64_t v, off;
	char reg[48];
	int rc;

	fuse_trace_get_mmio(t, &m);
	off = m.addr - r->mmio_base;
	if (m.result) {
		/* A failed access (the device model gone, a timeout) is the recorded run's end,
		 * not something to make the replay's device do. */
		r->skipped++;
		return 0;
	}
	r->accesses++;
	v = m.op == BAO_IO_WRITE ? m.value : 0;
	rc = fakebao_mmio_access(r->s.fb, m.vcpu, m.addr, m.op, m.width, &v);
	snprintf(reg, sizeof(reg), "%s", off < STACK_MMIO_SIZE ? virtio_mmio_regs_name(off) : "?");
	snprintf(r->where, sizeof(r->where),
		 "record %zu (access %zu: vCPU %u %s %s at 0x%" PRIx64 ", width %u)", index,
		 r->accesses, m.vcpu, m.op == BAO_IO_WRITE ? "WRITE" : "READ", reg, m.addr,
		 m.width);
	if (rc) {
		snprintf(r->why, sizeof(r->why), "recorded success, got %s", strerror(-rc));
		return -EPROTO;
	}
	if (m.op == BAO_IO_READ && v != m.value) {
		snprintf(r->why, sizeof(r->why),
			 "read value: recorded 0x%" PRIx64 ", got 0x%" PRIx64, m.value, v);
		return -EPROTO;
	}
	if (m.op == BAO_IO_WRITE && off < STACK_MMIO_SIZE)
		vq_audit_regs_write(&r->regs, off, m.value);
	r->where[0] = '\0';
	return 0;
}

/* A QueueNotify the recorded driver did not write: its device found chains by polling its
 * ring (made available without a notify, or before the notify arrived); the replay's device
 * may have stopped polling, and a spurious notify is always allowed (virtio 1.2 §2.7.13.3). */
static void replay_mmio_nudge(struct replay_mmio *r, uint16_t q)
{
	uint64_t v = q;

	if (!fakebao_mmio_access(r->s.fb, 0, r->mmio_base + 0x50, BAO_IO_WRITE, 4, &v))
		r->nudges++;
}

struct replay_mmio_kick {
	struct replay_mmio *r;
	uint16_t queue;
	struct fuse_trace_region avail[8]; /* written last, in their order (idx last of all) */
	size_t navail;
	/* the current chain's readable buffers */
	uint32_t head;
	int in_chain;
	struct fuse_trace_region bufs[64];
	size_t nbufs;
	int err;
};

/* The chain's readable bytes, gathered from the window where they were just written, are
 * one FUSE request: its node ids and handles become this run's, scattered back. */
static void replay_mmio_chain_done(struct replay_mmio_kick *k)
{
	struct replay_mmio *r = k->r;
	struct replay_mmio_chain *c = NULL;
	struct fuse_in_header h = {0};
	size_t total = 0, at = 0;
	uint8_t *req;

	if (!k->in_chain)
		return;
	k->in_chain = 0;
	for (size_t i = 0; i < k->nbufs; i++)
		total += k->bufs[i].len;
	req = malloc(total ? total : 1);
	if (!req) {
		k->err = -ENOMEM;
		return;
	}
	for (size_t i = 0; i < k->nbufs; i++) {
		memcpy(req + at, r->win + (k->bufs[i].gpa - r->gpa), k->bufs[i].len);
		at += k->bufs[i].len;
	}
	fuse_map_rewrite(&r->map, req, total);
	at = 0;
	for (size_t i = 0; i < k->nbufs; i++) {
		memcpy(r->win + (k->bufs[i].gpa - r->gpa), req + at, k->bufs[i].len);
		at += k->bufs[i].len;
	}
	if (total >= sizeof(h))
		memcpy(&h, req, sizeof(h));
	free(req);
	for (size_t i = 0; i < REPLAY_MMIO_INFLIGHT && !c; i++)
		if (!r->chains[i].live ||
		    (r->chains[i].queue == k->queue && r->chains[i].head == k->head))
			c = &r->chains[i];
	r->requests++;
	if (c)
		*c = (struct replay_mmio_chain){k->queue, k->head,     h.opcode, h.unique,
						h.nodeid, r->requests, 1};
}

static int replay_mmio_region(void *arg, const struct fuse_trace_region *g, size_t index)
{
	struct replay_mmio_kick *k = arg;
	struct replay_mmio *r = k->r;

	(void)index;
	if (g->type == FUSE_TRACE_REG_HEAD) {
		replay_mmio_chain_done(k);
		k->in_chain = 1;
		k->head = (uint32_t)g->gpa;
		k->nbufs = 0;
		return k->err;
	}
	if (g->type == FUSE_TRACE_REG_WRITABLE || g->type == FUSE_TRACE_REG_WRITTEN)
		return 0;
	if (!replay_mmio_inside(r, g->gpa, g->len)) {
		snprintf(r->why, sizeof(r->why),
			 "region [0x%" PRIx64 ", +0x%x) outside the window [0x%" PRIx64
			 ", +0x%" PRIx64 ")",
			 g->gpa, g->len, r->gpa, r->size);
		return -EINVAL;
	}
	if (g->type == FUSE_TRACE_REG_AVAIL) {
		/* written last: the chains must be there before idx moves */
		if (k->navail == sizeof(k->avail) / sizeof(k->avail[0])) {
			snprintf(r->why, sizeof(r->why), "more than %zu avail ring regions",
				 k->navail);
			return -EINVAL;
		}
		k->avail[k->navail++] = *g;
		return 0;
	}
	memcpy(r->win + (g->gpa - r->gpa), g->bytes, g->len);
	if (g->type == FUSE_TRACE_REG_READABLE && k->in_chain && k->nbufs < 64)
		k->bufs[k->nbufs++] = *g;
	return 0;
}

static int replay_mmio_kick(struct replay_mmio *r, const struct fuse_trace_rec *t, size_t index)
{
	struct fuse_trace_kick kk;
	struct replay_mmio_kick k = {.r = r};
	char why[160];
	long n;

	fuse_trace_get_kick(t, &kk);
	k.queue = kk.queue;
	n = fuse_trace_regions(t->data, t->data_len, replay_mmio_region, &k, why, sizeof(why));
	replay_mmio_chain_done(&k);
	if (n < 0 || k.err) {
		snprintf(r->where, sizeof(r->where), "record %zu (kick on queue %u)", index,
			 kk.queue);
		if (n == -EINVAL && !r->why[0])
			snprintf(r->why, sizeof(r->why), "%s", why);
		return n < 0 ? (int)n : k.err;
	}
	for (size_t i = 0; i < k.navail; i++) {
		__atomic_thread_fence(__ATOMIC_RELEASE);
		memcpy(r->win + (k.avail[i].gpa - r->gpa), k.avail[i].bytes, k.avail[i].len);
	}
	if (!(kk.flags & FUSE_TRACE_KICK_NOTIFY) && kk.chains)
		replay_mmio_nudge(r, kk.queue);
	return 0;
}

static uint32_t replay_mmio_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Wait (bounded) until the replay's device returned a used entry for head on queue q. 1 with
 * its length, 0 when none came. */
static int replay_mmio_wait_used(struct replay_mmio *r, uint16_t q, uint32_t head, uint32_t *len)
{
	const struct vq_audit_queue *tq = &r->regs.q[q];
	struct replay_mmio_seen *sn = &r->seen[q];
	int64_t now = clock_now_ns(), end = now + (int64_t)REPLAY_MMIO_USED_WAIT_MS * 1000000;
	int64_t nudge = now + 200 * 1000000LL;

	if (!vq_audit_queue_usable(tq, r->gpa, r->size))
		return 0;
	for (;;) {
		const uint8_t *used = r->win + (tq->used - r->gpa);
		uint16_t idx = __atomic_load_n((const uint16_t *)(used + 2), __ATOMIC_ACQUIRE);

		for (size_t i = 0; i < sn->n; i++)
			if (sn->id[i] == head) {
				*len = sn->len[i];
				sn->n--;
				sn->id[i] = sn->id[sn->n];
				sn->len[i] = sn->len[sn->n];
				return 1;
			}
		if (idx != sn->next && sn->n < REPLAY_MMIO_PENDING) {
			const uint8_t *e = used + 4 + 8 * (sn->next % tq->num);

			sn->id[sn->n] = replay_mmio_le32(e);
			sn->len[sn->n++] = replay_mmio_le32(e + 4);
			sn->next++;
			continue;
		}
		now = clock_now_ns();
		if (now >= end || !stack_members_alive(&r->s))
			return 0;
		if (nudge && now >= nudge) {
			replay_mmio_nudge(r, q); /* returned before its notify when recorded */
			nudge = 0;
		}
		nanosleep(&(struct timespec){0, 50000}, NULL);
	}
}

struct replay_mmio_written {
	struct replay_mmio *r;
	size_t len, live_cap;
};

static int replay_mmio_written_one(void *arg, const struct fuse_trace_region *g, size_t index)
{
	struct replay_mmio_written *w = arg;
	struct replay_mmio *r = w->r;

	(void)index;
	if (g->type != FUSE_TRACE_REG_WRITTEN || !replay_mmio_inside(r, g->gpa, g->len) ||
	    w->len + g->len > FUSE_TRACE_PART_MAX)
		return 0;
	memcpy(r->rec + w->len, g->bytes, g->len);
	memcpy(r->live + w->len, r->win + (g->gpa - r->gpa), g->len);
	w->len += g->len;
	return 0;
}

static int replay_mmio_used(struct replay_mmio *r, const struct fuse_trace_rec *t, size_t index)
{
	struct fuse_trace_used u;
	struct replay_mmio_chain *c;
	struct replay_mmio_written w = {.r = r};
	uint32_t len = 0;
	char why[160];

	fuse_trace_get_used(t, &u);
	c = u.queue < VQ_AUDIT_QUEUES ? replay_mmio_find(r, u.queue, u.id) : NULL;
	if (c)
		snprintf(r->where, sizeof(r->where),
			 "record %zu (request %zu: %s unique %" PRIu64 " nodeid %" PRIu64 ")",
			 index, c->request, fuse_msg_op_name(c->opcode), c->unique, c->nodeid);
	else
		snprintf(r->where, sizeof(r->where), "record %zu (used id %u on queue %u)", index,
			 u.id, u.queue);
	if (u.queue >= VQ_AUDIT_QUEUES || !replay_mmio_wait_used(r, u.queue, u.id, &len)) {
		snprintf(r->why, sizeof(r->why),
			 "the device returned no used element for chain %u on queue %u within %d "
			 "ms (recorded: len %u)",
			 u.id, u.queue, REPLAY_MMIO_USED_WAIT_MS, u.len);
		return -EPROTO;
	}
	r->used++;
	if (fuse_trace_regions(t->data, t->data_len, replay_mmio_written_one, &w, why,
			       sizeof(why)) < 0)
		return -EINVAL;
	if (c)
		c->live = 0;
	if (len != u.len) {
		snprintf(r->why, sizeof(r->why), "used length: recorded %u bytes, got %u", u.len,
			 len);
		return -EPROTO;
	}
	if (c && ((long)c->request == r->flip || (r->break_op && c->opcode == r->break_op)) &&
	    w.len)
		r->live[w.len - 1] ^= 0x01; /* the test's broken device model */
	if (fuse_map_compare(&r->map, c ? c->opcode : 0, r->rec, w.len, r->live, w.len)) {
		snprintf(r->why, sizeof(r->why), "%s", r->map.why);
		return -EPROTO;
	}
	r->where[0] = '\0';
	return 0;
}

static int replay_mmio_one(void *arg, const struct fuse_trace_rec *t, size_t index)
{
	struct replay_mmio *r = arg;

	if (t->kind == FUSE_TRACE_KIND_STACK)
		return replay_mmio_stack(r, t, index);
	if (t->kind == FUSE_TRACE_KIND_FUSE)
		return 0; /* the FUSE client's view of the same requests: `replay --fuse` */
	if (!r->up) {
		snprintf(r->why, sizeof(r->why), "record %zu: kind %u before any stack record",
			 index, t->kind);
		return -EINVAL;
	}
	switch (t->kind) {
	case FUSE_TRACE_KIND_HOST:
		r->host_steps++;
		return replay_cli_host(&r->s, t, index, r->why, sizeof(r->why));
	case FUSE_TRACE_KIND_MMIO:
		return replay_mmio_access(r, t, index);
	case FUSE_TRACE_KIND_KICK:
		return replay_mmio_kick(r, t, index);
	case FUSE_TRACE_KIND_USED:
		return replay_mmio_used(r, t, index);
	default: /* IRQ: when the device interrupts is timing, not behaviour */
		r->irqs++;
		return 0;
	}
}

static int replay_mmio_find_stack(void *arg, const struct fuse_trace_rec *t, size_t index)
{
	(void)arg;
	(void)index;
	return t->kind == FUSE_TRACE_KIND_STACK ? 1 : 0;
}

int replay_mmio_has_stack(const uint8_t *buf, size_t len)
{
	char why[64];

	return fuse_trace_parse(buf, len, replay_mmio_find_stack, NULL, why, sizeof(why)) == 1;
}

int replay_mmio_run(const uint8_t *buf, size_t len, const char *virtiofsd, long flip)
{
	struct replay_mmio *r = calloc(1, sizeof(*r));
	char why[256];
	long n;
	int status;

	if (!r)
		return RUN_EXIT_FAIL;
	r->virtiofsd = virtiofsd;
	r->flip = flip;
	r->break_op = replay_cli_break_op();
	r->rec = malloc(FUSE_TRACE_PART_MAX);
	r->live = malloc(FUSE_TRACE_PART_MAX);
	n = r->rec && r->live ? fuse_trace_parse(buf, len, replay_mmio_one, r, why, sizeof(why))
			      : -ENOMEM;
	replay_mmio_stop(r);
	if (n == STACK_ENV_MISSING) {
		fprintf(stderr, "baoharness replay: %s: run `baoharness doctor`\n", r->why);
		status = RUN_EXIT_ENV;
	} else if (n < 0) {
		printf("replay: first divergence at %s%s%s\n", r->where, r->where[0] ? ": " : "",
		       r->why[0] ? r->why : strerror((int)-n));
		status = RUN_EXIT_FAIL;
	} else {
		printf("replayed %zu requests, identical (no frontend: %zu stack%s, %zu trapped "
		       "accesses, %zu used elements compared, %zu host steps redone, %zu "
		       "interrupts and %zu failed accesses not replayed, %zu notifies added; node "
		       "ids and file handles mapped: %zu, %zu)\n",
		       r->requests, r->stacks, r->stacks == 1 ? "" : "s", r->accesses, r->used,
		       r->host_steps, r->irqs, r->skipped, r->nudges, r->map.nodes.n, r->map.fhs.n);
		status = RUN_EXIT_PASS;
	}
	free(r->rec);
	free(r->live);
	free(r);
	return status;
}

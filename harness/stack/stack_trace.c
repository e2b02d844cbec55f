/* stack_trace.c - record a stack's frontend boundary as the hypervisor sees it (format version 2,
 * fuse_trace.h): fakebao's observer gives every trapped access and interrupt; the split rings
 * (virtio 1.2 §2.7) are read in the window to record each kick's new chains before the device
 * can see them and each used element with the bytes written. The queue registers and the
 * chain walk are the ring audit's (vq_audit.h): every ring read bounds-checked against the
 * window, every chain bounded by the queue size (§2.7.5.3.1) - the guest is not trusted, and a
 * recorder must never fault on what it records. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "bao.h"
#include "log.h"
#include "stack.h"
#include "stack_trace.h"

#define REG_QUEUE_NOTIFY 0x050

static uint64_t stack_trace_le(const struct stack_trace *t, uint64_t addr, unsigned int n)
{
	return vq_audit_le(t->win, t->gpa, addr, n);
}

/* Append one region (header, then len bytes - from src, or from the window - unless writable). */
static void stack_trace_region_from(struct stack_trace *t, uint64_t addr, uint32_t len,
				    uint8_t type, const uint8_t *src)
{
	size_t body = type == FUSE_TRACE_REG_WRITABLE || type == FUSE_TRACE_REG_HEAD ? 0 : len;
	size_t need = FUSE_TRACE_REGION_HDR_LEN + body;

	if (body && !vq_audit_inside(t->gpa, t->size, addr, len))
		return; /* outside the window: the backend cannot reach it either */
	if (t->len + need > FUSE_TRACE_PART_MAX) {
		t->overflow = 1;
		return;
	}
	if (t->len + need > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;
		uint8_t *nb;

		while (cap < t->len + need)
			cap *= 2;
		nb = realloc(t->buf, cap);
		if (!nb) {
			t->overflow = 1;
			return;
		}
		t->buf = nb;
		t->cap = cap;
	}
	fuse_trace_put_region(t->buf + t->len, addr, len, type);
	if (body)
		memcpy(t->buf + t->len + FUSE_TRACE_REGION_HDR_LEN,
		       src ? src : t->win + (addr - t->gpa), body);
	t->len += need;
}

static void stack_trace_region(struct stack_trace *t, uint64_t addr, uint32_t len, uint8_t type)
{
	stack_trace_region_from(t, addr, len, type, NULL);
}

/* A walk's state: a kick records descriptors and readable bytes (the device's input); a used
 * element records up to left bytes of the writable buffers (what the device wrote). */
struct stack_trace_walk {
	struct stack_trace *t;
	int kick;
	uint32_t left;
};

static void stack_trace_seen(void *arg, enum vq_audit_seen what, uint64_t gpa, uint32_t len,
			     uint16_t flags)
{
	struct stack_trace_walk *w = arg;
	uint32_t n;

	if (w->kick) {
		stack_trace_region(w->t, gpa, len,
				   what != VQ_AUDIT_SEEN_BUF  ? FUSE_TRACE_REG_DESC
				   : flags & VQ_AUDIT_F_WRITE ? FUSE_TRACE_REG_WRITABLE
							      : FUSE_TRACE_REG_READABLE);
		return;
	}
	if (what != VQ_AUDIT_SEEN_BUF || !(flags & VQ_AUDIT_F_WRITE) || !w->left)
		return;
	n = len < w->left ? len : w->left;
	stack_trace_region(w->t, gpa, n, FUSE_TRACE_REG_WRITTEN);
	w->left -= n;
}

static void stack_trace_chain(struct stack_trace *t, const struct vq_audit_queue *q, uint32_t head,
			      int kick, uint32_t left)
{
	struct stack_trace_walk w = {t, kick, left};

	if (kick)
		stack_trace_region(t, head, 0, FUSE_TRACE_REG_HEAD);
	vq_audit_walk(t->win, t->gpa, t->size, q->desc, q->num, head, stack_trace_seen, &w);
}

static void stack_trace_emit(struct stack_trace *t, uint32_t kind, const uint8_t *fixed,
			     uint32_t fixed_len, const uint8_t *data, size_t data_len)
{
	struct fuse_trace_rec r = {.kind = kind, .req = fixed, .req_len = fixed_len};

	r.data = data;
	r.data_len = (uint32_t)data_len;
	t->fn(t->arg, &r);
}

/* The chains made available on queue qi since the last look, as one KICK (none: nothing). */
static void stack_trace_kick(struct stack_trace *t, unsigned int qi, int notify)
{
	struct vq_audit_queue *q = &t->regs.q[qi];
	struct fuse_trace_kick k = {.queue = (uint16_t)qi,
				    .flags = notify ? FUSE_TRACE_KICK_NOTIFY : 0};
	uint8_t fixed[FUSE_TRACE_KICK_LEN], head[4];
	uint16_t idx, count, slot, n1;

	if (!vq_audit_queue_usable(q, t->gpa, t->size))
		return;
	idx = (uint16_t)stack_trace_le(t, q->avail + 2, 2);
	if (idx == q->last)
		return;
	if ((uint16_t)(idx - q->last) > q->num) /* ran ahead: the newest num are there */
		q->last = (uint16_t)(idx - q->num);
	t->len = 0;
	t->overflow = 0;
	/* Of the avail ring only what changed: the new entries (two runs when they wrap) and
	 * used_event; flags and idx last, with the idx read above - a chain added meanwhile is
	 * the next kick's, and a replay writes this header after everything else. */
	count = (uint16_t)(idx - q->last);
	slot = (uint16_t)(q->last % q->num);
	n1 = (uint16_t)(count < q->num - slot ? count : q->num - slot);
	stack_trace_region(t, q->avail + 4 + 2ULL * slot, 2U * n1, FUSE_TRACE_REG_AVAIL);
	if (count > n1)
		stack_trace_region(t, q->avail + 4, 2U * (count - n1), FUSE_TRACE_REG_AVAIL);
	stack_trace_region(t, q->avail + 4 + 2ULL * q->num, 2, FUSE_TRACE_REG_AVAIL);
	head[0] = (uint8_t)stack_trace_le(t, q->avail, 1);
	head[1] = (uint8_t)stack_trace_le(t, q->avail + 1, 1);
	head[2] = (uint8_t)idx;
	head[3] = (uint8_t)(idx >> 8);
	for (; q->last != idx; q->last++, k.chains++)
		stack_trace_chain(
		    t, q, (uint32_t)stack_trace_le(t, q->avail + 4 + 2ULL * (q->last % q->num), 2),
		    1, 0);
	stack_trace_region_from(t, q->avail, 4, FUSE_TRACE_REG_AVAIL, head);
	if (t->overflow)
		log_warn("run --record: queue %u: a kick's chains exceed %u bytes: cut", qi,
			 FUSE_TRACE_PART_MAX);
	fuse_trace_put_kick(fixed, &k);
	stack_trace_emit(t, FUSE_TRACE_KIND_KICK, fixed, sizeof(fixed), t->buf, t->len);
}

/* The used elements of queue qi since the last look, one USED each. */
static void stack_trace_used(struct stack_trace *t, unsigned int qi)
{
	struct vq_audit_queue *q = &t->regs.q[qi];
	uint16_t idx;

	if (!vq_audit_queue_usable(q, t->gpa, t->size))
		return;
	idx = (uint16_t)stack_trace_le(t, q->used + 2, 2);
	if ((uint16_t)(idx - q->last_used) > q->num) /* a hostile idx: the last num entries */
		q->last_used = (uint16_t)(idx - q->num);
	for (; q->last_used != idx; q->last_used++) {
		uint64_t e = q->used + 4 + 8ULL * (q->last_used % q->num);
		struct fuse_trace_used u = {.queue = (uint16_t)qi,
					    .pos = q->last_used,
					    .id = (uint32_t)stack_trace_le(t, e, 4),
					    .len = (uint32_t)stack_trace_le(t, e + 4, 4)};
		uint8_t fixed[FUSE_TRACE_USED_LEN];

		t->len = 0;
		if (u.id < q->num)
			stack_trace_chain(t, q, u.id, 0, u.len);
		fuse_trace_put_used(fixed, &u);
		stack_trace_emit(t, FUSE_TRACE_KIND_USED, fixed, sizeof(fixed), t->buf, t->len);
	}
}

/* Chains first: a device that polls its ring may return a chain the driver made available
 * without a notify before the recorder looked, and a used element must never precede its
 * chain in the file. */
static void stack_trace_sync_locked(struct stack_trace *t)
{
	for (unsigned int i = 0; i < VQ_AUDIT_QUEUES; i++) {
		stack_trace_kick(t, i, 0);
		stack_trace_used(t, i);
	}
}

void stack_trace_sync(struct stack_trace *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	stack_trace_sync_locked(t);
	pthread_mutex_unlock(&t->lock);
}

void stack_trace_access(void *arg, int after, unsigned int vcpu, uint64_t addr, unsigned int op,
			unsigned int width, uint64_t value, int rc)
{
	struct stack_trace *t = arg;
	uint64_t off = addr - t->mmio_base;
	int inside = addr >= t->mmio_base && off < t->mmio_size;

	/* Held from before the access to its completion: an interrupt served by another thread
	 * (the QEMU guest's doorbell) must not record the used element a QueueNotify produced
	 * between the kick and the notify itself - a replay does them in file order. */
	if (!after) {
		pthread_mutex_lock(&t->lock);
		/* What the device returned and the driver made available before this access, in
		 * that order; a QueueNotify's own queue as the kick it is. */
		int notify = inside && op == BAO_IO_WRITE && off == REG_QUEUE_NOTIFY &&
			     value < VQ_AUDIT_QUEUES;

		for (unsigned int i = 0; i < VQ_AUDIT_QUEUES; i++) {
			stack_trace_kick(t, i, notify && i == value);
			stack_trace_used(t, i);
		}
	} else {
		struct fuse_trace_mmio m = {.addr = addr,
					    .value = value,
					    .vcpu = vcpu,
					    .op = (uint8_t)op,
					    .width = (uint8_t)width,
					    .result = rc};
		uint8_t fixed[FUSE_TRACE_MMIO_LEN];

		fuse_trace_put_mmio(fixed, &m);
		stack_trace_emit(t, FUSE_TRACE_KIND_MMIO, fixed, sizeof(fixed), NULL, 0);
		if (!rc && inside && op == BAO_IO_WRITE)
			vq_audit_regs_write(&t->regs, off, value);
		pthread_mutex_unlock(&t->lock);
	}
}

void stack_trace_irq(void *arg)
{
	struct stack_trace *t = arg;
	uint8_t fixed[FUSE_TRACE_IRQ_LEN] = {0};

	pthread_mutex_lock(&t->lock);
	stack_trace_sync_locked(t);
	t->irqs++;
	for (int i = 0; i < 8; i++)
		fixed[i] = (uint8_t)(t->irqs >> (8 * i));
	stack_trace_emit(t, FUSE_TRACE_KIND_IRQ, fixed, sizeof(fixed), NULL, 0);
	pthread_mutex_unlock(&t->lock);
}

struct stack_trace *stack_trace_open(const struct stack_trace_where *w, stack_trace_fn fn,
				     void *arg)
{
	struct stack_trace *t = calloc(1, sizeof(*t));
	struct fuse_trace_stack st = {w->gpa, w->size, w->mmio_base, w->mmio_size, w->vcpus};
	uint8_t fixed[FUSE_TRACE_STACK_LEN];

	if (!t)
		return NULL;
	pthread_mutex_init(&t->lock, NULL);
	t->fn = fn;
	t->arg = arg;
	t->win = w->win;
	t->gpa = w->gpa;
	t->size = w->size;
	t->mmio_base = w->mmio_base;
	t->mmio_size = w->mmio_size;
	fuse_trace_put_stack(fixed, &st);
	stack_trace_emit(t, FUSE_TRACE_KIND_STACK, fixed, sizeof(fixed),
			 (const uint8_t *)w->frontend, strlen(w->frontend));
	return t;
}

static void *stack_trace_poller(void *arg)
{
	struct stack_trace *t = arg;
	struct timespec ts = {0, STACK_TRACE_POLL_US * 1000L};

	(void)prctl(PR_SET_TIMERSLACK, 1000UL); /* 20 us means 20 us, not 70 */
	while (!atomic_load(&t->stop)) {
		stack_trace_sync(t);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

int stack_trace_poll(struct stack_trace *t)
{
	int rc = pthread_create(&t->poller, NULL, stack_trace_poller, t);

	t->polling = !rc;
	return -rc;
}

void stack_trace_close(struct stack_trace *t)
{
	if (!t)
		return;
	if (t->polling) {
		atomic_store(&t->stop, 1);
		pthread_join(t->poller, NULL);
	}
	/* What the device returned last (an unmount's replies) before the window goes. */
	stack_trace_sync(t);
	pthread_mutex_destroy(&t->lock);
	free(t->buf);
	free(t);
}

int stack_trace_start(struct stack *s, const struct stack_opts *o, uint64_t mmio_base,
		      uint64_t mmio_size)
{
	struct stack_trace_where w = {fakebao_window(s->fb),
				      fakebao_window_gpa(s->fb),
				      fakebao_window_size(s->fb),
				      mmio_base,
				      mmio_size,
				      s->vcpus > 0 ? (uint32_t)s->vcpus : 1,
				      o->frontend ? o->frontend->name : "scripted"};
	struct fakebao_observer ob;

	if (!o->trace)
		return 0;
	s->trace = stack_trace_open(&w, o->trace, o->trace_arg);
	if (!s->trace)
		return -ENOMEM;
	/* The scripted frontend lets the recorder look before it takes each used element
	 * (scripted_fe_opts.reaping); a real guest does not ask. */
	if (o->frontend && strcmp(o->frontend->name, "scripted")) {
		int rc = stack_trace_poll(s->trace);

		if (rc) {
			log_err("run --record: cannot start the recorder's ring poller: %s",
				strerror(-rc));
			stack_trace_close(s->trace);
			s->trace = NULL;
			return rc;
		}
	}
	ob = (struct fakebao_observer){stack_trace_access, stack_trace_irq, s->trace};
	fakebao_set_observer(s->fb, &ob);
	return 0;
}

void stack_trace_stop(struct stack *s)
{
	if (!s->trace)
		return;
	if (s->fb)
		fakebao_set_observer(s->fb, NULL);
	stack_trace_close(s->trace);
	s->trace = NULL;
}

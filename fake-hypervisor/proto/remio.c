/* remio.c - Bao's remote-I/O request path over the shared control page: the frontend enqueues a
 * trapped access and waits on its vCPU slot; the device model fetches (FIFO) and completes.
 * Named after Bao's src/core/remio.c, whose semantics (one outstanding request per vCPU,
 * request ids echoed back, requests kept until fetched) this reproduces. */
#include <errno.h>
#include <inttypes.h>
#include <linux/futex.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fakebao_shm.h"
#include "log.h"
#include "remio.h"
#include "spin.h"

int remio_futex_wait(_Atomic uint32_t *word, uint32_t expected, int timeout_ms)
{
	struct timespec ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L};
	long r = syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, expected,
			 timeout_ms < 0 ? NULL : &ts, NULL, 0);

	if (r == 0)
		return 0;
	if (errno == EAGAIN)
		return 0; /* the word changed before we slept: not a timeout */
	return -errno;
}

void remio_futex_wake(_Atomic uint32_t *word)
{
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, 0x7fffffff, NULL, NULL, 0);
}

const char *remio_op_name(uint64_t op)
{
	switch (op) {
	case BAO_IO_WRITE:
		return "WRITE";
	case BAO_IO_READ:
		return "READ";
	case BAO_IO_ASK:
		return "ASK";
	case BAO_IO_NOTIFY:
		return "NOTIFY";
	default:
		return "op?";
	}
}

int remio_enqueue(struct fakebao_shm *shm, uint32_t dm_id, const struct bao_virtio_request *req,
		  int doorbell_fd)
{
	struct fakebao_queue *q;
	uint32_t head, tail;

	if (dm_id >= FAKEBAO_MAX_DMS)
		return -EINVAL;
	q = &shm->q[dm_id];
	head = atomic_load_explicit(&q->head, memory_order_relaxed);
	tail = atomic_load_explicit(&q->tail, memory_order_acquire);
	if (head - tail >= FAKEBAO_QLEN)
		return -EAGAIN;
	q->ring[head % FAKEBAO_QLEN] = *req;
	atomic_store_explicit(&q->head, head + 1, memory_order_release);
	atomic_fetch_add_explicit(&q->futex, 1, memory_order_seq_cst);
	if (atomic_load_explicit(&q->sleepers, memory_order_seq_cst)) {
		uint64_t one = 1;

		if (doorbell_fd < 0 || write(doorbell_fd, &one, sizeof(one)) < 0)
			remio_futex_wake(&q->futex);
	}
	return 0;
}

int remio_slot_arm(struct fakebao_shm *shm, unsigned int vcpu, uint64_t id)
{
	struct fakebao_slot *s = &shm->slot[vcpu];
	uint64_t cur = atomic_load_explicit(&s->tag, memory_order_acquire);

	/* A slot still pending means a vCPU issued a second access before the first completed:
	 * Bao pauses the vCPU, so that cannot happen; refuse rather than overwrite. */
	if (cur != 0 && !(cur & FAKEBAO_TAG_DONE))
		return -EBUSY;
	s->value = 0;
	atomic_store_explicit(&s->tag, id, memory_order_release);
	return 0;
}

/* Withdraw a pending request: 1 done (the slot is idle again), 0 when a completer holds it
 * (CLAIMED) - it finishes in microseconds, unless it died in between (a device model killed
 * mid-completion): after 500 ms of CLAIMED the slot is taken back by force. */
static int remio_slot_withdraw(struct fakebao_slot *s, uint64_t id, int64_t now,
			       int64_t *claimed_since)
{
	uint64_t expect = id;

	if (atomic_compare_exchange_strong(&s->tag, &expect, 0))
		return 1;
	if (expect == (id | FAKEBAO_TAG_DONE))
		return 0; /* the caller's next look takes the result */
	if (expect != (id | FAKEBAO_TAG_CLAIMED)) {
		atomic_store(&s->tag, 0); /* not ours any more */
		return 1;
	}
	if (!*claimed_since)
		*claimed_since = now;
	if (now - *claimed_since < 500 * 1000000LL)
		return 0;
	log_warn("remio: request 0x%" PRIx64 " claimed by a completer that never finished; "
		 "withdrawn",
		 id);
	atomic_store(&s->tag, 0);
	return 1;
}

/* Poll then sleep until the slot says DONE for id; on timeout (or abort) withdraw the request
 * so a late completion is rejected as stale instead of landing in a later access. */
int remio_slot_wait(struct fakebao_shm *shm, unsigned int vcpu, uint64_t id, int spin_us,
		    int timeout_ms, uint64_t *value, _Atomic int *abort_err)
{
	struct fakebao_slot *s = &shm->slot[vcpu];
	int64_t now = clock_now_ns(), claimed_since = 0;
	struct spin_yield yield = {0};
	int64_t spin_end = now + (int64_t)(spin_us > 0 ? spin_us : 0) * 1000;
	int64_t end = now + (int64_t)timeout_ms * 1000000LL;
	uint64_t want = id | FAKEBAO_TAG_DONE;

	for (;;) {
		uint32_t f = atomic_load_explicit(&s->futex, memory_order_acquire);
		int err;

		if (atomic_load_explicit(&s->tag, memory_order_acquire) == want)
			break;
		now = clock_now_ns();
		err = abort_err ? atomic_load(abort_err) : 0;
		if (err || now >= end) {
			if (remio_slot_withdraw(s, id, now, &claimed_since))
				return err ? err : -ETIMEDOUT;
			spin_pause(now, &yield);
			continue;
		}
		if (now < spin_end) {
			spin_pause(now, &yield);
			continue;
		}
		atomic_store_explicit(&s->sleeping, 1, memory_order_seq_cst);
		if (atomic_load_explicit(&s->tag, memory_order_seq_cst) != want) {
			int slice = (int)((end - now) / 1000000LL) + 1;

			remio_futex_wait(&s->futex, f, slice > 100 ? 100 : slice);
		}
		atomic_store_explicit(&s->sleeping, 0, memory_order_relaxed);
	}
	if (value)
		*value = s->value;
	atomic_store_explicit(&s->tag, 0, memory_order_release);
	return 0;
}

int remio_request_check(const struct fakebao_shm *shm, const struct bao_virtio_request *req,
			char *why, size_t whylen)
{
	uint64_t vcpu = req->request_id & 0xff;

	if (req->dm_id >= FAKEBAO_MAX_DMS) {
		snprintf(why, whylen, "dm_id %" PRIu64 " out of range", (uint64_t)req->dm_id);
		return -EINVAL;
	}
	if (req->op != BAO_IO_READ && req->op != BAO_IO_WRITE) {
		snprintf(why, whylen, "op %" PRIu64 " is not READ or WRITE", (uint64_t)req->op);
		return -EINVAL;
	}
	if (req->access_width != 1 && req->access_width != 2 && req->access_width != 4 &&
	    req->access_width != 8) {
		snprintf(why, whylen, "access_width %" PRIu64 " invalid",
			 (uint64_t)req->access_width);
		return -EINVAL;
	}
	if (req->request_id == 0 || (req->request_id & ~FAKEBAO_TAG_ID_MASK) ||
	    vcpu >= shm->nr_vcpus || vcpu >= FAKEBAO_MAX_VCPUS) {
		snprintf(why, whylen, "request_id 0x%" PRIx64 " names no vCPU",
			 (uint64_t)req->request_id);
		return -EINVAL;
	}
	return 0;
}

int remio_complete(struct fakebao_shm *shm, const struct bao_virtio_request *req)
{
	char why[128];
	struct fakebao_slot *s;
	uint64_t expect;
	int r = remio_request_check(shm, req, why, sizeof(why));

	if (r) {
		log_warn("remio: bad completion (addr 0x%" PRIx64 "): %s", (uint64_t)req->addr,
			 why);
		return r;
	}
	s = &shm->slot[req->request_id & 0xff];
	expect = req->request_id;
	if (!atomic_compare_exchange_strong(&s->tag, &expect,
					    req->request_id | FAKEBAO_TAG_CLAIMED)) {
		log_warn("remio: completion of request 0x%" PRIx64 " (%s 0x%" PRIx64
			 ") matches no pending access (slot tag 0x%" PRIx64 "): stale or bogus",
			 (uint64_t)req->request_id, remio_op_name(req->op), (uint64_t)req->addr,
			 expect);
		return -EINVAL;
	}
	s->value = req->op == BAO_IO_READ ? req->value : 0;
	atomic_store_explicit(&s->tag, req->request_id | FAKEBAO_TAG_DONE, memory_order_release);
	atomic_fetch_add_explicit(&s->futex, 1, memory_order_seq_cst);
	if (atomic_load_explicit(&s->sleeping, memory_order_seq_cst))
		remio_futex_wake(&s->futex);
	return 0;
}

/* Sleep until the doorbell rings, a backend interrupt is raised (irq_watch_fd, an epoll set of
 * the device model's irqfds, edge-triggered), a signal arrives, or slice_ms passes. Returns 1
 * when woken by an interrupt: the frontend will read InterruptStatus and write InterruptACK
 * within microseconds, so the caller spins again instead of making each of those traps pay a
 * cross-CPU wake-up of its own (the two wake-ups, frontend and device model, then overlap).
 * The caller's signals are blocked while it spins and checks, and ppoll unblocks them
 * atomically, so a signal is never lost between the last check and the sleep: the ioctl is
 * interruptible the way Bao's wait_event_interruptible is. */
static int remio_sleep(struct fakebao_queue *q, uint32_t seen, int doorbell_fd, int irq_watch_fd,
		       int slice_ms, const sigset_t *orig)
{
	struct timespec ts = {slice_ms / 1000, (long)(slice_ms % 1000) * 1000000L};
	struct pollfd p[2] = {{doorbell_fd, POLLIN, 0}, {irq_watch_fd, POLLIN, 0}};
	struct epoll_event ev[4];
	uint64_t cnt;
	int r;

	if (doorbell_fd < 0)
		return remio_futex_wait(&q->futex, seen, slice_ms);
	r = ppoll(p, irq_watch_fd >= 0 ? 2 : 1, &ts, orig);
	if (r < 0)
		return -errno;
	if (p[0].revents & POLLIN)
		(void)!read(doorbell_fd, &cnt, sizeof(cnt));
	/* Reporting the edge-triggered events consumes them; the irqfds stay for the frontend. */
	if (irq_watch_fd >= 0 && (p[1].revents & POLLIN) &&
	    epoll_wait(irq_watch_fd, ev, 4, 0) > 0 && !(p[0].revents & POLLIN))
		return 1;
	return 0;
}

static int remio_fetch_loop(struct fakebao_shm *shm, struct fakebao_queue *q, int spin_us,
			    int timeout_ms, int doorbell_fd, int irq_watch_fd, const sigset_t *orig,
			    struct bao_virtio_request *out)
{
	int64_t now = clock_now_ns(), spin_ns = (int64_t)(spin_us > 0 ? spin_us : 0) * 1000;
	struct spin_yield yield = {0};
	int64_t spin_end = now + spin_ns;
	int64_t end = timeout_ms < 0 ? INT64_MAX : now + (int64_t)timeout_ms * 1000000LL;

	for (;;) {
		uint32_t f = atomic_load_explicit(&q->futex, memory_order_acquire);
		uint32_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
		uint32_t head = atomic_load_explicit(&q->head, memory_order_acquire);
		int r = 0;

		if (head != tail) {
			*out = q->ring[tail % FAKEBAO_QLEN];
			atomic_store_explicit(&q->tail, tail + 1, memory_order_release);
			return 0;
		}
		if (!atomic_load_explicit(&shm->alive, memory_order_acquire))
			return -ENODEV;
		now = clock_now_ns();
		if (now < spin_end) {
			spin_pause(now, &yield);
			continue;
		}
		if (now >= end)
			return -ETIMEDOUT;
		atomic_fetch_add_explicit(&q->sleepers, 1, memory_order_seq_cst);
		if (atomic_load_explicit(&q->head, memory_order_seq_cst) == tail)
			r = remio_sleep(q, f, doorbell_fd, irq_watch_fd, 100, orig);
		atomic_fetch_sub_explicit(&q->sleepers, 1, memory_order_relaxed);
		if (r == -EINTR)
			return -EINTR;
		if (r == 1)
			spin_end = clock_now_ns() + spin_ns;
	}
}

int remio_fetch(struct fakebao_shm *shm, uint32_t dm_id, int spin_us, int timeout_ms,
		int doorbell_fd, int irq_watch_fd, struct bao_virtio_request *out)
{
	sigset_t all, orig;
	int r;

	if (dm_id >= FAKEBAO_MAX_DMS)
		return -EINVAL;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &orig);
	r = remio_fetch_loop(shm, &shm->q[dm_id], spin_us, timeout_ms, doorbell_fd, irq_watch_fd,
			     &orig, out);
	pthread_sigmask(SIG_SETMASK, &orig, NULL);
	return r;
}

/* mut_relay.c - mutation mode's call-eventfd relay: virtiofsd's used-buffer signal reaches this
 * thread, which mutates the new replies in guest memory before the guest is interrupted, so the
 * real guest driver parses hostile replies from an otherwise real backend. One implementation
 * for both places it sits: the device model (the Bao window) and the vhost-user shim in front
 * of virtiofsd for QEMU's own device (fuzz/README.md, "Guest fuzzing"). */
#include "mut_relay.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define MUT_RELAY_SCRATCH (64u * 1024u)
#define MUT_RELAY_SEGS 64

int mut_relay_parse(const char *spec, uint64_t *seed, uint32_t *rate)
{
	char *end;
	unsigned long long s, r;

	errno = 0;
	s = strtoull(spec, &end, 0);
	if (errno || end == spec || *end != ':')
		return -EINVAL;
	r = strtoull(end + 1, &end, 0);
	if (errno || *end || r < 1 || r > 1000000)
		return -EINVAL;
	*seed = s;
	*rate = (uint32_t)r;
	return 0;
}

int mut_relay_init(struct mut_relay *r, uint64_t seed, uint32_t rate, const char *dir)
{
	char path[600];
	int e;

	memset(r, 0, sizeof(*r));
	r->call_fd = r->stop_fd = -1;
	for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++)
		r->q[i].notify_fd = -1;
	r->irq_fd = -1;
	r->rng.s = seed;
	r->rate = rate ? rate : 1;
	r->mask = 0;
	r->ctl_mtime_ns = -1;
	pthread_mutex_init(&r->lock, NULL);
	snprintf(r->ctl_path, sizeof(r->ctl_path), "%s/mutate.ctl", dir);
	snprintf(path, sizeof(path), "%s/mutations.log", dir);
	r->log = fopen(path, "ae");
	r->scratch = malloc(MUT_RELAY_SCRATCH);
	r->call_fd = eventfd(0, EFD_CLOEXEC);
	r->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!r->log || !r->scratch || r->call_fd < 0 || r->stop_fd < 0) {
		e = errno ? errno : ENOMEM;
		log_err("mutation mode: cannot set up under %s (mutations.log, eventfds): %s", dir,
			strerror(e));
		mut_relay_destroy(r);
		return -e;
	}
	setvbuf(r->log, NULL, _IOLBF, 0);
	fprintf(r->log, "# seed %" PRIu64 " rate 1/%u\n", seed, r->rate);
	log_info("mutation mode: seed %" PRIu64 ", one reply in %u mutated, log %s", seed, r->rate,
		 path);
	return 0;
}

int mut_relay_parse_step(const char *line, struct mut_relay_step *st)
{
	char cls[32];
	unsigned long long rng, seq = 0;

	if (sscanf(line, "%u %u %31s %llx %llu", &st->queue, &st->opcode, cls, &rng, &seq) < 4)
		return -EINVAL;
	st->cls = reply_mut_class_parse(cls);
	st->rng = rng;
	st->seq = seq;
	return st->cls < 0 || st->queue >= VIRTIO_MMIO_MAX_QUEUES ? -EINVAL : 0;
}

/* mutate.script, once: a replay's mutations, applied in order to the same queue and opcode. */
static void mut_relay_load_script(struct mut_relay *r)
{
	char path[600], line[128];
	FILE *f;

	if (r->script_loaded)
		return;
	r->script_loaded = true;
	snprintf(path, sizeof(path), "%.*s.script", (int)(strlen(r->ctl_path) - 4), r->ctl_path);
	f = fopen(path, "re");
	if (!f) {
		log_warn("mutation mode: %s: %s (no scripted mutations)", path, strerror(errno));
		return;
	}
	while (r->nscript < MUT_RELAY_SCRIPT_MAX && fgets(line, sizeof(line), f))
		if (mut_relay_parse_step(line, &r->script[r->nscript]) == 0)
			r->nscript++;
		else
			log_warn("mutation mode: %s: bad line '%s' ignored", path, line);
	fclose(f);
	fprintf(r->log, "# script of %u mutations\n", r->nscript);
}

/* mutate.ctl: "all", "none", or class names separated by spaces or commas; "rate=N" mutates
 * one reply in N while the file says so (a class as rare as FUSE_INIT needs every chance);
 * "script" applies mutate.script's steps while the file says so, and "only" mutates nothing
 * else (a replay testing whether these steps alone bring a finding back). */
static void mut_relay_read_ctl(struct mut_relay *r)
{
	struct stat st;
	char buf[256], *save = NULL;
	uint32_t mask = 0;
	long long mt;
	FILE *f;

	/* No control file yet (the guest still booting): nothing is mutated. */
	if (stat(r->ctl_path, &st) < 0) {
		r->mask = 0;
		r->ctl_rate = 0;
		return;
	}
	mt = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec + st.st_size;
	if (mt == r->ctl_mtime_ns)
		return;
	r->ctl_mtime_ns = mt;
	f = fopen(r->ctl_path, "re");
	if (!f)
		return;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	r->ctl_rate = 0;
	r->script_on = r->script_only = r->script_at = false;
	for (char *t = strtok_r(buf, " ,\n", &save); t; t = strtok_r(NULL, " ,\n", &save)) {
		int c = reply_mut_class_parse(t);
		char *end;

		if (!strncmp(t, "rate=", 5)) {
			unsigned long v = strtoul(t + 5, &end, 10);

			if (*end || v < 1 || v > 1000000)
				log_warn("mutation mode: %s: bad '%s' ignored", r->ctl_path, t);
			else
				r->ctl_rate = (uint32_t)v;
		} else if (!strcmp(t, "script")) {
			mut_relay_load_script(r);
			r->script_on = true;
		} else if (!strcmp(t, "only"))
			r->script_only = true;
		else if (!strcmp(t, "at"))
			r->script_at = true;
		else if (!strcmp(t, "all"))
			mask = REPLY_MUT_ALL;
		else if (c >= 0)
			mask |= 1u << c;
		else if (strcmp(t, "none"))
			log_warn("mutation mode: %s: unknown class '%s' ignored", r->ctl_path, t);
	}
	r->mask = mask;
	fprintf(r->log, "# classes 0x%x rate 1/%u%s%s%s\n", mask,
		r->ctl_rate ? r->ctl_rate : r->rate, r->script_on ? " script" : "",
		r->script_only ? " only" : "", r->script_at ? " at" : "");
}

static uint32_t mut_relay_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void mut_relay_put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* One used entry: find its request and reply bytes, maybe mutate them. *act says what the
 * ring must do with the entry (ring-level classes: drop it, or add one after it). */
static void mut_relay_entry(struct mut_relay *r, unsigned qi, struct mut_relay_queue *q,
			    uint8_t *ent, int batch_last, struct reply_mut_result *act)
{
	struct reply_mut_seg segs[MUT_RELAY_SEGS];
	struct reply_mut_ctx c = {0};
	struct reply_mut_result res;
	struct reply_mut_rng rng, *rp = &r->rng;
	uint32_t mask = r->mask;
	bool scripted = r->script_on && r->next_step < r->nscript;
	uint64_t state;
	unsigned n, i;
	size_t got = 0, put = 0;
	int rc;

	c.used_id = mut_relay_le32(ent);
	c.used_len = mut_relay_le32(ent + 4);
	c.ring_num = q->num;
	c.prev_id = q->prev_id;
	c.hiprio = qi == 0; /* virtio 1.2 §5.11.2: queue 0 is hiprio */
	c.batch_last = batch_last;
	q->prev_id = c.used_id;
	act->drop = act->extra = 0;
	r->seen++;
	/* A script replaces the dice until it is used up; then the class goes on at random,
	 * unless the script is all there is to be (no die is rolled then). */
	if (!scripted &&
	    (r->script_only || reply_mut_rand(&r->rng) % (r->ctl_rate ? r->ctl_rate : r->rate) ||
	     !r->mask))
		return;
	if (reply_mut_chain(q->win, q->win_gpa, q->win_size, q->desc_off, q->num, c.used_id, segs,
			    MUT_RELAY_SEGS, &n))
		return; /* a chain the guest broke or an id already mutated: not ours to judge */
	for (i = 0; i < n; i++) {
		if (!segs[i].writable && !c.opcode && segs[i].len >= 16) {
			c.opcode = mut_relay_le32(q->win + segs[i].off + 4);
			c.unique = mut_relay_le32(q->win + segs[i].off + 8) |
				   (uint64_t)mut_relay_le32(q->win + segs[i].off + 12) << 32;
		}
		if (segs[i].writable) {
			size_t want = segs[i].len;

			c.cap += segs[i].len;
			if (got + want > MUT_RELAY_SCRATCH)
				want = MUT_RELAY_SCRATCH - got;
			if (got + want > c.used_len)
				want = c.used_len > got ? c.used_len - got : 0;
			memcpy(r->scratch + got, q->win + segs[i].off, want);
			got += want;
		}
	}
	if (scripted) {
		const struct mut_relay_step *st = &r->script[r->next_step];

		/* "at": a fresh guest on the finding's workload numbers its replies nearly as
		 * the finding's guest did, so the step waits for its own reply, not the first of
		 * its opcode (two replies of slack for FORGETs that come and go). */
		if (st->queue != qi || st->opcode != c.opcode ||
		    (r->script_at && st->seq && r->seen + 2 < st->seq))
			return;
		r->next_step++;
		rng.s = st->rng;
		rp = &rng;
		mask = 1u << st->cls;
	}
	state = rp->s; /* logged: what a replay hands back to the engine */
	rc = reply_mut_apply(r->scratch, got, mask, &c, rp, &res);
	if (rc)
		return;
	for (i = 0; i < n && put < got; i++) {
		size_t k;

		if (!segs[i].writable)
			continue;
		k = segs[i].len < got - put ? segs[i].len : got - put;
		memcpy(q->win + segs[i].off, r->scratch + put, k);
		put += k;
	}
	mut_relay_put_le32(ent, res.used_id);
	mut_relay_put_le32(ent + 4, res.used_len);
	*act = res;
	r->mutated++;
	fprintf(r->log,
		"%" PRIu64 " q%u op %u unique %" PRIu64 " id %u len %u rng %016" PRIx64
		"%s %s: %s\n",
		r->seen, qi, c.opcode, c.unique, c.used_id, c.used_len, state,
		scripted ? " scripted" : "", reply_mut_class_name(res.cls), res.what);
}

static uint8_t *mut_relay_slot(struct mut_relay_queue *q, uint16_t i)
{
	return q->win + q->used_off + 4 + 8ULL * (i % q->num);
}

/* The new entries [q->last, idx) virtiofsd published. The ring-level classes work in place, in
 * the one used ring virtiofsd and the driver share: a dropped entry makes the driver's used
 * index lag virtiofsd's for good (later entries are moved down by the lag, and the index is
 * rewritten after virtiofsd's every store); an extra entry goes in the next slot with the
 * index one further - virtiofsd's next entry lands in that slot with the same index, so the
 * driver, having taken the extra, never sees that reply (an extra costs a real reply). */
static void mut_relay_ring(struct mut_relay *r, unsigned qi, struct mut_relay_queue *q,
			   uint16_t idx)
{
	struct reply_mut_result act;
	int extra = 0, moved = q->lag != 0;

	for (; q->last != idx; q->last++) {
		uint8_t *ent = mut_relay_slot(q, q->last);

		mut_relay_entry(r, qi, q, ent, (uint16_t)(q->last + 1) == idx, &act);
		if (act.drop) {
			q->lag++;
			moved = 1;
			continue;
		}
		if (q->lag)
			memmove(mut_relay_slot(q, (uint16_t)(q->last - q->lag)), ent, 8);
		if (act.extra) { /* only ever for the batch's last entry */
			uint8_t *x = mut_relay_slot(q, (uint16_t)(q->last + 1 - q->lag));

			mut_relay_put_le32(x, act.extra_id);
			mut_relay_put_le32(x + 4, act.extra_len);
			extra = 1;
		}
	}
	if (moved || extra) /* virtio 1.2 §2.7.8.2: entries first, then the index */
		__atomic_store_n((uint16_t *)(void *)(q->win + q->used_off + 2),
				 (uint16_t)(idx - q->lag + extra), __ATOMIC_RELEASE);
}

uint32_t mut_relay_scan(struct mut_relay *r)
{
	uint32_t had = 0;

	pthread_mutex_lock(&r->lock);
	mut_relay_read_ctl(r);
	for (unsigned qi = 0; qi < VIRTIO_MMIO_MAX_QUEUES; qi++) {
		struct mut_relay_queue *q = &r->q[qi];
		uint16_t idx;

		if (!q->live)
			continue;
		idx = __atomic_load_n((uint16_t *)(void *)(q->win + q->used_off + 2),
				      __ATOMIC_ACQUIRE);
		if (idx != q->last)
			had |= 1u << qi;
		/* At most one ring's worth: an index that jumped further is the backend's lie. */
		if ((uint16_t)(idx - q->last) > q->num)
			q->last = (uint16_t)(idx - q->num);
		if (idx != q->last)
			mut_relay_ring(r, qi, q, idx);
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&r->lock);
	return had;
}

/* The driver learns of the (mutated) entries: the device model's one irqfd, or in the shim the
 * call fd of each queue that had new entries (QEMU raises that queue's interrupt). */
static void mut_relay_signal(struct mut_relay *r, uint32_t had)
{
	uint64_t one = 1;

	if (r->irq_fd >= 0 && write(r->irq_fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		log_warn("mutation mode: irq eventfd %d write failed: %s", r->irq_fd,
			 strerror(errno));
	pthread_mutex_lock(&r->lock);
	for (unsigned qi = 0; qi < VIRTIO_MMIO_MAX_QUEUES; qi++) {
		int fd = r->q[qi].notify_fd;

		if (fd >= 0 && (had & (1u << qi)) &&
		    write(fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
			log_warn("mutation mode: queue %u call eventfd %d write failed: %s", qi, fd,
				 strerror(errno));
	}
	pthread_mutex_unlock(&r->lock);
}

static void *mut_relay_main(void *arg)
{
	struct mut_relay *r = arg;
	struct pollfd p[2] = {{.fd = r->call_fd, .events = POLLIN},
			      {.fd = r->stop_fd, .events = POLLIN}};
	uint64_t v;

	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		if (read(r->call_fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
			continue;
		mut_relay_signal(r, mut_relay_scan(r));
	}
	return NULL;
}

int mut_relay_queue_set(struct mut_relay *r, unsigned qi, uint8_t *win, uint64_t win_gpa,
			uint64_t win_size, uint32_t num, uint64_t desc_off, uint64_t used_off)
{
	struct mut_relay_queue *q;

	/* virtio 1.2 §2.7: the descriptor table is 16*num bytes, the used ring 6 + 8*num. */
	if (qi >= VIRTIO_MMIO_MAX_QUEUES || !win || !num || num > 32768 || desc_off > win_size ||
	    16ULL * num > win_size - desc_off || used_off > win_size ||
	    6ULL + 8ULL * num > win_size - used_off || (used_off & 3)) {
		log_err("mutation mode: queue %u: ring of %u (desc at +0x%" PRIx64
			", used at +0x%" PRIx64 ") not inside its memory of 0x%" PRIx64 " bytes",
			qi, num, desc_off, used_off, win_size);
		return -EINVAL;
	}
	pthread_mutex_lock(&r->lock);
	q = &r->q[qi];
	q->win = win;
	q->win_gpa = win_gpa;
	q->win_size = win_size;
	q->num = num;
	q->desc_off = desc_off;
	q->used_off = used_off;
	q->prev_id = 0;
	q->lag = 0;
	/* A ring restarted after GET_VRING_BASE keeps its used index: start from there. */
	q->last = __atomic_load_n((uint16_t *)(void *)(win + used_off + 2), __ATOMIC_ACQUIRE);
	q->live = true;
	pthread_mutex_unlock(&r->lock);
	return 0;
}

void mut_relay_queue_clear(struct mut_relay *r, unsigned qi)
{
	if (qi >= VIRTIO_MMIO_MAX_QUEUES)
		return;
	pthread_mutex_lock(&r->lock);
	r->q[qi].live = false;
	pthread_mutex_unlock(&r->lock);
}

void mut_relay_set_notify(struct mut_relay *r, unsigned qi, int fd)
{
	if (qi >= VIRTIO_MMIO_MAX_QUEUES)
		return;
	pthread_mutex_lock(&r->lock);
	r->q[qi].notify_fd = fd;
	pthread_mutex_unlock(&r->lock);
}

int mut_relay_run(struct mut_relay *r)
{
	int rc;

	if (r->running)
		return 0;
	rc = pthread_create(&r->thread, NULL, mut_relay_main, r);
	if (rc) {
		log_err("mutation mode: relay thread: %s", strerror(rc));
		return -rc;
	}
	r->running = true;
	return 0;
}

int mut_relay_start(struct mut_relay *r, uint8_t *win, uint64_t win_gpa, uint64_t win_size,
		    const struct virtio_dev_queue *q, unsigned nq, int irq_fd)
{
	int rc;

	r->irq_fd = irq_fd;
	for (unsigned i = 0; i < nq; i++) {
		/* The transport checked each ring lies inside the window (DRIVER_OK). */
		rc = mut_relay_queue_set(r, q[i].index, win, win_gpa, win_size, q[i].num,
					 q[i].desc_gpa - win_gpa, q[i].used_gpa - win_gpa);
		if (rc)
			return rc;
		/* At DRIVER_OK every ring is fresh: its used index starts at 0 (virtio 1.2
		 * §2.7.8), whatever the memory holds yet. */
		pthread_mutex_lock(&r->lock);
		r->q[q[i].index].last = 0;
		pthread_mutex_unlock(&r->lock);
	}
	rc = mut_relay_run(r);
	return rc ? rc : r->call_fd;
}

void mut_relay_stop(struct mut_relay *r)
{
	pthread_mutex_lock(&r->lock);
	for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++)
		r->q[i].live = false;
	pthread_mutex_unlock(&r->lock);
}

void mut_relay_destroy(struct mut_relay *r)
{
	uint64_t one = 1;

	if (r->running) {
		if (write(r->stop_fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
			log_warn("mutation mode: cannot stop the relay thread: %s",
				 strerror(errno));
		else
			pthread_join(r->thread, NULL);
		r->running = false;
	}
	if (r->log) {
		fprintf(r->log, "# replies %" PRIu64 " mutated %" PRIu64 "\n", r->seen, r->mutated);
		fclose(r->log);
	}
	r->log = NULL;
	if (r->call_fd >= 0)
		close(r->call_fd);
	if (r->stop_fd >= 0)
		close(r->stop_fd);
	r->call_fd = r->stop_fd = -1;
	free(r->scratch);
	r->scratch = NULL;
}

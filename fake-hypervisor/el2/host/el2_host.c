/* el2_host.c - serves the EL2 stub's mailbox on the host: each trapped access the stub posts
 * becomes fakebao_mmio_access (a Bao I/O request the device model answers), each interrupt the
 * device raises through its irqfd becomes irq_seq++ for the stub to inject. Polls fast (with
 * 1 us timer slack) while I/O is recent and otherwise sleeps on the irqfd in 1 ms waits, so an
 * idle guest costs the host almost nothing and nothing spins without bound. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "el2_host.h"
#include "el2_host_priv.h"
#include "log.h"

static int64_t el2_host_cnt_ns(const struct el2_host *h, uint64_t cnt)
{
	uint64_t f = h->mb->cntfrq ? h->mb->cntfrq : 62500000;

	return (int64_t)((cnt / f) * 1000000000ULL + (cnt % f) * 1000000000ULL / f);
}

int el2_host_create_file(const char *path, uint64_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0) {
		int e = errno;

		log_err("el2: cannot create %s: %s", path, strerror(e));
		return -e;
	}
	if (ftruncate(fd, (off_t)size) < 0) {
		int e = errno;

		log_err("el2: cannot size %s to %" PRIu64 " bytes: %s", path, size, strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}

int el2_host_layout_check(const struct el2_host_layout *l, char *why, unsigned long whylen)
{
	uint64_t win = l->window_size, ram = l->ram_size;

	why[0] = '\0';
	if (win < EL2_WINDOW_MIN || win > EL2_WINDOW_MAX || (win & 0x1fffff))
		snprintf(why, whylen,
			 "window size 0x%" PRIx64
			 " unsupported (a 2 MiB multiple in [0x%llx, 0x%llx])",
			 win, EL2_WINDOW_MIN, EL2_WINDOW_MAX);
	else if (!ram && win < EL2_WINDOW_WHOLE_MIN)
		snprintf(why, whylen,
			 "window of 0x%" PRIx64 " bytes too small to be the guest's only RAM (at "
			 "least 0x%llx)",
			 win, EL2_WINDOW_WHOLE_MIN);
	else if (ram && (ram < EL2_RAM_MIN || ram > EL2_RAM_MAX || (ram & 0x1fffff)))
		snprintf(why, whylen,
			 "guest RAM size 0x%" PRIx64 " unsupported (a 2 MiB multiple in [0x%llx, "
			 "0x%llx])",
			 ram, EL2_RAM_MIN, EL2_RAM_MAX);
	else if (ram && ((l->ram_ipa & 0x1fffff) || l->ram_ipa < EL2_WINDOW_IPA + win ||
			 l->ram_ipa + ram > EL2_IPA_LIMIT))
		snprintf(why, whylen,
			 "guest RAM [0x%" PRIx64 ", 0x%" PRIx64
			 ") must be 2 MiB aligned, above the "
			 "window and below 4 GiB",
			 l->ram_ipa, l->ram_ipa + ram);
	else if (l->uart_ipa && ((l->uart_ipa & 0xfff) || l->uart_ipa >= EL2_WINDOW_IPA ||
				 (l->uart_ipa & ~0xfffULL) == (EL2_MMIO_BASE & ~0xfffULL)))
		snprintf(why, whylen,
			 "PL011 at 0x%" PRIx64
			 ": want a page of its own below 0x%llx, not the trap "
			 "page",
			 l->uart_ipa, EL2_WINDOW_IPA);
	else if (l->uart_virq && (l->uart_virq < 32 || l->uart_virq >= 1020))
		snprintf(why, whylen, "PL011 interrupt %u is not an SPI", l->uart_virq);
	else if (l->vcpus > EL2_MAX_VCPUS)
		snprintf(why, whylen, "%u vCPUs: the stub hosts at most %d", l->vcpus,
			 EL2_MAX_VCPUS);
	else if (!el2_host_layout_pa(l, l->kernel_ipa) || !el2_host_layout_pa(l, l->dtb_ipa))
		snprintf(why, whylen,
			 "kernel (0x%" PRIx64 ") or DTB (0x%" PRIx64 ") outside the guest's memory",
			 l->kernel_ipa, l->dtb_ipa);
	return why[0] ? -EINVAL : 0;
}

uint64_t el2_host_layout_pa(const struct el2_host_layout *l, uint64_t ipa)
{
	if (ipa - EL2_WINDOW_IPA < l->window_size)
		return EL2_WINDOW_PA + (ipa - EL2_WINDOW_IPA);
	if (l->ram_size && ipa - l->ram_ipa < l->ram_size)
		return EL2_WINDOW_PA + l->window_size + (ipa - l->ram_ipa);
	return 0;
}

int el2_host_map_mailbox(int ram0_fd, const struct el2_host_layout *l,
			 const struct el2_host_tuning *t, struct el2_mailbox **out)
{
	struct el2_mailbox *mb;
	char why[256];

	*out = NULL;
	if (el2_host_layout_check(l, why, sizeof(why))) {
		log_err("el2: %s", why);
		return -EINVAL;
	}
	mb = mmap(NULL, EL2_MAILBOX_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, ram0_fd,
		  (off_t)EL2_MAILBOX_OFF);
	if (mb == MAP_FAILED) {
		int e = errno;

		log_err("el2: cannot map the mailbox page: %s", strerror(e));
		return -e;
	}
	memset(mb, 0, EL2_MAILBOX_SIZE);
	mb->magic = EL2_MB_MAGIC;
	mb->version = EL2_MB_VERSION;
	mb->window_pa = EL2_WINDOW_PA;
	mb->window_ipa = EL2_WINDOW_IPA;
	mb->window_size = l->window_size;
	mb->ram_size = l->ram_size;
	mb->ram_ipa = l->ram_size ? l->ram_ipa : 0;
	mb->ram_pa = l->ram_size ? EL2_WINDOW_PA + l->window_size : 0;
	mb->uart_ipa = l->uart_ipa;
	mb->uart_virq = l->uart_virq;
	mb->nr_vcpus = l->vcpus ? l->vcpus : 1;
	mb->kernel_ipa = l->kernel_ipa;
	mb->dtb_ipa = l->dtb_ipa;
	if (t) {
		mb->tick_active_us = t->tick_active_us;
		mb->resp_spin_us = t->resp_spin_us;
		mb->tick_idle_us = t->tick_idle_us;
		mb->active_hold_us = t->active_hold_us;
		mb->doorbell = t->doorbell_path != NULL;
	}
	if (mb->doorbell) {
		/* The doorbell wakes both sides; the tick only backs it up. */
		if (!mb->tick_active_us)
			mb->tick_active_us = EL2_HOST_DB_TICK_US;
		if (!mb->tick_idle_us)
			mb->tick_idle_us = EL2_HOST_DB_TICK_US;
	}
	atomic_thread_fence(memory_order_release);
	*out = mb;
	return 0;
}

void el2_host_unmap_mailbox(struct el2_mailbox *mb)
{
	if (mb)
		munmap(mb, EL2_MAILBOX_SIZE);
}

/* The hops of vCPU i's trap just served (lock held); the previous trap's end is known now:
 * the stub stamped when it saw that response before it took this trap. */
static void el2_host_hop_add(struct el2_host *h, unsigned int i, uint64_t trap_cnt,
			     uint64_t req_cnt, int64_t seen_ns, int64_t done_ns)
{
	const struct el2_mb_vcpu *v = &h->mb->vcpu[i];
	uint64_t prev_resp = 0, burst_cnt;
	struct el2_host_hop *hp;

	if (h->last_hop[i] >= 0) {
		hp = &h->hops[h->last_hop[i]];
		if (__atomic_load_n(&v->resp_seen_seq, __ATOMIC_ACQUIRE) + 1 ==
		    __atomic_load_n(&v->req_seq, __ATOMIC_ACQUIRE))
			hp->resp_cnt = v->resp_seen_cntpct;
		prev_resp = hp->resp_cnt;
	}
	if (!trap_cnt || h->n_hops == EL2_HOST_HOP_MAX)
		return;
	burst_cnt = (h->mb->cntfrq ? h->mb->cntfrq : 62500000) / 1000000 * EL2_HOST_BURST_US;
	hp = &h->hops[h->n_hops];
	*hp = (struct el2_host_hop){
	    trap_cnt, req_cnt, 0, seen_ns, done_ns, prev_resp && trap_cnt - prev_resp < burst_cnt};
	h->last_hop[i] = (int)h->n_hops++;
}

/* vCPU i's request seq: served as that vCPU's Bao request (at most one outstanding each). */
static void el2_host_serve(struct el2_host *h, unsigned int i, uint64_t seq)
{
	struct el2_mailbox *mb = h->mb;
	struct el2_mb_vcpu *v = &mb->vcpu[i];
	uint64_t addr = v->req_addr, op = v->req_op, width = v->req_width;
	uint64_t value = v->req_value, written = value; /* the completion may overwrite value */
	uint64_t req_cnt = v->req_cntpct, trap_cnt = v->req_trap_cntpct;
	int64_t seen_ns = clock_now_ns(), done_ns;
	int rc = -EINVAL;

	if ((op == EL2_OP_READ || op == EL2_OP_WRITE) &&
	    (width == 1 || width == 2 || width == 4 || width == 8))
		rc = fakebao_mmio_access(h->fb, i, addr, (unsigned int)op, (unsigned int)width,
					 &value);
	else
		log_err("el2: malformed request from the stub (vCPU %u): addr 0x%" PRIx64
			" op %" PRIu64 " width %" PRIu64,
			i, addr, op, width);
	done_ns = clock_now_ns();
	if (rc == 0 && op == EL2_OP_WRITE && addr - EL2_MMIO_BASE < EL2_MMIO_SIZE)
		vq_audit_write(h->audit, addr - EL2_MMIO_BASE, written);
	v->resp_value = rc == 0 ? value : ~0ULL;
	v->resp_status = rc;
	__atomic_store_n(&v->resp_seq, seq, __ATOMIC_RELEASE);
	h->served[i] = seq;

	pthread_mutex_lock(&h->lock);
	h->st.requests++;
	h->st.vcpu_requests[i]++;
	if (op == EL2_OP_READ)
		h->st.reads++;
	else
		h->st.writes++;
	if (rc)
		h->st.errors++;
	if (seen_ns - el2_host_cnt_ns(h, req_cnt) < h->cnt_off_ns)
		h->cnt_off_ns = seen_ns - el2_host_cnt_ns(h, req_cnt);
	el2_host_hop_add(h, i, trap_cnt, req_cnt, seen_ns, done_ns);
	if (op == EL2_OP_READ && addr == EL2_MMIO_BASE + EL2_HOST_ISR_OFF && h->irq_raised_ns) {
		/* The handler reached its first register read when the request was seen. */
		if (h->n_lat < EL2_HOST_LAT_MAX)
			h->lat[h->n_lat++] = (struct el2_host_lat){h->irq_raised_ns, seen_ns,
								   mb->inject_cntpct, req_cnt};
		h->irq_raised_ns = 0;
	}
	pthread_mutex_unlock(&h->lock);
}

int el2_host_serve_pending(struct el2_host *h)
{
	int n = 0;

	/* One outstanding request per vCPU: each slot is answered once per sequence number. */
	for (unsigned int i = 0; i < h->nr_vcpus; i++) {
		uint64_t seq = __atomic_load_n(&h->mb->vcpu[i].req_seq, __ATOMIC_ACQUIRE);

		if (seq != h->served[i]) {
			el2_host_serve(h, i, seq);
			n++;
		}
	}
	return n;
}

int el2_host_any_sleeping(struct el2_host *h)
{
	for (unsigned int i = 0; i < h->nr_vcpus; i++)
		if (__atomic_load_n(&h->mb->vcpu[i].req_sleeping, __ATOMIC_SEQ_CST))
			return 1;
	return 0;
}

/* The timestamp is taken before the stub can see the increment. */
void el2_host_raise(struct el2_host *h)
{
	int64_t now = clock_now_ns();

	pthread_mutex_lock(&h->lock);
	h->st.injections++;
	if (!h->irq_raised_ns)
		h->irq_raised_ns = now;
	pthread_mutex_unlock(&h->lock);
	__atomic_fetch_add(&h->mb->irq_seq, 1, __ATOMIC_RELEASE);
}

void el2_host_check_stub(struct el2_host *h)
{
	char why[256];

	if (!h->panic_logged && el2_host_stub_health(h, why, sizeof(why)) < 0) {
		log_err("el2: %s", why);
		h->panic_logged = 1;
	}
}

static void *el2_host_thread(void *arg)
{
	struct el2_host *h = arg;
	int64_t last_io = clock_now_ns();

	/* The fast poll relies on precise short sleeps (default slack is 50 us). */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	while (!atomic_load(&h->stop)) {
		int busy = el2_host_serve_pending(h) > 0, r;

		if (fakebao_wait_irq(h->fb, 0) == 1) {
			el2_host_raise(h);
			busy = 1;
		}
		if (busy) {
			last_io = clock_now_ns();
			continue;
		}
		if (clock_now_ns() - last_io < h->hold_ns) {
			struct timespec ts = {0, h->poll_ns};

			nanosleep(&ts, NULL);
			pthread_mutex_lock(&h->lock);
			h->st.fast_polls++;
			pthread_mutex_unlock(&h->lock);
			continue;
		}
		el2_host_check_stub(h);
		pthread_mutex_lock(&h->lock);
		h->st.idle_waits++;
		pthread_mutex_unlock(&h->lock);
		r = fakebao_wait_irq(h->fb, 1);
		if (r == 1) {
			el2_host_raise(h);
			last_io = clock_now_ns();
		}
	}
	return NULL;
}

int el2_host_start(struct fakebao *fb, struct el2_mailbox *mb, const struct el2_host_tuning *t,
		   struct el2_host **out)
{
	struct el2_host *h = calloc(1, sizeof(*h));
	int rc;

	*out = NULL;
	if (!h)
		return -ENOMEM;
	h->fb = fb;
	h->mb = mb;
	h->audit = t ? t->audit : NULL;
	h->poll_ns = (int64_t)(t && t->host_poll_us ? t->host_poll_us : 20) * 1000;
	h->hold_ns = (int64_t)(t && t->host_hold_ms ? t->host_hold_ms : 20) * 1000000;
	h->spin_ns = (int64_t)(t ? t->host_spin_us : 0) * 1000;
	h->nr_vcpus = mb->nr_vcpus >= 1 && mb->nr_vcpus <= EL2_MAX_VCPUS ? mb->nr_vcpus : 1;
	for (unsigned int i = 0; i < EL2_MAX_VCPUS; i++)
		h->served[i] = __atomic_load_n(&mb->vcpu[i].resp_seq, __ATOMIC_ACQUIRE);
	for (unsigned int i = 0; i < EL2_MAX_VCPUS; i++)
		h->last_hop[i] = -1;
	h->cnt_off_ns = INT64_MAX;
	h->listen_fd = -1;
	atomic_store(&h->conn_fd, -1);
	pthread_mutex_init(&h->lock, NULL);
	if (t && t->doorbell_path) {
		rc = el2_host_db_start(h, t->doorbell_path);
		if (rc) {
			pthread_mutex_destroy(&h->lock);
			free(h);
			return rc;
		}
		*out = h;
		return 0;
	}
	rc = pthread_create(&h->thread, NULL, el2_host_thread, h);
	if (rc) {
		log_err("el2: cannot start the mailbox thread: %s", strerror(rc));
		pthread_mutex_destroy(&h->lock);
		free(h);
		return -rc;
	}
	*out = h;
	return 0;
}

void el2_host_stop(struct el2_host *h)
{
	if (!h)
		return;
	__atomic_store_n(&h->mb->host_stop, 1, __ATOMIC_RELEASE);
	atomic_store(&h->stop, 1);
	if (h->doorbell)
		el2_host_db_stop(h);
	else
		pthread_join(h->thread, NULL); /* each pass is bounded: 1 ms or one trap timeout */
	pthread_mutex_destroy(&h->lock);
	free(h);
}

static int el2_host_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort v (n values, ns) and return its pct-percentile in microseconds (0 when n is 0). */
static uint64_t el2_host_quantile_us(int64_t *v, unsigned int n, unsigned int pct)
{
	uint64_t i;

	if (!n)
		return 0;
	qsort(v, n, sizeof(v[0]), el2_host_cmp_i64);
	i = (uint64_t)n * pct / 100;
	if (i >= n)
		i = n - 1;
	return v[i] < 0 ? 0 : (uint64_t)v[i] / 1000;
}

/* v[0..n) sorted, its pct-percentile (ns; 0 when n is 0, negative clamped to 0). */
static uint64_t el2_host_quantile_ns(int64_t *v, unsigned int n, unsigned int pct)
{
	uint64_t i;

	if (!n)
		return 0;
	qsort(v, n, sizeof(v[0]), el2_host_cmp_i64);
	i = (uint64_t)n * pct / 100;
	if (i >= n)
		i = n - 1;
	return v[i] < 0 ? 0 : (uint64_t)v[i];
}

/* The hop medians of the traps whose response the stub has seen. The stub's clock is put on
 * the host's with off, the least delay seen between a post and the host seeing it, so the
 * post->notice hop is a lower bound and served->resumed an upper bound by that much; the
 * stub-only hops (handler->post, the whole trap) are exact. */
static void el2_host_hop_stats(struct el2_host *h, int64_t off, struct el2_host_stats *out)
{
	int64_t *v[5];
	unsigned int n[2] = {0, 0};

	for (int k = 0; k < 5; k++)
		v[k] = malloc(2 * EL2_HOST_HOP_MAX * sizeof(int64_t));
	if (!v[0] || !v[1] || !v[2] || !v[3] || !v[4])
		goto out;
	pthread_mutex_lock(&h->lock);
	for (unsigned int i = 0; i < h->n_hops; i++) {
		const struct el2_host_hop *hp = &h->hops[i];
		unsigned int b = hp->burst, j = b * EL2_HOST_HOP_MAX + n[b];

		if (!hp->resp_cnt)
			continue;
		v[0][j] = el2_host_cnt_ns(h, hp->req_cnt) - el2_host_cnt_ns(h, hp->trap_cnt);
		v[1][j] = hp->seen_ns - (el2_host_cnt_ns(h, hp->req_cnt) + off);
		v[2][j] = hp->done_ns - hp->seen_ns;
		v[3][j] = el2_host_cnt_ns(h, hp->resp_cnt) + off - hp->done_ns;
		v[4][j] = el2_host_cnt_ns(h, hp->resp_cnt) - el2_host_cnt_ns(h, hp->trap_cnt);
		n[b]++;
	}
	pthread_mutex_unlock(&h->lock);
	for (unsigned int b = 0; b < 2; b++) {
		int64_t *base[5];

		for (int k = 0; k < 5; k++)
			base[k] = v[k] + b * EL2_HOST_HOP_MAX;
		out->hop_samples[b] = n[b];
		out->hop_stub_ns[b] = el2_host_quantile_ns(base[0], n[b], 50);
		out->hop_notice_ns[b] = el2_host_quantile_ns(base[1], n[b], 50);
		out->hop_serve_ns[b] = el2_host_quantile_ns(base[2], n[b], 50);
		out->hop_resume_ns[b] = el2_host_quantile_ns(base[3], n[b], 50);
		out->hop_total_ns[b] = el2_host_quantile_ns(base[4], n[b], 50);
		out->hop_total_p90_ns[b] = el2_host_quantile_ns(base[4], n[b], 90);
	}
out:
	for (int k = 0; k < 5; k++)
		free(v[k]);
}

void el2_host_get_stats(struct el2_host *h, struct el2_host_stats *out)
{
	const struct el2_mailbox *mb = h->mb;
	struct el2_host_lat *lat = malloc(sizeof(h->lat));
	int64_t *v = malloc(EL2_HOST_LAT_MAX * sizeof(*v));
	unsigned int n;
	int64_t off;

	pthread_mutex_lock(&h->lock);
	*out = h->st;
	n = lat && v ? h->n_lat : 0;
	off = h->cnt_off_ns;
	if (n)
		memcpy(lat, h->lat, n * sizeof(lat[0]));
	pthread_mutex_unlock(&h->lock);
	out->lat_samples = n;
	for (unsigned int i = 0; i < n; i++)
		v[i] = lat[i].seen_ns - lat[i].raise_ns;
	out->lat_p50_us = el2_host_quantile_us(v, n, 50);
	out->lat_p90_us = el2_host_quantile_us(v, n, 90);
	out->lat_max_us = el2_host_quantile_us(v, n, 100);
	for (unsigned int i = 0; i < n; i++)
		v[i] = el2_host_cnt_ns(h, lat[i].inject_cnt) + off - lat[i].raise_ns;
	out->lat_stub_p50_us = el2_host_quantile_us(v, n, 50);
	for (unsigned int i = 0; i < n; i++)
		v[i] = el2_host_cnt_ns(h, lat[i].req_cnt) - el2_host_cnt_ns(h, lat[i].inject_cnt);
	out->lat_guest_p50_us = el2_host_quantile_us(v, n, 50);
	for (unsigned int i = 0; i < n; i++)
		v[i] = lat[i].seen_ns - (el2_host_cnt_ns(h, lat[i].req_cnt) + off);
	out->lat_host_p50_us = el2_host_quantile_us(v, n, 50);
	free(lat);
	free(v);
	el2_host_hop_stats(h, off, out);
	out->stub_state = mb->state;
	for (unsigned int i = 0; i < EL2_MAX_VCPUS; i++) {
		const struct el2_mb_stats *c = &mb->stats[i];

		out->vcpu_traps[i] = c->n_traps;
		out->stub_traps += c->n_traps;
		out->stub_wfi += c->n_wfi;
		out->stub_ticks += c->n_ticks;
		out->stub_inject += c->n_inject;
		out->stub_phys_irqs += c->n_phys_irqs;
		out->stub_lr_full += c->n_lr_full;
		out->stub_smc += c->n_smc;
		out->stub_resp_timeouts += c->n_resp_timeouts;
		out->stub_gaps += c->dbg_gaps;
		out->stub_gap_wfi += c->dbg_gap_wfi;
		out->stub_gap_irq += c->dbg_gap_irq;
		out->stub_kicks += c->n_kicks;
		out->vcpus_online += mb->vcpu[i].online != 0;
	}
}

int el2_host_stub_health(struct el2_host *h, char *why, unsigned long whylen)
{
	const struct el2_mailbox *mb = h->mb;
	char msg[sizeof(mb->panic_msg)];

	why[0] = '\0';
	if (__atomic_load_n(&mb->state, __ATOMIC_ACQUIRE) != EL2_ST_PANIC)
		return 0;
	memcpy(msg, (const char *)mb->panic_msg, sizeof(msg));
	msg[sizeof(msg) - 1] = '\0';
	snprintf(why, whylen,
		 "EL2 stub panicked: %s (ESR_EL2 0x%" PRIx64 ", ELR_EL2 0x%" PRIx64
		 ", FAR_EL2 0x%" PRIx64 ", HPFAR_EL2 0x%" PRIx64 ")",
		 msg, mb->panic_esr, mb->panic_elr, mb->panic_far, mb->panic_hpfar);
	return -EFAULT;
}

int el2_host_dump_latency(struct el2_host *h, const char *path)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	fprintf(f, "inject_us,trap_us,seen_us\n");
	pthread_mutex_lock(&h->lock);
	for (unsigned int i = 0; i < h->n_lat; i++) {
		const struct el2_host_lat *l = &h->lat[i];
		int64_t inj = el2_host_cnt_ns(h, l->inject_cnt) + h->cnt_off_ns - l->raise_ns;
		int64_t req = el2_host_cnt_ns(h, l->req_cnt) + h->cnt_off_ns - l->raise_ns;

		fprintf(f, "%lld,%lld,%lld\n", (long long)inj / 1000, (long long)req / 1000,
			(long long)(l->seen_ns - l->raise_ns) / 1000);
	}
	pthread_mutex_unlock(&h->lock);
	return fclose(f) ? -errno : 0;
}

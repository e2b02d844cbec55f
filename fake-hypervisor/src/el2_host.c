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

#include "el2_host.h"
#include "log.h"

#define EL2_HOST_LAT_MAX 4096
#define EL2_HOST_ISR_OFF 0x60 /* virtio-mmio InterruptStatus: the guest handler's first read */

struct el2_host {
	struct fakebao *fb;
	struct el2_mailbox *mb;
	pthread_t thread;
	atomic_int stop;
	int64_t poll_ns, hold_ns;
	uint64_t served;	/* last request sequence answered */
	int64_t irq_raised_ns;	/* pending latency measurement, 0 = none */
	int panic_logged;
	pthread_mutex_t lock;	/* st and lat */
	struct el2_host_stats st;
	uint32_t lat_us[EL2_HOST_LAT_MAX];
	unsigned int n_lat;
};

static int64_t el2_host_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
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

int el2_host_map_mailbox(int ram0_fd, uint64_t window_size, const struct el2_host_tuning *t,
			 struct el2_mailbox **out)
{
	struct el2_mailbox *mb;

	*out = NULL;
	if (window_size < EL2_WINDOW_MIN || window_size > EL2_WINDOW_MAX ||
	    (window_size & 0x1fffff)) {
		log_err("el2: window size 0x%" PRIx64 " unsupported (2 MiB multiple in "
			"[0x%llx, 0x%llx])", window_size, EL2_WINDOW_MIN, EL2_WINDOW_MAX);
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
	mb->window_size = window_size;
	mb->kernel_ipa = EL2_WINDOW_IPA + EL2_WIN_KERNEL_OFF;
	mb->dtb_ipa = EL2_WINDOW_IPA + EL2_WIN_DTB_OFF;
	if (t) {
		mb->tick_active_us = t->tick_active_us;
		mb->tick_idle_us = t->tick_idle_us;
		mb->active_hold_us = t->active_hold_us;
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

static void el2_host_serve(struct el2_host *h, uint64_t seq)
{
	struct el2_mailbox *mb = h->mb;
	uint64_t addr = mb->req_addr, op = mb->req_op, width = mb->req_width;
	uint64_t value = mb->req_value;
	int rc = -EINVAL;

	if ((op == EL2_OP_READ || op == EL2_OP_WRITE) &&
	    (width == 1 || width == 2 || width == 4 || width == 8))
		rc = fakebao_mmio_access(h->fb, 0, addr, (unsigned int)op, (unsigned int)width,
					 &value);
	else
		log_err("el2: malformed request from the stub: addr 0x%" PRIx64 " op %" PRIu64
			" width %" PRIu64, addr, op, width);
	mb->resp_value = rc == 0 ? value : ~0ULL;
	mb->resp_status = rc;
	__atomic_store_n(&mb->resp_seq, seq, __ATOMIC_RELEASE);
	h->served = seq;

	pthread_mutex_lock(&h->lock);
	h->st.requests++;
	if (op == EL2_OP_READ)
		h->st.reads++;
	else
		h->st.writes++;
	if (rc)
		h->st.errors++;
	if (op == EL2_OP_READ && addr == EL2_MMIO_BASE + EL2_HOST_ISR_OFF && h->irq_raised_ns) {
		int64_t us = (el2_host_now_ns() - h->irq_raised_ns) / 1000;

		if (h->n_lat < EL2_HOST_LAT_MAX)
			h->lat_us[h->n_lat++] = (uint32_t)(us > UINT32_MAX ? UINT32_MAX : us);
		h->irq_raised_ns = 0;
	}
	pthread_mutex_unlock(&h->lock);
}

static void el2_host_raise(struct el2_host *h)
{
	__atomic_fetch_add(&h->mb->irq_seq, 1, __ATOMIC_RELEASE);
	pthread_mutex_lock(&h->lock);
	h->st.injections++;
	if (!h->irq_raised_ns)
		h->irq_raised_ns = el2_host_now_ns();
	pthread_mutex_unlock(&h->lock);
}

static void el2_host_check_stub(struct el2_host *h)
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
	int64_t last_io = el2_host_now_ns();

	/* The fast poll relies on precise short sleeps (default slack is 50 us). */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	while (!atomic_load(&h->stop)) {
		uint64_t seq = __atomic_load_n(&h->mb->req_seq, __ATOMIC_ACQUIRE);
		int busy = 0, r;

		if (seq != h->served) {
			el2_host_serve(h, seq);
			busy = 1;
		}
		if (fakebao_wait_irq(h->fb, 0) == 1) {
			el2_host_raise(h);
			busy = 1;
		}
		if (busy) {
			last_io = el2_host_now_ns();
			continue;
		}
		if (el2_host_now_ns() - last_io < h->hold_ns) {
			struct timespec ts = {0, h->poll_ns};

			nanosleep(&ts, NULL);
			h->st.fast_polls++; /* only this thread writes it; read racily for stats */
			continue;
		}
		el2_host_check_stub(h);
		h->st.idle_waits++;
		r = fakebao_wait_irq(h->fb, 1);
		if (r == 1) {
			el2_host_raise(h);
			last_io = el2_host_now_ns();
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
	h->poll_ns = (int64_t)(t && t->host_poll_us ? t->host_poll_us : 20) * 1000;
	h->hold_ns = (int64_t)(t && t->host_hold_ms ? t->host_hold_ms : 20) * 1000000;
	h->served = __atomic_load_n(&mb->resp_seq, __ATOMIC_ACQUIRE);
	pthread_mutex_init(&h->lock, NULL);
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
	pthread_join(h->thread, NULL); /* each pass is bounded: 1 ms wait or one trap timeout */
	pthread_mutex_destroy(&h->lock);
	free(h);
}

static int el2_host_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

void el2_host_get_stats(struct el2_host *h, struct el2_host_stats *out)
{
	static uint32_t sorted[EL2_HOST_LAT_MAX];
	const struct el2_mailbox *mb = h->mb;
	unsigned int n;

	pthread_mutex_lock(&h->lock);
	*out = h->st;
	n = h->n_lat;
	memcpy(sorted, h->lat_us, n * sizeof(sorted[0]));
	pthread_mutex_unlock(&h->lock);
	qsort(sorted, n, sizeof(sorted[0]), el2_host_cmp_u32);
	out->lat_samples = n;
	if (n) {
		out->lat_p50_us = sorted[n / 2];
		out->lat_p90_us = sorted[n * 9 / 10];
		out->lat_max_us = sorted[n - 1];
	}
	out->stub_state = mb->state;
	out->stub_traps = mb->n_traps;
	out->stub_wfi = mb->n_wfi;
	out->stub_ticks = mb->n_ticks;
	out->stub_inject = mb->n_inject;
	out->stub_phys_irqs = mb->n_phys_irqs;
	out->stub_lr_full = mb->n_lr_full;
	out->stub_smc = mb->n_smc;
	out->stub_resp_timeouts = mb->n_resp_timeouts;
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

/* fakebao.c - the emulated Bao on the frontend's side: the shared window, trap regions, the
 * vCPU's trapped access (ioeventfd fast path or a request to the device model, then wait) and
 * interrupt delivery from irqfds. The control thread lives in fakebao_ctl.c. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "clock.h"
#include "fakebao_priv.h"
#include "log.h"
#include "remio.h"

static void fakebao_stat_add(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static int fakebao_map_window(struct fakebao *fb)
{
	if (fb->cfg.window_fd >= 0) {
		fb->window_fd = fcntl(fb->cfg.window_fd, F_DUPFD_CLOEXEC, 3);
		if (fb->window_fd < 0)
			return -errno;
	} else {
		fb->window_fd = memfd_create("bao-shmem", MFD_CLOEXEC);
		if (fb->window_fd < 0)
			return -errno;
		if (ftruncate(fb->window_fd, (off_t)fb->cfg.shmem_size) < 0)
			return -errno;
	}
	fb->window =
	    mmap(NULL, fb->cfg.shmem_size, PROT_READ | PROT_WRITE, MAP_SHARED, fb->window_fd, 0);
	if (fb->window == MAP_FAILED) {
		fb->window = NULL;
		return -errno;
	}
	return 0;
}

static int fakebao_map_shm(struct fakebao *fb)
{
	struct fakebao_shm *shm;

	fb->shm_fd = memfd_create("fakebao-ctl", MFD_CLOEXEC);
	if (fb->shm_fd < 0)
		return -errno;
	if (ftruncate(fb->shm_fd, sizeof(*shm)) < 0)
		return -errno;
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED, fb->shm_fd, 0);
	if (shm == MAP_FAILED)
		return -errno;
	shm->magic = FAKEBAO_SHM_MAGIC;
	shm->version = FAKEBAO_SHM_VERSION;
	shm->nr_vcpus = fb->cfg.nr_vcpus;
	shm->shmem_addr = fb->cfg.shmem_addr;
	shm->shmem_size = fb->cfg.shmem_size;
	shm->irq = fb->cfg.irq;
	atomic_store(&shm->alive, 1);
	fb->shm = shm;
	return 0;
}

static int fakebao_check_config(const struct fakebao_config *cfg)
{
	if (!cfg->socket_path || !cfg->socket_path[0] || strlen(cfg->socket_path) >= 108) {
		log_err("fakebao: socket path missing or longer than 107 bytes");
		return -EINVAL;
	}
	if (cfg->shmem_size == 0 || (cfg->shmem_size & 0xfff) || (cfg->shmem_addr & 0xfff) ||
	    cfg->shmem_addr + cfg->shmem_size < cfg->shmem_addr) {
		log_err("fakebao: shared window [0x%" PRIx64 ", +0x%" PRIx64
			") must be page aligned, non-empty and not wrap",
			cfg->shmem_addr, cfg->shmem_size);
		return -EINVAL;
	}
	if (cfg->nr_vcpus == 0 || cfg->nr_vcpus > FAKEBAO_MAX_VCPUS) {
		log_err("fakebao: nr_vcpus %u not in 1..%d", cfg->nr_vcpus, FAKEBAO_MAX_VCPUS);
		return -EINVAL;
	}
	return 0;
}

int fakebao_create(const struct fakebao_config *cfg, struct fakebao **out)
{
	struct fakebao *fb;
	int r;

	*out = NULL;
	r = fakebao_check_config(cfg);
	if (r)
		return r;
	fb = calloc(1, sizeof(*fb));
	if (!fb)
		return -ENOMEM;
	fb->cfg = *cfg;
	fb->window_fd = fb->shm_fd = fb->listen_fd = fb->stop_efd = fb->irq_wake_efd = -1;
	for (int i = 0; i < FAKEBAO_MAX_DMS; i++)
		fb->doorbell[i] = -1;
	pthread_mutex_init(&fb->lock, NULL);
	for (int i = 0; i < FAKEBAO_MAX_IOEVENTFDS; i++)
		fb->ioeventfds[i].fd = -1;
	for (int i = 0; i < FAKEBAO_MAX_IRQFDS; i++)
		fb->irqfds[i].fd = -1;
	for (int i = 0; i < FAKEBAO_MAX_CLIENTS; i++) {
		fb->clients[i] = -1;
		fb->client_dm[i] = -1;
	}
	for (int i = 0; i < FAKEBAO_MAX_VCPUS; i++)
		fb->pending_dm[i] = -1;
	fb->dm_lost_grace_ms = cfg->dm_lost_grace_ms < 0    ? -1
			       : cfg->dm_lost_grace_ms == 0 ? 500
							    : cfg->dm_lost_grace_ms;
	atomic_store(&fb->trap_timeout_ms, cfg->trap_timeout_ms > 0 ? cfg->trap_timeout_ms : 30000);
	snprintf(fb->socket_path, sizeof(fb->socket_path), "%s", cfg->socket_path);
	r = fakebao_map_window(fb);
	if (r) {
		log_err("fakebao: cannot create or map the shared window (%" PRIu64 " bytes): %s",
			cfg->shmem_size, strerror(-r));
		goto fail;
	}
	r = fakebao_map_shm(fb);
	if (r) {
		log_err("fakebao: cannot create the control page: %s", strerror(-r));
		goto fail;
	}
	fb->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	fb->irq_wake_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fb->stop_efd < 0 || fb->irq_wake_efd < 0) {
		r = -errno;
		goto fail;
	}
	for (int i = 0; i < FAKEBAO_MAX_DMS; i++) {
		fb->doorbell[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (fb->doorbell[i] < 0) {
			r = -errno;
			goto fail;
		}
	}
	r = fakebao_ctl_start(fb);
	if (r)
		goto fail;
	*out = fb;
	return 0;
fail:
	fakebao_destroy(fb);
	return r;
}

void fakebao_destroy(struct fakebao *fb)
{
	if (!fb)
		return;
	if (fb->shm)
		atomic_store(&fb->shm->alive, 0);
	fakebao_ctl_stop(fb);
	for (int i = 0; i < FAKEBAO_MAX_IOEVENTFDS; i++)
		if (fb->ioeventfds[i].fd >= 0)
			close(fb->ioeventfds[i].fd);
	for (int i = 0; i < FAKEBAO_MAX_IRQFDS; i++)
		if (fb->irqfds[i].fd >= 0)
			close(fb->irqfds[i].fd);
	if (fb->shm)
		munmap(fb->shm, sizeof(*fb->shm));
	if (fb->window)
		munmap(fb->window, fb->cfg.shmem_size);
	if (fb->shm_fd >= 0)
		close(fb->shm_fd);
	if (fb->window_fd >= 0)
		close(fb->window_fd);
	if (fb->stop_efd >= 0)
		close(fb->stop_efd);
	if (fb->irq_wake_efd >= 0)
		close(fb->irq_wake_efd);
	for (int i = 0; i < FAKEBAO_MAX_DMS; i++)
		if (fb->doorbell[i] >= 0)
			close(fb->doorbell[i]);
	pthread_mutex_destroy(&fb->lock);
	free(fb);
}

int fakebao_add_trap_region(struct fakebao *fb, uint64_t base, uint64_t size, uint32_t dm_id)
{
	int r = 0;

	if (size == 0 || base + size < base || dm_id >= FAKEBAO_MAX_DMS) {
		log_err("fakebao: bad trap region [0x%" PRIx64 ", +0x%" PRIx64 ") for dm %u", base,
			size, dm_id);
		return -EINVAL;
	}
	pthread_mutex_lock(&fb->lock);
	if (fb->nr_regions == FAKEBAO_MAX_REGIONS)
		r = -E2BIG;
	else
		fb->regions[fb->nr_regions++] = (struct fakebao_region){base, size, dm_id};
	pthread_mutex_unlock(&fb->lock);
	return r;
}

static const struct fakebao_region *fakebao_find_region(const struct fakebao *fb, uint64_t addr,
							unsigned int width)
{
	for (int i = 0; i < fb->nr_regions; i++) {
		const struct fakebao_region *rg = &fb->regions[i];

		if (addr >= rg->base && addr - rg->base < rg->size &&
		    rg->size - (addr - rg->base) >= width)
			return rg;
	}
	return NULL;
}

/* Bao's rule: addr equal, registered len covers the access, and the datamatch value equal. */
static int fakebao_ioeventfd_match(struct fakebao *fb, uint32_t dm_id, uint64_t addr,
				   unsigned int op, unsigned int width, uint64_t value)
{
	for (int i = 0; i < FAKEBAO_MAX_IOEVENTFDS; i++) {
		const struct fakebao_ioeventfd *e = &fb->ioeventfds[i];

		if (e->fd < 0 || e->dm_id != dm_id || e->addr != addr || e->len < width)
			continue;
		if (op == BAO_IO_READ)
			return -2; /* completed by the dispatcher with 0 */
		if ((e->flags & BAO_IOEVENTFD_FLAG_DATAMATCH) && e->data != value)
			continue;
		return i;
	}
	return -1;
}

static void fakebao_count_access(struct fakebao *fb, const struct fakebao_region *rg,
				 unsigned int vcpu, uint64_t addr, unsigned int op)
{
	uint64_t reg = (addr - rg->base) / 4;

	fakebao_stat_add(&fb->stats.mmio_traps, 1);
	fakebao_stat_add(&fb->stats.vcpu_traps[vcpu], 1);
	if (reg < FAKEBAO_MMIO_STAT_REGS)
		fakebao_stat_add(op == BAO_IO_READ ? &fb->stats.mmio_reads[reg]
						   : &fb->stats.mmio_writes[reg],
				 1);
}

/* Why a forwarded access failed, naming the register: "READ Status (0xa003e70, width 4)". */
static void fakebao_forward_failed(struct fakebao *fb, const struct fakebao_region *rg, uint64_t id,
				   uint64_t addr, unsigned int op, unsigned int width,
				   int timeout_ms, int lost, int r)
{
	char off[24];
	const char *reg = fakebao_fault_reg_name(fb, addr - rg->base, off, sizeof(off));

	if (r == -ETIMEDOUT) {
		fakebao_stat_add(&fb->stats.trap_timeouts, 1);
		log_err("fakebao: request %" PRIu64 " %s %s (0x%" PRIx64
			", width %u) to device model "
			"%u not completed within %d ms",
			id, remio_op_name(op), reg, addr, width, rg->dm_id, timeout_ms);
	} else if (r == -ENODEV) {
		fakebao_stat_add(&fb->stats.dm_lost_failures, 1);
		log_err("fakebao: %s %s (0x%" PRIx64 ", width %u) failed: device model %u "
			"disconnected%s",
			remio_op_name(op), reg, addr, width, rg->dm_id,
			lost ? " and none attached since" : "");
	}
}

static int fakebao_forward(struct fakebao *fb, unsigned int vcpu, const struct fakebao_region *rg,
			   uint64_t addr, unsigned int op, unsigned int width, uint64_t *value)
{
	uint32_t dm_id = rg->dm_id;
	struct bao_virtio_request req = {dm_id, addr, op, op == BAO_IO_WRITE ? *value : 0,
					 width, 0};
	int timeout_ms = atomic_load(&fb->trap_timeout_ms), lost;
	uint64_t id;
	int r;

	pthread_mutex_lock(&fb->lock);
	/* Its device model is gone: wait only a short grace for a new one (a restart). */
	lost = fb->dm_state[dm_id] == FAKEBAO_DM_LOST;
	if (lost && fb->dm_lost_grace_ms < timeout_ms)
		timeout_ms = fb->dm_lost_grace_ms;
	id = ((++fb->seq[vcpu] << 8) | vcpu) & FAKEBAO_TAG_ID_MASK;
	req.request_id = id;
	r = lost && timeout_ms < 0 ? -ENODEV : remio_slot_arm(fb->shm, vcpu, id);
	if (!r)
		r = remio_enqueue(fb->shm, dm_id, &req, fb->doorbell[dm_id]);
	if (!r) {
		fb->pending_dm[vcpu] = (int)dm_id;
		atomic_store(&fb->vcpu_abort[vcpu], 0);
	}
	pthread_mutex_unlock(&fb->lock);
	if (r == -ENODEV) {
		fakebao_forward_failed(fb, rg, 0, addr, op, width, 0, lost, r);
		return r;
	}
	if (r) {
		char off[24];

		log_err("fakebao: vcpu %u cannot queue %s %s (0x%" PRIx64 "): %s", vcpu,
			remio_op_name(op),
			fakebao_fault_reg_name(fb, addr - rg->base, off, sizeof(off)), addr,
			strerror(-r));
		return r;
	}
	fakebao_stat_add(&fb->stats.mmio_to_dm, 1);
	r = remio_slot_wait(fb->shm, vcpu, id, fb->cfg.spin_us, timeout_ms, value,
			    &fb->vcpu_abort[vcpu]);
	pthread_mutex_lock(&fb->lock);
	fb->pending_dm[vcpu] = -1;
	pthread_mutex_unlock(&fb->lock);
	/* A timeout while the device model is (still) lost is its loss, not a slow device. */
	if (r == -ETIMEDOUT && lost && fakebao_fault_dm_lost(fb, dm_id))
		r = -ENODEV;
	if (r)
		fakebao_forward_failed(fb, rg, id, addr, op, width, timeout_ms, lost, r);
	return r;
}

static int fakebao_mmio_serve(struct fakebao *fb, unsigned int vcpu, uint64_t addr, unsigned int op,
			      unsigned int width, uint64_t *value)
{
	const struct fakebao_region *rg;
	uint32_t dm_id;
	int ev, evfd = -1;

	if (vcpu >= fb->cfg.nr_vcpus || (op != BAO_IO_READ && op != BAO_IO_WRITE) ||
	    (width != 1 && width != 2 && width != 4 && width != 8)) {
		log_err("fakebao: bad access vcpu %u op %u width %u at 0x%" PRIx64, vcpu, op, width,
			addr);
		return -EINVAL;
	}
	pthread_mutex_lock(&fb->lock);
	rg = fakebao_find_region(fb, addr, width);
	dm_id = rg ? rg->dm_id : 0;
	if (rg)
		fakebao_count_access(fb, rg, vcpu, addr, op);
	ev = rg ? fakebao_ioeventfd_match(fb, dm_id, addr, op, width, *value) : -1;
	if (ev >= 0)
		evfd = fb->ioeventfds[ev].fd;
	if (ev >= 0) {
		uint64_t one = 1;

		/* Written under the lock so a concurrent DEASSIGN cannot close it under us. */
		if (write(evfd, &one, sizeof(one)) < 0)
			log_warn("fakebao: ioeventfd write failed: %s", strerror(errno));
		fakebao_stat_add(&fb->stats.ioeventfd_kicks, 1);
	}
	pthread_mutex_unlock(&fb->lock);
	if (!rg) {
		log_err("fakebao: vcpu %u %s 0x%" PRIx64 " width %u hits no trap region", vcpu,
			remio_op_name(op), addr, width);
		return -EFAULT;
	}
	if (ev >= 0)
		return 0;
	if (ev == -2) {
		*value = 0;
		return 0;
	}
	return fakebao_forward(fb, vcpu, rg, addr, op, width, value);
}

int fakebao_mmio_access(struct fakebao *fb, unsigned int vcpu, uint64_t addr, unsigned int op,
			unsigned int width, uint64_t *value)
{
	const struct fakebao_observer *ob = &fb->observer;
	uint64_t written = op == BAO_IO_WRITE ? *value : 0; /* a completion may overwrite it */
	int r;

	if (ob->access)
		ob->access(ob->arg, 0, vcpu, addr, op, width, written, 0);
	r = fakebao_mmio_serve(fb, vcpu, addr, op, width, value);
	if (ob->access)
		ob->access(ob->arg, 1, vcpu, addr, op, width, op == BAO_IO_WRITE ? written : *value,
			   r);
	return r;
}

void fakebao_set_observer(struct fakebao *fb, const struct fakebao_observer *o)
{
	static const struct fakebao_observer none;

	fb->observer = o ? *o : none;
}

/* Poll the irqfds until end_ns: 1 when one fired (consumed), 0 at end_ns, -errno. */
static int fakebao_poll_irqfds(struct fakebao *fb, int64_t end_ns)
{
	struct pollfd p[FAKEBAO_MAX_IRQFDS + 1];

	for (;;) {
		int n = 0, r, left, got = 0;
		uint64_t cnt;

		pthread_mutex_lock(&fb->lock);
		for (int i = 0; i < FAKEBAO_MAX_IRQFDS; i++)
			if (fb->irqfds[i].fd >= 0)
				p[n++] = (struct pollfd){fb->irqfds[i].fd, POLLIN, 0};
		pthread_mutex_unlock(&fb->lock);
		p[n] = (struct pollfd){fb->irq_wake_efd, POLLIN, 0};
		left = (int)((end_ns - clock_now_ns() + 999999) / 1000000LL);
		r = poll(p, (nfds_t)n + 1, left < 0 ? 0 : left);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r > 0) {
			/* Reading under the lock: a DEASSIGN may have closed and reused the fd. */
			pthread_mutex_lock(&fb->lock);
			for (int i = 0; i < n; i++)
				if ((p[i].revents & POLLIN) &&
				    read(p[i].fd, &cnt, sizeof(cnt)) == sizeof(cnt))
					got = 1;
			pthread_mutex_unlock(&fb->lock);
			if (p[n].revents & POLLIN)
				(void)!read(fb->irq_wake_efd, &cnt, sizeof(cnt));
			if (got)
				return 1;
		}
		if (clock_now_ns() >= end_ns)
			return 0;
	}
}

/* Interrupt faults sit between the irqfds and the vCPU: a dropped interrupt is consumed and
 * forgotten; a delayed one becomes visible irq_delay_ms after it was raised. */
static int fakebao_wait_irq_raw(struct fakebao *fb, int timeout_ms)
{
	int64_t end;

	if (timeout_ms < 0)
		timeout_ms = atomic_load(&fb->trap_timeout_ms);
	end = clock_now_ns() + (int64_t)timeout_ms * 1000000LL;
	for (;;) {
		int64_t now = clock_now_ns(), until = end;
		int r, delay;

		if (fb->irq_due_ns && now >= fb->irq_due_ns) {
			fb->irq_due_ns = 0;
			fakebao_stat_add(&fb->stats.irqs_injected, 1);
			return 1;
		}
		if (fb->irq_due_ns && fb->irq_due_ns < until)
			until = fb->irq_due_ns;
		r = fakebao_poll_irqfds(fb, until);
		if (r < 0)
			return r;
		if (r == 1 && atomic_load(&fb->irq_drop) > 0) {
			atomic_fetch_sub(&fb->irq_drop, 1);
			fakebao_stat_add(&fb->stats.irqs_dropped, 1);
			log_info("fakebao: interrupt dropped (fault injection)");
			continue;
		}
		delay = atomic_load(&fb->irq_delay_ms);
		if (r == 1 && delay > 0) {
			if (!fb->irq_due_ns) {
				fb->irq_due_ns = clock_now_ns() + (int64_t)delay * 1000000LL;
				fakebao_stat_add(&fb->stats.irqs_delayed, 1);
			}
			continue;
		}
		if (r == 1) {
			fakebao_stat_add(&fb->stats.irqs_injected, 1);
			return 1;
		}
		if (clock_now_ns() >= end && !(fb->irq_due_ns && clock_now_ns() >= fb->irq_due_ns))
			return 0;
	}
}

int fakebao_wait_irq(struct fakebao *fb, int timeout_ms)
{
	int r = fakebao_wait_irq_raw(fb, timeout_ms);

	if (r == 1 && fb->observer.irq)
		fb->observer.irq(fb->observer.arg);
	return r;
}

void *fakebao_window(const struct fakebao *fb)
{
	return fb->window;
}

uint64_t fakebao_window_gpa(const struct fakebao *fb)
{
	return fb->cfg.shmem_addr;
}

uint64_t fakebao_window_size(const struct fakebao *fb)
{
	return fb->cfg.shmem_size;
}

int fakebao_window_fd(const struct fakebao *fb)
{
	return fb->window_fd;
}

int fakebao_dm_connected(struct fakebao *fb)
{
	int n = 0;

	pthread_mutex_lock(&fb->lock);
	for (int i = 0; i < FAKEBAO_MAX_CLIENTS; i++)
		n += fb->clients[i] >= 0;
	pthread_mutex_unlock(&fb->lock);
	return n;
}

void fakebao_set_trap_timeout(struct fakebao *fb, int timeout_ms)
{
	atomic_store(&fb->trap_timeout_ms, timeout_ms > 0 ? timeout_ms : 30000);
}

void fakebao_get_stats(struct fakebao *fb, struct fakebao_stats *out)
{
	uint64_t *src = (uint64_t *)&fb->stats, *dst = (uint64_t *)out;

	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

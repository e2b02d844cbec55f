/* virtio_mmio.c - virtio-mmio transport state machine: device status (virtio 1.2 §2.1, §3.1),
 * feature acceptance, activation on DRIVER_OK, reset, and the sticky broken state. */
#include "virtio_mmio.h"

#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"

#define VIRTIO_MMIO_NOTIFY_OFF 0x50

static void virtio_mmio_clear(struct virtio_mmio *m)
{
	unsigned i;

	m->status = 0;
	m->device_features_sel = 0;
	m->driver_features_sel = 0;
	m->driver_features = 0;
	m->queue_sel = 0;
	m->interrupt_status = 0;
	m->live = false;
	m->started = false;
	memset(&m->broken, 0, sizeof(m->broken));
	memset(m->q, 0, sizeof(m->q));
	for (i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++)
		m->q[i].kick_fd = -1;
}

int virtio_mmio_init(struct virtio_mmio *m, const struct virtio_mmio_params *p,
		     const struct virtio_dev_ops *ops, void *dev,
		     const struct virtio_mmio_platform *plat, void *plat_ctx)
{
	memset(m, 0, sizeof(*m));
	m->irq_fd = -1;
	if (p->nqueues == 0 || p->nqueues > VIRTIO_MMIO_MAX_QUEUES || p->queue_num_max == 0 ||
	    p->queue_num_max > 32768 || p->shmem_size == 0 ||
	    p->shmem_addr + p->shmem_size < p->shmem_addr) {
		log_err(
		    "virtio-mmio: bad parameters: %u queues of max %u, window [0x%llx, +0x%llx)",
		    p->nqueues, p->queue_num_max, (unsigned long long)p->shmem_addr,
		    (unsigned long long)p->shmem_size);
		return -EINVAL;
	}
	m->p = *p;
	m->ops = ops;
	m->dev = dev;
	m->plat = plat;
	m->plat_ctx = plat_ctx;
	virtio_mmio_clear(m);
	m->irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (m->irq_fd < 0) {
		int e = errno;

		log_err("virtio-mmio: eventfd for the interrupt failed: %s", strerror(e));
		return -e;
	}
	return 0;
}

static void virtio_mmio_release_queues(struct virtio_mmio *m)
{
	uint64_t addr = m->p.base + VIRTIO_MMIO_NOTIFY_OFF;
	unsigned i;
	int rc;

	for (i = 0; i < m->p.nqueues; i++) {
		struct virtio_mmio_queue *q = &m->q[i];

		if (q->ioeventfd) {
			rc = m->plat->ioeventfd(m->plat_ctx, q->kick_fd, addr, i, false);
			if (rc)
				log_warn("virtio-mmio: queue %u: ioeventfd deassign failed: %s", i,
					 strerror(-rc));
			q->ioeventfd = false;
		}
		if (q->kick_fd >= 0)
			close(q->kick_fd);
		q->kick_fd = -1;
	}
}

/* Status 0: stop the backend's rings, drop the notify hooks, forget everything the driver set. */
static void virtio_mmio_reset(struct virtio_mmio *m)
{
	log_info("virtio-mmio: reset%s", m->started ? " (stopping the device)" : "");
	if (m->started && m->ops->stop)
		m->ops->stop(m->dev);
	virtio_mmio_release_queues(m);
	if (m->ops->reset)
		m->ops->reset(m->dev);
	virtio_mmio_clear(m);
}

void virtio_mmio_destroy(struct virtio_mmio *m)
{
	if (!m->ops)
		return;
	virtio_mmio_reset(m);
	if (m->irqfd_registered && m->plat->irqfd(m->plat_ctx, m->irq_fd, false))
		log_warn("virtio-mmio: irqfd deassign failed");
	m->irqfd_registered = false;
	if (m->irq_fd >= 0)
		close(m->irq_fd);
	m->irq_fd = -1;
}

static void virtio_mmio_raise(struct virtio_mmio *m)
{
	uint64_t one = 1;

	if (m->irq_fd >= 0 && write(m->irq_fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		log_warn("virtio-mmio: interrupt eventfd write failed: %s", strerror(errno));
}

void virtio_mmio_set_broken(struct virtio_mmio *m, int code, const char *fmt, ...)
{
	char msg[sizeof(m->broken.msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (m->broken.code) {
		log_debug("virtio-mmio: already broken (%s); also: %s", m->broken.msg, msg);
		return;
	}
	m->broken.code = code ? code : -EIO;
	snprintf(m->broken.msg, sizeof(m->broken.msg), "%s", msg);
	log_err("virtio-mmio: device broken, needs reset: %s", msg);
	m->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	/* virtio 1.2 §2.1.2: after DRIVER_OK, NEEDS_RESET comes with a config change notification.
	 */
	if (m->status & VIRTIO_CONFIG_S_DRIVER_OK) {
		m->interrupt_status |= VIRTIO_MMIO_INT_CONFIG;
		m->config_generation++;
		virtio_mmio_raise(m);
	}
}

void virtio_mmio_backend_lost(struct virtio_mmio *m, const char *why)
{
	m->live = false;
	virtio_mmio_set_broken(m, -ENOTCONN, "%s", why);
}

uint64_t virtio_mmio_device_features(struct virtio_mmio *m)
{
	/* A version-2 transport is modern only: VERSION_1 is always offered. */
	return m->ops->features(m->dev) | (1ULL << VIRTIO_F_VERSION_1);
}

/* virtio 1.2 §2.2.2: accept only a subset of what was offered, and modern drivers only. */
static bool virtio_mmio_features_ok(struct virtio_mmio *m)
{
	uint64_t offered = virtio_mmio_device_features(m), f = m->driver_features;

	if (!(f & (1ULL << VIRTIO_F_VERSION_1))) {
		log_warn("virtio-mmio: refusing FEATURES_OK: driver features 0x%llx lack VERSION_1",
			 (unsigned long long)f);
		return false;
	}
	if (f & ~offered) {
		log_warn("virtio-mmio: refusing FEATURES_OK: driver features 0x%llx include 0x%llx "
			 "not offered "
			 "(offered 0x%llx)",
			 (unsigned long long)f, (unsigned long long)(f & ~offered),
			 (unsigned long long)offered);
		return false;
	}
	return true;
}

/* Collect and check the ready queues, hook their notify eventfds, then start the device. */
static int virtio_mmio_activate(struct virtio_mmio *m)
{
	struct virtio_dev_queue dq[VIRTIO_MMIO_MAX_QUEUES];
	uint64_t notify = m->p.base + VIRTIO_MMIO_NOTIFY_OFF;
	char why[sizeof(m->broken.msg)];
	unsigned i, nq = 0;
	int rc;

	for (i = 0; i < m->p.nqueues; i++) {
		if (!m->q[i].ready)
			continue;
		rc = virtio_mmio_rings_check(m, i, &dq[nq++], why, sizeof(why));
		if (rc) {
			virtio_mmio_set_broken(m, rc, "DRIVER_OK: %s", why);
			return rc;
		}
	}
	if (nq == 0) {
		virtio_mmio_set_broken(m, -EINVAL, "DRIVER_OK with no ready queue");
		return -EINVAL;
	}
	if (!m->irqfd_registered) {
		rc = m->plat->irqfd(m->plat_ctx, m->irq_fd, true);
		if (rc) {
			virtio_mmio_set_broken(m, rc, "irqfd registration failed: %s",
					       strerror(-rc));
			return rc;
		}
		m->irqfd_registered = true;
	}
	for (i = 0; i < nq; i++) {
		struct virtio_mmio_queue *q = &m->q[dq[i].index];

		q->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (q->kick_fd < 0) {
			rc = -errno;
			virtio_mmio_set_broken(m, rc, "queue %u: eventfd failed: %s", dq[i].index,
					       strerror(-rc));
			return rc;
		}
		rc = m->plat->ioeventfd(m->plat_ctx, q->kick_fd, notify, dq[i].index, true);
		if (rc) {
			virtio_mmio_set_broken(m, rc, "queue %u: ioeventfd at 0x%llx failed: %s",
					       dq[i].index, (unsigned long long)notify,
					       strerror(-rc));
			return rc;
		}
		q->ioeventfd = true;
		dq[i].kick_fd = q->kick_fd;
	}
	m->started = true;
	rc = m->ops->start(m->dev, m->driver_features, dq, nq, m->irq_fd);
	if (rc) {
		virtio_mmio_set_broken(m, rc, "%s device start failed: %s", m->ops->name,
				       strerror(-rc));
		return rc;
	}
	m->live = true;
	log_info("virtio-mmio: %s live with %u queue(s), features 0x%llx", m->ops->name, nq,
		 (unsigned long long)m->driver_features);
	return 0;
}

void virtio_mmio_write_status(struct virtio_mmio *m, uint32_t value)
{
	const uint32_t nr = VIRTIO_CONFIG_S_NEEDS_RESET;
	uint32_t added;

	if (value == 0) {
		virtio_mmio_reset(m);
		return;
	}
	if (m->broken.code) {
		log_warn(
		    "virtio-mmio: status write 0x%x ignored: device broken (%s), write 0 to reset",
		    value, m->broken.msg);
		return;
	}
	value &= ~nr; /* device-owned bit */
	if (m->status & ~nr & ~value) {
		log_warn(
		    "virtio-mmio: status write 0x%x clears bits of 0x%x without a reset; ignored",
		    value, m->status);
		return;
	}
	added = value & ~m->status;
	if ((added & VIRTIO_CONFIG_S_FEATURES_OK) && !virtio_mmio_features_ok(m))
		value &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	if (added & VIRTIO_CONFIG_S_DRIVER_OK) {
		if (!(value & VIRTIO_CONFIG_S_FEATURES_OK)) {
			virtio_mmio_set_broken(
			    m, -EPROTO, "DRIVER_OK without FEATURES_OK (status 0x%x)", value);
			value &= ~VIRTIO_CONFIG_S_DRIVER_OK;
		} else if (virtio_mmio_activate(m)) {
			value &= ~VIRTIO_CONFIG_S_DRIVER_OK;
		}
	}
	if (added & VIRTIO_CONFIG_S_FAILED)
		log_warn("virtio-mmio: driver set FAILED (status 0x%x)", value);
	m->status = value | (m->status & nr);
}

void virtio_mmio_notify(struct virtio_mmio *m, uint32_t index)
{
	uint64_t one = 1;

	if (index >= m->p.nqueues || !m->live || m->q[index].kick_fd < 0) {
		log_warn("virtio-mmio: QueueNotify %u ignored (%s)", index,
			 index >= m->p.nqueues ? "no such queue" : "queue not live");
		return;
	}
	/* Normally the hypervisor signals the ioeventfd itself; forward a notify that reached us.
	 */
	if (write(m->q[index].kick_fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		log_warn("virtio-mmio: queue %u: kick eventfd write failed: %s", index,
			 strerror(errno));
}

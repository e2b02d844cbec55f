/* mmio_regs.c - the virtio-mmio v2 register switch (virtio 1.2 §4.2.2): decodes offset and
 * width, rejects wrong-direction and odd accesses with a log line, defers behaviour to
 * virtio_mmio.c. */
#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <stddef.h>

#include "log.h"
#include "virtio_mmio.h"
#include "virtio_mmio_regs.h"

#define VIRTIO_MMIO_QUEUE_RESET 0x0c0 /* virtio 1.2; newer than this uapi header */
#define REG_R VIRTIO_MMIO_REGS_R
#define REG_W VIRTIO_MMIO_REGS_W

static const struct virtio_mmio_regs_desc *mmio_regs_find(uint32_t offset)
{
	return virtio_mmio_regs_find(offset);
}

/* The register-file access is usable: known register, 32-bit, right direction. */
static const struct virtio_mmio_regs_desc *mmio_regs_check(uint32_t offset, uint32_t width,
							   unsigned mode)
{
	const struct virtio_mmio_regs_desc *r = mmio_regs_find(offset);
	const char *dir = mode == REG_R ? "read" : "write";

	if (!r) {
		log_warn("virtio-mmio: %s of unknown register 0x%03x (width %u) ignored", dir,
			 offset, width);
		return NULL;
	}
	/* virtio 1.2 §4.2.2.2: registers below 0x100 are accessed 32 bits wide only. */
	if (width != 4) {
		log_warn("virtio-mmio: %u-byte %s of %s (0x%03x) ignored: registers are 32-bit",
			 width, dir, r->name, offset);
		return NULL;
	}
	if (!(r->access & mode)) {
		log_warn("virtio-mmio: %s of %s-only register %s (0x%03x) ignored", dir,
			 mode == REG_R ? "write" : "read", r->name, offset);
		return NULL;
	}
	return r;
}

static uint32_t mmio_regs_config_read(struct virtio_mmio *m, uint32_t offset, uint32_t width)
{
	uint32_t v = 0;
	int rc;

	if (width != 1 && width != 2 && width != 4) {
		log_warn("virtio-mmio: config read at 0x%03x with width %u ignored", offset, width);
		return 0;
	}
	rc = m->ops->config_read
		 ? m->ops->config_read(m->dev, offset - VIRTIO_MMIO_CONFIG, width, &v)
		 : -EINVAL;
	if (rc) {
		log_warn("virtio-mmio: config read at 0x%03x width %u out of range", offset, width);
		return 0;
	}
	return v;
}

static uint32_t mmio_regs_queue_read(struct virtio_mmio *m, uint32_t offset)
{
	if (m->queue_sel >= m->p.nqueues)
		return 0; /* §4.2.2.1: a queue that does not exist has QueueNumMax 0 */
	return offset == VIRTIO_MMIO_QUEUE_NUM_MAX ? m->p.queue_num_max : m->q[m->queue_sel].ready;
}

uint32_t mmio_regs_read(struct virtio_mmio *m, uint32_t offset, uint32_t width)
{
	uint64_t f;

	if (offset >= VIRTIO_MMIO_CONFIG)
		return mmio_regs_config_read(m, offset, width);
	if (!mmio_regs_check(offset, width, REG_R))
		return 0;
	switch (offset) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return m->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		f = virtio_mmio_device_features(m);
		return m->device_features_sel == 0   ? (uint32_t)f
		       : m->device_features_sel == 1 ? (uint32_t)(f >> 32)
						     : 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
	case VIRTIO_MMIO_QUEUE_READY:
		return mmio_regs_queue_read(m, offset);
	/* The backend signals the irqfd itself, so while live a used-buffer interrupt may always
	 * be ours: report bit 0 set, or the driver would drop the interrupt as spurious. */
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return m->interrupt_status | (m->live ? VIRTIO_MMIO_INT_VRING : 0);
	case VIRTIO_MMIO_STATUS:
		return m->status;
	/* No shared memory regions: length ~0 means "none" (virtio_mmio.c vm_get_shm_region). */
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
	case VIRTIO_MMIO_SHM_BASE_LOW:
	case VIRTIO_MMIO_SHM_BASE_HIGH:
		return 0xffffffffU;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return m->config_generation;
	default:
		return 0; /* QueueReset: RING_RESET is never offered */
	}
}

/* Queue configuration may only change while the device is not live and the queue not ready. */
static void mmio_regs_queue_write(struct virtio_mmio *m, const struct virtio_mmio_regs_desc *r,
				  uint32_t value)
{
	struct virtio_mmio_queue *q;

	if (m->queue_sel >= m->p.nqueues) {
		log_warn("virtio-mmio: %s write 0x%x ignored: QueueSel %u has no queue", r->name,
			 value, m->queue_sel);
		return;
	}
	q = &m->q[m->queue_sel];
	if (m->status & VIRTIO_CONFIG_S_DRIVER_OK) {
		log_warn("virtio-mmio: %s write 0x%x to queue %u ignored: device is live", r->name,
			 value, m->queue_sel);
		return;
	}
	if (q->ready && r->offset != VIRTIO_MMIO_QUEUE_READY) {
		log_warn("virtio-mmio: %s write 0x%x ignored: queue %u is ready", r->name, value,
			 m->queue_sel);
		return;
	}
	switch (r->offset) {
	case VIRTIO_MMIO_QUEUE_NUM:
		q->num = value;
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		q->ready = value & 1;
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		q->desc = (q->desc & ~0xffffffffULL) | value;
		break;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		q->desc = (q->desc & 0xffffffffULL) | (uint64_t)value << 32;
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
		q->avail = (q->avail & ~0xffffffffULL) | value;
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		q->avail = (q->avail & 0xffffffffULL) | (uint64_t)value << 32;
		break;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
		q->used = (q->used & ~0xffffffffULL) | value;
		break;
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		q->used = (q->used & 0xffffffffULL) | (uint64_t)value << 32;
		break;
	default:
		break;
	}
}

static void mmio_regs_driver_features(struct virtio_mmio *m, uint32_t value)
{
	if (m->status & VIRTIO_CONFIG_S_FEATURES_OK) {
		log_warn("virtio-mmio: DriverFeatures write 0x%x ignored after FEATURES_OK", value);
		return;
	}
	if (m->driver_features_sel == 0)
		m->driver_features = (m->driver_features & ~0xffffffffULL) | value;
	else if (m->driver_features_sel == 1)
		m->driver_features = (m->driver_features & 0xffffffffULL) | (uint64_t)value << 32;
	else if (value)
		log_warn("virtio-mmio: DriverFeatures word %u = 0x%x ignored: no such features",
			 m->driver_features_sel, value);
}

static void mmio_regs_config_write(struct virtio_mmio *m, uint32_t offset, uint32_t width,
				   uint32_t value)
{
	int rc = -EINVAL;

	if (width == 1 || width == 2 || width == 4)
		rc = m->ops->config_write
			 ? m->ops->config_write(m->dev, offset - VIRTIO_MMIO_CONFIG, width, value)
			 : -EROFS;
	if (rc)
		log_warn("virtio-mmio: config write 0x%x at 0x%03x width %u ignored (%d)", value,
			 offset, width, rc);
}

void mmio_regs_write(struct virtio_mmio *m, uint32_t offset, uint32_t width, uint32_t value)
{
	const struct virtio_mmio_regs_desc *r;

	if (offset >= VIRTIO_MMIO_CONFIG) {
		mmio_regs_config_write(m, offset, width, value);
		return;
	}
	r = mmio_regs_check(offset, width, REG_W);
	if (!r)
		return;
	log_debug("virtio-mmio: %s <- 0x%x", r->name, value);
	switch (offset) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		m->device_features_sel = value;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		mmio_regs_driver_features(m, value);
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		m->driver_features_sel = value;
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		m->queue_sel = value;
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		virtio_mmio_notify(m, value);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		m->interrupt_status &= ~value;
		break;
	case VIRTIO_MMIO_STATUS:
		virtio_mmio_write_status(m, value);
		break;
	case VIRTIO_MMIO_SHM_SEL:
		break; /* no regions; reads answer "none" whatever the selector */
	case VIRTIO_MMIO_QUEUE_RESET:
		log_warn("virtio-mmio: QueueReset write 0x%x ignored: RING_RESET not offered",
			 value);
		break;
	default:
		mmio_regs_queue_write(m, r, value);
		break;
	}
}

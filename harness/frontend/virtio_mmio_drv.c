/* virtio_mmio_drv.c - Linux virtio_mmio.c's register sequence over a guest_bus (virtio 1.2
 * §4.2.3.1 device initialization, §3.1.1 driver requirements, §4.2.3.2 virtqueue config). */
#include "virtio_mmio_drv.h"

#include <errno.h>
#include <string.h>

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#include "log.h"

static int virtio_mmio_drv_rd(struct virtio_mmio_drv *d, uint32_t reg, unsigned int width,
			      uint32_t *v)
{
	uint64_t val = 0;
	int rc = d->bus->mmio_read(d->bus->ctx, d->base + reg, width, &val);

	if (rc) {
		log_err("virtio-mmio 0x%llx: read of register 0x%x failed: %d",
			(unsigned long long)d->base, reg, rc);
		return rc;
	}
	*v = (uint32_t)val;
	return 0;
}

static int virtio_mmio_drv_wr(struct virtio_mmio_drv *d, uint32_t reg, uint32_t v)
{
	int rc = d->bus->mmio_write(d->bus->ctx, d->base + reg, 4, v);

	if (rc)
		log_err("virtio-mmio 0x%llx: write of 0x%x to register 0x%x failed: %d",
			(unsigned long long)d->base, v, reg, rc);
	return rc;
}

static int virtio_mmio_drv_add_status(struct virtio_mmio_drv *d, uint32_t bits)
{
	d->status |= bits;
	return virtio_mmio_drv_wr(d, VIRTIO_MMIO_STATUS, d->status);
}

int virtio_mmio_drv_probe(struct virtio_mmio_drv *d, const struct guest_bus *bus, uint64_t base)
{
	uint32_t magic = 0;
	int rc;

	memset(d, 0, sizeof(*d));
	d->bus = bus;
	d->base = base;
	rc = virtio_mmio_drv_rd(d, VIRTIO_MMIO_MAGIC_VALUE, 4, &magic);
	if (rc)
		return rc;
	if (magic != VIRTIO_MMIO_DRV_MAGIC) {
		log_err("virtio-mmio 0x%llx: wrong magic value 0x%08x (want 0x%08x)",
			(unsigned long long)base, magic, VIRTIO_MMIO_DRV_MAGIC);
		return -ENODEV;
	}
	rc = virtio_mmio_drv_rd(d, VIRTIO_MMIO_VERSION, 4, &d->version);
	if (!rc && d->version != 2) {
		/* Version 1 is the legacy interface: Bao's device model speaks only 2. */
		log_err("virtio-mmio 0x%llx: version %u not supported (want 2)",
			(unsigned long long)base, d->version);
		return -ENODEV;
	}
	if (!rc)
		rc = virtio_mmio_drv_rd(d, VIRTIO_MMIO_DEVICE_ID, 4, &d->device_id);
	if (!rc && d->device_id != VIRTIO_MMIO_DRV_FS_ID) {
		log_err("virtio-mmio 0x%llx: device id %u is not virtio-fs (%u)",
			(unsigned long long)base, d->device_id, VIRTIO_MMIO_DRV_FS_ID);
		return -ENODEV;
	}
	if (!rc)
		rc = virtio_mmio_drv_rd(d, VIRTIO_MMIO_VENDOR_ID, 4, &d->vendor_id);
	return rc;
}

int virtio_mmio_drv_reset(struct virtio_mmio_drv *d)
{
	uint32_t st = 1;
	int rc;

	d->status = 0;
	rc = virtio_mmio_drv_wr(d, VIRTIO_MMIO_STATUS, 0);
	/* §4.2.3.1 / §2.1.2: reset completes when Status reads back 0. */
	for (unsigned int i = 0; !rc && i < VIRTIO_MMIO_DRV_RESET_POLLS; i++) {
		rc = virtio_mmio_drv_rd(d, VIRTIO_MMIO_STATUS, 4, &st);
		if (!rc && !st) {
			d->broken = false;
			return 0;
		}
	}
	if (!rc) {
		log_err("virtio-mmio 0x%llx: status still 0x%x after reset (%u reads)",
			(unsigned long long)d->base, st, VIRTIO_MMIO_DRV_RESET_POLLS);
		rc = -ETIMEDOUT;
	}
	return rc;
}

static int virtio_mmio_drv_features(struct virtio_mmio_drv *d)
{
	uint32_t lo = 0, hi = 0, st = 0;
	int rc;

	rc = virtio_mmio_drv_wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	rc = rc ? rc : virtio_mmio_drv_rd(d, VIRTIO_MMIO_DEVICE_FEATURES, 4, &hi);
	rc = rc ? rc : virtio_mmio_drv_wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	rc = rc ? rc : virtio_mmio_drv_rd(d, VIRTIO_MMIO_DEVICE_FEATURES, 4, &lo);
	if (rc)
		return rc;
	d->dev_features = (uint64_t)hi << 32 | lo;
	if (!(d->dev_features & (1ull << VIRTIO_F_VERSION_1))) {
		log_err("virtio-mmio 0x%llx: device features 0x%llx lack VERSION_1",
			(unsigned long long)d->base, (unsigned long long)d->dev_features);
		return -ENODEV;
	}
	/* No EVENT_IDX (NO_INTERRUPT then works for polling) and no INDIRECT_DESC: plain chains.
	 * ACCESS_PLATFORM must be accepted when offered: our buffers are in the window anyway. */
	d->drv_features =
	    d->dev_features & ((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_ACCESS_PLATFORM));
	rc = virtio_mmio_drv_wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	rc = rc ? rc
		: virtio_mmio_drv_wr(d, VIRTIO_MMIO_DRIVER_FEATURES,
				     (uint32_t)(d->drv_features >> 32));
	rc = rc ? rc : virtio_mmio_drv_wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	rc =
	    rc ? rc : virtio_mmio_drv_wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)d->drv_features);
	rc = rc ? rc : virtio_mmio_drv_add_status(d, VIRTIO_CONFIG_S_FEATURES_OK);
	/* §3.1.1 step 6: re-read Status; FEATURES_OK still set means the device accepted. */
	rc = rc ? rc : virtio_mmio_drv_rd(d, VIRTIO_MMIO_STATUS, 4, &st);
	if (!rc && !(st & VIRTIO_CONFIG_S_FEATURES_OK)) {
		log_err("virtio-mmio 0x%llx: device refused features 0x%llx (status 0x%x)",
			(unsigned long long)d->base, (unsigned long long)d->drv_features, st);
		rc = -ENODEV;
	}
	return rc;
}

/* virtio-fs config (§5.11.4): tag[36] then le32 num_request_queues, read byte-wise as Linux's
 * virtio_cread_bytes does, inside a stable ConfigGeneration (§4.2.2.1). */
static int virtio_mmio_drv_config(struct virtio_mmio_drv *d)
{
	for (int attempt = 0; attempt < 8; attempt++) {
		uint32_t gen0 = 0, gen1 = 0, b = 0, nrq = 0;
		int rc = virtio_mmio_drv_rd(d, VIRTIO_MMIO_CONFIG_GENERATION, 4, &gen0);

		for (unsigned int i = 0; !rc && i < 36; i++) {
			rc = virtio_mmio_drv_rd(d, VIRTIO_MMIO_CONFIG + i, 1, &b);
			d->tag[i] = (char)(b & 0xff);
		}
		rc = rc ? rc : virtio_mmio_drv_rd(d, VIRTIO_MMIO_CONFIG + 36, 4, &nrq);
		rc = rc ? rc : virtio_mmio_drv_rd(d, VIRTIO_MMIO_CONFIG_GENERATION, 4, &gen1);
		if (rc)
			return rc;
		d->tag[36] = '\0';
		d->num_request_queues = nrq;
		if (gen0 == gen1)
			break;
	}
	if (!d->num_request_queues) {
		log_err("virtio-mmio 0x%llx: config num_request_queues is 0",
			(unsigned long long)d->base);
		return -ENODEV;
	}
	return 0;
}

int virtio_mmio_drv_init(struct virtio_mmio_drv *d)
{
	int rc = virtio_mmio_drv_reset(d);

	rc = rc ? rc : virtio_mmio_drv_add_status(d, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	rc = rc ? rc : virtio_mmio_drv_add_status(d, VIRTIO_CONFIG_S_DRIVER);
	rc = rc ? rc : virtio_mmio_drv_features(d);
	rc = rc ? rc : virtio_mmio_drv_config(d);
	if (rc && d->status)
		(void)virtio_mmio_drv_add_status(d, VIRTIO_CONFIG_S_FAILED);
	return rc;
}

int virtio_mmio_drv_queue_max(struct virtio_mmio_drv *d, uint16_t index, uint32_t *max)
{
	uint32_t ready = 1;
	int rc = virtio_mmio_drv_wr(d, VIRTIO_MMIO_QUEUE_SEL, index);

	rc = rc ? rc : virtio_mmio_drv_rd(d, VIRTIO_MMIO_QUEUE_READY, 4, &ready);
	if (!rc && ready) {
		log_err("virtio-mmio 0x%llx: queue %u is already ready",
			(unsigned long long)d->base, index);
		return -ENOENT;
	}
	rc = rc ? rc : virtio_mmio_drv_rd(d, VIRTIO_MMIO_QUEUE_NUM_MAX, 4, max);
	if (!rc && !*max) {
		log_err("virtio-mmio 0x%llx: queue %u has QueueNumMax 0",
			(unsigned long long)d->base, index);
		return -ENOENT;
	}
	return rc;
}

int virtio_mmio_drv_setup_queue(struct virtio_mmio_drv *d, const struct vq_drv *vq)
{
	uint32_t max = 0;
	int rc = virtio_mmio_drv_queue_max(d, vq->index, &max);

	if (!rc && vq->size > max) {
		log_err("virtio-mmio 0x%llx: queue %u size %u exceeds QueueNumMax %u",
			(unsigned long long)d->base, vq->index, vq->size, max);
		return -EINVAL;
	}
	rc = rc ? rc : virtio_mmio_drv_wr(d, VIRTIO_MMIO_QUEUE_NUM, vq->size);
	rc = rc ? rc : virtio_mmio_drv_wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)vq->desc_gpa);
	rc =
	    rc ? rc
	       : virtio_mmio_drv_wr(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(vq->desc_gpa >> 32));
	rc = rc ? rc : virtio_mmio_drv_wr(d, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)vq->avail_gpa);
	rc = rc ? rc
		: virtio_mmio_drv_wr(d, VIRTIO_MMIO_QUEUE_AVAIL_HIGH,
				     (uint32_t)(vq->avail_gpa >> 32));
	rc = rc ? rc : virtio_mmio_drv_wr(d, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)vq->used_gpa);
	rc =
	    rc ? rc
	       : virtio_mmio_drv_wr(d, VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(vq->used_gpa >> 32));
	rc = rc ? rc : virtio_mmio_drv_wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
	return rc;
}

int virtio_mmio_drv_driver_ok(struct virtio_mmio_drv *d)
{
	return virtio_mmio_drv_add_status(d, VIRTIO_CONFIG_S_DRIVER_OK);
}

int virtio_mmio_drv_notify(struct virtio_mmio_drv *d, uint16_t index)
{
	if (d->broken)
		return -EIO;
	return virtio_mmio_drv_wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, index);
}

int virtio_mmio_drv_ack_irq(struct virtio_mmio_drv *d, uint32_t *isr)
{
	uint32_t st = 0;
	int rc = virtio_mmio_drv_rd(d, VIRTIO_MMIO_INTERRUPT_STATUS, 4, isr);

	if (rc)
		return rc;
	if (*isr) {
		rc = virtio_mmio_drv_wr(d, VIRTIO_MMIO_INTERRUPT_ACK, *isr);
		if (rc)
			return rc;
	}
	if (!(*isr & VIRTIO_MMIO_INT_CONFIG))
		return 0;
	/* A configuration change may be the device asking for a reset (§2.1.2). */
	rc = virtio_mmio_drv_rd(d, VIRTIO_MMIO_STATUS, 4, &st);
	if (rc)
		return rc;
	if (st & VIRTIO_CONFIG_S_NEEDS_RESET) {
		log_err("virtio-mmio 0x%llx: device needs reset (status 0x%x)",
			(unsigned long long)d->base, st);
		d->broken = true;
		return -EIO;
	}
	return 0;
}

int virtio_mmio_drv_check_status(struct virtio_mmio_drv *d)
{
	uint32_t st = 0;
	int rc = virtio_mmio_drv_rd(d, VIRTIO_MMIO_STATUS, 4, &st);

	if (rc)
		return rc;
	if (st & VIRTIO_CONFIG_S_NEEDS_RESET) {
		log_err("virtio-mmio 0x%llx: device needs reset (status 0x%x)",
			(unsigned long long)d->base, st);
		d->broken = true;
		return -EIO;
	}
	return 0;
}

/* fake_vfsdev.c - virtio-mmio v2 register file of a fake virtio-fs device (virtio 1.2 §4.2.2)
 * and its queue processing: chains walked with vq_dev, requests decoded with fuse_msg, replies
 * scattered into the writable buffers, hostile mutations applied once on request. */
#include "fake_vfsdev.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#include "log.h"
#include "vq_dev.h"

#define FAKE_VFSDEV_QUEUE_MAX 1024u
#define FAKE_VFSDEV_MAX_IOV 64u
#define FAKE_VFSDEV_SCRATCH (4u << 20)

static struct vq_dev_ring fake_vfsdev_ring(struct fake_vfsdev *d, unsigned int i)
{
	struct vq_dev_ring r = {
	    .mem = d->bus.mem,
	    .mem_len = d->bus.mem_size,
	    .mem_gpa = d->bus.mem_gpa,
	    .size = (uint16_t)d->q[i].num,
	    .desc_gpa = d->q[i].desc,
	    .avail_gpa = d->q[i].avail,
	    .used_gpa = d->q[i].used,
	    .indirect_ok = !!(d->drv_features & (1ull << VIRTIO_RING_F_INDIRECT_DESC)),
	};
	return r;
}

static void fake_vfsdev_raise(struct fake_vfsdev *d, uint32_t bits)
{
	d->isr |= bits;
	d->irq_pending = true;
	d->irqs_raised++;
}

static void fake_vfsdev_needs_reset(struct fake_vfsdev *d, const char *why)
{
	d->broken = true;
	snprintf(d->why, sizeof(d->why), "%s", why);
	d->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	fake_vfsdev_raise(d, VIRTIO_MMIO_INT_CONFIG);
}

/* Mutate a finished reply as the armed hostile mode says; returns the used length. */
static uint32_t fake_vfsdev_mutate(struct fake_vfsdev *d, uint8_t *rep, uint32_t len)
{
	struct fuse_out_header h;

	if (len < sizeof(h))
		return len;
	memcpy(&h, rep, sizeof(h));
	switch (d->hostile) {
	case FAKE_HOSTILE_BAD_UNIQUE:
		h.unique += 1000;
		break;
	case FAKE_HOSTILE_BAD_LEN:
		h.len = len + 1;
		break;
	case FAKE_HOSTILE_POS_ERROR:
		h.error = 5;
		h.len = len = sizeof(h);
		break;
	case FAKE_HOSTILE_HUGE_ERROR:
		h.error = -5000;
		h.len = len = sizeof(h);
		break;
	case FAKE_HOSTILE_SHORT_BODY:
		if (len > sizeof(h) + 3)
			h.len = len = sizeof(h) + 3;
		break;
	case FAKE_HOSTILE_DROP:
		len = 0;
		break;
	default:
		break;
	}
	memcpy(rep, &h, sizeof(h));
	return len;
}

/* Gather the readable part, answer it, scatter the reply; returns the used length or -1 to
 * leave the chain uncompleted. */
static int64_t fake_vfsdev_serve(struct fake_vfsdev *d, const struct vq_dev_chain *c,
				 const struct vq_dev_iov *iov, bool hostile)
{
	uint8_t *mem = d->bus.mem, *req = d->scratch, *rep = d->scratch + FAKE_VFSDEV_SCRATCH / 2;
	size_t half = FAKE_VFSDEV_SCRATCH / 2, n = 0, cap = c->in_bytes < half ? c->in_bytes : half;
	struct fuse_msg_in in;
	char why[160];
	int len;

	if (c->out_bytes > half)
		return 0;
	for (unsigned int i = 0; i < c->n_out; i++) {
		memcpy(req + n, mem + iov[i].off, iov[i].len);
		n += iov[i].len;
	}
	if (fuse_msg_decode_request(req, n, &in, why, sizeof(why))) {
		log_warn("fake vfsdev: bad request: %s", why);
		return 0; /* like a reply the device could not write */
	}
	len = d->handler(d->handler_ctx, &in, rep, cap);
	if (len <= 0)
		return 0;
	if (hostile && d->hostile == FAKE_HOSTILE_NO_COMPLETION)
		return -1;
	if (hostile)
		len = (int)fake_vfsdev_mutate(d, rep, (uint32_t)len);
	n = 0;
	for (unsigned int i = c->n_out; i < c->n && n < (size_t)len; i++) {
		size_t k = (size_t)len - n < iov[i].len ? (size_t)len - n : iov[i].len;

		memcpy(mem + iov[i].off, rep + n, k);
		n += k;
	}
	return len;
}

static bool fake_vfsdev_hostile_now(struct fake_vfsdev *d, const struct vq_dev_iov *iov,
				    const struct vq_dev_chain *c)
{
	struct fuse_in_header h;

	if (d->hostile == FAKE_HOSTILE_NONE || !c->n_out || iov[0].len < sizeof(h))
		return false;
	memcpy(&h, (uint8_t *)d->bus.mem + iov[0].off, sizeof(h));
	return !d->hostile_opcode || h.opcode == d->hostile_opcode;
}

void fake_vfsdev_process(struct fake_vfsdev *d, unsigned int index)
{
	struct vq_dev_ring r;
	struct vq_dev_iov iov[FAKE_VFSDEV_MAX_IOV];
	struct vq_dev_chain c;
	int rc;

	if (index > 1 || !d->q[index].ready || d->broken)
		return;
	r = fake_vfsdev_ring(d, index);
	for (unsigned int k = 0; k < d->q[index].num; k++) {
		bool hostile;
		int64_t len;
		uint16_t id;

		rc = vq_dev_pop(&r, &d->q[index].last_avail, iov, FAKE_VFSDEV_MAX_IOV, &c);
		if (rc == 0)
			break;
		if (rc < 0) {
			log_warn("fake vfsdev: queue %u: %s", index, c.why);
			fake_vfsdev_needs_reset(d, c.why);
			return;
		}
		d->chains++;
		hostile = fake_vfsdev_hostile_now(d, iov, &c);
		if (hostile && d->hostile == FAKE_HOSTILE_NEEDS_RESET) {
			d->hostile = FAKE_HOSTILE_NONE;
			fake_vfsdev_needs_reset(d, "asked to (hostile mode)");
			return;
		}
		len = fake_vfsdev_serve(d, &c, iov, hostile);
		id = c.head;
		if (hostile) {
			if (d->hostile == FAKE_HOSTILE_USED_ID)
				id = (uint16_t)((c.head + 1) % d->q[index].num);
			if (d->hostile == FAKE_HOSTILE_USED_LEN)
				len = (int64_t)c.in_bytes + 1;
			d->hostile = FAKE_HOSTILE_NONE;
		}
		if (len < 0)
			continue;
		vq_dev_push_used(&r, &d->q[index].used_idx, id, (uint32_t)len);
		if (!vq_dev_no_interrupt(&r))
			fake_vfsdev_raise(d, VIRTIO_MMIO_INT_VRING);
	}
}

static uint32_t fake_vfsdev_config_byte(struct fake_vfsdev *d, uint64_t off)
{
	uint8_t cfg[40];

	memcpy(cfg, d->tag, 36);
	memcpy(cfg + 36, &d->num_request_queues, 4);
	return off < sizeof(cfg) ? cfg[off] : 0;
}

static uint32_t fake_vfsdev_reg(struct fake_vfsdev *d, uint64_t reg)
{
	struct fake_vfsdev_queue *q = &d->q[d->queue_sel < 2 ? d->queue_sel : 0];
	bool qok = d->queue_sel < 2;

	switch (reg) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return 0x74726976;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return 26;
	case VIRTIO_MMIO_VENDOR_ID:
		return 0x554d4551;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return d->dev_features_sel ? (uint32_t)(d->dev_features >> 32)
					   : (uint32_t)d->dev_features;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return qok ? q->num_max : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return qok ? q->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return d->isr;
	case VIRTIO_MMIO_STATUS:
		return d->status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return d->config_gen;
	default:
		d->bad_accesses++;
		return 0;
	}
}

static int fake_vfsdev_read(void *ctx, uint64_t addr, unsigned int width, uint64_t *value)
{
	struct fake_vfsdev *d = ctx;
	uint64_t reg = addr - d->base;

	*value = 0;
	if (addr < d->base || reg >= 0x200)
		return -EFAULT;
	if (reg >= VIRTIO_MMIO_CONFIG) {
		for (unsigned int i = 0; i < width && i < 8; i++)
			*value |= (uint64_t)fake_vfsdev_config_byte(d, reg - VIRTIO_MMIO_CONFIG + i)
				  << (8 * i);
		return 0;
	}
	if (width != 4) {
		d->bad_accesses++;
		return -EINVAL;
	}
	*value = fake_vfsdev_reg(d, reg);
	return 0;
}

static void fake_vfsdev_set_status(struct fake_vfsdev *d, uint32_t v)
{
	if (!v) {
		/* §4.2.2.1: writing 0 resets the device: queues, features, interrupt state. */
		uint32_t max = d->q[0].num_max;

		memset(d->q, 0, sizeof(d->q));
		d->q[0].num_max = d->q[1].num_max = max;
		d->status = 0;
		d->isr = 0;
		d->drv_features = 0;
		d->broken = false;
		d->irq_pending = false;
		return;
	}
	if ((v & VIRTIO_CONFIG_S_FEATURES_OK) && !(d->status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    (d->refuse_features || !(d->drv_features & (1ull << VIRTIO_F_VERSION_1))))
		v &= ~(uint32_t)VIRTIO_CONFIG_S_FEATURES_OK;
	d->status = v | (d->status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void fake_vfsdev_queue_reg(struct fake_vfsdev *d, uint64_t reg, uint32_t v)
{
	struct fake_vfsdev_queue *q;

	if (d->queue_sel > 1) {
		d->bad_accesses++;
		return;
	}
	q = &d->q[d->queue_sel];
	switch (reg) {
	case VIRTIO_MMIO_QUEUE_NUM:
		q->num = v;
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		q->ready = v & 1;
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		q->desc = (q->desc & ~0xffffffffull) | v;
		break;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		q->desc = (q->desc & 0xffffffffull) | (uint64_t)v << 32;
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
		q->avail = (q->avail & ~0xffffffffull) | v;
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		q->avail = (q->avail & 0xffffffffull) | (uint64_t)v << 32;
		break;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
		q->used = (q->used & ~0xffffffffull) | v;
		break;
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		q->used = (q->used & 0xffffffffull) | (uint64_t)v << 32;
		break;
	default:
		d->bad_accesses++;
		break;
	}
}

static int fake_vfsdev_write(void *ctx, uint64_t addr, unsigned int width, uint64_t value)
{
	struct fake_vfsdev *d = ctx;
	uint64_t reg = addr - d->base;
	uint32_t v = (uint32_t)value;

	if (addr < d->base || reg >= 0x200)
		return -EFAULT;
	if (width != 4) {
		d->bad_accesses++;
		return -EINVAL;
	}
	switch (reg) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		d->dev_features_sel = v;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		d->drv_features_sel = v;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (d->drv_features_sel)
			d->drv_features = (d->drv_features & 0xffffffffull) | (uint64_t)v << 32;
		else
			d->drv_features = (d->drv_features & ~0xffffffffull) | v;
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		d->queue_sel = v;
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		d->notifies++;
		fake_vfsdev_process(d, v);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		d->isr &= ~v;
		break;
	case VIRTIO_MMIO_STATUS:
		fake_vfsdev_set_status(d, v);
		break;
	default:
		fake_vfsdev_queue_reg(d, reg, v);
		break;
	}
	return 0;
}

static int fake_vfsdev_wait_irq(void *ctx, int timeout_ms)
{
	struct fake_vfsdev *d = ctx;

	(void)timeout_ms; /* everything happens synchronously: nothing can arrive later */
	if (!d->irq_pending)
		return 0;
	d->irq_pending = false;
	return 1;
}

int fake_vfsdev_init(struct fake_vfsdev *d, void *mem, uint64_t gpa, uint64_t size, uint64_t base,
		     fake_vfsdev_handler handler, void *handler_ctx)
{
	memset(d, 0, sizeof(*d));
	d->scratch = malloc(FAKE_VFSDEV_SCRATCH);
	if (!d->scratch)
		return -ENOMEM;
	d->bus = (struct guest_bus){
	    d, fake_vfsdev_read, fake_vfsdev_write, fake_vfsdev_wait_irq, mem, gpa, size};
	d->base = base;
	d->dev_features = (1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_ACCESS_PLATFORM) |
			  (1ull << VIRTIO_RING_F_INDIRECT_DESC) | (1ull << VIRTIO_RING_F_EVENT_IDX);
	d->q[0].num_max = d->q[1].num_max = FAKE_VFSDEV_QUEUE_MAX;
	memcpy(d->tag, "myfs", 4);
	d->num_request_queues = 1;
	d->handler = handler;
	d->handler_ctx = handler_ctx;
	return 0;
}

void fake_vfsdev_destroy(struct fake_vfsdev *d)
{
	free(d->scratch);
	d->scratch = NULL;
}

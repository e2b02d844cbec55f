/* scripted_fe.c - the scripted frontend's lifecycle: probe the virtio-mmio device, bring up
 * hiprio + request queue in the window, FUSE_INIT; remount, re-init after a reset, close. */
#include "scripted_fe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuse_ops.h"
#include "log.h"
#include "scripted_fe_priv.h"

/* Queue size: the requested one (a power of two <= QueueNumMax), else QueueNumMax rounded
 * down to a power of two. */
static int scripted_fe_queue(struct scripted_fe *fe, uint16_t index)
{
	uint32_t max = 0, size;
	int rc = virtio_mmio_drv_queue_max(&fe->dev, index, &max);

	if (rc)
		return rc;
	if (max > VQ_DRV_MAX_SIZE)
		max = VQ_DRV_MAX_SIZE;
	size = fe->opts.queue_size ? fe->opts.queue_size : max;
	while (!fe->opts.queue_size && (size & (size - 1)))
		size &= size - 1;
	if (size > max) {
		log_err("scripted frontend: queue %u size %u exceeds the device's QueueNumMax %u",
			index, size, max);
		return -EINVAL;
	}
	if (fe->vq_ready[index] && fe->vq[index].size != size) {
		vq_drv_destroy(&fe->vq[index]);
		fe->vq_ready[index] = false;
	}
	if (!fe->vq_ready[index]) {
		rc = vq_drv_init(&fe->vq[index], index, size, &fe->wa);
		if (rc)
			return rc;
		fe->vq_ready[index] = true;
	} else {
		vq_drv_rewind(&fe->vq[index]);
	}
	return virtio_mmio_drv_setup_queue(&fe->dev, &fe->vq[index]);
}

/* Everything after probe: status handshake, queues, DRIVER_OK, FUSE_INIT. */
static int scripted_fe_start(struct scripted_fe *fe)
{
	int64_t deadline = fe->fc.deadline_ns;
	int rc = virtio_mmio_drv_init(&fe->dev);

	if (!rc && fe->opts.tag && strcmp(fe->opts.tag, fe->dev.tag)) {
		log_err("scripted frontend: device tag '%s', expected '%s'", fe->dev.tag,
			fe->opts.tag);
		rc = -ENODEV;
	}
	rc = rc ? rc : scripted_fe_queue(fe, 0);
	rc = rc ? rc : scripted_fe_queue(fe, 1);
	rc = rc ? rc : virtio_mmio_drv_driver_ok(&fe->dev);
	if (rc)
		return rc;
	fuse_client_setup(&fe->fc, &fe->dev, &fe->vq[0], &fe->vq[1], &fe->wa, fe->opts.wait,
			  fe->opts.request_timeout_ms);
	fe->fc.deadline_ns = deadline;
	fe->fc.op_stats = fe->stats.fuse_requests;
	fe->fc.irqs = &fe->stats.irqs_seen;
	return fuse_client_handshake(&fe->fc);
}

int scripted_fe_open(const struct guest_bus *bus, const struct scripted_fe_opts *opts,
		     struct scripted_fe **out)
{
	struct scripted_fe *fe;
	int rc;

	*out = NULL;
	if (!bus || !opts || !bus->mem || !bus->mmio_read || !bus->mmio_write || !bus->wait_irq)
		return -EINVAL;
	fe = calloc(1, sizeof(*fe));
	if (!fe)
		return -ENOMEM;
	fe->bus = *bus;
	fe->opts = *opts;
	fe->fc.reaping = opts->reaping; /* kept by every fuse_client_setup */
	fe->fc.reaping_arg = opts->reaping_arg;
	rc = window_alloc_init(&fe->wa, bus->mem, bus->mem_gpa, bus->mem_size);
	rc = rc ? rc : virtio_mmio_drv_probe(&fe->dev, &fe->bus, opts->mmio_base);
	rc = rc ? rc : scripted_fe_start(fe);
	if (rc) {
		log_err("scripted frontend: open of virtio-mmio 0x%llx failed: %d",
			(unsigned long long)opts->mmio_base, rc);
		scripted_fe_close(fe);
		return rc;
	}
	log_info("scripted frontend: virtio-fs '%s' up, queues %u/%u, features 0x%llx", fe->dev.tag,
		 fe->vq[0].size, fe->vq[1].size, (unsigned long long)fe->dev.drv_features);
	*out = fe;
	return 0;
}

/* Drop every open handle: after DESTROY or a reset the server has forgotten them. */
static void scripted_fe_drop_handles(struct scripted_fe *fe)
{
	memset(fe->handle, 0, sizeof(fe->handle));
}

/* FORGETs go on the hiprio queue, which virtiofsd serves on its own thread: one still queued
 * when DESTROY and the new INIT go out on the request queue would land in the new session and
 * drop a reference it never took (found by the soak: EBADF on a later close). Let them drain
 * first, bounded. */
static void scripted_fe_drain_hiprio(struct scripted_fe *fe)
{
	for (int i = 0; i < 200 && fe->vq[0].in_flight; i++) {
		if (fuse_client_poll(&fe->fc) < 0)
			return;
		if (fe->vq[0].in_flight)
			(void)fe->bus.wait_irq(fe->bus.ctx, 1);
	}
	if (fe->vq[0].in_flight)
		log_warn("scripted frontend: %u FORGET(s) still queued before DESTROY",
			 fe->vq[0].in_flight);
}

int scripted_fe_remount(struct scripted_fe *fe)
{
	int rc;

	scripted_fe_drain_hiprio(fe);
	rc = fuse_ops_destroy(&fe->fc);

	if (rc)
		log_warn("scripted frontend: DESTROY failed: %d (re-initialising anyway)", rc);
	scripted_fe_drop_handles(fe);
	return fuse_client_handshake(&fe->fc);
}

int scripted_fe_reinit(struct scripted_fe *fe)
{
	int rc = virtio_mmio_drv_reset(&fe->dev);

	/* After the reset the device no longer touches the rings: what it finished before counts
	 * as done, the rest is reclaimed and failed - each request exactly once. */
	if (!rc && fe->fc.dev && !fe->vq[0].broken && !fe->vq[1].broken)
		(void)fuse_client_poll(&fe->fc);
	if (fe->fc.dev)
		fuse_client_fail_all(&fe->fc, -EIO);
	scripted_fe_drop_handles(fe);
	return rc ? rc : scripted_fe_start(fe);
}

void scripted_fe_set_deadline(struct scripted_fe *fe, int64_t deadline_ns)
{
	fe->fc.deadline_ns = deadline_ns;
}

const struct scripted_fe_stats *scripted_fe_stats(const struct scripted_fe *fe)
{
	return &fe->stats;
}

struct fuse_client *scripted_fe_client(struct scripted_fe *fe)
{
	return &fe->fc;
}

const char *scripted_fe_tag(const struct scripted_fe *fe)
{
	return fe->dev.tag;
}

void scripted_fe_close(struct scripted_fe *fe)
{
	if (!fe)
		return;
	if (fe->fc.initialized && !fe->dev.broken && !fe->vq[1].broken) {
		/* Bounded: a dead device must not hold close up for the full request timeout. */
		fe->fc.timeout_ms = fe->fc.timeout_ms < 2000 ? fe->fc.timeout_ms : 2000;
		fe->fc.deadline_ns = 0;
		fuse_ops_destroy(&fe->fc);
	}
	if (fe->dev.device_id == VIRTIO_MMIO_DRV_FS_ID) /* probed: there is a device to reset */
		virtio_mmio_drv_reset(&fe->dev);
	if (fe->fc.dev)
		fuse_client_fail_all(&fe->fc, -EIO);
	for (int q = 0; q < 2; q++)
		if (fe->vq_ready[q])
			vq_drv_destroy(&fe->vq[q]);
	free(fe);
}

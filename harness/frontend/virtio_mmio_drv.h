/* virtio_mmio_drv.h - the virtio-mmio transport as Linux's virtio_mmio.c drives it (virtio 1.2
 * §4.2.3): probe, status handshake, feature negotiation, config space, queue setup, notify,
 * interrupt acknowledge, reset - every access through a guest_bus. */
#ifndef HARNESS_VIRTIO_MMIO_DRV_H
#define HARNESS_VIRTIO_MMIO_DRV_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_bus.h"
#include "vq_drv.h"

#define VIRTIO_MMIO_DRV_MAGIC 0x74726976u /* "virt" */
#define VIRTIO_MMIO_DRV_FS_ID 26u	  /* virtio 1.2 §5.11 */
#define VIRTIO_MMIO_DRV_RESET_POLLS 1000u /* bound on reading Status back after a reset */

struct virtio_mmio_drv {
	const struct guest_bus *bus;
	uint64_t base;
	uint32_t version, device_id, vendor_id;
	uint64_t dev_features, drv_features;
	char tag[37];		     /* config tag, NUL-terminated */
	uint32_t num_request_queues; /* config */
	uint32_t status;	     /* last status written */
	bool broken;		     /* DEVICE_NEEDS_RESET seen, or a transport error */
};

/* Read MagicValue, Version (must be 2), DeviceID (must be 26), VendorID. 0 or -ENODEV. */
int virtio_mmio_drv_probe(struct virtio_mmio_drv *d, const struct guest_bus *bus, uint64_t base);
/* Reset, ACKNOWLEDGE, DRIVER, negotiate VERSION_1 (+ ACCESS_PLATFORM if offered),
 * FEATURES_OK (checked), then read the config space. 0 or -errno. */
int virtio_mmio_drv_init(struct virtio_mmio_drv *d);
/* Set up queue index with vq (already vq_drv_init'ed): QueueSel, QueueReady must be 0, size
 * within QueueNumMax, ring addresses, QueueReady 1. 0 or -errno. */
int virtio_mmio_drv_setup_queue(struct virtio_mmio_drv *d, const struct vq_drv *vq);
/* Largest queue size the device allows for index (QueueNumMax), 0 when unavailable. */
int virtio_mmio_drv_queue_max(struct virtio_mmio_drv *d, uint16_t index, uint32_t *max);
int virtio_mmio_drv_driver_ok(struct virtio_mmio_drv *d);
/* QueueNotify: write the queue index (§4.2.2.1). */
int virtio_mmio_drv_notify(struct virtio_mmio_drv *d, uint16_t index);
/* After wait_irq returned 1: read InterruptStatus, write InterruptACK; on a configuration
 * change re-read Status. *isr gets the status bits. -EIO when the device needs a reset (then
 * d->broken is set). */
int virtio_mmio_drv_ack_irq(struct virtio_mmio_drv *d, uint32_t *isr);
/* Read Status: 0 when healthy, -EIO when the device set DEVICE_NEEDS_RESET (d->broken set),
 * or the access's -errno (the device is unreachable). */
int virtio_mmio_drv_check_status(struct virtio_mmio_drv *d);
/* Status 0, then read it back until 0 (bounded). 0 or -errno. */
int virtio_mmio_drv_reset(struct virtio_mmio_drv *d);

#endif

/* fake_vfsdev.h - an in-process fake virtio-fs device behind a fake guest_bus: virtio-mmio v2
 * registers, queues walked with vq_dev, FUSE requests decoded with fuse_msg and answered by a
 * handler (fake_vfsdev_fs: a tiny in-memory file system), plus one-shot hostile behaviours.
 * For unit tests and fuzzing the driver; the real device model lives in harness/devmodel. */
#ifndef HARNESS_FAKE_VFSDEV_H
#define HARNESS_FAKE_VFSDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fuse_msg.h"
#include "guest_bus.h"

/* Answer one request: write a whole reply (out header included) into out[0..cap) and return
 * its length, 0 for "no reply" (FORGET), or a negative errno to drop the chain. */
typedef int (*fake_vfsdev_handler)(void *ctx, const struct fuse_msg_in *in, uint8_t *out,
				   size_t cap);

enum fake_vfsdev_hostile {
	FAKE_HOSTILE_NONE,
	FAKE_HOSTILE_BAD_UNIQUE,    /* reply unique + 1000 */
	FAKE_HOSTILE_BAD_LEN,	    /* header len one more than the used length */
	FAKE_HOSTILE_POS_ERROR,	    /* error = +5 */
	FAKE_HOSTILE_HUGE_ERROR,    /* error = -5000 */
	FAKE_HOSTILE_SHORT_BODY,    /* success reply with the body cut to 3 bytes */
	FAKE_HOSTILE_DROP,	    /* used.len 0, nothing written */
	FAKE_HOSTILE_USED_ID,	    /* used element names a descriptor that is not a chain head */
	FAKE_HOSTILE_USED_LEN,	    /* used.len larger than the writable buffers */
	FAKE_HOSTILE_NO_COMPLETION, /* never complete the chain */
	FAKE_HOSTILE_NEEDS_RESET,   /* set DEVICE_NEEDS_RESET + config interrupt instead */
};

struct fake_vfsdev_queue {
	uint32_t num, num_max, ready;
	uint64_t desc, avail, used;
	uint16_t last_avail, used_idx;
};

struct fake_vfsdev {
	struct guest_bus bus; /* hand this to scripted_fe_open */
	uint64_t base;
	uint32_t status, dev_features_sel, drv_features_sel, queue_sel, isr, config_gen;
	uint64_t dev_features, drv_features;
	bool refuse_features; /* clear FEATURES_OK when the driver sets it */
	struct fake_vfsdev_queue q[2];
	char tag[36];
	uint32_t num_request_queues;
	bool irq_pending;
	fake_vfsdev_handler handler;
	void *handler_ctx;
	enum fake_vfsdev_hostile hostile; /* applied once, to the next request of hostile_opcode */
	uint32_t hostile_opcode;	  /* 0 = any */
	bool broken;
	char why[200];
	uint64_t notifies, irqs_raised, bad_accesses, chains;
	uint8_t *scratch; /* request / reply assembly */
	size_t scratch_len;
};

/* Set up registers over the window [gpa, gpa + size) at mem; the device lives at base.
 * 0 or -ENOMEM. */
int fake_vfsdev_init(struct fake_vfsdev *d, void *mem, uint64_t gpa, uint64_t size, uint64_t base,
		     fake_vfsdev_handler handler, void *handler_ctx);
void fake_vfsdev_destroy(struct fake_vfsdev *d);
/* Process every available chain of queue index now (what a QueueNotify triggers). */
void fake_vfsdev_process(struct fake_vfsdev *d, unsigned int index);

#endif

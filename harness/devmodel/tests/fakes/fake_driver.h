/* fake_driver.h - test-only: the guest side of the device model's tests. A memfd window at a
 * guest-physical base, a virtio-mmio driver that brings up N queues through the register file
 * as Linux's virtio_mmio + virtiofs drivers do, and a FUSE_INIT posted on one ring. */
#ifndef FAKE_DRIVER_H
#define FAKE_DRIVER_H

#include <stdint.h>

#include "virtio_fs_config.h"
#include "virtio_mmio.h"

struct fake_driver_window {
	int memfd;
	uint8_t *win;
	uint64_t gpa, size;
};

/* A size-byte memfd mapped here, standing for the shared window at gpa. 0 or -errno. */
int fake_driver_window_open(struct fake_driver_window *w, uint64_t gpa, uint64_t size);
void fake_driver_window_close(struct fake_driver_window *w);
/* Offset in the window of queue q's part: 0 desc, 1 avail, 2 used, 3 buffers. */
uint64_t fake_driver_ring_off(unsigned q, unsigned part);

/* Probe, accept VERSION_1 and ACCESS_PLATFORM, set up queues 0..nq-1 of qsz entries in the
 * window, DRIVER_OK. Returns the Status read back (0xf when the device went live). */
uint32_t fake_driver_bring_up(struct virtio_mmio *m, const struct fake_driver_window *w,
			      unsigned nq, uint32_t qsz);
/* The config space as the driver reads it, 4 bytes at a time from 0x100. */
void fake_driver_read_config(struct virtio_mmio *m, uint8_t out[VIRTIO_FS_CONFIG_SIZE]);
/* Post FUSE_INIT 7.36 on queue q (its ring at fake_driver_ring_off), kick, wait up to 2 s for
 * the used ring. 0 with major and minor from the reply, or -ETIMEDOUT / -EPROTO. */
int fake_driver_fuse_init(const struct fake_driver_window *w, unsigned q, uint32_t qsz, int kick_fd,
			  int call_fd, uint16_t *avail_idx, uint32_t *major, uint32_t *minor);

#endif

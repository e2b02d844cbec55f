/* vu_shim.h - the vhost-user shim (issue 18, `fuzz guest --frontend qemu-native`): QEMU's own
 * vhost-user-fs-device connects here, the shim connects to virtiofsd and passes every message
 * both ways with its fds, maps the guest memory QEMU shares, and interposes the call eventfds so
 * the device model's mutation engine (mut_relay.c) changes replies before QEMU is signalled. */
#ifndef VU_SHIM_H
#define VU_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mut_relay.h"
#include "vu_shim_msg.h"

struct vu_shim_region {
	struct vhost_user_mem_region r;
	uint8_t *map; /* the fd mapped from offset 0; the region starts at map + mmap_offset */
	size_t map_len;
};

struct vu_shim_vring {
	uint32_t num;
	uint64_t desc_uva, used_uva;
	bool have_addr, started;
	int call_fd; /* QEMU's (owned), -1 none */
};

struct vu_shim {
	int front; /* QEMU */
	int back;  /* virtiofsd */
	struct vu_shim_region reg[VHOST_USER_MEM_REGIONS_MAX];
	unsigned nreg;
	struct vu_shim_vring vq[VIRTIO_MMIO_MAX_QUEUES];
	struct mut_relay *relay; /* NULL: a plain proxy (tests) */
	uint64_t msgs_front, msgs_back;
};

/* Over two connected sockets; relay (initialised, may be NULL) mutates. */
void vu_shim_init(struct vu_shim *s, int front, int back, struct mut_relay *relay);
/* Move one message from front to back (rewritten where the shim interposes). 0, -EPIPE when
 * the sender hung up between messages, or -errno (message logged) for a broken one. */
int vu_shim_front_msg(struct vu_shim *s);
/* Move one message from virtiofsd to QEMU (replies, and fds they carry), unchanged. */
int vu_shim_back_msg(struct vu_shim *s);
/* Until either side hangs up (0) or a message breaks (-errno). */
int vu_shim_run(struct vu_shim *s);
/* Unmap, close QEMU's call fds (not the sockets). */
void vu_shim_destroy(struct vu_shim *s);

#endif

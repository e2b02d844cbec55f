/* vu_shim_msg.h - what the vhost-user shim needs to know of one message between QEMU and
 * virtiofsd (qemu docs/interop/vhost-user.rst): which ring, which fd, which memory. Pure
 * parsing over (buffer, length, fd count), fuzzed by fuzz/targets/fuzz_vu_shim_msg.c. */
#ifndef VU_SHIM_MSG_H
#define VU_SHIM_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vhost_user_msg.h"

/* Requests the device model never sends, so vhost_user_msg.h does not name them. */
#define VU_SHIM_MSG_SET_BACKEND_REQ_FD 21
#define VU_SHIM_MSG_GET_MAX_MEM_SLOTS 36
#define VU_SHIM_MSG_ADD_MEM_REG 37
#define VU_SHIM_MSG_REM_MEM_REG 38

/* What the shim does with a message from QEMU. */
enum vu_shim_msg_kind {
	VU_SHIM_MSG_PASS,      /* forwarded as it is, fds included */
	VU_SHIM_MSG_MEM_TABLE, /* SET_MEM_TABLE: regions mapped here too */
	VU_SHIM_MSG_ADD_REG,   /* ADD_MEM_REG: one region mapped here too */
	VU_SHIM_MSG_REM_REG,   /* REM_MEM_REG: that region unmapped here */
	VU_SHIM_MSG_VRING_NUM,
	VU_SHIM_MSG_VRING_ADDR,
	VU_SHIM_MSG_VRING_KICK,	    /* the ring starts in virtiofsd */
	VU_SHIM_MSG_VRING_CALL,	    /* QEMU's call fd kept, ours sent */
	VU_SHIM_MSG_GET_VRING_BASE, /* the ring stops */
};

struct vu_shim_msg {
	struct vhost_user_hdr hdr;
	enum vu_shim_msg_kind kind;
	uint32_t vring; /* ring index of a vring message */
	bool nofd;	/* SET_VRING_CALL/KICK without an fd (VHOST_USER_VRING_NOFD) */
	uint32_t num;	/* SET_VRING_NUM */
	uint64_t desc_uva, used_uva;
	unsigned nregions;
	struct vhost_user_mem_region reg[VHOST_USER_MEM_REGIONS_MAX];
};

/* Parse one whole message (header + payload, len bytes, nfds fds came with it). 0 with *m
 * filled; -EINVAL (too short, size not the length, a payload or fd count that request does
 * not have, a region of size 0 or wrapping) with the reason in why. */
int vu_shim_msg_parse(const uint8_t *buf, size_t len, unsigned nfds, struct vu_shim_msg *m,
		      char *why, size_t why_len);

/* The region of reg[0..n) holding [uva, uva + len): its index, and *off the offset in it;
 * -ENOENT when none holds all of it. */
int vu_shim_msg_uva(const struct vhost_user_mem_region *reg, unsigned n, uint64_t uva, uint64_t len,
		    uint64_t *off);

#endif

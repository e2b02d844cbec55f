/* vu_shim_msg.c - the vhost-user messages the shim looks into, parsed without trusting their
 * sizes: a ring index, a vring address triple, a memory table and its fd count. Pure. */
#include "vu_shim_msg.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static uint32_t vu_shim_msg_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t vu_shim_msg_le64(const uint8_t *p)
{
	return vu_shim_msg_le32(p) | (uint64_t)vu_shim_msg_le32(p + 4) << 32;
}

static int vu_shim_msg_fail(char *why, size_t why_len, const struct vu_shim_msg *m,
			    const char *what, unsigned long long v)
{
	if (why && why_len)
		snprintf(why, why_len, "%s (request %u, size %u): %s %llu",
			 vhost_user_msg_name(m->hdr.request), m->hdr.request, m->hdr.size, what, v);
	return -EINVAL;
}

/* One region at p: a size of 0, or an end past 2^64 in either space, is no region. */
static int vu_shim_msg_region(const uint8_t *p, struct vhost_user_mem_region *r)
{
	r->guest_phys_addr = vu_shim_msg_le64(p);
	r->memory_size = vu_shim_msg_le64(p + 8);
	r->userspace_addr = vu_shim_msg_le64(p + 16);
	r->mmap_offset = vu_shim_msg_le64(p + 24);
	if (!r->memory_size || r->guest_phys_addr + r->memory_size < r->guest_phys_addr ||
	    r->userspace_addr + r->memory_size < r->userspace_addr ||
	    r->mmap_offset + r->memory_size < r->mmap_offset)
		return -EINVAL;
	return 0;
}

/* SET_VRING_CALL/KICK: u64 index | NOFD; an fd exactly when NOFD is clear. */
static int vu_shim_msg_vring_fd(const uint8_t *pl, unsigned nfds, struct vu_shim_msg *m, char *why,
				size_t why_len)
{
	uint64_t v = vu_shim_msg_le64(pl);

	m->vring = (uint32_t)(v & VHOST_USER_VRING_IDX_MASK);
	m->nofd = (v & VHOST_USER_VRING_NOFD) != 0;
	if (nfds != (m->nofd ? 0u : 1u))
		return vu_shim_msg_fail(why, why_len, m, "fds attached", nfds);
	return 0;
}

int vu_shim_msg_parse(const uint8_t *buf, size_t len, unsigned nfds, struct vu_shim_msg *m,
		      char *why, size_t why_len)
{
	const uint8_t *pl = buf + VHOST_USER_HDR_SIZE;
	uint32_t size;

	memset(m, 0, sizeof(*m));
	if (vhost_user_msg_decode_hdr(buf, len, &m->hdr))
		return vu_shim_msg_fail(why, why_len, m, "message length", len);
	size = m->hdr.size;
	if (len - VHOST_USER_HDR_SIZE != size)
		return vu_shim_msg_fail(why, why_len, m, "payload bytes",
					len - VHOST_USER_HDR_SIZE);
	if (nfds > VHOST_USER_MAX_FDS)
		return vu_shim_msg_fail(why, why_len, m, "fds attached", nfds);
	switch (m->hdr.request) {
	case VHOST_USER_SET_MEM_TABLE:
		if (size < 8)
			return vu_shim_msg_fail(why, why_len, m, "payload too short", size);
		m->nregions = vu_shim_msg_le32(pl);
		if (m->nregions > VHOST_USER_MEM_REGIONS_MAX || size < 8 + 32ULL * m->nregions)
			return vu_shim_msg_fail(why, why_len, m, "regions", m->nregions);
		if (nfds != m->nregions)
			return vu_shim_msg_fail(why, why_len, m, "fds for the regions", nfds);
		for (unsigned i = 0; i < m->nregions; i++)
			if (vu_shim_msg_region(pl + 8 + 32 * i, &m->reg[i]))
				return vu_shim_msg_fail(why, why_len, m, "bad region", i);
		m->kind = VU_SHIM_MSG_MEM_TABLE;
		return 0;
	case VU_SHIM_MSG_ADD_MEM_REG:
	case VU_SHIM_MSG_REM_MEM_REG:
		/* u64 padding, then one region (vhost-user.rst "Single memory region"). */
		if (size < 40)
			return vu_shim_msg_fail(why, why_len, m, "payload too short", size);
		if (m->hdr.request == VU_SHIM_MSG_ADD_MEM_REG && nfds != 1)
			return vu_shim_msg_fail(why, why_len, m, "fds attached", nfds);
		if (vu_shim_msg_region(pl + 8, &m->reg[0]))
			return vu_shim_msg_fail(why, why_len, m, "bad region", 0);
		m->nregions = 1;
		m->kind = m->hdr.request == VU_SHIM_MSG_ADD_MEM_REG ? VU_SHIM_MSG_ADD_REG
								    : VU_SHIM_MSG_REM_REG;
		return 0;
	case VHOST_USER_SET_VRING_NUM:
	case VHOST_USER_GET_VRING_BASE:
		if (size != 8)
			return vu_shim_msg_fail(why, why_len, m, "payload", size);
		m->vring = vu_shim_msg_le32(pl);
		m->num = vu_shim_msg_le32(pl + 4);
		if (m->vring > VHOST_USER_VRING_IDX_MASK)
			return vu_shim_msg_fail(why, why_len, m, "ring index", m->vring);
		m->kind = m->hdr.request == VHOST_USER_SET_VRING_NUM ? VU_SHIM_MSG_VRING_NUM
								     : VU_SHIM_MSG_GET_VRING_BASE;
		return 0;
	case VHOST_USER_SET_VRING_ADDR:
		if (size != 40)
			return vu_shim_msg_fail(why, why_len, m, "payload", size);
		m->vring = vu_shim_msg_le32(pl);
		/* vhost-user.rst: a ring index is 8 bits wherever it is carried. */
		if (m->vring > VHOST_USER_VRING_IDX_MASK)
			return vu_shim_msg_fail(why, why_len, m, "ring index", m->vring);
		m->desc_uva = vu_shim_msg_le64(pl + 8);
		m->used_uva = vu_shim_msg_le64(pl + 16);
		m->kind = VU_SHIM_MSG_VRING_ADDR;
		return 0;
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
		if (size != 8)
			return vu_shim_msg_fail(why, why_len, m, "payload", size);
		m->kind = m->hdr.request == VHOST_USER_SET_VRING_KICK ? VU_SHIM_MSG_VRING_KICK
								      : VU_SHIM_MSG_VRING_CALL;
		return vu_shim_msg_vring_fd(pl, nfds, m, why, why_len);
	default:
		m->kind = VU_SHIM_MSG_PASS;
		return 0;
	}
}

int vu_shim_msg_uva(const struct vhost_user_mem_region *reg, unsigned n, uint64_t uva, uint64_t len,
		    uint64_t *off)
{
	for (unsigned i = 0; i < n; i++) {
		const struct vhost_user_mem_region *r = &reg[i];

		if (uva >= r->userspace_addr && len <= r->memory_size &&
		    uva - r->userspace_addr <= r->memory_size - len) {
			*off = uva - r->userspace_addr;
			return (int)i;
		}
	}
	return -ENOENT;
}

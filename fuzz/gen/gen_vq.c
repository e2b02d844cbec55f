/* gen_vq.c - seeds for fuzz_vq_chain: a well-formed split ring (queue size 8) with a direct
 * 3-descriptor chain, an INDIRECT chain, and two published heads, in the target's input
 * layout (12-byte preamble, then the window bytes). */
#include <linux/virtio_ring.h>
#include <string.h>

#include "gen.h"

#define GEN_VQ_GPA 0x10000000ULL
#define GEN_VQ_SIZE 8
#define GEN_VQ_DESC 0x000  /* 16 * 8 = 128 bytes */
#define GEN_VQ_AVAIL 0x080 /* 6 + 2 * 8 = 22 */
#define GEN_VQ_USED 0x0a0  /* 6 + 8 * 8 = 70 */
#define GEN_VQ_IND 0x100   /* indirect table, 3 entries */
#define GEN_VQ_BUF 0x140
#define GEN_VQ_WIN 0x240

static void gen_vq_desc(uint8_t *t, unsigned i, uint64_t off, uint32_t len, uint16_t flags,
			uint16_t next)
{
	struct vring_desc d = {GEN_VQ_GPA + off, len, flags, next};

	memcpy(t + 16 * i, &d, sizeof(d));
}

static size_t gen_vq_seed(uint8_t *out, uint8_t flags, int indirect, uint16_t nheads)
{
	uint8_t *w = out + 12;
	uint16_t heads[2] = {0, 3};
	uint16_t v;

	memset(out, 0, 12 + GEN_VQ_WIN);
	v = GEN_VQ_SIZE;
	memcpy(out, &v, 2);
	out[2] = flags;
	v = GEN_VQ_DESC;
	memcpy(out + 3, &v, 2);
	v = GEN_VQ_AVAIL;
	memcpy(out + 5, &v, 2);
	v = GEN_VQ_USED;
	memcpy(out + 7, &v, 2);
	/* out + 9: last_avail 0; out + 11: iov cap byte (63 -> 64) */
	out[11] = 63;
	/* Chain at head 0: header readable, data readable, reply writable. */
	gen_vq_desc(w, 0, GEN_VQ_BUF, 40, VRING_DESC_F_NEXT, 1);
	gen_vq_desc(w, 1, GEN_VQ_BUF + 40, 64, VRING_DESC_F_NEXT, 2);
	gen_vq_desc(w, 2, GEN_VQ_BUF + 104, 128, VRING_DESC_F_WRITE, 0);
	if (indirect) {
		gen_vq_desc(w, 3, GEN_VQ_IND, 48, VRING_DESC_F_INDIRECT, 0);
		gen_vq_desc(w + GEN_VQ_IND, 0, GEN_VQ_BUF, 40, VRING_DESC_F_NEXT, 1);
		gen_vq_desc(w + GEN_VQ_IND, 1, GEN_VQ_BUF + 40, 16, VRING_DESC_F_NEXT, 2);
		gen_vq_desc(w + GEN_VQ_IND, 2, GEN_VQ_BUF + 56, 64, VRING_DESC_F_WRITE, 0);
	} else {
		gen_vq_desc(w, 3, GEN_VQ_BUF, 40, VRING_DESC_F_NEXT, 4);
		gen_vq_desc(w, 4, GEN_VQ_BUF + 40, 200, VRING_DESC_F_WRITE, 0);
	}
	/* avail: flags 0, idx nheads, ring[] */
	memcpy(w + GEN_VQ_AVAIL + 2, &nheads, 2);
	memcpy(w + GEN_VQ_AVAIL + 4, heads, sizeof(heads));
	return 12 + GEN_VQ_WIN;
}

int gen_vq(const char *dir)
{
	uint8_t buf[12 + GEN_VQ_WIN];
	int n = 0;

	/* flags: bit 0 INDIRECT negotiated, high nibble = extra pop iterations */
	n += !gen_write(dir, "vq_chain", "direct-one", buf, gen_vq_seed(buf, 0x10, 0, 1));
	n += !gen_write(dir, "vq_chain", "direct-two", buf, gen_vq_seed(buf, 0x30, 0, 2));
	n += !gen_write(dir, "vq_chain", "indirect", buf, gen_vq_seed(buf, 0x31, 1, 2));
	n += !gen_write(dir, "vq_chain", "indirect-not-negotiated", buf,
			gen_vq_seed(buf, 0x30, 1, 2));
	return n;
}

/* fuzz_reply_mut.c - libFuzzer target: the hostile backend's mutation engine (reply_mut_apply)
 * on any reply bytes it could find in the window, and its chain walker (reply_mut_chain) on any
 * ring a guest could lay out. Oracles: a mutation stays inside the reply it was given (ASan on
 * an exact-size copy), names a class of the mask that applies; every segment of an accepted
 * chain lies inside the window and there are no more than asked for. */
#include <errno.h>
#include <string.h>

#include "fuzz_input.h"
#include "log.h"
#include "reply_mut.h"

FUZZ_QUIET_INIT()

/* Preamble: mode, opcode, mask, seed, cap, used id/ring/prev; the rest is the reply. */
static void fuzz_reply_mut_apply(struct fuzz_input *in)
{
	struct reply_mut_ctx c = {0};
	struct reply_mut_result r;
	struct reply_mut_rng rng;
	uint16_t m16 = fuzz_input_u16(in);
	uint32_t mask = m16 & REPLY_MUT_ALL;
	const uint8_t *p;
	size_t len;
	uint8_t *buf;
	int rc;

	/* The mask word's two top bits: the hiprio queue, the last entry of a pass. */
	c.hiprio = (m16 >> 13) & 1;
	c.batch_last = (m16 >> 14) & 1;
	c.opcode = fuzz_input_u8(in);
	rng.s = fuzz_input_u64(in);
	c.cap = fuzz_input_u32(in);
	c.used_id = fuzz_input_u16(in);
	c.ring_num = fuzz_input_u16(in);
	c.prev_id = fuzz_input_u16(in);
	c.unique = fuzz_input_u64(in);
	len = fuzz_input_take(in, in->n, &p);
	c.used_len = (uint32_t)len + (fuzz_input_u8(in) & 1);
	buf = fuzz_input_dup(p, len);
	if (!buf)
		return;
	rc = reply_mut_apply(len ? buf : NULL, len, mask, &c, &rng, &r);
	FUZZ_CHECK(rc == 0 || rc == -ENOENT, "apply returned %d", rc);
	if (rc == 0) {
		FUZZ_CHECK(r.cls >= 0 && r.cls < REPLY_MUT_NCLASSES && (mask & (1u << r.cls)),
			   "class %d outside mask 0x%x", r.cls, mask);
		FUZZ_CHECK(memchr(r.what, '\0', sizeof(r.what)) != NULL, "unterminated what");
		FUZZ_CHECK(r.cls == REPLY_MUT_USED_ID || r.used_id == c.used_id,
			   "class %s moved the used id", reply_mut_class_name(r.cls));
		FUZZ_CHECK(r.cls == REPLY_MUT_USED_LEN || r.used_len == c.used_len,
			   "class %s moved the used len", reply_mut_class_name(r.cls));
		FUZZ_CHECK(r.drop == (r.cls == REPLY_MUT_MISSING), "class %s dropped: %d",
			   reply_mut_class_name(r.cls), r.drop);
		FUZZ_CHECK(!r.extra || (c.batch_last && r.extra_id < c.ring_num),
			   "extra entry id %u (ring of %u, last %d)", r.extra_id, c.ring_num,
			   c.batch_last);
	}
	free(buf);
}

/* Preamble: window guest address, table offset, ring size, head, seg cap; the rest is the
 * window. */
static void fuzz_reply_mut_chain(struct fuzz_input *in)
{
	struct reply_mut_seg segs[16];
	uint64_t gpa = fuzz_input_u16(in) * 4096ULL;
	uint64_t desc_off = fuzz_input_u16(in);
	uint32_t num = fuzz_input_u16(in), head = fuzz_input_u16(in);
	unsigned max = fuzz_input_u8(in) % 17, n = 0;
	const uint8_t *p;
	size_t len = fuzz_input_take(in, in->n, &p);
	uint8_t *win = fuzz_input_dup(p, len);
	int rc;

	if (!win)
		return;
	rc = reply_mut_chain(win, gpa, len, desc_off, num, head, segs, max, &n);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -E2BIG, "chain returned %d", rc);
	if (rc == 0) {
		FUZZ_CHECK(n >= 1 && n <= max, "%u segments for a cap of %u", n, max);
		for (unsigned i = 0; i < n; i++)
			FUZZ_CHECK(segs[i].off <= len && segs[i].len <= len - segs[i].off,
				   "segment %u [%llu, +%u) outside a window of %zu", i,
				   (unsigned long long)segs[i].off, segs[i].len, len);
	}
	free(win);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};

	if (fuzz_input_u8(&in) & 1)
		fuzz_reply_mut_chain(&in);
	else
		fuzz_reply_mut_apply(&in);
	return 0;
}

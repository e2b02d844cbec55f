/* fuzz_vq_chain.c - libFuzzer target: the device side of a split virtqueue (vq_dev_pop,
 * vq_dev_walk, vq_dev_push_used) over a fuzzed window whose bytes are the rings, descriptor
 * tables (direct and INDIRECT) and buffers. Input: a 12-byte preamble, then the window. */
#include <string.h>

#include "fuzz_input.h"
#include "log.h"
#include "vq_dev.h"

#define FUZZ_VQ_GPA 0x10000000ULL
#define FUZZ_VQ_IOV_MAX 64

FUZZ_QUIET_INIT()

/* Every buffer handed out lies inside the window, and the counts add up. */
static void fuzz_vq_check_chain(const struct vq_dev_ring *r, const struct vq_dev_iov *iov,
				unsigned cap, const struct vq_dev_chain *c)
{
	uint64_t out = 0, inb = 0;
	unsigned i;

	FUZZ_CHECK(c->n <= cap && c->n_out <= c->n, "n %u n_out %u cap %u", c->n, c->n_out, cap);
	FUZZ_CHECK(c->head < r->size, "head %u of %u", c->head, r->size);
	for (i = 0; i < c->n; i++) {
		FUZZ_CHECK(iov[i].off <= r->mem_len && iov[i].len <= r->mem_len - iov[i].off,
			   "iov %u [%llu, +%u) outside %llu", i, (unsigned long long)iov[i].off,
			   iov[i].len, (unsigned long long)r->mem_len);
		FUZZ_CHECK(iov[i].writable == (i >= c->n_out), "iov %u writable order", i);
		if (iov[i].writable)
			inb += iov[i].len;
		else
			out += iov[i].len;
		if (iov[i].len) /* touch both ends */
			FUZZ_CHECK((r->mem[iov[i].off] | r->mem[iov[i].off + iov[i].len - 1] | 1) !=
				       0,
				   "-");
	}
	FUZZ_CHECK(out == c->out_bytes && inb == c->in_bytes, "bytes %llu/%llu vs %llu/%llu",
		   (unsigned long long)out, (unsigned long long)inb,
		   (unsigned long long)c->out_bytes, (unsigned long long)c->in_bytes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	struct vq_dev_iov iov[FUZZ_VQ_IOV_MAX];
	struct vq_dev_chain c;
	struct vq_dev_ring r;
	uint16_t qsize = fuzz_input_u16(&in), last_avail, used_idx = 0;
	uint8_t flags = fuzz_input_u8(&in);
	uint64_t desc = fuzz_input_u16(&in), avail = fuzz_input_u16(&in),
		 used = fuzz_input_u16(&in);
	unsigned cap, iters = 1 + (flags >> 4), i;
	char why[160];
	int rc;

	last_avail = fuzz_input_u16(&in);
	cap = 1 + fuzz_input_u8(&in) % FUZZ_VQ_IOV_MAX;
	memset(&r, 0, sizeof(r));
	r.mem_gpa = (flags & 2) ? fuzz_input_u64(&in) : FUZZ_VQ_GPA;
	r.size = qsize;
	r.indirect_ok = flags & 1;
	r.desc_gpa = r.mem_gpa + desc;
	r.avail_gpa = r.mem_gpa + avail;
	r.used_gpa = r.mem_gpa + used;
	r.mem_len = in.n;
	r.mem = fuzz_input_dup(in.p, in.n);
	if (!r.mem)
		return 0;
	(void)vq_dev_check_ring(&r, why, sizeof(why));
	for (i = 0; i < iters; i++) {
		memset(&c, 0, sizeof(c));
		rc = vq_dev_pop(&r, &last_avail, iov, cap, &c);
		if (rc == 0)
			break;
		if (rc < 0) {
			FUZZ_CHECK(memchr(c.why, '\0', sizeof(c.why)), "why unterminated");
			continue;
		}
		fuzz_vq_check_chain(&r, iov, cap, &c);
		(void)vq_dev_push_used(&r, &used_idx, c.head, (uint32_t)c.in_bytes);
	}
	/* Walk an arbitrary head too: the fuzzer picks it through last_avail's high byte. */
	memset(&c, 0, sizeof(c));
	if (vq_dev_walk(&r, (uint16_t)(last_avail >> 8), iov, cap, &c) == 0)
		fuzz_vq_check_chain(&r, iov, cap, &c);
	(void)vq_dev_no_interrupt(&r);
	(void)vq_dev_push_used(&r, &used_idx, last_avail, 0xffffffffu);
	free(r.mem);
	return 0;
}

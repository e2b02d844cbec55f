/* fuzz_vu_shim_msg.c - libFuzzer target: the vhost-user shim's parser (vu_shim_msg_parse) on
 * any message and fd count a peer could send, and its user-address translation on the regions
 * it accepted. Oracles: an accepted message has exactly the size its header says, at most 8
 * regions each with as many fds, a ring index below 256; a translated range lies inside its
 * region; a refusal says why. */
#include <errno.h>
#include <string.h>

#include "fuzz_input.h"
#include "log.h"
#include "vu_shim_msg.h"

FUZZ_QUIET_INIT()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	unsigned nfds = fuzz_input_u8(&in) % 10;
	uint64_t uva = fuzz_input_u64(&in), len = fuzz_input_u32(&in), off = 0;
	struct vu_shim_msg m;
	const uint8_t *p;
	char why[200] = "";
	size_t n = fuzz_input_take(&in, in.n, &p);
	uint8_t *buf = fuzz_input_dup(p, n);
	int rc, ri;

	if (!buf)
		return 0;
	rc = vu_shim_msg_parse(buf, n, nfds, &m, why, sizeof(why));
	FUZZ_CHECK(rc == 0 || rc == -EINVAL, "parse returned %d", rc);
	if (rc) {
		FUZZ_CHECK(why[0] && memchr(why, '\0', sizeof(why)), "refusal without a reason");
	} else {
		FUZZ_CHECK(n == VHOST_USER_HDR_SIZE + (size_t)m.hdr.size,
			   "accepted %zu bytes, size %u", n, m.hdr.size);
		FUZZ_CHECK(m.nregions <= VHOST_USER_MEM_REGIONS_MAX, "%u regions", m.nregions);
		FUZZ_CHECK(m.kind != VU_SHIM_MSG_MEM_TABLE || nfds == m.nregions,
			   "%u fds for %u regions", nfds, m.nregions);
		FUZZ_CHECK(m.vring < 256, "ring %u", m.vring);
		ri = vu_shim_msg_uva(m.reg, m.nregions, uva, len, &off);
		if (ri >= 0)
			FUZZ_CHECK(uva >= m.reg[ri].userspace_addr &&
				       off <= m.reg[ri].memory_size &&
				       len <= m.reg[ri].memory_size - off,
				   "uva 0x%llx+%llu outside region %d", (unsigned long long)uva,
				   (unsigned long long)len, ri);
	}
	free(buf);
	return 0;
}

/* fuzz_fakebao_ctl.c - libFuzzer target: fakebao's control messages (fakebao_ctl_msg_check) as the
 * hypervisor side and the preload side receive them. Input: a flags byte, then the message. */
#include <string.h>

#include "fakebao.h"
#include "fakebao_ctl.h"
#include "fuzz_input.h"
#include "log.h"

FUZZ_QUIET_INIT()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	uint8_t flags = fuzz_input_u8(&in);
	struct fakebao_ctl_msg m;
	char why[160];
	uint8_t *buf = fuzz_input_dup(in.p, in.n);

	if (!buf)
		return 0;
	why[0] = '\0';
	if (fakebao_ctl_msg_check(buf, in.n, flags & 1, (flags >> 1) & 1, why, sizeof(why)) == 0) {
		FUZZ_CHECK(in.n == sizeof(m), "accepted %zu bytes", in.n);
		memcpy(&m, buf, sizeof(m));
		FUZZ_CHECK(m.magic == FAKEBAO_CTL_MAGIC, "magic");
		FUZZ_CHECK(m.op >= FAKEBAO_CTL_HELLO && m.op <= FAKEBAO_CTL_DOORBELL, "op %u",
			   m.op);
		FUZZ_CHECK(m.op == FAKEBAO_CTL_HELLO || m.dm_id < FAKEBAO_MAX_DMS, "dm_id %u",
			   m.dm_id);
	}
	FUZZ_CHECK(memchr(why, '\0', sizeof(why)), "why unterminated");
	free(buf);
	return 0;
}

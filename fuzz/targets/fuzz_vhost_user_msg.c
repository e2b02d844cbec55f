/* fuzz_vhost_user_msg.c - libFuzzer target: vhost-user replies as virtiofsd could send them
 * (header decode, reply check against the request sent, payload readers, GET_CONFIG's) and the
 * encoders driven with hostile lengths, region counts and buffer capacities. */
#include <string.h>

#include "fuzz_input.h"
#include "log.h"
#include "vhost_user_msg.h"

static const uint32_t fuzz_vu_requests[] = {
    VHOST_USER_GET_FEATURES,
    VHOST_USER_SET_FEATURES,
    VHOST_USER_SET_OWNER,
    VHOST_USER_SET_MEM_TABLE,
    VHOST_USER_SET_VRING_NUM,
    VHOST_USER_SET_VRING_ADDR,
    VHOST_USER_SET_VRING_BASE,
    VHOST_USER_GET_VRING_BASE,
    VHOST_USER_SET_VRING_KICK,
    VHOST_USER_SET_VRING_CALL,
    VHOST_USER_GET_PROTOCOL_FEATURES,
    VHOST_USER_SET_PROTOCOL_FEATURES,
    VHOST_USER_GET_QUEUE_NUM,
    VHOST_USER_SET_VRING_ENABLE,
    VHOST_USER_GET_CONFIG,
    VHOST_USER_SET_CONFIG,
    0,
    VHOST_USER_REQUEST_MAX,
};

FUZZ_QUIET_INIT()

/* The reply path: what the device model does with bytes read from virtiofsd's socket. */
static void fuzz_vu_reply(uint32_t request, uint32_t cfg_size, const uint8_t *msg, size_t len)
{
	struct vhost_user_hdr hdr;
	struct vhost_user_vring_state vs;
	char why[160];
	const uint8_t *cfg = NULL;
	uint64_t v;
	size_t expect, plen;

	(void)strlen(vhost_user_msg_name(request));
	if (vhost_user_msg_decode_hdr(msg, len, &hdr))
		return;
	(void)strlen(vhost_user_msg_name(hdr.request));
	expect = vhost_user_msg_reply_size(request, cfg_size);
	why[0] = '\0';
	if (vhost_user_msg_check_reply(&hdr, request, expect, why, sizeof(why)) == 0)
		FUZZ_CHECK(hdr.size == expect && hdr.request == request, "accepted size %u for %zu",
			   hdr.size, expect);
	FUZZ_CHECK(memchr(why, '\0', sizeof(why)), "why unterminated");
	plen = len - VHOST_USER_HDR_SIZE;
	if (plen > hdr.size)
		plen = hdr.size;
	(void)vhost_user_msg_parse_u64(msg + VHOST_USER_HDR_SIZE, plen, &v);
	(void)vhost_user_msg_parse_vring_state(msg + VHOST_USER_HDR_SIZE, plen, &vs);
	/* GET_CONFIG: the config bytes it hands out lie inside the payload, exactly as asked. */
	if (vhost_user_msg_parse_config(msg + VHOST_USER_HDR_SIZE, plen, 0, cfg_size, &cfg, why,
					sizeof(why)) == 0)
		FUZZ_CHECK(cfg == msg + VHOST_USER_HDR_SIZE + 12 && plen == 12 + (size_t)cfg_size,
			   "config of %u bytes accepted from a %zu-byte payload", cfg_size, plen);
	FUZZ_CHECK(memchr(why, '\0', sizeof(why)), "why unterminated");
}

/* The request path: encoders must refuse what does not fit, never overrun buf. */
static void fuzz_vu_encode(struct fuzz_input *in, uint32_t request)
{
	struct vhost_user_mem_region regs[12];
	struct vhost_user_vring_addr a;
	const uint8_t *payload;
	uint32_t flags = fuzz_input_u8(in);
	size_t cap = fuzz_input_u16(in) % (VHOST_USER_MSG_MAX + 64);
	size_t plen = fuzz_input_u16(in) % (VHOST_USER_PAYLOAD_MAX + 64);
	unsigned n = fuzz_input_u8(in) % 12;
	uint8_t *buf = malloc(cap ? cap : 1);
	int r;

	if (!buf)
		return;
	plen = fuzz_input_take(in, plen, &payload);
	r = vhost_user_msg_encode(request, flags, plen ? payload : NULL, plen, buf, cap);
	FUZZ_CHECK(r < 0 || (size_t)r <= cap, "encode wrote %d into %zu", r, cap);
	r = vhost_user_msg_u64(request, flags, fuzz_input_u64(in), buf, cap);
	FUZZ_CHECK(r < 0 || (size_t)r <= cap, "u64 wrote %d into %zu", r, cap);
	r = vhost_user_msg_vring_state(request, flags, fuzz_input_u32(in), fuzz_input_u32(in), buf,
				       cap);
	FUZZ_CHECK(r < 0 || (size_t)r <= cap, "vring_state wrote %d into %zu", r, cap);
	memset(&a, 0, sizeof(a));
	a.index = fuzz_input_u32(in);
	a.desc_user_addr = fuzz_input_u64(in);
	r = vhost_user_msg_vring_addr(flags, &a, buf, cap);
	FUZZ_CHECK(r < 0 || (size_t)r <= cap, "vring_addr wrote %d into %zu", r, cap);
	memset(regs, 0xa5, sizeof(regs));
	r = vhost_user_msg_mem_table(flags, regs, n, buf, cap);
	FUZZ_CHECK(r < 0 || (size_t)r <= cap, "mem_table wrote %d into %zu", r, cap);
	FUZZ_CHECK(r < 0 || n <= VHOST_USER_MEM_REGIONS_MAX, "mem_table took %u regions", n);
	r = vhost_user_msg_get_config(flags, fuzz_input_u32(in), fuzz_input_u32(in), buf, cap);
	FUZZ_CHECK(r < 0 || (size_t)r <= cap, "get_config wrote %d into %zu", r, cap);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	uint8_t sel = fuzz_input_u8(&in);
	uint32_t request =
	    fuzz_vu_requests[sel % (sizeof(fuzz_vu_requests) / sizeof(fuzz_vu_requests[0]))];
	uint32_t cfg_size = fuzz_input_u8(&in);
	uint8_t *msg;

	if (sel & 0x80) {
		fuzz_vu_encode(&in, request);
		return 0;
	}
	msg = fuzz_input_dup(in.p, in.n);
	if (msg)
		fuzz_vu_reply(request, cfg_size, msg, in.n);
	free(msg);
	return 0;
}

/* fuzz_fuse_request.c - libFuzzer target: FUSE requests as a device decodes them
 * (fuse_msg_decode_request), plus an encode -> decode round trip with fuzzed fields. */
#include <string.h>

#include "fuse_msg.h"
#include "fuzz_input.h"
#include "log.h"

FUZZ_QUIET_INIT()

/* Everything the decoder promises must be readable in place. */
static void fuzz_fr_touch(const struct fuse_msg_in *m, const uint8_t *buf, size_t len)
{
	volatile uint8_t sink = 0;
	size_t i;

	FUZZ_CHECK(m->hdr.len == len && len >= FUSE_MSG_IN_HDR, "hdr.len %u len %zu", m->hdr.len,
		   len);
	FUZZ_CHECK(m->op != NULL, "decoded without an op");
	FUZZ_CHECK(m->body_len == len - FUSE_MSG_IN_HDR, "body_len %zu", m->body_len);
	FUZZ_CHECK(m->body_len >= m->op->in_min, "body %zu < in_min %u", m->body_len,
		   m->op->in_min);
	for (i = 0; i < m->op->in_min; i++)
		sink ^= m->arg[i];
	if (m->name1)
		FUZZ_CHECK((const uint8_t *)m->name1 + strlen(m->name1) < buf + len,
			   "name1 runs off");
	if (m->name2)
		FUZZ_CHECK((const uint8_t *)m->name2 + strlen(m->name2) < buf + len,
			   "name2 runs off");
	FUZZ_CHECK(m->op->in_names < 1 || m->name1, "name1 missing");
	FUZZ_CHECK(m->op->in_names < 2 || m->name2, "name2 missing");
	if (m->data_len) {
		FUZZ_CHECK(m->data >= buf && m->data + m->data_len <= buf + len, "data outside");
		sink ^= m->data[m->data_len - 1];
	}
	(void)sink;
}

/* Encode fuzzed fields, then the decoder must accept what the encoder produced. */
static void fuzz_fr_roundtrip(struct fuzz_input *in)
{
	char name1[64], name2[64], why[160];
	uint8_t out[512];
	struct fuse_msg_req r;
	struct fuse_msg_in m;
	const struct fuse_msg_op *op;
	const uint8_t *p;
	size_t len, k;

	memset(&r, 0, sizeof(r));
	r.opcode = fuzz_input_u8(in);
	r.unique = fuzz_input_u64(in);
	r.nodeid = fuzz_input_u64(in);
	r.arg_len = fuzz_input_u8(in) % 128;
	k = fuzz_input_take(in, r.arg_len, &p);
	r.arg = k == r.arg_len ? p : NULL;
	k = fuzz_input_u8(in) % sizeof(name1);
	memset(name1, 'a', k);
	name1[k] = '\0';
	k = fuzz_input_u8(in) % sizeof(name2);
	memset(name2, 'b', k);
	name2[k] = '\0';
	op = fuse_msg_op(r.opcode);
	if (op && op->in_names >= 1)
		r.name1 = name1;
	if (op && op->in_names >= 2)
		r.name2 = name2;
	r.data_len = fuzz_input_u8(in) % 64;
	r.data_len = fuzz_input_take(in, r.data_len, &p);
	r.data = p;
	if (fuse_msg_encode(&r, out, fuzz_input_u16(in) % (sizeof(out) + 1), &len))
		return;
	FUZZ_CHECK(len <= sizeof(out), "encode wrote %zu", len);
	/* Only requests whose layout is exactly the opcode's rule must decode. */
	if (!op || op->in_data || r.arg_len != op->in_min || r.data_len)
		return;
	FUZZ_CHECK(fuse_msg_decode_request(out, len, &m, why, sizeof(why)) == 0, "%s: %s",
		   fuse_msg_op_name(r.opcode), why);
	FUZZ_CHECK(m.hdr.unique == r.unique && m.hdr.nodeid == r.nodeid, "header changed");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	struct fuse_msg_in m;
	char why[160];
	uint8_t *buf;

	if (size && data[0] == 0xfe) {
		in.p++;
		in.n--;
		fuzz_fr_roundtrip(&in);
		return 0;
	}
	buf = fuzz_input_dup(data, size);
	if (!buf)
		return 0;
	if (fuse_msg_decode_request(buf, size, &m, why, sizeof(why)) == 0)
		fuzz_fr_touch(&m, buf, size);
	(void)strlen(fuse_msg_op_name(size >= 8 ? ((const uint32_t *)(const void *)buf)[1] : 0));
	free(buf);
	return 0;
}

/* fuzz_fuse_reply.c - libFuzzer target: FUSE replies as the driver validates them
 * (fuse_msg_decode_reply) and READDIR bodies walked with fuse_msg_dirent_next. Input: a
 * 16-byte preamble (opcode, expected unique, used length, max body) then the reply bytes. */
#include <errno.h>
#include <string.h>

#include "fuse_msg.h"
#include "fuzz_input.h"
#include "log.h"

FUZZ_QUIET_INIT()

static void fuzz_rep_dirents(const uint8_t *body, size_t len)
{
	struct fuse_msg_dirent d;
	char why[160];
	size_t pos = 0, prev;
	unsigned n = 0;
	int r;

	for (;;) {
		prev = pos;
		r = fuse_msg_dirent_next(body, len, &pos, &d, why, sizeof(why));
		if (r != 1)
			break;
		FUZZ_CHECK(pos > prev && pos <= len, "pos %zu -> %zu of %zu", prev, pos, len);
		FUZZ_CHECK(d.namelen >= 1 && d.namelen <= FUSE_MSG_NAME_MAX, "namelen %u",
			   d.namelen);
		FUZZ_CHECK((const uint8_t *)d.name >= body &&
			       (const uint8_t *)d.name + d.namelen <= body + len,
			   "name outside the body");
		FUZZ_CHECK(!memchr(d.name, '/', d.namelen) && !memchr(d.name, '\0', d.namelen),
			   "bad name accepted");
		FUZZ_CHECK(++n <= len, "more records than bytes");
	}
	FUZZ_CHECK(r == 0 || r == -EPROTO, "dirent_next returned %d", r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	uint32_t opcode = fuzz_input_u8(&in);
	uint8_t mode = fuzz_input_u8(&in);
	uint64_t unique = fuzz_input_u16(&in);
	uint32_t used_delta = fuzz_input_u16(&in);
	uint32_t max_body = fuzz_input_u16(&in) & 0x3fff;
	struct fuse_msg_reply rep;
	char why[160];
	size_t used;
	uint8_t *buf;

	/* used length: exact, or off by the fuzzed delta in either direction */
	used = in.n;
	if (mode & 1)
		used = used_delta > used ? 0 : used - used_delta;
	else if (mode & 2)
		used += used_delta;
	if (mode & 4) /* the reply's own unique, as a well-behaved device echoes it */
		unique =
		    in.n >= 16 ? ((const struct fuse_out_header *)(const void *)in.p)->unique : 0;
	buf = fuzz_input_dup(in.p, in.n);
	if (!buf)
		return 0;
	if (fuse_msg_decode_reply(buf, in.n, used, unique, opcode, max_body, &rep, why,
				  sizeof(why)) == 0) {
		FUZZ_CHECK(used <= in.n && used >= FUSE_MSG_OUT_HDR, "used %zu of %zu accepted",
			   used, in.n);
		FUZZ_CHECK(rep.error <= 0 && rep.error >= -FUSE_MSG_MAX_ERRNO, "error %d",
			   rep.error);
		FUZZ_CHECK(rep.unique == unique, "unique");
		FUZZ_CHECK(rep.body == buf + FUSE_MSG_OUT_HDR &&
			       rep.body_len == used - FUSE_MSG_OUT_HDR,
			   "body %zu", rep.body_len);
		FUZZ_CHECK(rep.error || !fuse_msg_op(opcode) || !max_body ||
			       rep.body_len <= max_body,
			   "body %zu > max %u", rep.body_len, max_body);
		FUZZ_CHECK(rep.error || opcode != FUSE_INIT ||
			       rep.body_len == fuse_msg_init_out_size(4) ||
			       rep.body_len == fuse_msg_init_out_size(22) ||
			       rep.body_len == fuse_msg_init_out_size(23),
			   "INIT body %zu accepted", rep.body_len);
		if (rep.error == 0 && (opcode == FUSE_READDIR || (mode & 8)))
			fuzz_rep_dirents(rep.body, rep.body_len);
	}
	if (mode & 16)
		fuzz_rep_dirents(buf, in.n);
	free(buf);
	return 0;
}

/* fuse_trace.c - the trace file of recorded FUSE request/reply pairs (format in fuse_trace.h):
 * a writer the FUSE client calls after each request, and a bounded pure reader for `trace show`
 * and its fuzz target. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fuse_trace.h"

static uint32_t fuse_trace_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void fuse_trace_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

long fuse_trace_parse(const uint8_t *buf, size_t len, fuse_trace_fn fn, void *arg, char *why,
		      size_t whylen)
{
	size_t off = FUSE_TRACE_HDR_LEN, n = 0;

	if (!buf || len < FUSE_TRACE_HDR_LEN || memcmp(buf, FUSE_TRACE_MAGIC, 8)) {
		snprintf(why, whylen, "offset 0: not a trace file (want magic %s, %zu bytes)",
			 FUSE_TRACE_MAGIC, len);
		return -EINVAL;
	}
	if (fuse_trace_le32(buf + 8) != FUSE_TRACE_VERSION ||
	    fuse_trace_le32(buf + 12) != FUSE_TRACE_HDR_LEN) {
		snprintf(why, whylen, "offset 8: version %u, header length %u (want %u, %u)",
			 fuse_trace_le32(buf + 8), fuse_trace_le32(buf + 12), FUSE_TRACE_VERSION,
			 FUSE_TRACE_HDR_LEN);
		return -EINVAL;
	}
	while (off < len) {
		struct fuse_trace_rec r;
		size_t total;
		int rc;

		if (len - off < FUSE_TRACE_REC_HDR_LEN) {
			snprintf(why, whylen,
				 "offset %zu: record %zu: header cut short (%zu bytes)", off, n,
				 len - off);
			return -EINVAL;
		}
		r.kind = fuse_trace_le32(buf + off);
		r.req_len = fuse_trace_le32(buf + off + 4);
		r.data_len = fuse_trace_le32(buf + off + 8);
		r.reply_len = fuse_trace_le32(buf + off + 12);
		r.reply_cap = fuse_trace_le32(buf + off + 16);
		if (r.kind != FUSE_TRACE_KIND_FUSE &&
		    (r.kind != FUSE_TRACE_KIND_HOST || r.data_len || r.reply_len)) {
			snprintf(why, whylen,
				 "offset %zu: record %zu: kind %u with data/reply %u/%u (want kind "
				 "1, or 2 with none)",
				 off, n, r.kind, r.data_len, r.reply_len);
			return -EINVAL;
		}
		if (r.req_len > FUSE_TRACE_PART_MAX || r.data_len > FUSE_TRACE_PART_MAX ||
		    r.reply_len > FUSE_TRACE_PART_MAX || r.reply_cap > FUSE_TRACE_PART_MAX ||
		    r.reply_len > r.reply_cap) {
			snprintf(why, whylen,
				 "offset %zu: record %zu: lengths %u/%u/%u (capacity %u) over the "
				 "%u-byte limit or the reply over its capacity",
				 off, n, r.req_len, r.data_len, r.reply_len, r.reply_cap,
				 FUSE_TRACE_PART_MAX);
			return -EINVAL;
		}
		/* each part is at most 16 MiB: the sum cannot overflow */
		total = (size_t)r.req_len + r.data_len + r.reply_len;
		off += FUSE_TRACE_REC_HDR_LEN;
		if (len - off < total) {
			snprintf(why, whylen,
				 "offset %zu: record %zu: %zu bytes announced, %zu left", off, n,
				 total, len - off);
			return -EINVAL;
		}
		r.req = buf + off;
		r.data = r.req + r.req_len;
		r.reply = r.data + r.data_len;
		off += total;
		if (fn && (rc = fn(arg, &r, n)))
			return rc;
		n++;
	}
	return (long)n;
}

int fuse_trace_write_header(FILE *f)
{
	uint8_t h[FUSE_TRACE_HDR_LEN];

	memcpy(h, FUSE_TRACE_MAGIC, 8);
	fuse_trace_put32(h + 8, FUSE_TRACE_VERSION);
	fuse_trace_put32(h + 12, FUSE_TRACE_HDR_LEN);
	return fwrite(h, sizeof(h), 1, f) == 1 ? 0 : -EIO;
}

int fuse_trace_write(FILE *f, const struct fuse_trace_rec *r)
{
	uint8_t h[FUSE_TRACE_REC_HDR_LEN];

	if (r->req_len > FUSE_TRACE_PART_MAX || r->data_len > FUSE_TRACE_PART_MAX ||
	    r->reply_len > FUSE_TRACE_PART_MAX || r->reply_cap > FUSE_TRACE_PART_MAX ||
	    r->reply_len > r->reply_cap)
		return -E2BIG;
	fuse_trace_put32(h, r->kind == FUSE_TRACE_KIND_HOST ? FUSE_TRACE_KIND_HOST
							    : FUSE_TRACE_KIND_FUSE);
	fuse_trace_put32(h + 4, r->req_len);
	fuse_trace_put32(h + 8, r->data_len);
	fuse_trace_put32(h + 12, r->reply_len);
	fuse_trace_put32(h + 16, r->reply_cap);
	if (fwrite(h, sizeof(h), 1, f) != 1 ||
	    (r->req_len && fwrite(r->req, r->req_len, 1, f) != 1) ||
	    (r->data_len && fwrite(r->data, r->data_len, 1, f) != 1) ||
	    (r->reply_len && fwrite(r->reply, r->reply_len, 1, f) != 1))
		return -EIO;
	return 0;
}

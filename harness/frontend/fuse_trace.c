/* fuse_trace.c - the trace file of a recorded run (format in fuse_trace.h): FUSE request/reply
 * pairs and host steps (version 1), trapped accesses, kicks, used elements and interrupts
 * (version 2); a writer, and bounded pure readers for `trace show`, `replay` and the fuzz
 * target. */
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

/* The fixed request length of a version-2 kind; 0 for the others. */
static uint32_t fuse_trace_fixed_len(uint32_t kind)
{
	switch (kind) {
	case FUSE_TRACE_KIND_STACK:
		return FUSE_TRACE_STACK_LEN;
	case FUSE_TRACE_KIND_MMIO:
		return FUSE_TRACE_MMIO_LEN;
	case FUSE_TRACE_KIND_KICK:
		return FUSE_TRACE_KICK_LEN;
	case FUSE_TRACE_KIND_USED:
		return FUSE_TRACE_USED_LEN;
	case FUSE_TRACE_KIND_IRQ:
		return FUSE_TRACE_IRQ_LEN;
	default:
		return 0;
	}
}

/* Whether a record header fits its kind in this version (lengths not yet checked for limits). */
static int fuse_trace_kind_ok(uint32_t version, const struct fuse_trace_rec *r)
{
	if (r->kind == FUSE_TRACE_KIND_FUSE)
		return 1;
	if (r->kind == FUSE_TRACE_KIND_HOST)
		return !r->data_len && !r->reply_len;
	if (version < 2 || !fuse_trace_fixed_len(r->kind))
		return 0;
	if (r->req_len != fuse_trace_fixed_len(r->kind) || r->reply_len || r->reply_cap)
		return 0;
	/* STACK carries the frontend's name; KICK and USED their regions; the others nothing. */
	if (r->kind == FUSE_TRACE_KIND_STACK)
		return r->data_len <= 64;
	return r->kind == FUSE_TRACE_KIND_KICK || r->kind == FUSE_TRACE_KIND_USED || !r->data_len;
}

uint32_t fuse_trace_version(const uint8_t *buf)
{
	return fuse_trace_le32(buf + 8);
}

static uint64_t fuse_trace_le64(const uint8_t *p)
{
	return (uint64_t)fuse_trace_le32(p) | (uint64_t)fuse_trace_le32(p + 4) << 32;
}

static void fuse_trace_put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

long fuse_trace_regions(const uint8_t *buf, size_t len, fuse_trace_region_fn fn, void *arg,
			char *why, size_t whylen)
{
	size_t off = 0, n = 0;

	while (off < len) {
		struct fuse_trace_region g;
		size_t body;
		int rc;

		if (len - off < FUSE_TRACE_REGION_HDR_LEN) {
			snprintf(why, whylen, "region %zu at %zu: entry cut short (%zu bytes)", n,
				 off, len - off);
			return -EINVAL;
		}
		g.gpa = fuse_trace_le64(buf + off);
		g.len = fuse_trace_le32(buf + off + 8);
		g.type = buf[off + 12];
		if (g.type > FUSE_TRACE_REG_WRITTEN || buf[off + 13] || buf[off + 14] ||
		    buf[off + 15] || (g.type == FUSE_TRACE_REG_HEAD && g.len)) {
			snprintf(why, whylen,
				 "region %zu at %zu: type %u, len %u, padding %02x%02x%02x (want a "
				 "type up to %u, zero padding, a head of length 0)",
				 n, off, g.type, g.len, buf[off + 13], buf[off + 14], buf[off + 15],
				 FUSE_TRACE_REG_WRITTEN);
			return -EINVAL;
		}
		off += FUSE_TRACE_REGION_HDR_LEN;
		body = g.type == FUSE_TRACE_REG_WRITABLE ? 0 : g.len;
		if (len - off < body) {
			snprintf(why, whylen, "region %zu: %u bytes announced, %zu left", n, g.len,
				 len - off);
			return -EINVAL;
		}
		g.bytes = g.type == FUSE_TRACE_REG_WRITABLE ? NULL : buf + off;
		off += body;
		if (fn && (rc = fn(arg, &g, n)))
			return rc;
		n++;
	}
	return (long)n;
}

void fuse_trace_get_stack(const struct fuse_trace_rec *r, struct fuse_trace_stack *out)
{
	out->window_gpa = fuse_trace_le64(r->req);
	out->window_size = fuse_trace_le64(r->req + 8);
	out->mmio_base = fuse_trace_le64(r->req + 16);
	out->mmio_size = fuse_trace_le64(r->req + 24);
	out->vcpus = fuse_trace_le32(r->req + 32);
}

void fuse_trace_get_mmio(const struct fuse_trace_rec *r, struct fuse_trace_mmio *out)
{
	out->addr = fuse_trace_le64(r->req);
	out->value = fuse_trace_le64(r->req + 8);
	out->vcpu = fuse_trace_le32(r->req + 16);
	out->op = r->req[20];
	out->width = r->req[21];
	out->result = (int32_t)fuse_trace_le32(r->req + 24);
}

void fuse_trace_get_kick(const struct fuse_trace_rec *r, struct fuse_trace_kick *out)
{
	out->queue = (uint16_t)(r->req[0] | r->req[1] << 8);
	out->flags = (uint16_t)(r->req[2] | r->req[3] << 8);
	out->chains = fuse_trace_le32(r->req + 4);
}

void fuse_trace_get_used(const struct fuse_trace_rec *r, struct fuse_trace_used *out)
{
	out->queue = (uint16_t)(r->req[0] | r->req[1] << 8);
	out->pos = fuse_trace_le32(r->req + 4);
	out->id = fuse_trace_le32(r->req + 8);
	out->len = fuse_trace_le32(r->req + 12);
}

void fuse_trace_put_stack(uint8_t *buf, const struct fuse_trace_stack *v)
{
	memset(buf, 0, FUSE_TRACE_STACK_LEN);
	fuse_trace_put64(buf, v->window_gpa);
	fuse_trace_put64(buf + 8, v->window_size);
	fuse_trace_put64(buf + 16, v->mmio_base);
	fuse_trace_put64(buf + 24, v->mmio_size);
	fuse_trace_put32(buf + 32, v->vcpus);
}

void fuse_trace_put_mmio(uint8_t *buf, const struct fuse_trace_mmio *v)
{
	memset(buf, 0, FUSE_TRACE_MMIO_LEN);
	fuse_trace_put64(buf, v->addr);
	fuse_trace_put64(buf + 8, v->value);
	fuse_trace_put32(buf + 16, v->vcpu);
	buf[20] = v->op;
	buf[21] = v->width;
	fuse_trace_put32(buf + 24, (uint32_t)v->result);
}

void fuse_trace_put_kick(uint8_t *buf, const struct fuse_trace_kick *v)
{
	buf[0] = (uint8_t)v->queue;
	buf[1] = (uint8_t)(v->queue >> 8);
	buf[2] = (uint8_t)v->flags;
	buf[3] = (uint8_t)(v->flags >> 8);
	fuse_trace_put32(buf + 4, v->chains);
}

void fuse_trace_put_used(uint8_t *buf, const struct fuse_trace_used *v)
{
	memset(buf, 0, FUSE_TRACE_USED_LEN);
	buf[0] = (uint8_t)v->queue;
	buf[1] = (uint8_t)(v->queue >> 8);
	fuse_trace_put32(buf + 4, v->pos);
	fuse_trace_put32(buf + 8, v->id);
	fuse_trace_put32(buf + 12, v->len);
}

void fuse_trace_put_region(uint8_t *buf, uint64_t gpa, uint32_t len, uint8_t type)
{
	memset(buf, 0, FUSE_TRACE_REGION_HDR_LEN);
	fuse_trace_put64(buf, gpa);
	fuse_trace_put32(buf + 8, len);
	buf[12] = type;
}

long fuse_trace_parse(const uint8_t *buf, size_t len, fuse_trace_fn fn, void *arg, char *why,
		      size_t whylen)
{
	size_t off = FUSE_TRACE_HDR_LEN, n = 0;
	uint32_t version;

	if (!buf || len < FUSE_TRACE_HDR_LEN || memcmp(buf, FUSE_TRACE_MAGIC, 8)) {
		snprintf(why, whylen, "offset 0: not a trace file (want magic %s, %zu bytes)",
			 FUSE_TRACE_MAGIC, len);
		return -EINVAL;
	}
	version = fuse_trace_le32(buf + 8);
	if (version < FUSE_TRACE_VERSION_MIN || version > FUSE_TRACE_VERSION ||
	    fuse_trace_le32(buf + 12) != FUSE_TRACE_HDR_LEN) {
		snprintf(why, whylen,
			 "offset 8: version %u, header length %u (this harness reads versions "
			 "%u to %u, header length %u)",
			 version, fuse_trace_le32(buf + 12), FUSE_TRACE_VERSION_MIN,
			 FUSE_TRACE_VERSION, FUSE_TRACE_HDR_LEN);
		return -EINVAL;
	}
	while (off < len) {
		struct fuse_trace_rec r;
		size_t total;
		char rwhy[160];
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
		if (!fuse_trace_kind_ok(version, &r)) {
			snprintf(why, whylen,
				 "offset %zu: record %zu: kind %u with request/data/reply/capacity "
				 "%u/%u/%u/%u (version %u: want kind 1, 2 with no data or reply%s)",
				 off, n, r.kind, r.req_len, r.data_len, r.reply_len, r.reply_cap,
				 version,
				 version >= 2 ? ", or 3-7 with their fixed lengths and no reply"
					      : "");
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
		if ((r.kind == FUSE_TRACE_KIND_KICK || r.kind == FUSE_TRACE_KIND_USED) &&
		    fuse_trace_regions(r.data, r.data_len, NULL, NULL, rwhy, sizeof(rwhy)) < 0) {
			snprintf(why, whylen, "offset %zu: record %zu: regions: %s", off, n, rwhy);
			return -EINVAL;
		}
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
	fuse_trace_put32(h, r->kind ? r->kind : FUSE_TRACE_KIND_FUSE);
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

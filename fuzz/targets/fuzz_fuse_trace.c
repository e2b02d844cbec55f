/* fuzz_fuse_trace.c - libFuzzer target: a `run --record` trace file (fuse_trace_parse, and
 * fuse_trace_regions over every KICK's and USED's region list), which `baoharness trace show`
 * and `replay` read from disk. Oracle: every record handed out lies inside the input in file
 * order without overlap, its parts within the limit, a version-2 kind only in a version-2 file
 * with its fixed length; every region inside its record's data, contiguous, with bytes exactly
 * when its type carries them; counts match; a refusal says why. */
#include <errno.h>
#include <string.h>

#include "fuse_trace.h"
#include "fuzz_input.h"
#include "log.h"

FUZZ_QUIET_INIT()

struct fuzz_fuse_trace_seen {
	const uint8_t *buf, *next;
	size_t len, n;
	uint32_t version;
};

struct fuzz_fuse_trace_regions {
	const uint8_t *data, *next;
	size_t len, n;
};

static int fuzz_fuse_trace_region(void *arg, const struct fuse_trace_region *g, size_t index)
{
	struct fuzz_fuse_trace_regions *s = arg;
	const uint8_t *body = s->next + FUSE_TRACE_REGION_HDR_LEN;

	FUZZ_CHECK(index == s->n, "region %zu handed out as %zu", s->n, index);
	FUZZ_CHECK(g->type <= FUSE_TRACE_REG_WRITTEN, "type %u accepted", g->type);
	FUZZ_CHECK(g->type == FUSE_TRACE_REG_WRITABLE ? !g->bytes : g->bytes == body,
		   "region %zu: bytes %p, want %p", index, (const void *)g->bytes,
		   (const void *)body);
	s->next = body + (g->bytes ? g->len : 0);
	FUZZ_CHECK(s->next <= s->data + s->len, "region %zu past its record", index);
	s->n++;
	return 0;
}

static int fuzz_fuse_trace_rec(void *arg, const struct fuse_trace_rec *r, size_t index)
{
	struct fuzz_fuse_trace_seen *s = arg;

	FUZZ_CHECK(index == s->n, "record %zu handed out as %zu", s->n, index);
	FUZZ_CHECK(r->kind == FUSE_TRACE_KIND_FUSE ||
		       (r->kind == FUSE_TRACE_KIND_HOST && !r->data_len && !r->reply_len) ||
		       (s->version >= 2 && r->kind >= FUSE_TRACE_KIND_STACK &&
			r->kind <= FUSE_TRACE_KIND_IRQ && !r->reply_len && !r->reply_cap),
		   "kind %u accepted with %u/%u in version %u", r->kind, r->data_len, r->reply_len,
		   s->version);
	if (r->kind == FUSE_TRACE_KIND_MMIO) {
		struct fuse_trace_mmio m;

		FUZZ_CHECK(r->req_len == FUSE_TRACE_MMIO_LEN, "MMIO of %u bytes", r->req_len);
		fuse_trace_get_mmio(r, &m);
	}
	if (r->kind == FUSE_TRACE_KIND_KICK || r->kind == FUSE_TRACE_KIND_USED) {
		struct fuzz_fuse_trace_regions g = {r->data, r->data, r->data_len, 0};
		char why[160];
		long n = fuse_trace_regions(r->data, r->data_len, fuzz_fuse_trace_region, &g, why,
					    sizeof(why));

		FUZZ_CHECK(n >= 0 && (size_t)n == g.n,
			   "regions of an accepted record: %ld, saw %zu", n, g.n);
		FUZZ_CHECK(g.next == r->data + r->data_len, "regions end before the data");
	}
	FUZZ_CHECK(r->req_len <= FUSE_TRACE_PART_MAX && r->data_len <= FUSE_TRACE_PART_MAX &&
		       r->reply_len <= FUSE_TRACE_PART_MAX && r->reply_len <= r->reply_cap,
		   "part over the limit or reply over its capacity");
	FUZZ_CHECK(r->req == s->next + FUSE_TRACE_REC_HDR_LEN, "record %zu not where expected",
		   index);
	FUZZ_CHECK(r->data == r->req + r->req_len && r->reply == r->data + r->data_len,
		   "parts not contiguous");
	FUZZ_CHECK(r->reply + r->reply_len <= s->buf + s->len, "record %zu past the end", index);
	s->next = r->reply + r->reply_len;
	s->n++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = fuzz_input_dup(data, size);
	char why[256] = "";
	long n;

	if (!buf)
		return 0;
	struct fuzz_fuse_trace_seen s = {buf, buf + FUSE_TRACE_HDR_LEN, size, 0,
					 size >= FUSE_TRACE_HDR_LEN ? fuse_trace_version(buf) : 0};

	n = fuse_trace_parse(buf, size, fuzz_fuse_trace_rec, &s, why, sizeof(why));
	if (n >= 0) {
		FUZZ_CHECK((size_t)n == s.n, "returned %ld, saw %zu", n, s.n);
		FUZZ_CHECK(s.next == buf + size, "accepted with %zu bytes unread",
			   (size_t)(buf + size - s.next));
	} else {
		FUZZ_CHECK(n == -EINVAL, "refused with %ld", n);
		FUZZ_CHECK(why[0] && memchr(why, '\0', sizeof(why)), "refused without a reason");
	}
	free(buf);
	return 0;
}

/* fuzz_fuse_trace.c - libFuzzer target: a `run --record` trace file (fuse_trace_parse), which
 * `baoharness trace show` reads from disk. Oracle: every record handed out lies inside the
 * input in file order without overlap, its parts within the limit, and the count returned is
 * the number of records seen; a refusal says why. */
#include <errno.h>
#include <string.h>

#include "fuse_trace.h"
#include "fuzz_input.h"
#include "log.h"

FUZZ_QUIET_INIT()

struct fuzz_fuse_trace_seen {
	const uint8_t *buf, *next;
	size_t len, n;
};

static int fuzz_fuse_trace_rec(void *arg, const struct fuse_trace_rec *r, size_t index)
{
	struct fuzz_fuse_trace_seen *s = arg;

	FUZZ_CHECK(index == s->n, "record %zu handed out as %zu", s->n, index);
	FUZZ_CHECK(r->kind == FUSE_TRACE_KIND_FUSE ||
		       (r->kind == FUSE_TRACE_KIND_HOST && !r->data_len && !r->reply_len),
		   "kind %u accepted with %u/%u", r->kind, r->data_len, r->reply_len);
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
	struct fuzz_fuse_trace_seen s = {buf, buf + FUSE_TRACE_HDR_LEN, size, 0};

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

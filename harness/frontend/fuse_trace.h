/* fuse_trace.h - the recorded FUSE traffic of a run (`baoharness run --record FILE`): every
 * request the scripted frontend's FUSE client sent, byte for byte, with the reply the device
 * wrote back. Recorded at the FUSE client (fuse_client_call), the simplest place that sees both
 * halves decoded; `baoharness trace show` prints it. Format (all little-endian):
 *   header  : magic "BAOFTRC1" (8 bytes), le32 version (1), le32 header length (16)
 *   record  : le32 kind (1 = a FUSE request/reply pair), le32 request length, le32 data length
 *             (a WRITE's payload, sent in its own descriptor), le32 reply length (0: none, e.g.
 *             FORGET, or a device that wrote nothing), le32 reply capacity (the writable
 *             buffer's size: a server sizes READ replies by it), then the bytes in that order;
 *             kind 2 = a scenario host step done on the share between requests (its text as
 *             the "request", no data, no reply), so a replay can redo it in order.
 * The reader is a pure function over (buf, len) with a libFuzzer target (fuzz_fuse_trace). */
#ifndef HARNESS_FUSE_TRACE_H
#define HARNESS_FUSE_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FUSE_TRACE_MAGIC "BAOFTRC1"
#define FUSE_TRACE_VERSION 1u
#define FUSE_TRACE_HDR_LEN 16u
#define FUSE_TRACE_REC_HDR_LEN 20u
#define FUSE_TRACE_KIND_FUSE 1u
#define FUSE_TRACE_KIND_HOST 2u
/* No single part is longer: FUSE's largest messages are 1 MiB of data plus headers. */
#define FUSE_TRACE_PART_MAX (16u << 20)

struct fuse_trace_rec {
	uint32_t kind;
	const uint8_t *req, *data, *reply;
	uint32_t req_len, data_len, reply_len;
	uint32_t reply_cap; /* the writable buffer the device was given */
};

/* Called once per record in file order (index from 0); nonzero stops the walk with that. */
typedef int (*fuse_trace_fn)(void *arg, const struct fuse_trace_rec *r, size_t index);

/* Walk a whole trace file held in buf. Returns the number of records, or -EINVAL (bad magic,
 * version, header length, kind, a truncated record, a part over FUSE_TRACE_PART_MAX) with
 * "offset N: message" in why, or fn's nonzero result. Pure: no allocation, no I/O. */
long fuse_trace_parse(const uint8_t *buf, size_t len, fuse_trace_fn fn, void *arg, char *why,
		      size_t whylen);
/* Write the header to f: 0 or -errno. */
int fuse_trace_write_header(FILE *f);
/* Append one record to f: 0, -E2BIG (a part too long) or -errno. */
int fuse_trace_write(FILE *f, const struct fuse_trace_rec *r);

#endif

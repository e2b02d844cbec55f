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
 * Version 2 (issue 17: the boundaries the hypervisor owns, recorded in fakebao for every trapped
 * frontend, scripted or a real Linux under QEMU) adds, with the same 20-byte record header:
 *   kind 3 STACK: a fresh stack starts (one per scenario file); request = struct fields below
 *             (window gpa/size, trap region base/size, vCPUs), data = the frontend's name;
 *   kind 4 MMIO : one trapped access, completed; request = 32 bytes: le64 addr, le64 value (the
 *             value written, or the value a read returned), le32 vCPU, u8 op (0 write, 1 read),
 *             u8 width, le16 0, le32 result (0 or -errno as two's complement);
 *   kind 5 KICK : the chains made available on a queue, as they were in the window before the
 *             device could see them (recorded before the QueueNotify write is forwarded, or at
 *             the next trapped access/interrupt for chains made available without one); request
 *             = le16 queue, le16 flags (1: a QueueNotify write follows), le32 chains; data = a
 *             region list (below): the avail ring's new entries and used_event, each chain's
 *             head marker, descriptors, indirect tables and readable buffers with their bytes,
 *             writable buffers without; last the avail ring's flags and idx;
 *   kind 6 USED : one used element the device returned; request = le16 queue, le16 0, le32
 *             position (the used index it was written at), le32 id, le32 len; data = a region
 *             list of the bytes written into the chain's writable buffers (at most len in all);
 *   kind 7 IRQ  : an interrupt delivered to the frontend; request = le64 its number (from 1).
 *   region list: entries of le64 gpa, le32 len, u8 type, u8 0, le16 0, then len bytes unless
 *             the type is WRITABLE (types: FUSE_TRACE_REG_*).
 * Version 1 files (kinds 1 and 2 only) are still read. The readers are pure functions over
 * (buf, len) with a libFuzzer target (fuzz_fuse_trace). */
#ifndef HARNESS_FUSE_TRACE_H
#define HARNESS_FUSE_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FUSE_TRACE_MAGIC "BAOFTRC1"
#define FUSE_TRACE_VERSION 2u
#define FUSE_TRACE_VERSION_MIN 1u
#define FUSE_TRACE_HDR_LEN 16u
#define FUSE_TRACE_REC_HDR_LEN 20u
#define FUSE_TRACE_KIND_FUSE 1u
#define FUSE_TRACE_KIND_HOST 2u
#define FUSE_TRACE_KIND_STACK 3u
#define FUSE_TRACE_KIND_MMIO 4u
#define FUSE_TRACE_KIND_KICK 5u
#define FUSE_TRACE_KIND_USED 6u
#define FUSE_TRACE_KIND_IRQ 7u
#define FUSE_TRACE_STACK_LEN 40u
#define FUSE_TRACE_MMIO_LEN 32u
#define FUSE_TRACE_KICK_LEN 8u
#define FUSE_TRACE_USED_LEN 16u
#define FUSE_TRACE_IRQ_LEN 8u
#define FUSE_TRACE_KICK_NOTIFY 1u
/* Region types of a KICK's or USED's region list. */
#define FUSE_TRACE_REG_AVAIL 0u	   /* part of the avail ring (entries, used_event, flags+idx) */
#define FUSE_TRACE_REG_HEAD 1u	   /* a chain starts: gpa = its head index, len 0 */
#define FUSE_TRACE_REG_DESC 2u	   /* descriptor table entries or an indirect table */
#define FUSE_TRACE_REG_READABLE 3u /* a buffer the device reads, with its bytes */
#define FUSE_TRACE_REG_WRITABLE 4u /* a buffer the device may write (no bytes) */
#define FUSE_TRACE_REG_WRITTEN 5u  /* bytes the device wrote (USED) */
#define FUSE_TRACE_REGION_HDR_LEN 16u
/* No single part is longer: FUSE's largest messages are 1 MiB of data plus headers. */
#define FUSE_TRACE_PART_MAX (16u << 20)

struct fuse_trace_rec {
	uint32_t kind;
	const uint8_t *req, *data, *reply;
	uint32_t req_len, data_len, reply_len;
	uint32_t reply_cap; /* the writable buffer the device was given */
};

/* The fixed parts of the version-2 kinds, decoded (fuse_trace_decode). */
struct fuse_trace_stack {
	uint64_t window_gpa, window_size, mmio_base, mmio_size;
	uint32_t vcpus;
};
struct fuse_trace_mmio {
	uint64_t addr, value;
	uint32_t vcpu;
	uint8_t op, width; /* op: 0 write, 1 read (Bao's BAO_IO_WRITE/READ) */
	int32_t result;
};
struct fuse_trace_kick {
	uint16_t queue, flags;
	uint32_t chains;
};
struct fuse_trace_used {
	uint16_t queue;
	uint32_t pos, id, len;
};
struct fuse_trace_region {
	uint64_t gpa;
	uint32_t len;
	uint8_t type;
	const uint8_t *bytes; /* NULL for WRITABLE */
};

/* Called once per record in file order (index from 0); nonzero stops the walk with that. */
typedef int (*fuse_trace_fn)(void *arg, const struct fuse_trace_rec *r, size_t index);

/* Walk a whole trace file held in buf. Returns the number of records, or -EINVAL (bad magic,
 * version, header length, kind, a truncated record, a part over FUSE_TRACE_PART_MAX) with
 * "offset N: message" in why, or fn's nonzero result. Pure: no allocation, no I/O. */
/* The version of a trace whose header fuse_trace_parse accepted (1 or 2). */
uint32_t fuse_trace_version(const uint8_t *buf);
long fuse_trace_parse(const uint8_t *buf, size_t len, fuse_trace_fn fn, void *arg, char *why,
		      size_t whylen);
/* Walk a KICK's or USED's region list (r->data); fn gets each region in order, nonzero stops the
 * walk with that. Returns the number of regions, or -EINVAL with why (an entry cut short, an
 * unknown type, bytes past the end). Pure. */
typedef int (*fuse_trace_region_fn)(void *arg, const struct fuse_trace_region *g, size_t index);
long fuse_trace_regions(const uint8_t *buf, size_t len, fuse_trace_region_fn fn, void *arg,
			char *why, size_t whylen);
/* Decode the fixed part of a STACK, MMIO, KICK or USED record (the parser checked its length). */
void fuse_trace_get_stack(const struct fuse_trace_rec *r, struct fuse_trace_stack *out);
void fuse_trace_get_mmio(const struct fuse_trace_rec *r, struct fuse_trace_mmio *out);
void fuse_trace_get_kick(const struct fuse_trace_rec *r, struct fuse_trace_kick *out);
void fuse_trace_get_used(const struct fuse_trace_rec *r, struct fuse_trace_used *out);
/* Encoders for the writer: the fixed part into buf (its kind's length). */
void fuse_trace_put_stack(uint8_t *buf, const struct fuse_trace_stack *v);
void fuse_trace_put_mmio(uint8_t *buf, const struct fuse_trace_mmio *v);
void fuse_trace_put_kick(uint8_t *buf, const struct fuse_trace_kick *v);
void fuse_trace_put_used(uint8_t *buf, const struct fuse_trace_used *v);
/* One region entry's header into buf (FUSE_TRACE_REGION_HDR_LEN bytes). */
void fuse_trace_put_region(uint8_t *buf, uint64_t gpa, uint32_t len, uint8_t type);

/* Write the header to f: 0 or -errno. */
int fuse_trace_write_header(FILE *f);
/* Append one record to f: 0, -E2BIG (a part too long) or -errno. */
int fuse_trace_write(FILE *f, const struct fuse_trace_rec *r);

#endif

/* fuse_msg.h - FUSE wire messages as pure functions over (buffer, length): encode requests,
 * decode and validate replies (driver view), decode and validate requests (device view),
 * iterate READDIR records, and the opcode table (names for logs, size rules per opcode). */
#ifndef HARNESS_FUSE_MSG_H
#define HARNESS_FUSE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/fuse.h>

#define FUSE_MSG_IN_HDR 40u  /* sizeof(struct fuse_in_header) */
#define FUSE_MSG_OUT_HDR 16u /* sizeof(struct fuse_out_header) */
#define FUSE_MSG_MAX_ERRNO 4095
#define FUSE_MSG_NAME_MAX 1024u /* Linux FUSE_NAME_MAX: longest dirent name accepted */

/* Per-opcode rules (libfuse's fuse_ll_ops[] plus the sizes it never checks). */
struct fuse_msg_op {
	const char *name;
	uint32_t in_min;    /* fixed argument struct the request body starts with */
	uint8_t in_names;   /* NUL-terminated strings after it */
	bool in_data;	    /* variable payload after it (WRITE: exactly write_in.size bytes) */
	bool no_reply;	    /* FORGET, BATCH_FORGET */
	bool reply_var;	    /* body is variable: reply_min..reply_max (0 = the caller's bound) */
	uint32_t reply_min; /* body size a successful reply needs (exact unless reply_var) */
	uint32_t reply_max;
};

/* The rules for opcode, or NULL when it is unknown. */
const struct fuse_msg_op *fuse_msg_op(uint32_t opcode);
/* "LOOKUP", ..., or "UNKNOWN" - never NULL. */
const char *fuse_msg_op_name(uint32_t opcode);

/* A request to encode: header fields, the argument struct, up to two names, data. */
struct fuse_msg_req {
	uint32_t opcode;
	uint64_t unique;
	uint64_t nodeid;
	uint32_t uid, gid, pid;
	const void *arg;
	size_t arg_len;
	const char *name1, *name2; /* each written with its NUL */
	const void *data;	   /* written after the names */
	size_t data_len;
	size_t extra_len; /* counted in fuse_in_header.len but sent in a later descriptor */
};

/* Encode r into buf[0..cap). *len = bytes written (header.len = *len + extra_len).
 * 0, -E2BIG (buffer too small), -EINVAL (arg shorter than the opcode's struct, wrong name
 * count, unknown opcode, or a total over 4 GiB). */
int fuse_msg_encode(const struct fuse_msg_req *r, void *buf, size_t cap, size_t *len);

/* Size of fuse_init_out a server speaking 7.minor sends (Linux fuse_kernel.h): 8 bytes
 * before 7.5 (FUSE_COMPAT_INIT_OUT_SIZE), 24 before 7.23 (FUSE_COMPAT_22_INIT_OUT_SIZE), then
 * the whole 64-byte struct. A server sizes its reply by the lower of its minor and ours. */
size_t fuse_msg_init_out_size(uint32_t minor);

/* A validated reply. body points into the caller's buffer. */
struct fuse_msg_reply {
	int32_t error; /* 0 or -errno */
	uint64_t unique;
	const uint8_t *body;
	size_t body_len;
};

/* Validate the reply the device wrote: used_len bytes of buf (buf_len is how much was given).
 * header.len == used_len >= 16, unique == expect_unique, error 0 or in [-4095, -1], and on
 * success the body size fits the opcode (reply_min..reply_max, and <= max_body when nonzero).
 * 0 (then check out->error), or -EPROTO with why filled. */
int fuse_msg_decode_reply(const void *buf, size_t buf_len, size_t used_len, uint64_t expect_unique,
			  uint32_t opcode, size_t max_body, struct fuse_msg_reply *out, char *why,
			  size_t why_len);

/* A validated request (device view). Pointers go into the caller's buffer. */
struct fuse_msg_in {
	struct fuse_in_header hdr;
	const struct fuse_msg_op *op;
	const uint8_t *arg; /* op->in_min bytes (the rest of the body when names/data follow) */
	size_t body_len;    /* bytes after the header */
	const char *name1, *name2;
	const uint8_t *data;
	size_t data_len;
};

/* Validate a request: len >= 40, header.len == len, opcode known, body at least the opcode's
 * struct, the expected NUL-terminated names inside the body, WRITE data matching its size.
 * 0, -EINVAL (malformed) or -ENOSYS (unknown opcode), with why filled. */
int fuse_msg_decode_request(const void *buf, size_t len, struct fuse_msg_in *out, char *why,
			    size_t why_len);

/* One READDIR record. name points into the buffer and is not NUL-terminated. */
struct fuse_msg_dirent {
	uint64_t ino, off;
	uint32_t type;
	const char *name;
	uint32_t namelen;
};

/* Decode the record at *pos of a READDIR reply body and advance *pos. 1 for a record, 0 at
 * the end, -EPROTO for a malformed one (short, name length 0 or > 1024, or a '/' or NUL in
 * the name) with why filled. */
int fuse_msg_dirent_next(const void *buf, size_t len, size_t *pos, struct fuse_msg_dirent *d,
			 char *why, size_t why_len);

#endif

/* reply_mut.h - the hostile backend's mutation engine (issue 18): structure-aware changes to one
 * FUSE reply and its used-ring entry as the guest's virtio-fs driver will read them, and the
 * bounded walk of a split-ring descriptor chain in the shared window that finds those bytes.
 * Pure functions over (buf, len, rng): unit-tested and fuzzed (fuzz/targets/fuzz_reply_mut.c);
 * the device model applies them only in mutation mode (mut_relay.c). */
#ifndef REPLY_MUT_H
#define REPLY_MUT_H

#include <stddef.h>
#include <stdint.h>

/* What a mutation targets; a class applies only where its structure is present. */
enum reply_mut_class {
	REPLY_MUT_LEN_SHORT, /* fuse_out_header.len below 16 or below the reply */
	REPLY_MUT_LEN_LONG,  /* len past the reply, or huge */
	REPLY_MUT_UNIQUE,    /* unique of another request (+-2) or of none */
	REPLY_MUT_ERROR,     /* error positive or below -4095 */
	REPLY_MUT_USED_LEN,  /* used-ring len larger than the writable buffer */
	REPLY_MUT_USED_ID,   /* used-ring id of another entry, or past the ring */
	REPLY_MUT_DIRENT, /* READDIR/READDIRPLUS namelen, reclen (via namelen), off, name bytes */
	REPLY_MUT_ATTR,	  /* fuse_attr mode, size, nlink, ino, blksize */
	REPLY_MUT_INIT,	  /* FUSE_INIT reply max_write, max_pages, flags, minor, time_gran */
	REPLY_MUT_BYTES,  /* a few random body bytes */
	/* Ring-level classes: the relay (mut_relay.c) acts on the used ring as the result says. */
	REPLY_MUT_MISSING, /* the used entry dropped: a reply never delivered */
	REPLY_MUT_EXTRA,   /* one more used entry, for a head not in flight (or answered already) */
	REPLY_MUT_NOTIFY,  /* a FUSE notification (unique 0, error = code) where a reply was due;
			    * on the hiprio queue, a used entry the driver does not expect */
	REPLY_MUT_NCLASSES
};

#define REPLY_MUT_ALL ((1u << REPLY_MUT_NCLASSES) - 1)
#define REPLY_MUT_HDR 16 /* sizeof(struct fuse_out_header) */

/* splitmix64: tiny, seedable, the same sequence everywhere. */
struct reply_mut_rng {
	uint64_t s;
};

/* The reply as the device sees it when it is used: request opcode/unique (from the readable
 * part), the writable capacity, the used entry, and the ring's size. */
struct reply_mut_ctx {
	uint32_t opcode;
	uint64_t unique;
	uint32_t cap;	   /* writable bytes of the chain */
	uint32_t used_len; /* what virtiofsd wrote in the used entry */
	uint32_t used_id;
	uint32_t ring_num;
	uint32_t prev_id; /* the entry before this one in the used ring */
	int hiprio;	  /* the hiprio queue (FORGETs, no replies) */
	int batch_last;	  /* the last new entry of this pass: an extra entry can follow it */
};

struct reply_mut_result {
	int cls;	   /* the class applied */
	uint32_t used_len; /* the used entry to write back */
	uint32_t used_id;
	int drop;		      /* MISSING: the entry is not to reach the driver */
	int extra;		      /* EXTRA, NOTIFY on hiprio: this entry follows it */
	uint32_t extra_id, extra_len; /* ... with these */
	char what[112];		      /* "len 16 -> 4294967295" */
};

uint64_t reply_mut_rand(struct reply_mut_rng *r);
const char *reply_mut_class_name(int cls);
/* "len-long" -> class, or -EINVAL. */
int reply_mut_class_parse(const char *name);
/* Pick a class from mask that applies to this reply (buf holds its first len bytes, len <=
 * the reply's used length) and apply it in place. 0 with *res filled, -ENOENT when no class
 * of mask applies (e.g. DIRENT on a READ reply), -EINVAL for a bad ctx. */
int reply_mut_apply(uint8_t *buf, size_t len, uint32_t mask, const struct reply_mut_ctx *ctx,
		    struct reply_mut_rng *rng, struct reply_mut_result *res);

/* One buffer of a descriptor chain: its offset in the window and length (clamped to it). */
struct reply_mut_seg {
	uint64_t off;
	uint32_t len;
	int writable;
};

/* Walk the chain at head of the split ring whose descriptor table is at desc_off in the window
 * (win, win_size bytes, guest address win_gpa), following NEXT and one INDIRECT table, at most
 * num (and 1024 indirect) descriptors. Every buffer must lie inside the window. 0 with *nseg
 * segments, -EINVAL (bad head, address outside, loop, nested indirect) or -E2BIG (> max). */
int reply_mut_chain(const uint8_t *win, uint64_t win_gpa, uint64_t win_size, uint64_t desc_off,
		    uint32_t num, uint32_t head, struct reply_mut_seg *segs, unsigned max,
		    unsigned *nseg);

#endif

/* fuzz_gen.h - structure-aware FUSE request generator for the whole-stack fuzzer: valid
 * headers with mutated bodies, every opcode 0..255, wrong lengths, unknown node ids and
 * handles, hostile names, oversized and overflowing READ/WRITE, DESTROY and a second INIT. It
 * learns node ids and file handles from replies so requests reach past the front door. */
#ifndef HARNESS_FUZZ_GEN_H
#define HARNESS_FUZZ_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fuzz_gen_class {
	FUZZ_GEN_VALID,	       /* well formed, known node/handle/name */
	FUZZ_GEN_MUTATED,      /* valid header, body bytes flipped */
	FUZZ_GEN_ANY_OPCODE,   /* opcode 0..255 with a random body */
	FUZZ_GEN_WRONG_LEN,    /* in_header.len differs from the bytes sent */
	FUZZ_GEN_BAD_NAME,     /* no NUL, empty, "..", with '/', longer than NAME_MAX */
	FUZZ_GEN_UNKNOWN_NODE, /* node ids and handles never handed out */
	FUZZ_GEN_FORGET,       /* FORGET / BATCH_FORGET of unknown nodes */
	FUZZ_GEN_RW_EDGE,      /* sizes above max_write, offset + size overflow */
	FUZZ_GEN_SESSION,      /* DESTROY, a second INIT, requests in between */
	FUZZ_GEN_SHORT,	       /* shorter than the 40-byte in header */
	FUZZ_GEN_HUGE,	       /* larger than virtiofsd's request buffer */
	FUZZ_GEN_CLASS_COUNT
};

#define FUZZ_GEN_REQ_MAX (2u << 20) /* FUZZ_GEN_HUGE goes up to this */

struct fuzz_gen {
	uint64_t rng;
	uint64_t unique;
	uint64_t nodes[32]; /* learned from entry replies; nodes[0] = 1 (root) */
	unsigned n_nodes;
	uint64_t fhs[32]; /* learned from OPEN/CREATE/OPENDIR replies */
	unsigned n_fhs;
	uint32_t max_write;
	bool destroyed;			 /* a DESTROY was sent: an INIT follows soon */
	bool skip[FUZZ_GEN_CLASS_COUNT]; /* classes not to generate (known crashers) */
	/* Steering away from a crash already recorded: CREATE without O_EXCL of an existing name
	 * (virtiofsd 7.2's abort) only one time in 500 once the campaign has it. */
	bool create_excl;
};

/* What was generated, for the oracles and the statistics. */
struct fuzz_gen_info {
	uint32_t opcode;
	enum fuzz_gen_class cls;
	uint64_t unique;
	uint16_t queue;
};

void fuzz_gen_init(struct fuzz_gen *g, uint64_t seed);
/* Generate one request into buf[0..cap) (cap >= FUZZ_GEN_REQ_MAX); returns its length. */
size_t fuzz_gen_next(struct fuzz_gen *g, uint8_t *buf, size_t cap, struct fuzz_gen_info *info);
/* Learn node ids and handles from a reply already validated for opcode. */
void fuzz_gen_learn(struct fuzz_gen *g, uint32_t opcode, const uint8_t *body, size_t len);
/* Forget learned state (after a restart of the stack). */
void fuzz_gen_reset_state(struct fuzz_gen *g);
const char *fuzz_gen_class_name(enum fuzz_gen_class c);
uint64_t fuzz_gen_rand(struct fuzz_gen *g);

#endif

/* fuzz_input.h - a byte cursor over one fuzz input, shared by the targets: fixed-width
 * little-endian reads that yield zeros once the input is used up, so every input decodes to
 * something. */
#ifndef FUZZ_INPUT_H
#define FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct fuzz_input {
	const uint8_t *p;
	size_t n;
};

static inline uint64_t fuzz_input_uint(struct fuzz_input *in, size_t width)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < width && in->n; i++, in->p++, in->n--)
		v |= (uint64_t)in->p[0] << (8 * i);
	return v;
}

static inline uint8_t fuzz_input_u8(struct fuzz_input *in)
{
	return (uint8_t)fuzz_input_uint(in, 1);
}

static inline uint16_t fuzz_input_u16(struct fuzz_input *in)
{
	return (uint16_t)fuzz_input_uint(in, 2);
}

static inline uint32_t fuzz_input_u32(struct fuzz_input *in)
{
	return (uint32_t)fuzz_input_uint(in, 4);
}

static inline uint64_t fuzz_input_u64(struct fuzz_input *in)
{
	return fuzz_input_uint(in, 8);
}

/* Take up to want bytes; returns how many were taken (pointer in *out). */
static inline size_t fuzz_input_take(struct fuzz_input *in, size_t want, const uint8_t **out)
{
	size_t k = want < in->n ? want : in->n;

	*out = in->p;
	in->p += k;
	in->n -= k;
	return k;
}

/* An exact-size heap copy, so AddressSanitizer catches a read one byte past the input. */
static inline uint8_t *fuzz_input_dup(const uint8_t *p, size_t n)
{
	uint8_t *b = malloc(n ? n : 1);

	if (b && n)
		memcpy(b, p, n);
	return b;
}

/* Every target's LLVMFuzzerInitialize: errors only, since hostile inputs make every layer of
 * the code under test warn and a campaign's log would be nothing else. */
#define FUZZ_QUIET_INIT()                                                                          \
	int LLVMFuzzerInitialize(int *argc, char ***argv);                                         \
	int LLVMFuzzerInitialize(int *argc, char ***argv)                                          \
	{                                                                                          \
		(void)argc;                                                                        \
		(void)argv;                                                                        \
		log_set_level(LOG_ERROR);                                                          \
		return 0;                                                                          \
	}

/* An oracle violation: crash so the fuzzer saves the input (message first, for triage). */
#define FUZZ_CHECK(cond, ...)                                                                      \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz oracle: %s: ", #cond);                               \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif

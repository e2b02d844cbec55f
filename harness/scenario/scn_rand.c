/* scn_rand.c - the @rand:N:SEED byte generator (xorshift64*, scenario-format.md): every
 * frontend and the host must produce the same bytes, so this is the one definition. */
#include "scn.h"

void scn_rand_fill(unsigned char *buf, size_t n, uint64_t seed)
{
	uint64_t x = seed, out;
	size_t i = 0, k;

	while (i < n) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		out = x * 0x2545F4914F6CDD1DULL;
		/* little-endian bytes; the last word is truncated to its low bytes */
		for (k = 0; k < 8 && i < n; k++, i++)
			buf[i] = (unsigned char)(out >> (8 * k));
	}
}

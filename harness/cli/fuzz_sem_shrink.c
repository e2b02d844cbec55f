/* fuzz_sem_shrink.c - delta debugging over a failing program's steps (Zeller and Hildebrandt,
 * "Simplifying and Isolating Failure-Inducing Input", 2002): remove ever smaller chunks while the
 * failure stays; at chunk size one the result is 1-minimal (no single step can go). The test is
 * the caller's, so the same code shrinks against any executor and is unit-tested with a fake. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_sem.h"

/* keep[] from the indexes in cur[0..m) */
static void fuzz_sem_shrink_mask(unsigned char *mask, size_t n, const size_t *cur, size_t m,
				 size_t skip_from, size_t skip_to)
{
	memset(mask, 0, n);
	for (size_t i = 0; i < m; i++)
		if (i < skip_from || i >= skip_to)
			mask[cur[i]] = 1;
}

unsigned int fuzz_sem_shrink(size_t n, unsigned char *keep, fuzz_sem_shrink_fn fails, void *arg,
			     unsigned int budget)
{
	size_t *cur = malloc((n ? n : 1) * sizeof(*cur)), m = 0, gran = 2;
	unsigned char *mask = malloc(n ? n : 1);
	unsigned int tests = 0;
	int stop = 0;

	if (!cur || !mask) {
		free(cur);
		free(mask);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (keep[i])
			cur[m++] = i;
	while (m >= 2 && !stop && tests < budget) {
		size_t chunk = (m + gran - 1) / gran;
		int reduced = 0;

		/* Try each complement: everything but one chunk. */
		for (size_t from = 0; from < m && tests < budget; from += chunk) {
			size_t to = from + chunk < m ? from + chunk : m;
			int r;

			fuzz_sem_shrink_mask(mask, n, cur, m, from, to);
			r = fails(arg, mask, n);
			tests++;
			if (r < 0) {
				stop = 1;
				break;
			}
			if (r == 1) {
				memmove(cur + from, cur + to, (m - to) * sizeof(*cur));
				m -= to - from;
				gran = gran > 2 ? gran - 1 : 2;
				reduced = 1;
				break;
			}
		}
		if (!reduced && !stop) {
			if (gran >= m)
				break; /* single removals all tried: 1-minimal */
			gran = gran * 2 < m ? gran * 2 : m;
		}
	}
	fuzz_sem_shrink_mask(keep, n, cur, m, m, m);
	free(cur);
	free(mask);
	return tests;
}

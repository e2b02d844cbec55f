/* shard.c - the shard a scenario file belongs to: a hash of its path, nothing about the other
 * files, so shards stay put as the library grows. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "shard.h"

int shard_parse(const char *spec, unsigned int *k, unsigned int *n)
{
	char *end;
	unsigned long a, b;

	if (!spec || *spec < '0' || *spec > '9')
		return -EINVAL;
	a = strtoul(spec, &end, 10);
	if (*end != '/' || end[1] < '0' || end[1] > '9')
		return -EINVAL;
	b = strtoul(end + 1, &end, 10);
	if (*end || a < 1 || b < 1 || a > b || b > 1000)
		return -EINVAL;
	*k = (unsigned int)a;
	*n = (unsigned int)b;
	return 0;
}

int shard_selects(const char *path, unsigned int k, unsigned int n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	return n && h % n == k - 1;
}

/* cpus.c - parse a CPU list and pin processes to it (see cpus.h). */
#include "cpus.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* One decimal CPU number at *p; advances *p. */
static int cpus_number(const char **p, long *out)
{
	char *end;

	if (!isdigit((unsigned char)**p))
		return -EINVAL;
	errno = 0;
	*out = strtol(*p, &end, 10);
	if (errno)
		return -EINVAL;
	*p = end;
	return 0;
}

int cpus_parse(const char *s, cpu_set_t *set, char *why, size_t whylen)
{
	const char *p = s;

	CPU_ZERO(set);
	if (!s || !*s) {
		snprintf(why, whylen, "empty CPU list");
		return -EINVAL;
	}
	for (;;) {
		long lo, hi;

		if (cpus_number(&p, &lo)) {
			snprintf(why, whylen, "'%s': expected a CPU number at '%s'", s, p);
			return -EINVAL;
		}
		hi = lo;
		if (*p == '-') {
			p++;
			if (cpus_number(&p, &hi) || hi < lo) {
				snprintf(why, whylen, "'%s': bad range ending at '%s'", s, p);
				return -EINVAL;
			}
		}
		if (hi >= CPU_SETSIZE) {
			snprintf(why, whylen, "'%s': CPU %ld out of range (max %d)", s, hi,
				 CPU_SETSIZE - 1);
			return -EINVAL;
		}
		for (long c = lo; c <= hi; c++)
			CPU_SET((int)c, set);
		if (!*p)
			return 0;
		if (*p++ != ',') {
			snprintf(why, whylen, "'%s': unexpected '%c'", s, p[-1]);
			return -EINVAL;
		}
	}
}

int cpus_option(const char *prog, const char *arg, cpu_set_t *set)
{
	char why[128];

	if (!cpus_parse(arg, set, why, sizeof(why)))
		return 0;
	fprintf(stderr, "%s: --cpus %s\n", prog, why);
	return -EINVAL;
}

int cpus_pin_self(const cpu_set_t *set)
{
	if (sched_setaffinity(0, sizeof(*set), set) < 0) {
		int r = -errno;

		log_err("cannot pin to the --cpus list: sched_setaffinity: %s", strerror(-r));
		return r;
	}
	return 0;
}

/* soak_priv.h - shared between soak.c (the loop) and soak_usage.c (fd/RSS and stray process
 * accounting). */
#ifndef HARNESS_SOAK_PRIV_H
#define HARNESS_SOAK_PRIV_H

#include <stdio.h>

#include "stack.h"

struct soak_usage_sample {
	struct stack_fault_proc_usage self, vfsd, dm;
};

void soak_usage_sample(struct stack *s, struct soak_usage_sample *out);
/* Print start vs end; 1 when the fd counts stayed flat. */
int soak_usage_print(FILE *out, const struct soak_usage_sample *a,
		     const struct soak_usage_sample *b);
/* Print and count processes left behind. */
int soak_usage_strays(struct stack *s, FILE *out);

#endif

/* soak_priv.h - shared between soak.c (the loop) and soak_usage.c (fd/RSS and stray process
 * accounting). */
#ifndef HARNESS_SOAK_PRIV_H
#define HARNESS_SOAK_PRIV_H

#include <stdio.h>

#include "stack.h"

struct soak_sample {
	struct stack_fault_proc_usage self, vfsd, dm;
};

void soak_sample(struct stack *s, struct soak_sample *out);
/* Print start vs end; 1 when the fd counts stayed flat. */
int soak_print_usage(FILE *out, const struct soak_sample *a, const struct soak_sample *b);
/* Print and count processes left behind. */
int soak_strays(struct stack *s, FILE *out);

#endif

/* fuzz_shrink.h - shrinking a whole-stack finding to the smallest sequence with the same end of
 * the backend (fuzz_shrink.c). */
#ifndef HARNESS_FUZZ_SHRINK_H
#define HARNESS_FUZZ_SHRINK_H

#include "stack.h"

/* Shrink the saved sequence in file on stacks started with so; the result goes to out_file (NULL:
 * beside file as NAME.min.bin). Exit status: 0 saved, 1 not reproducible or not shrinkable, 2
 * unreadable file, 3 the stack could not start. */
int fuzz_shrink_main(const char *file, const struct stack_opts *so, const char *out_file);

#endif

/* fuzz_shrink.h - shrinking a whole-stack finding to the smallest sequence with the same end of
 * the backend (fuzz_shrink.c). */
#ifndef HARNESS_FUZZ_SHRINK_H
#define HARNESS_FUZZ_SHRINK_H

#include "stack.h"

/* Shrink the saved sequence in file on stacks started with so; the result goes to out_file (NULL:
 * beside file as NAME.min.bin). Exit status: 0 saved, 1 not reproducible or not shrinkable, 2
 * unreadable file, 3 the stack could not start. */
int fuzz_shrink_main(const char *file, const struct stack_opts *so, const char *out_file);
/* The byte phase of a shrink, for any FUSE request: its body halved from the end (a header
 * whose length matched is kept in step) while same(arg) says the oracle message stays; the
 * last change that lost it undone. Returns the tests made. */
unsigned int fuzz_shrink_halve(uint8_t *buf, uint32_t *len, int (*same)(void *arg), void *arg);

#endif

/* gen.h - the seed-corpus generator's shared helpers: write one seed file, and the
 * virtqueue seed builder (gen_vq.c). */
#ifndef FUZZ_GEN_H
#define FUZZ_GEN_H

#include <stddef.h>
#include <stdint.h>

/* Write len bytes to DIR/TARGET/NAME (directories created). 0 or -errno. */
int gen_write(const char *dir, const char *target, const char *name, const void *buf, size_t len);
/* Seeds for the vq_chain target: valid direct and indirect chains. Returns seeds written. */
int gen_vq(const char *dir);

#endif

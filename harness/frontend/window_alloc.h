/* window_alloc.h - first-fit allocator over the shared-memory window, plus guest-physical <->
 * host-pointer translation. Bookkeeping lives in host memory only: the device can write the
 * window, so nothing the allocator trusts may be stored there. */
#ifndef HARNESS_WINDOW_ALLOC_H
#define HARNESS_WINDOW_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#define WINDOW_ALLOC_GRAIN 64u	       /* every block is a multiple of this, and aligned to it */
#define WINDOW_ALLOC_MAX_EXTENTS 1024u /* free-list capacity; fragmentation beyond -> -ENOMEM */

struct window_alloc_extent {
	uint64_t off; /* offset from the window start */
	uint64_t len;
};

struct window_alloc {
	uint8_t *mem;
	uint64_t gpa;
	uint64_t size;
	uint64_t in_use;    /* bytes handed out, for stats and leak checks */
	unsigned int nfree; /* free extents, sorted by offset, never adjacent */
	struct window_alloc_extent free[WINDOW_ALLOC_MAX_EXTENTS];
};

/* Take over [gpa, gpa + size) mapped at mem. Returns 0 or -EINVAL. */
int window_alloc_init(struct window_alloc *wa, void *mem, uint64_t gpa, uint64_t size);
/* Allocate size bytes aligned to align (a power of two, <= 4096). The block is not
 * zeroed: callers write all they post, and the device can read the whole window anyway.
 * Returns 0 and *gpa, or -EINVAL / -ENOMEM. */
int window_alloc_get(struct window_alloc *wa, uint64_t size, uint64_t align, uint64_t *gpa);
/* Give back a block from window_alloc_get with the same size. Returns 0 or -EINVAL
 * (not a block of this window, or overlapping free space: a double free). */
int window_alloc_put(struct window_alloc *wa, uint64_t gpa, uint64_t size);
/* Host pointer for [gpa, gpa + len), or NULL when any byte lies outside the window. */
void *window_alloc_hva(const struct window_alloc *wa, uint64_t gpa, uint64_t len);
/* Guest-physical address of a host pointer inside the window, or 0 when outside. */
uint64_t window_alloc_gpa(const struct window_alloc *wa, const void *hva);

#endif

/* window_alloc.c - first-fit allocator over the shared window with a sorted, coalescing free
 * list kept in host memory (the device may scribble on the window itself). */
#include "window_alloc.h"

#include <errno.h>
#include <string.h>

#include "log.h"

static uint64_t window_alloc_round(uint64_t v)
{
	return (v + WINDOW_ALLOC_GRAIN - 1) & ~(uint64_t)(WINDOW_ALLOC_GRAIN - 1);
}

int window_alloc_init(struct window_alloc *wa, void *mem, uint64_t gpa, uint64_t size)
{
	if (!wa || !mem || size < WINDOW_ALLOC_GRAIN || gpa + size < gpa) {
		log_err("window_alloc: bad window gpa 0x%llx size 0x%llx", (unsigned long long)gpa,
			(unsigned long long)size);
		return -EINVAL;
	}
	memset(wa, 0, sizeof(*wa));
	wa->mem = mem;
	wa->gpa = gpa;
	wa->size = size & ~(uint64_t)(WINDOW_ALLOC_GRAIN - 1);
	wa->nfree = 1;
	wa->free[0].off = 0;
	wa->free[0].len = wa->size;
	return 0;
}

static void window_alloc_remove(struct window_alloc *wa, unsigned int i)
{
	memmove(&wa->free[i], &wa->free[i + 1], (wa->nfree - i - 1) * sizeof(wa->free[0]));
	wa->nfree--;
}

/* Carve [off, off+len) out of free extent i, which contains it. */
static int window_alloc_carve(struct window_alloc *wa, unsigned int i, uint64_t off, uint64_t len)
{
	struct window_alloc_extent *e = &wa->free[i];
	uint64_t head = off - e->off;
	uint64_t tail = e->off + e->len - (off + len);

	if (head && tail) {
		if (wa->nfree >= WINDOW_ALLOC_MAX_EXTENTS)
			return -ENOMEM;
		memmove(&wa->free[i + 2], &wa->free[i + 1], (wa->nfree - i - 1) * sizeof(*e));
		wa->nfree++;
		e->len = head;
		wa->free[i + 1].off = off + len;
		wa->free[i + 1].len = tail;
	} else if (head) {
		e->len = head;
	} else if (tail) {
		e->off = off + len;
		e->len = tail;
	} else {
		window_alloc_remove(wa, i);
	}
	return 0;
}

int window_alloc_get(struct window_alloc *wa, uint64_t size, uint64_t align, uint64_t *gpa)
{
	uint64_t len;

	if (!size || size > wa->size || !align || (align & (align - 1)) || align > 4096) {
		log_err("window_alloc: bad request size 0x%llx align 0x%llx",
			(unsigned long long)size, (unsigned long long)align);
		return -EINVAL;
	}
	if (align < WINDOW_ALLOC_GRAIN)
		align = WINDOW_ALLOC_GRAIN;
	len = window_alloc_round(size);
	for (unsigned int i = 0; i < wa->nfree; i++) {
		struct window_alloc_extent *e = &wa->free[i];
		uint64_t a = ((wa->gpa + e->off + align - 1) & ~(align - 1)) - wa->gpa;

		if (a - e->off > e->len || e->len - (a - e->off) < len)
			continue;
		if (window_alloc_carve(wa, i, a, len))
			break;
		wa->in_use += len;
		*gpa = wa->gpa + a;
		return 0;
	}
	log_debug("window_alloc: no room for 0x%llx bytes (in use 0x%llx of 0x%llx, %u extents)",
		  (unsigned long long)size, (unsigned long long)wa->in_use,
		  (unsigned long long)wa->size, wa->nfree);
	return -ENOMEM;
}

int window_alloc_put(struct window_alloc *wa, uint64_t gpa, uint64_t size)
{
	uint64_t off = gpa - wa->gpa, len = window_alloc_round(size);
	unsigned int i = 0;

	if (gpa < wa->gpa || off >= wa->size || !size || len > wa->size - off ||
	    (off % WINDOW_ALLOC_GRAIN)) {
		log_err("window_alloc: put of gpa 0x%llx size 0x%llx outside the window",
			(unsigned long long)gpa, (unsigned long long)size);
		return -EINVAL;
	}
	while (i < wa->nfree && wa->free[i].off < off)
		i++;
	/* Overlap with a neighbour means a double free or a wrong size. */
	if ((i > 0 && wa->free[i - 1].off + wa->free[i - 1].len > off) ||
	    (i < wa->nfree && off + len > wa->free[i].off)) {
		log_err("window_alloc: put of gpa 0x%llx size 0x%llx overlaps free space",
			(unsigned long long)gpa, (unsigned long long)size);
		return -EINVAL;
	}
	wa->in_use -= len;
	if (i > 0 && wa->free[i - 1].off + wa->free[i - 1].len == off) {
		wa->free[i - 1].len += len;
		if (i < wa->nfree && off + len == wa->free[i].off) {
			wa->free[i - 1].len += wa->free[i].len;
			window_alloc_remove(wa, i);
		}
		return 0;
	}
	if (i < wa->nfree && off + len == wa->free[i].off) {
		wa->free[i].off = off;
		wa->free[i].len += len;
		return 0;
	}
	if (wa->nfree >= WINDOW_ALLOC_MAX_EXTENTS) {
		/* Cannot happen: a put that creates an extent undoes a split's extent. */
		log_err("window_alloc: free list full at put of gpa 0x%llx",
			(unsigned long long)gpa);
		return -ENOMEM;
	}
	memmove(&wa->free[i + 1], &wa->free[i], (wa->nfree - i) * sizeof(wa->free[0]));
	wa->free[i].off = off;
	wa->free[i].len = len;
	wa->nfree++;
	return 0;
}

void *window_alloc_hva(const struct window_alloc *wa, uint64_t gpa, uint64_t len)
{
	uint64_t off = gpa - wa->gpa;

	if (gpa < wa->gpa || off > wa->size || len > wa->size - off)
		return NULL;
	return wa->mem + off;
}

uint64_t window_alloc_gpa(const struct window_alloc *wa, const void *hva)
{
	uintptr_t p = (uintptr_t)hva, base = (uintptr_t)wa->mem;

	if (p < base || p - base >= wa->size)
		return 0;
	return wa->gpa + (uint64_t)(p - base);
}

/* stack_config.h - the user's config-fs.yaml relocated into a run directory (stack_config.c). */
#ifndef HARNESS_STACK_CONFIG_H
#define HARNESS_STACK_CONFIG_H

#include <stddef.h>
#include <stdint.h>

struct stack_config_report {
	unsigned int sockets; /* socket_path values replaced */
	unsigned int devices; /* mmio_addr keys seen (the first is checked) */
	char socket_was[128]; /* the first socket_path as the file had it */
	size_t len;	      /* bytes written to out */
	char why[160];	      /* on failure: what is wrong with the file */
};

/* in[0..len): the user's config-fs.yaml. Writes it to out (at most outlen bytes, not
 * NUL-terminated) with every socket_path value replaced by "sockdir/", after checking the
 * first device's mmio_addr is mmio_addr. 0, or -EINVAL / -E2BIG with rep->why. Pure. */
int stack_config_relocate(const char *in, size_t len, const char *sockdir, uint64_t mmio_addr,
			  char *out, size_t outlen, struct stack_config_report *rep);

#endif

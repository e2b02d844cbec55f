/* qemu_argv.h - the qemu-system-aarch64 command line of each QEMU frontend mode. */
#ifndef HARNESS_QEMU_ARGV_H
#define HARNESS_QEMU_ARGV_H

#include "qemu_fe.h"

#define QEMU_ARGV_MAX 64

struct qemu_argv {
	char *argv[QEMU_ARGV_MAX + 1]; /* owned strings, NULL-terminated */
	int argc;
};

/* Build the command line for o->mode with the guest console on console_sock. Returns 0,
 * -ENOTSUP (unknown or unimplemented mode), -EINVAL (option missing), -ENOENT (image file
 * missing) or -ENOMEM, with a message logged. */
int qemu_argv_build(struct qemu_argv *a, const struct qemu_fe_opts *o, const char *console_sock);
void qemu_argv_free(struct qemu_argv *a);

#endif

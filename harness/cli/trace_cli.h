/* trace_cli.h - `baoharness trace show FILE`: a `run --record` trace printed readably;
 * `baoharness trace shrink FILE`: a diverging trace made minimal (trace_shrink.c). */
#ifndef HARNESS_TRACE_CLI_H
#define HARNESS_TRACE_CLI_H

#include <stddef.h>
#include <stdint.h>

int trace_cli_main(int argc, char **argv);
/* A whole trace file into *buf (malloc'd, up to 1 GiB; the caller frees it even on error):
 * 0 or -errno. */
int trace_cli_read(const char *path, uint8_t **buf, size_t *len);
/* trace_shrink.c: `trace shrink [--virtiofsd X] [--out FILE] TRACE`; RUN_EXIT_*. */
int trace_shrink_main(int argc, char **argv);

#endif

/* trace_cli.h - `baoharness trace show FILE`: a `run --record` trace printed readably. */
#ifndef HARNESS_TRACE_CLI_H
#define HARNESS_TRACE_CLI_H

int trace_cli_main(int argc, char **argv);

#endif

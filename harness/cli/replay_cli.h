/* replay_cli.h - `baoharness replay TRACE`: a recorded trace driven through a fresh backend,
 * replies compared with host-dependent fields mapped. */
#ifndef HARNESS_REPLAY_CLI_H
#define HARNESS_REPLAY_CLI_H

int replay_cli_main(int argc, char **argv);

#endif

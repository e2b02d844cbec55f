/* fuzz_cli.h - `baoharness fuzz`: the whole-stack fuzzer (fuse-requests) over the real
 * emulated stack - structure-aware FUSE requests into real virtiofsd through fakebao and the
 * device model, with reply, liveness, canary, fd and hang oracles. */
#ifndef HARNESS_FUZZ_CLI_H
#define HARNESS_FUZZ_CLI_H

/* argv[0] is "fuzz". `fuzz fuse-requests [--time S] [--seed N] [--replay FILE] [--out DIR]
 * [--regress-dir DIR] [-v]`. Returns the exit status: 0 done (backend findings are recorded,
 * not failures), 1 our own code crashed, hung or broke an oracle (or --replay reproduced),
 * 2 usage, 3 environment missing. */
int fuzz_cli_main(int argc, char **argv);

#endif

/* soak.h - `baoharness soak --minutes N [--seed S] [FILE.scn...]`: the scenario library in a
 * loop, in random order, with random faults, on one long-lived stack; reports runs, failures,
 * fd counts and RSS of the harness, virtiofsd and the device model at start and end, and any
 * stray process. */
#ifndef HARNESS_SOAK_H
#define HARNESS_SOAK_H

/* Exit 0: no failure, no stray process, fd counts flat; 1 otherwise; 2 usage; 3 environment. */
int soak_main(int argc, char **argv);

#endif

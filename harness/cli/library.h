/* library.h - where the scenario library is, for commands that run it by default (soak) and
 * for `baoharness doctor`: in the source tree, or installed under PREFIX/share/baoharness. */
#ifndef HARNESS_LIBRARY_H
#define HARNESS_LIBRARY_H

#include <stddef.h>

/* The library's folder: BAOHARNESS_SCENARIOS when set, else ./scenarios when it holds
 * seed-demo.scn, else the first of these beside this program that does: ../share/baoharness/
 * scenarios and ../../share/baoharness/scenarios (installed: PREFIX/lib/baoharness/baoharness),
 * ../scenarios (build/baoharness), ../../scenarios (build/asan/baoharness). Returns 0, or
 * -ENOENT with buf holding what was tried. */
int library_dir(char *buf, size_t len);
/* How many *.scn files dir holds, or -errno. */
int library_count(const char *dir);

#endif

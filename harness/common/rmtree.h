/* rmtree.h - remove a run directory the harness created, however deep the guest made it. */
#ifndef HARNESS_RMTREE_H
#define HARNESS_RMTREE_H

#include <stddef.h>

/* Remove path and everything below it at any depth, by fd, without following symlinks or
 * crossing into another file system. Returns 0 (also when path does not exist) or -errno. */
int rmtree(const char *path);
/* The same; on failure `failed` names the entry it stopped at (a name inside the tree). */
int rmtree_report(const char *path, char *failed, size_t flen);
/* Empty dir (a share between runs) and keep it: every entry removed as rmtree does. 0, -errno
 * when dir cannot be opened, -EIO when an entry could not be removed (the rest still are). */
int rmtree_contents(const char *dir);

#endif

/* rmtree.h - remove a temporary directory tree the harness created. */
#ifndef HARNESS_RMTREE_H
#define HARNESS_RMTREE_H

/* Remove path and everything below it without following symlinks. Returns 0 or -errno. */
int rmtree(const char *path);

#endif

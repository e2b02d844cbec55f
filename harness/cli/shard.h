/* shard.h - `--shard K/N`: a stable split of the scenario files across CI jobs. A file belongs
 * to the shard its path hashes to, so adding a file moves no other; the N shards together run
 * every file exactly once. */
#ifndef HARNESS_SHARD_H
#define HARNESS_SHARD_H

/* "K/N" with 1 <= K <= N <= 1000: 0 and *k, *n set, or -EINVAL. */
int shard_parse(const char *spec, unsigned int *k, unsigned int *n);
/* 1 when path is in shard k of n (FNV-1a 64 of the path as given). */
int shard_selects(const char *path, unsigned int k, unsigned int n);

#endif

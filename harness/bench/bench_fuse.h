/* bench_fuse.h - FUSE workloads (GETATTR, 4 KiB READ/WRITE at a queue depth, sequential
 * 1 MiB-chunk streams) on one path, and the same operations on the host directory. */
#ifndef HARNESS_BENCH_FUSE_H
#define HARNESS_BENCH_FUSE_H

#include <stdbool.h>

#include "bench.h"

#define BENCH_FILE_SIZE (1u << 20) /* 4 KiB ops cycle over this much of a file */
#define BENCH_SEQ_CHUNK (1u << 20)

enum bench_op { BENCH_GETATTR, BENCH_READ4K, BENCH_WRITE4K };

struct bench_run {
	double ops_s, p50_us, p99_us;
	uint64_t ops;
	struct bench_counts delta; /* counters over the run */
};

/* Create the READ/WRITE files in p->share (host side) and open them on the path. 0/-errno. */
int bench_fuse_prepare(struct bench_path *p);
/* Close what prepare opened (RELEASE + FORGET on FUSE paths). */
void bench_fuse_finish(struct bench_path *p);
/* Run op at queue depth qd (host: always 1) for dur_ns. l is reset and filled. 0/-errno. */
int bench_fuse_run(struct bench_path *p, enum bench_op op, unsigned int qd, int64_t dur_ns,
		   struct bench_lat *l, struct bench_run *out);
/* Write (write=true) then read back a bytes-long file in 1 MiB chunks at QD1; MB/s (1e6). */
int bench_fuse_seq(struct bench_path *p, bool write, uint64_t bytes, struct bench_run *out);

#endif

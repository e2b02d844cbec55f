/* bench_ext.h - measurements that run other programs rather than in-process paths: the QEMU
 * guests through `baoharness run --stats` (trapped vs QEMU's own device) and the libFuzzer
 * targets' execs/s. Each adds rows to the report, or a note saying why it could not. */
#ifndef HARNESS_BENCH_EXT_H
#define HARNESS_BENCH_EXT_H

#include "bench.h"

struct bench_ext_cfg {
	int rounds;	 /* baoharness runs per frontend (median) */
	int loop_steps;	 /* frontend steps of the generated read/write loop (even) */
	int fuzz_s;	 /* seconds per fuzz target */
	int fio_s;	 /* fio: seconds per job (time_based) */
	const char *dir; /* scratch directory (removed by the caller) */
};

/* qemu_boot_to_mount_s, qemu_loop_ops, qemu_mmio_traps and their qemu_native_ baselines.
 * 0, or -errno when a run failed (rows then missing, a note says which). */
int bench_qemu_run(const struct bench_ext_cfg *c, struct bench_report *r);
/* The fio matrix {seqwrite, randwrite, seqread, randread} x psync 4 KiB x numjobs {1, 2} in
 * the guest (`baoharness fio`) on qemu and qemu-native with each backend there is, and with the
 * host's own fio on a local directory: r->fio rows. 0, or -errno (rows missing, a note says). */
int bench_fio_run(const struct bench_ext_cfg *c, struct bench_report *r);
/* fuzz_<target>_execs_s for every target in fuzz/targets whose binary is built. 0 or -errno. */
int bench_fuzz_run(const struct bench_ext_cfg *c, struct bench_report *r);

#endif

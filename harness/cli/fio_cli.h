/* fio_cli.h - `baoharness fio`: fio jobs in the arm64 guest on its virtio-fs mount, through the
 * trapped stack (`qemu`) or QEMU's own device (`qemu-native`), with the trapped accesses each
 * job cost - the benchmark's workload matrix (harness/bench/bench_fio.c) and its test. */
#ifndef HARNESS_FIO_CLI_H
#define HARNESS_FIO_CLI_H

/* argv[0] is "fio". Returns 0 every job ran, 1 a job failed, 2 usage, 3 environment missing. */
int fio_cli_main(int argc, char **argv);

#endif

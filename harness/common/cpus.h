/* cpus.h - `--cpus LIST`: the CPUs a stack's processes (frontend, device model, virtiofsd) may
 * run on. Bao gives each VM its own physical CPUs; on a small host the useful choices are one
 * CPU for the whole stack (a QD1 request then never pays a cross-CPU wake-up; see
 * harness/bench/limits.md) or separate ones. */
#ifndef HARNESS_CPUS_H
#define HARNESS_CPUS_H

#include <sched.h>
#include <stddef.h>

/* "2", "0-1", "0,2-3" -> set. Pure. 0, or -EINVAL with why ("CPU 4096 out of range"). */
int cpus_parse(const char *s, cpu_set_t *set, char *why, size_t whylen);
/* A --cpus argument of a command: cpus_parse, or "PROG: --cpus why" on stderr and -EINVAL. */
int cpus_option(const char *prog, const char *arg, cpu_set_t *set);
/* Pin the calling thread; threads and children it creates afterwards inherit the set. */
int cpus_pin_self(const cpu_set_t *set);

#endif

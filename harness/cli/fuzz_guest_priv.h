/* fuzz_guest_priv.h - what `fuzz guest`'s campaign (fuzz_guest.c) and its replay of a saved
 * finding (fuzz_guest_replay.c: scripted attempts, ddmin, --shrink) share: the run's state, a
 * guest's start and stop, and one workload round. */
#ifndef HARNESS_FUZZ_GUEST_PRIV_H
#define HARNESS_FUZZ_GUEST_PRIV_H

#include <limits.h>
#include <stdint.h>

#include "stack.h"

#define FUZZ_GUEST_CLASSES 13 /* reply_mut.h's classes, plus "none" as the baseline */
#define FUZZ_GUEST_FINDINGS 64
/* A record keeps this many mutations of its guest (the device model's MUT_RELAY_SCRIPT_MAX
 * takes as many back as a script): enough that a round's cause is usually among them. */
#define FUZZ_GUEST_LOG_TAIL 256
#define FUZZ_GUEST_LINE 200
#define FUZZ_GUEST_NCLS (FUZZ_GUEST_CLASSES + 1) /* rotated through; "mixed" is --classes */

/* What a round under one class did, worst first. */
enum fuzz_guest_outcome {
	FG_CRASH,
	FG_HANG,
	FG_WARNING,
	FG_ANOMALY,
	FG_ERROR,
	FG_IGNORED,
	FG_NOUTCOMES
};

struct fuzz_guest_finding {
	char sig[160];
	char msg[400];
	char cls[32];
	unsigned count;
	double first_s;
	char file[300];
};

struct fuzz_guest_cls_stats {
	unsigned rounds;
	uint64_t mutated, ops, errors, notes;
	unsigned outcome[FG_NOUTCOMES];
};

struct fuzz_guest {
	struct stack st;
	struct stack_opts so;
	int up;
	uint64_t seed;
	unsigned rate, round_ms;
	double time_s;
	const char *out, *regress;
	const char *only;     /* --classes: one fixed class list for every round */
	const char *guest;    /* --guest own|kasan */
	const char *frontend; /* qemu (device model mutates) or qemu-native (the shim does) */
	/* --replay FILE: a saved finding's class, rate, seed and guest, and its signature */
	const char *replay;
	char replay_sig[160], replay_cls[64], replay_guest[16], replay_fe[16];
	/* ... and where the finding was: its guest's device-model seed and its round, so the
	 * first attempt runs the same workload against the same mutation stream */
	char replay_dm[64];
	unsigned replay_round;
	/* ... and its mutations that carry the engine's state (mutations.log lines) */
	char replay_steps[FUZZ_GUEST_LOG_TAIL][FUZZ_GUEST_LINE];
	unsigned replay_nsteps;
	int shrink;   /* --shrink: the smallest reproducing sequence written back to the record */
	int fe_given; /* --frontend on the command line wins over the record's */
	/* The next guest's mutate.script ("QUEUE OPCODE CLASS RNG SEQ" a line; "" none), whether
	 * it is all that is mutated, whether each step waits for its reply's number (SEQ),
	 * whether the round replays the finding's workload, and whether the guest gets the
	 * finding's device-model seed. */
	char script[FUZZ_GUEST_LOG_TAIL * 48];
	int script_only, script_at, fixed_round, dm_pending;
	unsigned round_base; /* the random phase's first round: its workload is the finding's */
	unsigned wl_round;   /* this round's workload seed is seed + wl_round */
	/* The replayed signature came back (in the last attempt: hit); the mutations of the guest
	 * it came back on, its workload round and device-model seed. */
	int hit;
	char hit_steps[FUZZ_GUEST_LOG_TAIL][FUZZ_GUEST_LINE];
	unsigned hit_nsteps, hit_round;
	char hit_dm[64];
	char kasan_image[PATH_MAX];
	char mutate[64];
	int64_t t0;
	unsigned round, restarts, starts;
	uint64_t mutated, ops;
	long log_off; /* mutations.log read so far */
	char log_tail[FUZZ_GUEST_LOG_TAIL][FUZZ_GUEST_LINE];
	unsigned log_n;
	struct fuzz_guest_cls_stats cls[FUZZ_GUEST_NCLS + 1];
	struct fuzz_guest_finding f[FUZZ_GUEST_FINDINGS];
	unsigned nf;
	/* this round's oracle lines */
	char lines[16][500];
	char kinds[16][12];
	unsigned nlines;
	unsigned long notes;
	int harness_err;
};

/* fuzz_guest.c */
extern const char *const fuzz_guest_outcome_names[FG_NOUTCOMES];
double fuzz_guest_elapsed(const struct fuzz_guest *g);
/* A fresh stack and guest (g->script, if any, as its mutate.script): 0, STACK_ENV_MISSING or
 * -errno (logged). */
int fuzz_guest_up(struct fuzz_guest *g);
void fuzz_guest_down(struct fuzz_guest *g);
/* The index of a class name in the statistics (FUZZ_GUEST_NCLS: a --classes list). */
int fuzz_guest_cls_index(const char *name);
/* One workload round under cls: its outcome (FG_*), or -EIO; *restart when the guest must be
 * replaced. */
int fuzz_guest_round(struct fuzz_guest *g, const char *cls, int *restart);
/* Rounds, guests replaced as needed, until --time, a signal, or (a replay) the signature's
 * return. 0, STACK_ENV_MISSING or -errno. */
int fuzz_guest_campaign(struct fuzz_guest *g);

/* fuzz_guest_replay.c */
/* --replay FILE read into g: 0, or 2 with a message naming what is missing. */
int fuzz_guest_replay_load(struct fuzz_guest *g);
/* The replay: the record's mutations alone on fresh guests (all, the last ones, then ddmin
 * over them), then the class at random; with --shrink the smallest sequence that brought it
 * back is written into the record. 0 (reproduced or not: g->hit), STACK_ENV_MISSING or
 * -errno. */
int fuzz_guest_replay_run(struct fuzz_guest *g);
/* The replayed signature just came back: remember this guest's mutations and round. */
void fuzz_guest_replay_hit(struct fuzz_guest *g);

#endif

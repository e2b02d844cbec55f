/* doctor.h - `baoharness doctor`: everything a run needs on this machine, one line each, `ok`
 * or what is missing and what to run to fix it; exit 0 only when every required part holds.
 * Every "environment missing" exit (status 3) of the other commands points here. */
#ifndef HARNESS_DOCTOR_H
#define HARNESS_DOCTOR_H

#include <limits.h>
#include <stddef.h>

/* What one check found. */
struct doctor_result {
	int ok;
	int optional; /* missing does not fail the doctor */
	int hidden;   /* not asked for this time: no line */
	char
	    detail[PATH_MAX + 512]; /* ok: what was found (path, version); missing: what is wrong */
	char fix[256];		    /* missing: the package or make target that fixes it */
	char why_opt[128];	    /* optional: what needs it ("--frontend qemu") */
};

/* What the run the doctor vouches for will use (doctor's own options). */
struct doctor_want {
	const char *frontend;  /* scripted, qemu, qemu-native */
	const char *virtiofsd; /* --virtiofsd c|rust|PATH, or NULL: BAOHARNESS_VIRTIOFSD, else c */
	int verbose;	       /* let the stack's own messages through */
};

/* One check: its name (the line's first column) and its function. */
struct doctor_check {
	const char *name;
	void (*run)(const struct doctor_want *w, struct doctor_result *r);
};

/* doctor_checks.c: the table, in the order the lines are printed, NULL-terminated. */
extern const struct doctor_check doctor_checks[];

/* "subcommand" main: returns 0 all required parts hold, 3 some are missing, 2 usage. */
int doctor_main(int argc, char **argv);

/* The message every exit 3 ends with. */
#define DOCTOR_HINT "run `baoharness doctor` to see what is missing and how to fix it"

#endif

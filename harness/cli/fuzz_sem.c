/* fuzz_sem.c - `baoharness fuzz semantics`: random scenario programs run on the oracle (POSIX
 * on a host directory) and on the scripted frontend through the whole stack (and every K-th on
 * the QEMU frontends); a step that fails on an executor is a divergence, shrunk to a minimal
 * .scn under scenarios/found/ unless fuzz_sem_expected.c documents it. One stack per executor
 * lives through the campaign: each program runs in a fresh directory of the share. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "fuzz_sem.h"
#include "fuzz_sem_priv.h"
#include "interrupt.h"
#include "log.h"
#include "progress.h"
#include "rmtree.h"
#include "run.h"

static uint64_t fuzz_sem_mix(uint64_t x)
{
	/* splitmix64: program i's seed, unrelated to program i+1's */
	x += 0x9E3779B97F4A7C15ULL;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

static int fuzz_sem_usage(int bad)
{
	fprintf(
	    bad ? stderr : stdout,
	    "usage: baoharness fuzz semantics [--time S] [--seed N] [--every K] [--steps N]\n"
	    "       [--found-dir DIR] [--virtiofsd c|rust|PATH] [-v]\n"
	    "  random scenario programs on the host file system (the oracle) and on the\n"
	    "  scripted frontend (every K-th also on the other virtiofsd, qemu and qemu-native);\n"
	    "  divergences are"
	    " shrunk and saved under DIR (default scenarios/found)\n");
	return bad ? RUN_EXIT_USAGE : 0;
}

/* A whole-number option in [lo, hi]; 0 or -EINVAL with the message printed. */
static int fuzz_sem_number(const char *opt, const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(v ? v : "", &end, 0);
	if (!v || !*v || *end || errno || *v == '-' || *out < lo || *out > hi) {
		fprintf(stderr,
			"baoharness fuzz semantics: %s '%s': want a whole number in [%" PRIu64
			", %" PRIu64 "]\n",
			opt, v ? v : "(missing)", lo, hi);
		return -EINVAL;
	}
	return 0;
}

static int fuzz_sem_args(struct fuzz_sem *z, int argc, char **argv)
{
	uint64_t n;
	char *end;

	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "-h") || !strcmp(o, "--help"))
			return 1;
		if (!strcmp(o, "-v")) {
			z->verbose++;
			continue;
		}
		i++;
		if (!strcmp(o, "--time")) {
			z->time_s = v ? strtod(v, &end) : 0;
			if (!v || end == v || *end || !(z->time_s > 0) || z->time_s > 604800) {
				fprintf(stderr,
					"baoharness fuzz semantics: --time '%s': want seconds in "
					"(0, 604800]\n",
					v ? v : "(missing)");
				return -EINVAL;
			}
		} else if (!strcmp(o, "--seed")) {
			if (fuzz_sem_number(o, v, 0, UINT64_MAX, &z->seed))
				return -EINVAL;
		} else if (!strcmp(o, "--every")) {
			if (fuzz_sem_number(o, v, 0, 1000000, &n))
				return -EINVAL;
			z->every = (unsigned int)n;
		} else if (!strcmp(o, "--steps")) {
			if (fuzz_sem_number(o, v, 1, 400, &n))
				return -EINVAL;
			z->n_ops = (size_t)n;
		} else if (!strcmp(o, "--found-dir") && v) {
			z->found_dir = v;
		} else if (!strcmp(o, "--virtiofsd") && v) {
			z->virtiofsd = v;
		} else {
			fprintf(stderr, "baoharness fuzz semantics: unknown option '%s'%s\n", o,
				v || o[0] != '-' ? "" : " (or its value is missing)");
			return -EINVAL;
		}
	}
	return 0;
}

/* Empty the oracle's directory after a program: everything, not just the program's own
 * directory - a relative link renamed up a level can reach past it (`../a`), and what it wrote
 * there must not meet a later program. */
static void fuzz_sem_clear_oracle(const char *root)
{
	rmtree_contents(root);
}

/* The oracle's share of one program: its text with outcomes, checked to pass on a fresh
 * directory (a program whose own outcomes do not replay is the oracle's problem, not a
 * divergence). 0, -EAGAIN (unstable: skip it) or -errno. */
static int fuzz_sem_oracle(struct fuzz_sem *z, const struct fuzz_sem_prog *p,
			   const unsigned char *keep, const char *prefix, struct fuzz_sem_buf *text)
{
	char why[512];
	int64_t t0 = clock_now_ns();
	int rc;

	rc = fuzz_sem_oracle_run(z->oroot, prefix, p, keep, text);
	fuzz_sem_clear_oracle(z->oroot);
	if (rc == 0) {
		z->oracle_programs++;
		for (size_t i = 0; i < text->len; i++)
			z->oracle_steps += text->p[i] == '\n';
		rc = fuzz_sem_oracle_check(z->ocheck, text->p, text->len, why, sizeof(why));
		fuzz_sem_clear_oracle(z->ocheck);
		if (rc > 0) {
			fprintf(stderr, "fuzz semantics: oracle unstable at step %d: %s\n", rc,
				why);
			z->oracle_unstable++;
			rc = -EAGAIN;
		}
	}
	z->oracle_ns += clock_now_ns() - t0;
	return rc;
}

/* Run every program's step on executor e with outcomes in text. 0 all passed, 1 diverged (d
 * says where), -errno when the text does not parse or the stack is not there. */
static int fuzz_sem_exec(struct fuzz_sem *z, struct fuzz_sem_exec *e, const char *text,
			 struct fuzz_sem_div *d)
{
	struct scn_file f;
	char err[256];
	int64_t t0 = clock_now_ns();
	int rc = scn_file_parse("fuzz-semantics", text, strlen(text), &f, err, sizeof(err));

	if (rc) {
		fprintf(stderr, "fuzz semantics: the oracle's text does not parse: %s\n", err);
		return rc;
	}
	for (size_t i = 0; rc == 0 && i < f.n_steps; i++) {
		struct scn_step st = f.steps[i];

		d->why[0] = '\0';
		/* The test-only broken executor: truncate one byte longer than asked. */
		if (z->brk_truncate && st.cmd == SCN_TRUNCATE)
			st.number++;
		e->steps++;
		switch (scn_cmd_step_side(&st)) {
		case SCN_SIDE_HOST:
			rc = stack_host_step(&e->s, &st, FUZZ_SEM_STEP_MS, d->why, sizeof(d->why));
			break;
		case SCN_SIDE_FRONTEND:
			rc = stack_frontend_step(&e->s, &st, FUZZ_SEM_STEP_MS, d->why,
						 sizeof(d->why));
			break;
		default:
			rc = st.cmd == SCN_REMOUNT ? stack_frontend_remount(&e->s, FUZZ_SEM_STEP_MS,
									    d->why, sizeof(d->why))
						   : 0;
		}
		if (rc) {
			rc = 1;
			d->cmd = st.cmd;
			d->fail_errno = st.fail_errno;
			d->index = i;
			snprintf(d->text, sizeof(d->text), "%s", st.text);
			d->match = fuzz_sem_expected_match(e->name, &st, d->why);
		}
	}
	scn_file_free(&f);
	e->ns += clock_now_ns() - t0;
	return rc;
}

/* Empty the share after a program (all of it, as the oracle's directory). */
static void fuzz_sem_clear(struct fuzz_sem_exec *e)
{
	rmtree_contents(e->s.share);
}

int fuzz_sem_up(struct fuzz_sem *z, struct fuzz_sem_exec *e)
{
	int rc;

	if (e->up)
		return 0;
	if (e->disabled)
		return -ENODEV;
	e->so.step_timeout_ms = FUZZ_SEM_STEP_MS;
	e->so.wait = FE_WAIT_ADAPTIVE;
	e->so.virtiofsd = e->backend ? e->backend : z->virtiofsd;
	e->so.frontend = stack_frontend_find(e->frontend);
	rc = stack_start(&e->s, &e->so);
	if (rc) {
		fprintf(stderr, "fuzz semantics: %s: the stack did not start (%s)%s\n", e->name,
			rc == STACK_ENV_MISSING ? "environment missing" : strerror(-rc),
			e == &z->ex[0] ? "" : "; this executor is left out");
		e->disabled = 1;
		return rc;
	}
	e->up = 1;
	e->starts++;
	return 0;
}

void fuzz_sem_down(struct fuzz_sem_exec *e)
{
	if (!e->up)
		return;
	stack_stop(&e->s);
	e->up = 0;
}

/* One program on one executor under a fresh prefix: 0 pass, 1 diverged, -errno. */
int fuzz_sem_try(struct fuzz_sem *z, struct fuzz_sem_exec *e, const struct fuzz_sem_prog *p,
		 const unsigned char *keep, const char *prefix, struct fuzz_sem_buf *out,
		 struct fuzz_sem_div *d)
{
	struct fuzz_sem_buf own = {0}, *text = out ? out : &own;
	char fresh[32];
	int rc;

	snprintf(fresh, sizeof(fresh), "p%lu", ++z->serial);
	if (!prefix)
		prefix = fresh;
	rc = fuzz_sem_oracle(z, p, keep, prefix, text);
	if (rc == 0)
		rc = fuzz_sem_up(z, e);
	if (rc == 0) {
		e->programs++;
		rc = fuzz_sem_exec(z, e, text->p, d);
		fuzz_sem_clear(e);
		if (rc == 1) {
			char health[256] = "";

			/* A dead or stopped process is no state to go on from. */
			stack_health(&e->s, health, sizeof(health));
			if (health[0]) {
				snprintf(d->health, sizeof(d->health), "%s", health);
				fuzz_sem_down(e);
			}
		}
	}
	fuzz_sem_gen_buf_free(&own);
	return rc;
}

static void fuzz_sem_progress(struct fuzz_sem *z, int64_t t0, int final)
{
	double s = (double)(clock_now_ms() - t0) / 1000.0;
#define FUZZ_SEM_PROGRESS_FMT                                                                      \
	"fuzz semantics: %.0f/%.0f s  %lu programs  %lu divergences  %lu findings"
	unsigned long div = 0;

	for (int i = 0; i < z->nex; i++)
		div += z->ex[i].divergences;
	if (final) {
		progress_force(&z->prog, FUZZ_SEM_PROGRESS_FMT, s, z->time_s, z->programs, div,
			       z->findings);
		progress_end(&z->prog);
	} else {
		progress_show(&z->prog, FUZZ_SEM_PROGRESS_FMT, s, z->time_s, z->programs, div,
			      z->findings);
	}
}

static void fuzz_sem_campaign(struct fuzz_sem *z)
{
	int64_t t0 = clock_now_ms(), end = t0 + (int64_t)(z->time_s * 1000.0);

	progress_init(&z->prog, STDERR_FILENO);
	while (clock_now_ms() < end && !interrupt_signal() && z->ex[0].up) {
		uint64_t ps = fuzz_sem_mix(fuzz_sem_mix(z->seed) + z->programs);
		struct fuzz_sem_prog p;

		fuzz_sem_progress(z, t0, 0);
		if (fuzz_sem_gen_program(ps, z->n_ops, &p))
			break;
		z->programs++;
		for (int i = 0; i < z->nex; i++) {
			struct fuzz_sem_exec *e = &z->ex[i];
			struct fuzz_sem_div d = {0};
			int rc;

			if (i > 0 && (!z->every || (z->programs - 1) % z->every))
				continue;
			rc = fuzz_sem_try(z, e, &p, NULL, NULL, NULL, &d);
			if (rc < 0)
				continue;
			if (rc == 1) {
				progress_clear(&z->prog);
				fuzz_sem_found(z, e, &p, ps, &d);
			}
		}
		fuzz_sem_gen_free(&p);
		if (!z->ex[0].up && fuzz_sem_up(z, &z->ex[0]))
			break;
	}
	z->elapsed_s = (double)(clock_now_ms() - t0) / 1000.0;
	fuzz_sem_progress(z, t0, 1);
}

static void fuzz_sem_rate(const char *name, unsigned long progs, unsigned long steps, int64_t ns)
{
	double s = (double)ns / 1e9;

	printf("# %s: %lu programs, %lu steps, %.1f programs/s, %.1f steps/s\n", name, progs, steps,
	       s > 0 ? (double)progs / s : 0.0, s > 0 ? (double)steps / s : 0.0);
}

static void fuzz_sem_report(struct fuzz_sem *z)
{
	size_t n;
	const struct fuzz_sem_expected *t = fuzz_sem_expected_table(&n);

	printf("# fuzz semantics: %.1f s, seed 0x%" PRIx64 ", %zu steps a program: %lu programs\n",
	       z->elapsed_s, z->seed, z->n_ops, z->programs);
	fuzz_sem_rate("oracle (posix_vfs)", z->oracle_programs, z->oracle_steps, z->oracle_ns);
	for (int i = 0; i < z->nex; i++) {
		struct fuzz_sem_exec *e = &z->ex[i];

		if (i > 0 && !z->every)
			continue;
		if (e->disabled && !e->programs) {
			printf("# %s: not run (its stack did not start)\n", e->name);
			continue;
		}
		fuzz_sem_rate(e->name, e->programs, e->steps, e->ns);
		printf("# %s: %lu divergences: %lu documented, %lu duplicates, %lu shrunk, %lu "
		       "environment (full disk); stack started %u times\n",
		       e->name, e->divergences, e->expected, e->duplicates,
		       e->divergences - e->expected - e->duplicates - e->environment,
		       e->environment, e->starts);
	}
	if (z->oracle_unstable)
		printf("# oracle unstable (skipped): %lu programs\n", z->oracle_unstable);
	for (size_t i = 0; i < n; i++)
		if (z->expected_hits[i])
			printf("# documented difference (%s, %s, \"%s\"): %lu times: %s\n",
			       t[i].executor,
			       t[i].cmd == SCN_CMD_COUNT ? "any step" : scn_cmd_name(t[i].cmd),
			       t[i].why, z->expected_hits[i], t[i].verdict);
	printf("# findings: %lu (saved under %s)\n", z->findings, z->found_dir);
}

static int fuzz_sem_tmpdirs(struct fuzz_sem *z)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(z->oroot, sizeof(z->oroot), "%s/baoharness-sem-XXXXXX", tmp ? tmp : "/tmp");
	snprintf(z->ocheck, sizeof(z->ocheck), "%s/baoharness-semc-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(z->oroot)) {
		fprintf(stderr, "fuzz semantics: mkdtemp %s: %s\n", z->oroot, strerror(errno));
		return -errno;
	}
	if (!mkdtemp(z->ocheck)) {
		fprintf(stderr, "fuzz semantics: mkdtemp %s: %s\n", z->ocheck, strerror(errno));
		rmtree(z->oroot);
		return -errno;
	}
	chmod(z->oroot, 0755);
	chmod(z->ocheck, 0755);
	return 0;
}

int fuzz_sem_main(int argc, char **argv)
{
	static struct fuzz_sem z;
	/* Every program on the first; every K-th on the others: the other backend (C and Rust
	 * virtiofsd) under the scripted frontend, then the two QEMU guests. */
	static const struct {
		const char *name, *frontend, *backend;
	} execs[] = {{"scripted", "scripted", NULL},
		     {"scripted+other", "scripted", NULL},
		     {"qemu", "qemu", NULL},
		     {"qemu-native", "qemu-native", NULL}};
	struct stack_backend b0;
	const char *brk = getenv("BAOHARNESS_FUZZ_SEM_BREAK");
	int rc;

	memset(&z, 0, sizeof(z));
	z.time_s = 60;
	z.seed = (uint64_t)time(NULL);
	z.n_ops = 24;
	z.found_dir = "scenarios/found";
	rc = fuzz_sem_args(&z, argc, argv);
	if (rc)
		return rc > 0 ? fuzz_sem_usage(0) : fuzz_sem_usage(1);
	if (brk && strcmp(brk, "truncate")) {
		fprintf(stderr, "fuzz semantics: BAOHARNESS_FUZZ_SEM_BREAK '%s': only 'truncate'\n",
			brk);
		return RUN_EXIT_USAGE;
	}
	z.brk_truncate = brk != NULL;
	if (!z.verbose && log_get_level() > LOG_ERROR)
		log_set_level(LOG_ERROR);
	z.nex = 4;
	for (int i = 0; i < z.nex; i++) {
		z.ex[i].name = execs[i].name;
		z.ex[i].frontend = execs[i].frontend;
		z.ex[i].backend = execs[i].backend;
	}
	/* The other backend: Rust when the campaign's is the C one, else C. */
	if (stack_backend_resolve(z.virtiofsd, &b0) == 0 &&
	    !strcmp(stack_backend_kind_name(&b0), "c")) {
		z.ex[1].name = "scripted+rust";
		z.ex[1].backend = "rust";
	} else {
		z.ex[1].name = "scripted+c";
		z.ex[1].backend = "c";
	}
	if (fuzz_sem_tmpdirs(&z))
		return RUN_EXIT_FAIL;
	printf("# fuzz semantics: %.0f s, seed 0x%" PRIx64 "%s\n", z.time_s, z.seed,
	       z.brk_truncate ? " (BAOHARNESS_FUZZ_SEM_BREAK=truncate: a broken executor)" : "");
	fflush(stdout);
	rc = fuzz_sem_up(&z, &z.ex[0]);
	if (rc == 0)
		fuzz_sem_campaign(&z);
	for (int i = 0; i < z.nex; i++)
		fuzz_sem_down(&z.ex[i]);
	rmtree(z.oroot);
	rmtree(z.ocheck);
	if (rc)
		return rc == STACK_ENV_MISSING ? RUN_EXIT_ENV : RUN_EXIT_FAIL;
	fuzz_sem_report(&z);
	if (interrupt_signal())
		return 128 + interrupt_signal();
	return z.findings ? RUN_EXIT_FAIL : RUN_EXIT_PASS;
}

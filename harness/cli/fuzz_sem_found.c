/* fuzz_sem_found.c - what `fuzz semantics` does with a divergence: a documented one is counted,
 * a repeat of one already shrunk is counted, a new one is shrunk (delta debugging over steps,
 * each candidate rerun on the oracle and the executor), checked on a fresh stack, and saved as
 * a .scn that passes on the oracle and names the executors that disagree. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "fuzz_sem_priv.h"
#include "interrupt.h"

struct fuzz_sem_found_ctx {
	struct fuzz_sem *z;
	struct fuzz_sem_exec *e;
	const struct fuzz_sem_prog *p;
	enum scn_cmd cmd;
	int64_t deadline_ms;
};

/* The shrinking test: does this subset still fail on the executor at the same kind of step? */
static int fuzz_sem_found_fails(void *arg, const unsigned char *keep, size_t n)
{
	struct fuzz_sem_found_ctx *c = arg;
	struct fuzz_sem_div d = {0};
	int rc;

	(void)n;
	if (clock_now_ms() > c->deadline_ms || interrupt_signal())
		return -1;
	rc = fuzz_sem_try(c->z, c->e, c->p, keep, NULL, NULL, &d);
	if (rc < 0)
		return c->e->up || fuzz_sem_up(c->z, c->e) == 0 ? 0 : -1;
	return rc == 1 && d.cmd == c->cmd && !d.match;
}

static const char *fuzz_sem_found_errname(int e)
{
	const char *n = e ? scn_errno_name(e) : "success";

	return n ? n : "errno";
}

/* Save the shrunk program's text with a header naming who disagrees; 0 or -errno. */
static int fuzz_sem_found_save(struct fuzz_sem *z, const struct fuzz_sem_exec *e, const char *path,
			       const struct fuzz_sem_buf *text, const struct fuzz_sem_div *d,
			       const struct fuzz_sem_div *fresh, int reproduced, uint64_t ps,
			       size_t from, size_t to, unsigned int tests)
{
	const struct fuzz_sem_div *w = reproduced ? fresh : d;
	FILE *f;

	mkdir(z->found_dir, 0755);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f,
		"# fuzz semantics finding: the executors disagree: posix_vfs (the oracle) passes "
		"this file, %s fails it\n",
		e->name);
	fprintf(f, "# %s fails at `%s`: %s\n", e->name, w->text, w->why);
	fprintf(f,
		"# found by: baoharness fuzz semantics --seed %" PRIu64
		" (program seed 0x%016" PRIx64 "), %zu steps shrunk to %zu in %u tests%s\n",
		z->seed, ps, from, to, tests,
		z->brk_truncate ? " with BAOHARNESS_FUZZ_SEM_BREAK=truncate (a broken executor)"
				: "");
	fprintf(f, "# reproduced on a fresh stack: %s\n", reproduced ? "yes" : "no");
	fprintf(f, "# verdict: open (see results/fuzz/semantics.md)\n");
	fprintf(f, "# run: baoharness run --frontend %s%s%s THIS-FILE\n", e->frontend,
		e->backend ? " --virtiofsd " : "", e->backend ? e->backend : "");
	fwrite(text->p, 1, text->len, f);
	return fclose(f) ? -errno : 0;
}

void fuzz_sem_found(struct fuzz_sem *z, struct fuzz_sem_exec *e, const struct fuzz_sem_prog *p,
		    uint64_t ps, const struct fuzz_sem_div *d)
{
	struct fuzz_sem_found_ctx c = {z, e, p, d->cmd, clock_now_ms() + FUZZ_SEM_SHRINK_MS};
	struct fuzz_sem_buf text = {0};
	struct fuzz_sem_div fresh = {0};
	unsigned char *keep;
	char key[128], path[PATH_MAX];
	size_t kept = 0, n;
	unsigned int tests;
	int rc;

	e->divergences++;
	/* A full disk on the machine fails any executor at random: the environment's, not a
	 * semantic difference. Counted and shown, never shrunk into a finding. */
	if (strstr(d->why, "ENOSPC") || strstr(d->why, "EDQUOT")) {
		e->environment++;
		printf("# environment: %s at `%s`: %s (not a finding)\n", e->name, d->text, d->why);
		return;
	}
	if (d->match) {
		const struct fuzz_sem_expected *t = fuzz_sem_expected_table(&n);
		size_t row = (size_t)(d->match - t);

		e->expected++;
		if (row < FUZZ_SEM_MAX_EXPECTED)
			z->expected_hits[row]++;
		return;
	}
	snprintf(key, sizeof(key), "%s %s %s", e->name, scn_cmd_name(d->cmd),
		 fuzz_sem_found_errname(d->fail_errno));
	for (int i = 0; i < z->nkeys; i++)
		if (!strcmp(z->keys[i], key)) {
			e->duplicates++;
			if (z->verbose)
				printf("# divergence (again: %s): `%s`: %s\n", key, d->text,
				       d->why);
			return;
		}
	if (z->nkeys < FUZZ_SEM_MAX_KEYS)
		snprintf(z->keys[z->nkeys++], sizeof(z->keys[0]), "%s", key);
	printf("# divergence: program seed 0x%016" PRIx64 " on %s at `%s`: %s%s%s\n", ps, e->name,
	       d->text, d->why, d->health[0] ? "; " : "", d->health);
	fflush(stdout);
	keep = malloc(p->n ? p->n : 1);
	if (!keep)
		return;
	memset(keep, 1, p->n);
	tests = fuzz_sem_shrink(p->n, keep, fuzz_sem_found_fails, &c, FUZZ_SEM_SHRINK_TESTS);
	for (size_t i = 0; i < p->n; i++)
		kept += keep[i];
	/* The saved form runs at the share's root: check it there on a fresh stack. */
	fuzz_sem_down(e);
	rc = fuzz_sem_try(z, e, p, keep, "", &text, &fresh);
	snprintf(path, sizeof(path), "%s/sem-%s-%s-%016" PRIx64 ".scn", z->found_dir, e->name,
		 scn_cmd_name(d->cmd), ps);
	if (rc >= 0 && !text.oom &&
	    fuzz_sem_found_save(z, e, path, &text, d, &fresh, rc == 1, ps, p->n, kept, tests) ==
		0) {
		z->findings++;
		printf("# finding: %s (%zu of %zu steps, %u shrinking tests, %s on a fresh "
		       "stack)\n",
		       path, kept, p->n, tests, rc == 1 ? "reproduced" : "NOT reproduced");
	} else {
		z->findings++;
		printf("# finding not saved: %s: %s\n", path,
		       rc < 0 ? strerror(-rc) : "write failed");
	}
	fflush(stdout);
	fuzz_sem_gen_buf_free(&text);
	free(keep);
}

/* fuzz_guest_replay.c - `baoharness fuzz guest --replay RECORD [--shrink]`: a saved guest finding
 * brought back by the mutations that cause it. The record's mutations (those logged with the
 * engine's state) are tried alone on fresh guests - all of them, the last ones, then delta
 * debugging over them - because the first of a round's mutations often kills the guest before the
 * one that made the finding is reached; the class at random is the fallback. --shrink writes the
 * smallest sequence that brought it back into the record, so the next replay is one guest. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fuzz_guest_priv.h"
#include "fuzz_sem.h"
#include "interrupt.h"
#include "log.h"

/* ddmin's bound in attempts (each a guest): the time budget is the real one. */
#define FUZZ_GUEST_REPLAY_TESTS 200

struct fuzz_guest_replay {
	struct fuzz_guest *g;
	char (*steps)[FUZZ_GUEST_LINE]; /* the candidate mutations, mutations.log lines */
	unsigned n;
	double deadline_s;    /* attempts stop here (elapsed seconds) */
	unsigned char *found; /* the last subset that brought the signature back */
	int ok;		      /* ... there was one */
	unsigned attempts;    /* guests booted for attempts */
	double hit_s;	      /* when it first came back */
	unsigned hit_attempt; /* ... in which attempt */
	int err;	      /* the harness failed (-errno, STACK_ENV_MISSING): stop */
	int at;		      /* attempts wait for each step's reply number (\"at\") */
	int found_at;	      /* ... found was found so */
};

/* A "mutation:" line's fields as a mutate.script line ("QUEUE OPCODE CLASS RNG"), or -EINVAL
 * for a line without the engine's state (records older than `rng`). */
static int fuzz_guest_replay_script_line(const char *m, char *out, size_t len)
{
	unsigned q, op;
	unsigned long long rng, seq;
	char cls[40], more[40];

	if (sscanf(m, "%llu q%u op %u unique %*s id %*u len %*u rng %llx %39s %39s", &seq, &q, &op,
		   &rng, cls, more) < 5)
		return -EINVAL;
	if (!strcmp(cls, "scripted"))
		memcpy(cls, more, sizeof(cls));
	cls[strcspn(cls, ":")] = '\0';
	snprintf(out, len, "%u %u %s %llx %llu\n", q, op, cls, rng, seq);
	return 0;
}

int fuzz_guest_replay_load(struct fuzz_guest *g)
{
	char line[600], tmp[64];
	FILE *f = fopen(g->replay, "re");
	unsigned rate = 0;

	if (!f) {
		fprintf(stderr, "baoharness fuzz guest: --replay %s: %s\n", g->replay,
			strerror(errno));
		return 2;
	}
	g->replay_sig[0] = g->replay_cls[0] = '\0';
	snprintf(g->replay_guest, sizeof(g->replay_guest), "own");
	snprintf(g->replay_fe, sizeof(g->replay_fe), "%s", g->frontend);
	while (fgets(line, sizeof(line), f)) {
		char *gp;

		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "signature: ", 11))
			snprintf(g->replay_sig, sizeof(g->replay_sig), "%.159s", line + 11);
		else if (!strncmp(line, "classes: ", 9))
			snprintf(g->replay_cls, sizeof(g->replay_cls), "%.63s", line + 9);
		else if (sscanf(line, "rate: 1/%u", &rate) == 1)
			g->rate = rate ? rate : g->rate;
		else if (!strncmp(line, "campaign_seed: ", 15))
			g->seed = strtoull(line + 15, NULL, 10);
		else if (!strncmp(line, "device_model: --mutate-replies ", 31))
			snprintf(g->replay_dm, sizeof(g->replay_dm), "%.63s", line + 31);
		else if (sscanf(line, "round: %u", &g->replay_round) == 1)
			continue;
		else if (!strncmp(line, "mutation: ", 10) &&
			 g->replay_nsteps < FUZZ_GUEST_LOG_TAIL &&
			 !fuzz_guest_replay_script_line(line + 10, tmp, sizeof(tmp)))
			snprintf(g->replay_steps[g->replay_nsteps++], FUZZ_GUEST_LINE, "%.199s",
				 line + 10);
		else if (!strncmp(line, "replay: ", 8)) {
			if ((gp = strstr(line, "--guest ")))
				sscanf(gp + 8, "%15s", g->replay_guest);
			if ((gp = strstr(line, "--frontend ")) && !g->fe_given)
				sscanf(gp + 11, "%15s", g->replay_fe);
		}
	}
	fclose(f);
	if (!g->replay_sig[0] || !g->replay_cls[0]) {
		fprintf(
		    stderr,
		    "baoharness fuzz guest: --replay %s: no 'signature:' or 'classes:' line (not "
		    "a guest finding record)\n",
		    g->replay);
		return 2;
	}
	g->only = !strcmp(g->replay_cls, "none") ? "all" : g->replay_cls;
	g->guest = g->replay_guest;
	if (strcmp(g->replay_fe, "qemu") && strcmp(g->replay_fe, "qemu-native")) {
		fprintf(stderr, "baoharness fuzz guest: --replay %s: frontend '%s' unknown\n",
			g->replay, g->replay_fe);
		return 2;
	}
	g->frontend = g->replay_fe;
	return 0;
}

void fuzz_guest_replay_hit(struct fuzz_guest *g)
{
	unsigned from = g->log_n > FUZZ_GUEST_LOG_TAIL ? g->log_n - FUZZ_GUEST_LOG_TAIL : 0;

	if (g->hit)
		return;
	g->hit = 1;
	/* mutations.log was read up to the round's end before its oracle lines are judged. */
	g->hit_nsteps = 0;
	for (unsigned i = from; i < g->log_n; i++)
		memcpy(g->hit_steps[g->hit_nsteps++], g->log_tail[i % FUZZ_GUEST_LOG_TAIL],
		       FUZZ_GUEST_LINE);
	g->hit_round = g->wl_round;
	snprintf(g->hit_dm, sizeof(g->hit_dm), "%s", g->mutate);
}

/* How many of keep[0..n) are set. */
static unsigned fuzz_guest_replay_count(const unsigned char *keep, unsigned n)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++)
		k += keep[i] != 0;
	return k;
}

/* One attempt: a fresh guest whose only mutations are the kept steps, in order, one round of
 * the finding's workload. 1 the signature came back, 0 not, -errno the harness failed or the
 * budget is spent (ddmin stops on a negative answer). */
static int fuzz_guest_replay_try(void *arg, const unsigned char *keep, size_t n)
{
	struct fuzz_guest_replay *z = arg;
	struct fuzz_guest *g = z->g;
	size_t o = 0;
	int rc, out, restart;

	if (interrupt_signal() || fuzz_guest_elapsed(g) >= z->deadline_s)
		return -ETIMEDOUT;
	g->script[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if (keep[i] && !fuzz_guest_replay_script_line(z->steps[i], g->script + o,
							      sizeof(g->script) - o))
			o += strlen(g->script + o);
	g->script_only = g->fixed_round = g->dm_pending = 1;
	g->script_at = z->at;
	g->hit = 0;
	fuzz_guest_down(g);
	rc = fuzz_guest_up(g);
	if (rc) {
		log_err("fuzz guest: replay attempt %u: the stack did not start (%s)%s%s",
			z->attempts + 1,
			rc == STACK_ENV_MISSING ? "environment missing" : strerror(-rc),
			g->st.start_why[0] ? ": " : "", g->st.start_why);
		z->err = rc == STACK_ENV_MISSING ? rc : -EIO;
		return z->err;
	}
	z->attempts++;
	out = fuzz_guest_round(g, g->only, &restart);
	fuzz_guest_down(g);
	g->script[0] = '\0';
	g->script_only = g->script_at = g->fixed_round = 0;
	if (out < 0 || g->harness_err) {
		z->err = -EIO;
		return z->err;
	}
	g->cls[fuzz_guest_cls_index(g->only)].outcome[out]++;
	fprintf(stderr,
		"fuzz guest: %5.1f/%.0f s  attempt %u: %u of %u recorded mutations%s: %s%s\n",
		fuzz_guest_elapsed(g), z->deadline_s, z->attempts,
		fuzz_guest_replay_count(keep, (unsigned)n), (unsigned)n,
		z->at ? " at their replies" : "", fuzz_guest_outcome_names[out],
		g->hit ? ", the signature came back" : "");
	g->round++;
	if (g->hit) {
		memcpy(z->found, keep, n);
		z->found_at = z->at;
		if (!z->ok) {
			z->hit_s = fuzz_guest_elapsed(g);
			z->hit_attempt = z->attempts;
		}
		z->ok = 1;
	}
	return g->hit;
}

/* The steps alone: all of them at their own replies (by number: a fresh guest on the same
 * workload numbers its replies nearly the same), all of them each at the next reply of its
 * queue and opcode, then so the last 1, 2, 4, ... (the mutation just before a crash is the
 * likeliest cause), then ddmin over all; with shrink, ddmin over what came back, the way it
 * came back. 1 with z->found the reproducing subset, 0 not, or a harness error (-errno,
 * STACK_ENV_MISSING). */
static int fuzz_guest_replay_search(struct fuzz_guest_replay *z, int shrink, double shrink_s)
{
	unsigned char keep[FUZZ_GUEST_LOG_TAIL];
	unsigned n = z->n;
	int rc;

	memset(keep, 1, n);
	z->at = 1;
	rc = fuzz_guest_replay_try(z, keep, n);
	z->at = 0;
	if (rc == 0)
		rc = fuzz_guest_replay_try(z, keep, n);
	for (unsigned k = 1; rc == 0 && k < n; k *= 2) {
		memset(keep, 0, n);
		memset(keep + n - k, 1, k);
		rc = fuzz_guest_replay_try(z, keep, n);
	}
	if (rc == 0) {
		/* Complements first, as ddmin does: some chunk of mutations may be what kills the
		 * guest too early; each success narrows the set and is remembered in found. */
		memset(keep, 1, n);
		fuzz_sem_shrink(n, keep, fuzz_guest_replay_try, z, FUZZ_GUEST_REPLAY_TESTS);
	}
	if (z->err)
		return z->err;
	if (!z->ok)
		return 0;
	if (shrink && fuzz_guest_replay_count(z->found, n) > 1) {
		/* The shrink gets its own budget: reproducing may have used all of --time. */
		z->deadline_s = fuzz_guest_elapsed(z->g) + shrink_s;
		z->at = z->found_at;
		memcpy(keep, z->found, n);
		fuzz_sem_shrink(n, keep, fuzz_guest_replay_try, z, FUZZ_GUEST_REPLAY_TESTS);
		if (z->err)
			return z->err;
	}
	return 1;
}

/* The record rewritten with the kept steps as its mutations (and the round and device-model
 * seed they go with), through a temporary file so a failure leaves it whole. 0 or -errno. */
static int fuzz_guest_replay_save(const struct fuzz_guest *g, char (*steps)[FUZZ_GUEST_LINE],
				  const unsigned char *keep, unsigned n, unsigned round,
				  const char *dm, const char *note)
{
	char tmp[PATH_MAX], line[1024];
	FILE *in = fopen(g->replay, "re"), *out = NULL;
	int done = 0, e = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", g->replay);
	if (in)
		out = fopen(tmp, "we");
	if (!in || !out) {
		e = errno;
		log_err("fuzz guest: --shrink: cannot rewrite %s (%s): %s", g->replay,
			in ? tmp : "reading", strerror(e));
		if (in)
			fclose(in);
		return -e;
	}
	while (fgets(line, sizeof(line), in)) {
		int block = !strncmp(line, "mutation: ", 10) ||
			    !strncmp(line, "# replay --shrink: ", 19) ||
			    !strncmp(line, "# the last mutations before it", 30);

		if (block && !done) {
			fprintf(
			    out,
			    "# the last mutations before it on its guest (seq queue opcode unique "
			    "id len rng class: what)\n# replay --shrink: %s\n",
			    note);
			for (unsigned i = 0; i < n; i++)
				if (keep[i])
					fprintf(out, "mutation: %s\n", steps[i]);
			done = 1;
		}
		if (block)
			continue;
		if (!strncmp(line, "round: ", 7))
			fprintf(out, "round: %u\n", round);
		else if (!strncmp(line, "device_model: --mutate-replies ", 31) && dm[0])
			fprintf(out, "device_model: --mutate-replies %s\n", dm);
		else
			fputs(line, out);
	}
	if (!done) {
		fprintf(out, "# replay --shrink: %s\n", note);
		for (unsigned i = 0; i < n; i++)
			if (keep[i])
				fprintf(out, "mutation: %s\n", steps[i]);
	}
	if (ferror(in) || ferror(out))
		e = EIO;
	fclose(in);
	if (fclose(out) && !e)
		e = errno;
	if (!e && rename(tmp, g->replay))
		e = errno;
	if (e) {
		log_err("fuzz guest: --shrink: cannot rewrite %s: %s", g->replay, strerror(e));
		unlink(tmp);
		return -e;
	}
	fprintf(stderr, "fuzz guest: %s rewritten: %s\n", g->replay, note);
	return 0;
}

/* Came back at random: which of that guest's mutations bring it back alone? The record gets
 * them either way (with the engine's state, the guest's seed and the round), shrunk if they
 * did. */
static int fuzz_guest_replay_shrink_hit(struct fuzz_guest *g, unsigned char *found)
{
	/* The attempts come back too and would overwrite g->hit_*: a copy is searched. */
	static char steps[FUZZ_GUEST_LOG_TAIL][FUZZ_GUEST_LINE];
	struct fuzz_guest_replay z = {.g = g, .found = found, .steps = steps};
	unsigned round = g->hit_round;
	char note[200], dm[64];
	int r;

	memcpy(steps, g->hit_steps, sizeof(steps));
	snprintf(dm, sizeof(dm), "%s", g->hit_dm);
	z.n = g->hit_nsteps;
	g->replay_round = round; /* the attempts' workload: the round it came back in */
	z.deadline_s = fuzz_guest_elapsed(g) + g->time_s;
	r = z.n ? fuzz_guest_replay_search(&z, 1, g->time_s) : 0;
	g->hit = 1;
	if (r < 0)
		return r;
	if (r)
		snprintf(note, sizeof(note),
			 "%u of the %u mutations of the guest it came back on at random bring it "
			 "back alone (mutate.ctl \"script only%s\", workload round %u)",
			 fuzz_guest_replay_count(found, z.n), z.n, z.found_at ? " at" : "", round);
	else {
		memset(found, 1, z.n);
		snprintf(note, sizeof(note),
			 "came back at random; its guest's %u mutations alone did not within "
			 "%.0f s (a replay tries them, then the class at random)",
			 z.n, g->time_s);
	}
	return fuzz_guest_replay_save(g, steps, found, z.n, round, dm, note);
}

int fuzz_guest_replay_run(struct fuzz_guest *g)
{
	static unsigned char found[FUZZ_GUEST_LOG_TAIL];
	struct fuzz_guest_replay z = {.g = g, .found = found};
	char note[200];
	int r, rc;

	if (g->replay_nsteps) {
		/* Two thirds of --time for the record's mutations alone; the rest at random. */
		z.steps = g->replay_steps;
		z.n = g->replay_nsteps;
		z.deadline_s = g->time_s * 2 / 3;
		r = fuzz_guest_replay_search(&z, g->shrink, g->time_s);
		if (r < 0)
			return r;
		if (r) {
			g->hit = 1;
			printf("how: %u of the record's %u mutations alone, attempt %u, %.1f s\n",
			       fuzz_guest_replay_count(found, z.n), z.n, z.hit_attempt, z.hit_s);
			if (!g->shrink)
				return 0;
			snprintf(note, sizeof(note),
				 "%u of the %u recorded mutations bring it back alone (mutate.ctl "
				 "\"script only%s\", workload round %u)",
				 fuzz_guest_replay_count(found, z.n), z.n, z.found_at ? " at" : "",
				 g->replay_round);
			return fuzz_guest_replay_save(g, g->replay_steps, found, z.n,
						      g->replay_round, g->replay_dm, note);
		}
	}
	/* The class at random, the first guest with the finding's seeds (the old replay). */
	g->round_base = g->round;
	g->dm_pending = 1;
	g->hit = 0;
	rc = fuzz_guest_campaign(g);
	fuzz_guest_down(g);
	if (rc || !g->hit)
		return rc;
	printf("how: the class at random, %.1f s\n", fuzz_guest_elapsed(g));
	return g->shrink ? fuzz_guest_replay_shrink_hit(g, found) : 0;
}

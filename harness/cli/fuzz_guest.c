/* fuzz_guest.c - `baoharness fuzz guest`: rounds of the guest agent's FUSE workload while the
 * device model (`qemu`) or the vhost-user shim in front of virtiofsd (`qemu-native`) - both
 * harness/devmodel/mut_relay.c's mutation mode - mutates one class of replies per round; the guest
 * kernel's log, the agent's impossible-result checks, a dead or hung guest are the oracles.
 * Findings are deduplicated, saved with the mutations that preceded them and a replay command, and
 * the campaign goes on with a fresh guest. */
#include "fuzz_guest.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fuzz_guest_priv.h"
#include "interrupt.h"
#include "log.h"
#include "qemu_fe_fuzz.h"
#include "stack.h"

#define FUZZ_GUEST_ROUND_GRACE_MS 20000

/* The device model's class names (reply_mut.c), in its order; "none" measures the baseline.
 * The CLI may not include the device model: the names are the interface (mutate.ctl). */
static const char *const fuzz_guest_classes[FUZZ_GUEST_CLASSES + 2] = {
    "none", "len-short", "len-long", "unique",	"error", "used-len", "used-id", "dirent",
    "attr", "init",	 "bytes",    "missing", "extra", "notify",   "mixed"};
const char *const fuzz_guest_outcome_names[FG_NOUTCOMES] = {
    "crash", "hang", "warning", "anomaly", "error to userspace", "ignored"};

/* mkdir -p: --out and --regress-dir may name folders that do not exist yet. */
static void fuzz_guest_mkdirs(const char *dir)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s", dir);
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	mkdir(p, 0755);
}

double fuzz_guest_elapsed(const struct fuzz_guest *g)
{
	return (double)(clock_now_ns() - g->t0) / 1e9;
}

int fuzz_guest_up(struct fuzz_guest *g)
{
	int rc;

	/* A fresh device-model seed per guest, so a restart does not replay the same choices;
	 * a replay's first guest (and each scripted attempt) gets the finding's own. */
	if (g->replay && g->dm_pending && g->replay_dm[0])
		snprintf(g->mutate, sizeof(g->mutate), "%s", g->replay_dm);
	else
		snprintf(g->mutate, sizeof(g->mutate), "%" PRIu64 ":%u",
			 (uint64_t)(g->seed * 1000003u + g->starts), g->rate);
	g->dm_pending = 0;
	g->so.mutate_replies = g->mutate;
	g->starts++;
	rc = stack_start(&g->st, &g->so);
	if (rc)
		return rc;
	g->up = 1;
	g->log_off = 0;
	g->log_n = 0; /* a finding's record holds its own guest's mutations only */
	if (g->script[0]) {
		char path[PATH_MAX];
		FILE *f;

		/* A replay's attempt: the finding's mutations (or some of them), in order. */
		snprintf(path, sizeof(path), "%s/mutate.script", g->st.rundir);
		f = fopen(path, "we");
		if (!f || fputs(g->script, f) < 0 || fclose(f)) {
			log_err("fuzz guest: cannot write %s: %s", path, strerror(errno));
			return -EIO;
		}
	}
	return 0;
}

void fuzz_guest_down(struct fuzz_guest *g)
{
	if (!g->up)
		return;
	g->st.hard_stop = 1; /* a guest under attack owes us no orderly goodbye */
	stack_stop(&g->st);
	g->up = 0;
}

/* The class list of round i: --classes, else one class per round in turn. */
static const char *fuzz_guest_round_cls(const struct fuzz_guest *g, unsigned i)
{
	return g->only ? g->only : fuzz_guest_classes[i % FUZZ_GUEST_NCLS];
}

int fuzz_guest_cls_index(const char *name)
{
	for (int i = 0; i < FUZZ_GUEST_NCLS; i++)
		if (!strcmp(name, fuzz_guest_classes[i]))
			return i;
	return FUZZ_GUEST_NCLS; /* a --classes list */
}

static int fuzz_guest_write_ctl(struct fuzz_guest *g, const char *cls)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/mutate.ctl", g->st.rundir);
	f = fopen(path, "we");
	/* One INIT per mount: that class alone is mutated every time it applies. A replay's
	 * attempt plays the finding's mutations (mutate.script), and with "only" nothing else. */
	if (!f ||
	    fprintf(f, "%s%s%s%s%s\n", cls, !strcmp(cls, "init") ? " rate=1" : "",
		    g->script[0] && strcmp(cls, "none") ? " script" : "",
		    g->script[0] && strcmp(cls, "none") && g->script_only ? " only" : "",
		    g->script[0] && strcmp(cls, "none") && g->script_at ? " at" : "") < 0 ||
	    fclose(f)) {
		log_err("fuzz guest: cannot write %s: %s", path, strerror(errno));
		return -EIO;
	}
	return 0;
}

/* New mutations since the last call: counted, the last ones kept for a finding's record. */
static uint64_t fuzz_guest_read_log(struct fuzz_guest *g)
{
	char path[PATH_MAX], line[400];
	uint64_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/mutations.log", g->st.rundir);
	f = fopen(path, "re");
	if (!f)
		return 0;
	fseek(f, g->log_off, SEEK_SET);
	while (fgets(line, sizeof(line), f)) {
		if (!strchr(line, '\n'))
			break; /* a line still being written: next time */
		g->log_off = ftell(f);
		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(g->log_tail[g->log_n++ % FUZZ_GUEST_LOG_TAIL], sizeof(g->log_tail[0]),
			 "%.199s", line);
		n++;
	}
	fclose(f);
	return n;
}

static void fuzz_guest_on_line(void *arg, const char *kind, const char *text)
{
	struct fuzz_guest *g = arg;

	if (!strcmp(kind, "NOTE")) {
		g->notes++;
		return;
	}
	if (g->nlines < 16) {
		snprintf(g->kinds[g->nlines], sizeof(g->kinds[0]), "%s", kind);
		snprintf(g->lines[g->nlines++], sizeof(g->lines[0]), "%s", text);
	}
}

/* The signature: the kind, the message with numbers and addresses blanked, the first two
 * frames (the syscall that got there - read or pread - is the same root cause). */
static void fuzz_guest_sig(const char *kind, const char *text, char *sig, size_t len)
{
	size_t o = (size_t)snprintf(sig, len, "%s ", kind);
	const char *p = text, *fr = strstr(text, "| frames: "), *cut = NULL;

	if (fr) {
		cut = strstr(fr + 10, " < ");
		cut = cut ? strstr(cut + 3, " < ") : NULL;
	}

	/* Kernel log prefixes ("[ 12.3]", "CPU: 0 PID: 57") vary: numbers go, words stay. */
	while (*p && o + 1 < len && p != cut) {
		size_t hex = strspn(p, "0123456789abcdef");

		/* an address such as fffffffffffff044 is a number too */
		if (isdigit((unsigned char)*p) ||
		    (hex >= 8 && (p == text || !isalnum((unsigned char)p[-1])))) {
			while (isxdigit((unsigned char)*p) || *p == 'x')
				p++;
			sig[o++] = 'N';
			continue;
		}
		sig[o++] = *p++;
	}
	sig[o] = '\0';
}

/* A file name from a signature: letters, digits, '-', then a hash of the whole signature (two
 * signatures may share their first 60 characters and differ in their frames). */
static void fuzz_guest_slug(const char *sig, char *out, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	size_t o = 0;

	for (const char *p = sig; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	for (const char *p = sig; *p && o + 1 < len && o < 60; p++) {
		char c = isalnum((unsigned char)*p) ? *p : '-';

		if (c == '-' && (o == 0 || out[o - 1] == '-'))
			continue;
		out[o++] = c;
	}
	while (o && out[o - 1] == '-')
		o--;
	snprintf(out + o, len - o, "-%08x", h);
}

static void fuzz_guest_save(struct fuzz_guest *g, struct fuzz_guest_finding *f, const char *cls,
			    const char *extra)
{
	char slug[100];
	FILE *out;

	fuzz_guest_mkdirs(g->regress);
	fuzz_guest_slug(f->sig, slug, sizeof(slug));
	/* The same root cause on the KASAN guest or QEMU's own device is its own record. */
	snprintf(f->file, sizeof(f->file), "%s/%s%s%s.txt", g->regress,
		 strcmp(g->frontend, "qemu") ? "native-" : "",
		 g->guest && !strcmp(g->guest, "kasan") ? "kasan-" : "", slug);
	out = fopen(f->file, "we");
	if (!out) {
		log_warn("fuzz guest: cannot save finding %s: %s", f->file, strerror(errno));
		f->file[0] = '\0';
		return;
	}
	fprintf(out,
		"# guest finding (baoharness fuzz guest)\n"
		"signature: %s\nmessage: %s\nclasses: %s\nround: %u\nelapsed_s: %.1f\n"
		"campaign_seed: %" PRIu64 "\nrate: 1/%u\ndevice_model: --mutate-replies %s\n"
		"replay: baoharness fuzz guest --frontend %s --guest %s --classes %s --rate %u "
		"--seed %" PRIu64
		" --time %u --out build/fuzz/replay --regress-dir build/fuzz/replay/guest\n"
		"# the last mutations before it on its guest (seq queue opcode unique id len rng "
		"class: what)\n",
		f->sig, f->msg, cls, g->wl_round, fuzz_guest_elapsed(g), g->seed, g->rate,
		g->mutate, g->frontend, g->guest ? g->guest : "own",
		!strcmp(cls, "none") ? "all" : cls, g->rate, g->seed, 3 * g->round_ms / 1000 + 10);
	for (unsigned i = g->log_n > FUZZ_GUEST_LOG_TAIL ? g->log_n - FUZZ_GUEST_LOG_TAIL : 0;
	     i < g->log_n; i++)
		fprintf(out, "mutation: %s\n", g->log_tail[i % FUZZ_GUEST_LOG_TAIL]);
	if (extra && extra[0])
		fprintf(out, "# guest console tail\n%s\n", extra);
	fclose(out);
}

/* Count a finding; a new one is saved and announced. */
static void fuzz_guest_finding(struct fuzz_guest *g, const char *kind, const char *text,
			       const char *cls, const char *extra)
{
	char sig[160];
	struct fuzz_guest_finding *f;

	fuzz_guest_sig(kind, text, sig, sizeof(sig));
	if (g->replay && !strcmp(sig, g->replay_sig))
		fuzz_guest_replay_hit(g);
	for (unsigned i = 0; i < g->nf; i++)
		if (!strcmp(g->f[i].sig, sig)) {
			g->f[i].count++;
			return;
		}
	if (g->nf == FUZZ_GUEST_FINDINGS)
		return;
	f = &g->f[g->nf++];
	snprintf(f->sig, sizeof(f->sig), "%s", sig);
	snprintf(f->msg, sizeof(f->msg), "%s", text);
	snprintf(f->cls, sizeof(f->cls), "%s", cls);
	f->count = 1;
	f->first_s = fuzz_guest_elapsed(g);
	fuzz_guest_save(g, f, cls, extra);
	fprintf(stderr, "fuzz guest: %.1f s: new finding under %s: %s %.200s\n", f->first_s, cls,
		kind, text);
}

/* Kernel verdicts that are crashes, not warnings. */
static int fuzz_guest_is_crash(const char *text)
{
	return strstr(text, "Oops") || strstr(text, "BUG:") || strstr(text, "KASAN:") ||
	       strstr(text, "Unable to handle") || strstr(text, "Internal error") ||
	       strstr(text, "Kernel panic");
}

/* The guest died: the console tail names how (a panic, an oops), if it says. */
static void fuzz_guest_console_cause(struct fuzz_guest *g, char *cause, size_t len, char *tail,
				     size_t tlen)
{
	static const char *const marks[] = {"Kernel panic",
					    "Internal error",
					    "Unable to handle",
					    "BUG:",
					    "Oops",
					    "bao-el2: PANIC",
					    NULL};

	cause[0] = '\0';
	tail[0] = '\0';
	if (!g->st.qfe)
		return;
	qemu_fe_console_tail(g->st.qfe, tail, tlen);
	for (int i = 0; marks[i] && !cause[0]; i++) {
		const char *m = strstr(tail, marks[i]);

		if (m)
			snprintf(cause, len, "%.*s", (int)strcspn(m, "\r\n"), m);
	}
}

/* One round: returns the outcome; *restart when the guest must be replaced. */
int fuzz_guest_round(struct fuzz_guest *g, const char *cls, int *restart)
{
	struct qemu_fe_fuzz_round r;
	char why[600], health[300], cause[300], tail[6000];
	int ci = fuzz_guest_cls_index(cls), out = FG_IGNORED, rc;
	uint64_t mutated;
	struct fuzz_guest_cls_stats *cs = &g->cls[ci];

	*restart = 0;
	g->nlines = 0;
	g->notes = 0;
	if (fuzz_guest_write_ctl(g, cls))
		return -EIO;
	fuzz_guest_read_log(g); /* what came before belongs to the last round */
	/* FUSE_INIT is one request per mount: the init class gets remounts to mutate. */
	/* The workload's seed: a replay starts with the finding's round's, and its scripted
	 * attempts all run that one. */
	g->wl_round = (g->fixed_round ? 0 : g->round - g->round_base) + g->replay_round;
	rc = qemu_fe_fuzz(g->st.qfe, (int)g->round_ms, g->seed + g->wl_round,
			  strstr(cls, "init") ? 15u : 1u, FUZZ_GUEST_ROUND_GRACE_MS,
			  fuzz_guest_on_line, g, &r, why, sizeof(why));
	/* Stop mutating before anything else talks to this guest (the next round's ctl). */
	fuzz_guest_write_ctl(g, "none");
	mutated = fuzz_guest_read_log(g);
	g->mutated += mutated;
	g->ops += r.ops;
	cs->rounds++;
	cs->mutated += mutated;
	cs->ops += r.ops;
	cs->errors += r.errors;
	cs->notes += g->notes;
	stack_health(&g->st, health, sizeof(health));
	if (strstr(health, "device model") || strstr(health, "vhost-user shim")) {
		/* Our own code died: a harness error, whatever the guest did. */
		log_err("fuzz guest: round %u (%s): the hostile backend died: %s", g->round, cls,
			health);
		g->harness_err = 1;
		*restart = 1;
		return FG_CRASH;
	}
	for (unsigned i = 0; i < g->nlines; i++) {
		int crash = !strcmp(g->kinds[i], "ORACLE") && fuzz_guest_is_crash(g->lines[i]);
		int o = !strcmp(g->kinds[i], "ANOMALY") ? FG_ANOMALY
			: !strcmp(g->kinds[i], "HANG")	? FG_HANG
			: crash				? FG_CRASH
							: FG_WARNING;

		fuzz_guest_finding(g, g->kinds[i], g->lines[i], cls, NULL);
		out = o < out ? o : out;
		if (o == FG_HANG || o == FG_CRASH)
			*restart = 1;
	}
	if (rc < 0) {
		*restart = 1;
		if (rc == -EPIPE || (g->st.qfe && qemu_fe_pid(g->st.qfe) <= 0)) {
			fuzz_guest_console_cause(g, cause, sizeof(cause), tail, sizeof(tail));
			fuzz_guest_finding(g, "GUEST-DIED", cause[0] ? cause : why, cls, tail);
			return FG_CRASH;
		}
		fuzz_guest_finding(g, "HANG", "no workload result (guest unresponsive)", cls, NULL);
		return FG_HANG;
	}
	if (rc > 0) {
		log_err("fuzz guest: round %u: the agent refused the workload: %s", g->round, why);
		*restart = 1;
		return FG_HANG;
	}
	if (r.hung || strncmp(r.child, "exit", 4)) {
		*restart = 1;
		if (out > FG_HANG && r.hung)
			out = FG_HANG;
		else if (out > FG_CRASH && !r.hung)
			out = FG_CRASH;
	}
	/* The ring-level classes leave the used ring out of step with virtiofsd for good (a lag,
	 * a slot taken): the next round's class gets a guest of its own. */
	if (strstr(cls, "missing") || strstr(cls, "extra") || strstr(cls, "notify"))
		*restart = 1;
	/* A workload that can no longer do anything (the mount gone, the queue broken). */
	if (r.ops && r.errors * 10 >= r.ops * 9)
		*restart = 1;
	if (out == FG_IGNORED && (r.errors > 0 || r.mountfail) && mutated &&
	    (double)r.errors / (double)(r.ops ? r.ops : 1) >
		(g->cls[0].ops ? (double)g->cls[0].errors / (double)g->cls[0].ops : 0.0) + 0.005)
		out = FG_ERROR;
	return out;
}

static void fuzz_guest_write_results(struct fuzz_guest *g, int interrupted)
{
	char path[PATH_MAX];
	double secs = fuzz_guest_elapsed(g);
	FILE *f;

	fuzz_guest_mkdirs(g->out);
	/* Each guest its own file: a KASAN campaign does not overwrite the plain one. */
	snprintf(path, sizeof(path), "%s/guest%s%s.json", g->out,
		 strcmp(g->frontend, "qemu") ? "-native" : "",
		 g->guest && !strcmp(g->guest, "kasan") ? "-kasan" : "");
	f = fopen(path, "we");
	if (!f) {
		log_err("fuzz guest: cannot write %s: %s", path, strerror(errno));
		return;
	}
	fprintf(f,
		"{\n  \"target\": \"guest\",\n  \"frontend\": \"%s\",\n  \"guest\": \"%s\",\n"
		"  \"seed\": %" PRIu64 ",\n  \"rate\": %u,\n  \"round_ms\": %u,\n  \"seconds\": "
		"%.1f,\n  \"interrupted\": %s,\n"
		"  \"rounds\": %u,\n  \"guest_starts\": %u,\n  \"replies_mutated\": %" PRIu64
		",\n  \"mutated_per_s\": %.1f,\n  \"fuse_ops\": %" PRIu64
		",\n  \"fuse_ops_per_s\": %.1f,\n"
		"  \"findings\": %u,\n  \"classes\": {\n",
		g->frontend, g->guest ? g->guest : "own", g->seed, g->rate, g->round_ms, secs,
		interrupted ? "true" : "false", g->round, g->starts, g->mutated,
		secs > 0 ? (double)g->mutated / secs : 0.0, g->ops,
		secs > 0 ? (double)g->ops / secs : 0.0, g->nf);
	for (int i = 0; i <= FUZZ_GUEST_NCLS; i++) {
		const struct fuzz_guest_cls_stats *c = &g->cls[i];

		fprintf(f,
			"    \"%s\": {\"rounds\": %u, \"mutated\": %" PRIu64 ", \"ops\": %" PRIu64
			", \"errors\": %" PRIu64 ", \"driver_notes\": %" PRIu64 ", \"outcomes\": {",
			fuzz_guest_classes[i], c->rounds, c->mutated, c->ops, c->errors, c->notes);
		for (int o = 0; o < FG_NOUTCOMES; o++)
			fprintf(f, "\"%s\": %u%s", fuzz_guest_outcome_names[o], c->outcome[o],
				o + 1 < FG_NOUTCOMES ? ", " : "");
		fprintf(f, "}}%s\n", i < FUZZ_GUEST_NCLS ? "," : "");
	}
	fprintf(f, "  },\n  \"finding_list\": [\n");
	for (unsigned i = 0; i < g->nf; i++) {
		char msg[400];
		size_t o = 0;

		for (const char *p = g->f[i].msg; *p && o + 2 < sizeof(msg); p++)
			if (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
				msg[o++] = *p;
		msg[o] = '\0';
		fprintf(f,
			"    {\"class\": \"%s\", \"count\": %u, \"first_s\": %.1f, \"message\": "
			"\"%s\", \"file\": \"%s\"}%s\n",
			g->f[i].cls, g->f[i].count, g->f[i].first_s, msg, g->f[i].file,
			i + 1 < g->nf ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	fclose(f);
	fprintf(stderr, "fuzz guest: results in %s\n", path);
}

/* Per class: rounds, mutated replies and the outcomes that happened (the JSON has them all). */
static void fuzz_guest_print_classes(const struct fuzz_guest *g)
{
	for (int i = 0; i <= FUZZ_GUEST_NCLS; i++) {
		const struct fuzz_guest_cls_stats *c = &g->cls[i];
		char out[200];
		size_t o = 0;

		if (!c->rounds)
			continue;
		out[0] = '\0';
		for (int k = 0; k < FG_NOUTCOMES && o < sizeof(out); k++)
			if (c->outcome[k])
				o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s %u",
						      o ? ", " : "", fuzz_guest_outcome_names[k],
						      c->outcome[k]);
		fprintf(stderr, "fuzz guest:   %-9s rounds %-3u mutated %-7" PRIu64 " %s\n",
			fuzz_guest_classes[i], c->rounds, c->mutated, out);
	}
}

static int fuzz_guest_usage(const char *why)
{
	if (why)
		fprintf(stderr, "baoharness fuzz guest: %s\n", why);
	fprintf(stderr,
		"usage: baoharness fuzz guest [--frontend qemu|qemu-native] [--guest own|kasan] "
		"[--time S] "
		"[--seed N]\n"
		"                             [--rate N] [--round S] [--classes LIST] [--out DIR] "
		"[--regress-dir DIR] [--keep] [-v]\n"
		"       baoharness fuzz guest --replay fuzz/regress/guest/RECORD.txt [--time S] "
		"[--shrink]   (exit 1: reproduced)\n"
		"  a hostile backend against the real guest: one reply in N (default 8) mutated;\n"
		"  classes: none len-short len-long unique error used-len used-id dirent attr init "
		"bytes\n"
		"           missing extra notify\n");
	return 2;
}

/* A positive number of seconds, or -1. */
static double fuzz_guest_secs(const char *v)
{
	char *end;
	double d = strtod(v, &end);

	return end == v || *end || !(d > 0) || d > 7 * 86400 ? -1 : d;
}

static int fuzz_guest_args(struct fuzz_guest *g, int argc, char **argv)
{
	char msg[300];

	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		double d;
		char *end;

		if (!strcmp(a, "-v") || !strcmp(a, "--keep")) {
			*(a[1] == 'v' ? &g->so.verbose : &g->so.keep) = 1;
			continue;
		}
		if (!strcmp(a, "--shrink")) {
			g->shrink = 1;
			continue;
		}
		if (!v) {
			snprintf(msg, sizeof(msg), "option '%s' needs a value (or is unknown)", a);
			return fuzz_guest_usage(msg);
		}
		i++;
		if (!strcmp(a, "--frontend")) {
			if (strcmp(v, "qemu") && strcmp(v, "qemu-native")) {
				snprintf(msg, sizeof(msg),
					 "--frontend '%s': unknown for guest fuzzing (want qemu or "
					 "qemu-native)",
					 v);
				return fuzz_guest_usage(msg);
			}
			g->frontend = v;
			g->fe_given = 1;
		} else if (!strcmp(a, "--time") || !strcmp(a, "--round")) {
			d = fuzz_guest_secs(v);
			if (d < 0) {
				snprintf(msg, sizeof(msg),
					 "%s '%s': want a positive number of seconds", a, v);
				return fuzz_guest_usage(msg);
			}
			if (!strcmp(a, "--time"))
				g->time_s = d;
			else
				g->round_ms = (unsigned)(d * 1000);
		} else if (!strcmp(a, "--seed")) {
			errno = 0;
			g->seed = strtoull(v, &end, 0);
			if (errno || end == v || *end) {
				snprintf(msg, sizeof(msg), "--seed '%s': want an integer", v);
				return fuzz_guest_usage(msg);
			}
		} else if (!strcmp(a, "--rate")) {
			unsigned long r = strtoul(v, &end, 0);

			if (end == v || *end || r < 1 || r > 1000000) {
				snprintf(msg, sizeof(msg), "--rate '%s': want 1..1000000", v);
				return fuzz_guest_usage(msg);
			}
			g->rate = (unsigned)r;
		} else if (!strcmp(a, "--classes")) {
			char copy[200], *save = NULL;

			snprintf(copy, sizeof(copy), "%s", v);
			for (char *t = strtok_r(copy, ",", &save); t;
			     t = strtok_r(NULL, ",", &save))
				if (strcmp(t, "all") &&
				    fuzz_guest_cls_index(t) == FUZZ_GUEST_NCLS) {
					snprintf(msg, sizeof(msg), "--classes: unknown class '%s'",
						 t);
					return fuzz_guest_usage(msg);
				}
			g->only = v;
		} else if (!strcmp(a, "--guest")) {
			if (strcmp(v, "kasan") && strcmp(v, "own")) {
				snprintf(msg, sizeof(msg), "--guest '%s': want own or kasan", v);
				return fuzz_guest_usage(msg);
			}
			g->guest = v;
		} else if (!strcmp(a, "--replay")) {
			g->replay = v;
		} else if (!strcmp(a, "--out")) {
			g->out = v;
		} else if (!strcmp(a, "--regress-dir")) {
			g->regress = v;
		} else {
			snprintf(msg, sizeof(msg), "unknown option '%s'", a);
			return fuzz_guest_usage(msg);
		}
	}
	if (g->shrink && !g->replay)
		return fuzz_guest_usage("--shrink needs --replay RECORD");
	if (g->replay && fuzz_guest_replay_load(g))
		return 2;
	if (g->round_ms > g->time_s * 1000)
		g->round_ms =
		    (unsigned)(g->time_s * 1000) > 1000 ? (unsigned)(g->time_s * 1000) : 1000;
	return 0;
}

/* The replayed record's signature among this run's findings, or NULL. */
static const struct fuzz_guest_finding *fuzz_guest_replayed(const struct fuzz_guest *g)
{
	for (unsigned i = 0; g->replay && i < g->nf; i++)
		if (!strcmp(g->f[i].sig, g->replay_sig))
			return &g->f[i];
	return NULL;
}

int fuzz_guest_campaign(struct fuzz_guest *g)
{
	int rc, restart;

	while (fuzz_guest_elapsed(g) < g->time_s && !interrupt_signal()) {
		const char *cls = fuzz_guest_round_cls(g, g->round);
		int ci = fuzz_guest_cls_index(cls), out;

		if (!g->up) {
			rc = fuzz_guest_up(g);
			if (rc) {
				log_err("fuzz guest: the stack did not start (%s)%s%s",
					rc == STACK_ENV_MISSING ? "environment missing"
								: strerror(-rc),
					g->st.start_why[0] ? ": " : "", g->st.start_why);
				return rc;
			}
		}
		out = fuzz_guest_round(g, cls, &restart);
		if (out < 0)
			return out;
		g->cls[ci].outcome[out]++;
		fprintf(stderr,
			"fuzz guest: %5.1f/%.0f s  round %u %-9s  %s  mutated %" PRIu64
			" (%.1f/s)  ops %" PRIu64 "  findings %u  guests %u\n",
			fuzz_guest_elapsed(g), g->time_s, g->round, cls,
			fuzz_guest_outcome_names[out], g->mutated,
			g->mutated / (fuzz_guest_elapsed(g) > 0 ? fuzz_guest_elapsed(g) : 1),
			g->ops, g->nf, g->starts);
		g->round++;
		if (g->harness_err)
			return -EIO;
		if (g->replay && g->hit)
			break; /* a replay ends with the first return of its signature */
		if (restart) {
			fuzz_guest_down(g);
			g->restarts++;
		}
	}
	return 0;
}

int fuzz_guest_main(int argc, char **argv)
{
	static struct fuzz_guest g;
	int rc;

	memset(&g, 0, sizeof(g));
	g.seed = (uint64_t)time(NULL);
	g.rate = 8;
	g.round_ms = 4000;
	g.time_s = 60;
	g.out = "results/fuzz";
	g.regress = "fuzz/regress/guest";
	g.frontend = "qemu";
	for (int i = 2; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--replay")) { /* a replay's results stay out of results/ */
			g.out = "build/fuzz/replay";
			g.regress = "build/fuzz/replay/guest";
			g.time_s = 30;
		}
	rc = fuzz_guest_args(&g, argc, argv);
	if (rc)
		return rc;
	g.so.frontend = stack_frontend_find(g.frontend);
	if (g.guest && !strcmp(g.guest, "kasan")) {
		/* The sanitizer build of the harness's own kernel (make qemu-kernel-kasan). */
		if ((stack_rundir_sibling("qemu/kasan/Image", g.kasan_image,
					  sizeof(g.kasan_image)) ||
		     access(g.kasan_image, R_OK)) &&
		    (stack_rundir_sibling("../qemu/kasan/Image", g.kasan_image,
					  sizeof(g.kasan_image)) ||
		     access(g.kasan_image, R_OK))) {
			fprintf(stderr,
				"baoharness fuzz guest: --guest kasan: no kernel at %s: run make "
				"qemu-kernel-kasan\n",
				g.kasan_image);
			return 3;
		}
		g.so.kernel = g.kasan_image;
	}
	g.so.step_timeout_ms = 30000;
	if (!g.so.verbose && log_get_level() > LOG_ERROR)
		log_set_level(LOG_ERROR); /* a hostile backend makes every layer complain */
	fprintf(stderr,
		"fuzz guest: %.0f s on %s, seed %" PRIu64 ", one reply in %u mutated, rounds of "
		"%.1f s, classes %s\n",
		g.time_s, g.frontend, g.seed, g.rate, g.round_ms / 1000.0,
		g.only ? g.only : "one per round");
	g.t0 = clock_now_ns();
	rc = g.replay ? fuzz_guest_replay_run(&g) : fuzz_guest_campaign(&g);
	fuzz_guest_down(&g);
	fuzz_guest_write_results(&g, interrupt_signal() != 0);
	fprintf(stderr,
		"fuzz guest: %.1f s, %u rounds, %" PRIu64 " replies mutated (%.1f/s), %" PRIu64
		" FUSE ops in the guest, %u guests, %u findings\n",
		fuzz_guest_elapsed(&g), g.round, g.mutated, g.mutated / fuzz_guest_elapsed(&g),
		g.ops, g.starts, g.nf);
	fuzz_guest_print_classes(&g);
	if (interrupt_signal())
		return 128 + interrupt_signal();
	if (rc == STACK_ENV_MISSING)
		return 3;
	if (g.replay && !rc && !g.harness_err) {
		/* As fuse-requests --replay: exit 1 means the saved oracle came back. */
		const struct fuzz_guest_finding *f = fuzz_guest_replayed(&g);

		if (f && g.hit) {
			printf("reproduced: %s\nsignature: %s\nafter: %.1f s, %u guests\n", f->msg,
			       f->sig, f->first_s, g.starts);
			return 1;
		}
		printf("not reproduced in %.0f s: %s\n", g.time_s, g.replay_sig);
		return 0;
	}
	return rc || g.harness_err ? 1 : 0;
}

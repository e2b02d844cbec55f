/* fuzz_cli.c - `baoharness fuzz fuse-requests`: drive generated FUSE requests through the
 * whole emulated stack into real virtiofsd and check every reply. A backend death is a
 * finding: classified, deduplicated, saved as a reproducer, and the stack is restarted. */
#include "clock.h"
#include "fuzz_cli.h"
#include "fuzz_diff.h"
#include "fuzz_shrink.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cpus.h"
#include "fuse_client.h"
#include "fuse_msg.h"
#include "fuzz_gen.h"
#include "fuzz_guest.h"
#include "fuzz_oracle.h"
#include "fuzz_report.h"
#include "fuzz_sem.h"
#include "log.h"
#include "progress.h"
#include "run.h"
#include "stack.h"

#define FUZZ_HISTORY 16
#define FUZZ_FREQUENT_CRASH 8 /* a finding seen this often is skipped like a short one */
#define FUZZ_REPLY_CAP (128u * 1024u + 16u)
#define FUZZ_REQ_TIMEOUT_NS (3LL * 1000000000LL)

struct fuzz_cli {
	struct stack st;
	struct stack_opts so;
	int up;
	struct fuzz_gen g;
	struct fuzz_report rep;
	struct fuzz_oracle orc;
	struct fuzz_rec hist[FUZZ_HISTORY]; /* the last requests sent since the last restart */
	struct fuzz_gen_info hinfo[FUZZ_HISTORY];
	int hist_n;
	uint8_t *req, *reply;
	int64_t t0;
	int ours;	      /* our own code misbehaved */
	struct progress prog; /* the live line on stderr */
};

static double fuzz_elapsed(const struct fuzz_cli *c)
{
	return (double)(clock_now_ns() - c->t0) / 1e9;
}

static void fuzz_hist_clear(struct fuzz_cli *c)
{
	for (int i = 0; i < c->hist_n; i++)
		free(c->hist[i].buf);
	c->hist_n = 0;
}

static void fuzz_hist_push(struct fuzz_cli *c, const struct fuzz_gen_info *in, const uint8_t *buf,
			   size_t len)
{
	struct fuzz_rec r = {in->queue, (uint32_t)len, malloc(len)};

	if (!r.buf)
		return;
	memcpy(r.buf, buf, len);
	if (c->hist_n == FUZZ_HISTORY) {
		free(c->hist[0].buf);
		memmove(c->hist, c->hist + 1, sizeof(c->hist[0]) * (FUZZ_HISTORY - 1));
		memmove(c->hinfo, c->hinfo + 1, sizeof(c->hinfo[0]) * (FUZZ_HISTORY - 1));
		c->hist_n--;
	}
	c->hinfo[c->hist_n] = *in;
	c->hist[c->hist_n++] = r;
}

static void fuzz_stack_down(struct fuzz_cli *c)
{
	char health[256], why[256];

	if (!c->up)
		return;
	/* A dead backend makes the frontend's reset wait for the device model's reconnect: bring
	 * a fresh virtiofsd first, so the teardown is a clean one. */
	stack_health(&c->st, health, sizeof(health));
	if (c->st.vfsd_pid <= 0 && c->st.dm_pid > 0 &&
	    stack_fault_restart_backend(&c->st, why, sizeof(why)))
		log_warn("fuzz: backend restart before teardown: %s", why);
	if (c->st.fe) /* bound FUSE_DESTROY on a dead backend */
		scripted_fe_set_deadline(c->st.fe, clock_now_ns() + 1000000000LL);
	stack_stop(&c->st);
	c->up = 0;
}

static int fuzz_stack_up(struct fuzz_cli *c)
{
	int r = stack_start(&c->st, &c->so);

	if (r)
		return r;
	c->up = 1;
	fuzz_gen_reset_state(&c->g);
	fuzz_hist_clear(c);
	r = fuzz_oracle_arm(&c->orc, c->st.share, c->st.vfsd_pid);
	if (r)
		log_err("fuzz: cannot plant the canary next to %s: %s", c->st.share, strerror(-r));
	return r;
}

static const char *fuzz_sig_op(const struct fuzz_gen_info *in)
{
	return in->cls == FUZZ_GEN_SHORT ? "ANY" : fuse_msg_op_name(in->opcode);
}

/* Send one request; *used = reply bytes. Returns fuse_client_raw's status. */
static int fuzz_send(struct fuzz_cli *c, uint16_t queue, const uint8_t *buf, size_t len,
		     size_t *used)
{
	*used = 0;
	scripted_fe_set_deadline(c->st.fe, clock_now_ns() + FUZZ_REQ_TIMEOUT_NS);
	return fuse_client_raw(scripted_fe_client(c->st.fe), queue, buf, len, c->reply,
			       FUZZ_REPLY_CAP, used);
}

/* recs on a fresh stack: does the backend die (or hang)? The stack is left up. */
static int fuzz_replay_kills(struct fuzz_cli *c, const struct fuzz_rec *recs, int n)
{
	struct timespec pause = {0, 50 * 1000000L};
	char health[256];
	size_t used;
	int rc = 0;

	if (fuzz_stack_up(c))
		return 0;
	for (int i = 0; i < n && rc != -ETIMEDOUT; i++) {
		rc = fuzz_send(c, recs[i].queue, recs[i].buf, recs[i].len, &used);
		stack_health(&c->st, health, sizeof(health));
		if (health[0])
			return 1;
	}
	nanosleep(&pause, NULL);
	stack_health(&c->st, health, sizeof(health));
	return health[0] != '\0' || rc == -ETIMEDOUT;
}

/* The shortest suffix of the history (1, 2, 4, ... requests) that still kills the backend on
 * a fresh stack; 0 when none does (then the whole history is kept). */
static int fuzz_minimize(struct fuzz_cli *c, const struct fuzz_rec *recs, int n)
{
	for (int k = 1;; k = 2 * k < n ? 2 * k : n) {
		int died = fuzz_replay_kills(c, recs + n - k, k);

		fuzz_stack_down(c);
		if (died)
			return k;
		if (k == n)
			return 0;
	}
}

/* A backend died (or hung): record the finding, restart the stack. 0, or -errno when the
 * stack cannot be brought back. */
static int fuzz_on_death(struct fuzz_cli *c, const struct fuzz_gen_info *in, const char *health,
			 int hang)
{
	char sig[96], last[160], detail[240];
	const char *kind =
	    hang ? "hang" : fuzz_oracle_death_kind(c->st.vfsd_log, health, last, sizeof(last));
	int ours = strstr(health, "device model") != NULL || (hang && !health[0]);
	struct fuzz_rec recs[FUZZ_HISTORY];
	struct fuzz_gen_info infos[FUZZ_HISTORY];
	struct fuzz_finding *f;
	int n = c->hist_n, k;

	/* virtiofsd still working on it (a mutated COPY_FILE_RANGE or WRITE length can keep it
	 * busy for seconds) is the backend's slowness, not a completion the harness lost. */
	if (hang && ours && !health[0] && c->st.vfsd_pid > 0 &&
	    fuzz_oracle_backend_busy(stack_fault_vfsd_worker(c->st.vfsd_pid))) {
		ours = 0;
		kind = "busy";
	}
	if (hang)
		snprintf(last, sizeof(last), "no completion within %lld s%s",
			 FUZZ_REQ_TIMEOUT_NS / 1000000000LL,
			 ours ? "" : " (virtiofsd still working on it)");
	snprintf(sig, sizeof(sig), "%s%s-%s-%s", ours ? "ours-" : "", fuzz_sig_op(in),
		 fuzz_gen_class_name(in->cls), kind);
	snprintf(detail, sizeof(detail), "%s%s%s", health[0] ? health : "backend alive",
		 last[0] ? ": " : "", last);
	fuzz_report_count(&c->rep, in->opcode, FUZZ_R_DIED);
	c->ours |= ours;
	progress_clear(&c->prog);
	fprintf(stderr, "fuzz: %.1f s: %s finding %s: %s\n", fuzz_elapsed(c),
		ours ? "OUR" : "backend", sig, detail);
	/* A failure site already shown to need earlier requests is one root cause, whatever
	 * request happened to be in flight (e.g. a stale INTERRUPT making the next reply a double).
	 */
	for (unsigned i = 0; i < c->rep.n_f; i++)
		if (c->rep.f[i].requests > 1 && !strcmp(c->rep.f[i].detail, detail))
			snprintf(sig, sizeof(sig), "%s", c->rep.f[i].sig);
	if (fuzz_report_find(&c->rep, sig) || n == 0) {
		fuzz_report_finding(&c->rep, sig, detail, ours, fuzz_elapsed(c), NULL, 0);
	} else {
		/* New: take the history over, shrink it on fresh stacks, save the reproducer. */
		memcpy(recs, c->hist, sizeof(recs[0]) * (size_t)n);
		memcpy(infos, c->hinfo, sizeof(infos[0]) * (size_t)n);
		c->hist_n = 0;
		fuzz_stack_down(c);
		k = ours ? 0 : fuzz_minimize(c, recs, n);
		f = fuzz_report_finding(&c->rep, sig, detail, ours, fuzz_elapsed(c),
					recs + n - (k ? k : n), k ? k : n);
		if (f)
			snprintf(f->trigger, sizeof(f->trigger), "%s-%s%s",
				 fuzz_sig_op(&infos[n - (k ? k : n)]),
				 fuzz_gen_class_name(infos[n - (k ? k : n)].cls),
				 k ? "" : " (whole history, not shrunk)");
		for (int i = 0; i < n; i++)
			free(recs[i].buf);
	}
	if (!strncmp(sig, "CREATE-", 7) && strstr(sig, "-abort"))
		c->g.create_excl = true;
	c->rep.restarts++;
	/* Fast path: a fresh virtiofsd on the same share, the device reset and re-initialised. */
	if (c->up && c->st.dm_pid > 0 && !stack_fault_restart_backend(&c->st, last, sizeof(last))) {
		fuzz_gen_reset_state(&c->g);
		fuzz_hist_clear(c);
		if (!fuzz_oracle_arm(&c->orc, c->st.share, c->st.vfsd_pid))
			return 0;
	}
	fuzz_stack_down(c);
	return fuzz_stack_up(c);
}

/* Validate the reply and count it; learn node ids and handles from good ones. */
static void fuzz_check_reply(struct fuzz_cli *c, const struct fuzz_gen_info *in, const uint8_t *req,
			     size_t len, size_t used)
{
	struct fuse_msg_reply rep;
	char why[160], sig[96];

	if (used == 0) {
		fuzz_report_count(&c->rep, in->opcode, FUZZ_R_DROPPED);
		return;
	}
	if (fuse_msg_decode_reply(c->reply, FUZZ_REPLY_CAP, used, in->unique, in->opcode, 0, &rep,
				  why, sizeof(why))) {
		/* A mutated request may legitimately get a reply sized for what virtiofsd read. */
		fuzz_report_count(&c->rep, in->opcode, FUZZ_R_MALFORMED);
		if (!strncmp(why, "reply unique", 12)) /* another request's reply: one root cause */
			snprintf(sig, sizeof(sig), "ANY-stale-reply-malformed-reply");
		else
			snprintf(sig, sizeof(sig), "%s-%s-malformed-reply", fuzz_sig_op(in),
				 fuzz_gen_class_name(in->cls));
		if (!fuzz_report_find(&c->rep, sig)) {
			/* The cause may be the request before (a stale reply): keep both. */
			int k = c->hist_n >= 2 ? 2 : c->hist_n;
			struct fuzz_finding *f;

			(void)req;
			(void)len;
			progress_clear(&c->prog);
			fprintf(stderr, "fuzz: %.1f s: reply finding %s: %s\n", fuzz_elapsed(c),
				sig, why);
			f = fuzz_report_finding(&c->rep, sig, why, 0, fuzz_elapsed(c),
						c->hist + c->hist_n - k, k);
			if (f && k)
				snprintf(f->trigger, sizeof(f->trigger), "%s-%s",
					 fuzz_sig_op(&c->hinfo[c->hist_n - k]),
					 fuzz_gen_class_name(c->hinfo[c->hist_n - k].cls));
		} else {
			fuzz_report_finding(&c->rep, sig, why, 0, fuzz_elapsed(c), NULL, 0);
		}
		return;
	}
	fuzz_report_count(&c->rep, in->opcode, rep.error);
	if (rep.error == 0) {
		c->rep.ok++;
		fuzz_gen_learn(&c->g, in->opcode, rep.body, rep.body_len);
	} else {
		c->rep.errors++;
	}
}

/* Known crashers - a request class that kills the backend alone or right after one other
 * request - are skipped 499 times in 500, so the campaign gets past them. */
static int fuzz_skip(struct fuzz_cli *c, const struct fuzz_gen_info *in)
{
	char prefix[96];
	size_t k;

	k = (size_t)snprintf(prefix, sizeof(prefix), "%s-%s", fuzz_sig_op(in),
			     fuzz_gen_class_name(in->cls));
	for (unsigned i = 0; i < c->rep.n_f; i++) {
		const struct fuzz_finding *f = &c->rep.f[i];

		/* Only short reproducers (a longer one may blame an innocent request), or a
		 * signature seen so often that the campaign spends its time restarting for it. */
		if (strstr(f->sig, "malformed") || in->opcode == FUSE_INIT ||
		    (f->requests > 2 && f->count < FUZZ_FREQUENT_CRASH))
			continue;
		if (!strncmp(f->sig, prefix, k) && f->sig[k] == '-')
			return fuzz_gen_rand(&c->g) % 500 != 0;
	}
	return 0;
}

static void fuzz_oracles(struct fuzz_cli *c, const struct fuzz_gen_info *in)
{
	char why[512], sig[96];
	int fds = fuzz_oracle_fds(&c->orc);

	if (fds > c->rep.fds_max)
		c->rep.fds_max = fds;
	if (fds > c->orc.fds_base + 1000) {
		snprintf(why, sizeof(why), "virtiofsd holds %d fds (started with %d)", fds,
			 c->orc.fds_base);
		fuzz_report_finding(&c->rep, "fd-growth", why, 0, fuzz_elapsed(c), c->hist,
				    c->hist_n);
	}
	if (fuzz_oracle_check_outside(&c->orc, why, sizeof(why))) {
		snprintf(sig, sizeof(sig), "%s-%s-outside-share", fuse_msg_op_name(in->opcode),
			 fuzz_gen_class_name(in->cls));
		progress_clear(&c->prog);
		fprintf(stderr, "fuzz: %.1f s: ESCAPE %s: %s\n", fuzz_elapsed(c), sig, why);
		fuzz_report_finding(&c->rep, sig, why, 0, fuzz_elapsed(c), c->hist, c->hist_n);
		fuzz_oracle_arm(&c->orc, c->st.share, c->st.vfsd_pid);
	}
}

/* The status line (progress.c: live on a terminal, every few seconds in a log); the caller
 * decides it is due. */
static void fuzz_progress(struct fuzz_cli *c, double secs, double time_s)
{
	uint64_t dropped = 0, malformed = 0;

	for (unsigned i = 0; i < c->rep.n_hist; i++) {
		dropped += c->rep.hist[i].err == FUZZ_R_DROPPED ? c->rep.hist[i].n : 0;
		malformed += c->rep.hist[i].err == FUZZ_R_MALFORMED ? c->rep.hist[i].n : 0;
	}
	progress_force(&c->prog,
		       "fuzz: %5.1f/%.0f s  %" PRIu64 " req (%.0f/s)  ok %" PRIu64
		       "  errno %" PRIu64 "  dropped %" PRIu64 "  malformed %" PRIu64
		       "  restarts %" PRIu64 "  findings %u  opcode/result pairs %u  vfsd fds %d",
		       secs, time_s, c->rep.requests,
		       secs > 0 ? (double)c->rep.requests / secs : 0.0, c->rep.ok, c->rep.errors,
		       dropped, malformed, c->rep.restarts, c->rep.n_f, c->rep.n_hist,
		       c->rep.fds_max);
}

static int fuzz_campaign(struct fuzz_cli *c, double time_s)
{
	struct fuzz_gen_info in;
	double now;
	char health[256];
	size_t len, used;
	int rc;

	if ((rc = fuzz_stack_up(c)))
		return rc;
	progress_init(&c->prog, STDERR_FILENO);
	c->prog.next_ms = clock_now_ms() + 2000; /* the first line after 2 s, as before */
	while ((now = fuzz_elapsed(c)) < time_s) {
		len = fuzz_gen_next(&c->g, c->req, FUZZ_GEN_REQ_MAX, &in);
		if (fuzz_skip(c, &in))
			continue;
		fuzz_hist_push(c, &in, c->req, len);
		rc = fuzz_send(c, in.queue, c->req, len, &used);
		c->rep.requests++;
		/* The whole health check scans /proc for stopped members: only when something
		 * looks wrong, or now and then; a dead member is seen at once either way. */
		health[0] = '\0';
		if (rc || !stack_members_alive(&c->st) || c->rep.requests % 256 == 0)
			stack_health(&c->st, health, sizeof(health));
		if (!health[0] && rc) { /* maybe dying: give it a moment to be reaped */
			usleep(20000);
			stack_health(&c->st, health, sizeof(health));
		}
		if (health[0] || rc == -ETIMEDOUT) {
			if (fuzz_on_death(c, &in, health, !health[0]))
				return -EIO;
		} else if (rc) {
			fuzz_report_count(&c->rep, in.opcode, FUZZ_R_TRANSPORT);
			if (fuzz_on_death(c, &in, "device broken without a backend death", 0))
				return -EIO;
		} else {
			fuzz_check_reply(c, &in, c->req, len, used);
		}
		if (c->rep.requests % 128 == 0)
			fuzz_oracles(c, &in);
		if (progress_due(&c->prog, clock_now_ms()))
			fuzz_progress(c, now, time_s);
	}
	if (c->up)
		fuzz_oracles(c, &in);
	fuzz_progress(c, fuzz_elapsed(c), time_s);
	progress_end(&c->prog);
	return 0;
}

/* Replay a saved reproducer on a fresh stack: 1 when a backend died (reproduced). */
static int fuzz_replay(struct fuzz_cli *c, const char *file)
{
	struct timespec pause = {0, 50 * 1000000L};
	struct fuzz_rec *recs;
	char health[256];
	size_t used;
	int n = fuzz_report_load(file, &recs), rc, died = 0;

	if (n < 0) {
		fprintf(stderr, "fuzz: cannot read %s: %s\n", file, strerror(-n));
		return 2;
	}
	rc = fuzz_stack_up(c);
	if (rc) {
		fuzz_report_free_recs(recs, n);
		return rc == STACK_ENV_MISSING ? 3 : 1;
	}
	for (int i = 0; i < n && !died; i++) {
		const struct fuse_in_header *h = (const void *)recs[i].buf;

		rc = fuzz_send(c, recs[i].queue, recs[i].buf, recs[i].len, &used);
		nanosleep(&pause, NULL);
		stack_health(&c->st, health, sizeof(health));
		printf("request %d/%d: %s, %u bytes: %s, %zu reply bytes%s%s\n", i + 1, n,
		       recs[i].len >= 8 ? fuse_msg_op_name(h->opcode) : "(short)", recs[i].len,
		       rc ? strerror(-rc) : "completed", used, health[0] ? "; " : "", health);
		died = health[0] != '\0' || rc == -ETIMEDOUT;
	}
	if (died)
		stack_backend_print_log(&c->st, 5);
	printf("%s\n", died ? "reproduced: the backend died or hung" : "not reproduced");
	fuzz_report_free_recs(recs, n);
	fuzz_stack_down(c);
	return died ? 1 : 0;
}

static int fuzz_usage(void)
{
	fprintf(stderr,
		"usage: baoharness fuzz semantics [--time S] [--seed N] [--every K] (see fuzz "
		"semantics -h)\n"
		"       baoharness fuzz fuse-requests [--time S] [--seed N] [--replay "
		"FILE] [--out DIR] [--virtiofsd c|rust|PATH]\n"
		"                                    [--regress-dir DIR] [--cpus LIST] [--record "
		"TRACE] [-v]\n"
		"       baoharness fuzz fuse-requests --shrink FILE [--virtiofsd c|rust|PATH]  (a "
		"finding made minimal: FILE.min.bin)\n"
		"       baoharness fuzz fuse-requests --differential [--virtiofsd A] [--against B] "
		"[--time S] [--seed N] [--replay FILE] [--out DIR]\n"
		"  (--differential: the same well-formed requests to two backends, default c and "
		"rust; their answers compared)\n"

		"       baoharness fuzz guest [--frontend qemu] [--time S] [--seed N] ...  (fuzz "
		"guest --help)\n");
	return 2;
}

int fuzz_cli_main(int argc, char **argv)
{
	static struct fuzz_cli c;
	const char *replay = NULL, *out = "results/fuzz", *against = NULL;
	int differential = 0, regress_set = 0;
	const char *shrink = NULL;
	struct run_record rec = {0}; /* --record: every stack's trapped accesses, kicks, ... */
	double time_s = 60;
	uint64_t seed = (uint64_t)time(NULL);
	char cmd[256];
	int rc, i;

	if (argc >= 2 && !strcmp(argv[1], "semantics"))
		return fuzz_sem_main(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "guest")) /* the other direction (fuzz_guest.c) */
		return fuzz_guest_main(argc, argv);
	if (argc < 2 || strcmp(argv[1], "fuse-requests"))
		return fuzz_usage();
	memset(&c, 0, sizeof(c));
	c.rep.regress_dir = "fuzz/regress/whole-stack";
	for (i = 2; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "-v"))
			c.so.verbose = 1;
		else if (!strcmp(argv[i], "--differential"))
			differential = 1;
		else if (!strcmp(argv[i], "--shrink") && v && ++i)
			shrink = v;
		else if (!strcmp(argv[i], "--against") && v && ++i)
			against = v;
		else if (!v)
			return fuzz_usage();
		else if (!strcmp(argv[i], "--time") && ++i) {
			char *end;

			time_s = strtod(v, &end);
			if (*end || end == v || !(time_s > 0 && time_s <= 7 * 86400)) {
				fprintf(stderr, "baoharness fuzz: --time '%s': want seconds, >0\n",
					v);
				return 2;
			}
		} else if (!strcmp(argv[i], "--seed") && ++i) {
			char *end;

			errno = 0;
			seed = strtoull(v, &end, 0);
			if (errno || *end || end == v || *v == '-') {
				fprintf(stderr,
					"baoharness fuzz: --seed '%s': want an unsigned number\n",
					v);
				return 2;
			}
		} else if (!strcmp(argv[i], "--replay") && ++i)
			replay = v;
		else if (!strcmp(argv[i], "--out") && ++i)
			out = v;
		else if (!strcmp(argv[i], "--record") && ++i)
			rec.path = v;
		else if (!strcmp(argv[i], "--virtiofsd") && ++i)
			c.so.virtiofsd = v;
		else if (!strcmp(argv[i], "--regress-dir") && ++i) {
			c.rep.regress_dir = v;
			regress_set = 1;
		} else if (!strcmp(argv[i], "--cpus") && ++i) {
			if (cpus_option("baoharness fuzz", v, &c.so.cpus))
				return 2;
			c.so.pin = 1;
		} else
			return fuzz_usage();
	}
	if (!c.so.verbose && log_get_level() > LOG_ERROR)
		log_set_level(LOG_ERROR); /* hostile requests make every layer warn */
	if (against && !differential) {
		fprintf(stderr, "baoharness fuzz: --against is for --differential\n");
		return 2;
	}
	if (rec.path && (shrink || differential)) {
		fprintf(stderr, "baoharness fuzz: --record is for a campaign or --replay\n");
		return 2;
	}
	if (shrink) {
		c.so.step_timeout_ms = 3000;
		c.so.wait = FE_WAIT_ADAPTIVE;
		return fuzz_shrink_main(shrink, &c.so, NULL);
	}
	if (differential) {
		struct fuzz_diff_opts d = {c.so.virtiofsd,
					   against ? against : "rust",
					   out,
					   replay,
					   regress_set ? c.rep.regress_dir
						       : "fuzz/regress/whole-stack/differential",
					   time_s,
					   seed,
					   c.so.verbose};

		return fuzz_diff_main(&d);
	}
	if (run_record_begin(&rec, "baoharness fuzz"))
		return 2;
	run_record_to(&rec, &c.so);
	c.so.step_timeout_ms = 3000;
	c.so.wait = FE_WAIT_ADAPTIVE;
	c.req = malloc(FUZZ_GEN_REQ_MAX + 8192);
	c.reply = malloc(FUZZ_REPLY_CAP);
	if (!c.req || !c.reply)
		return 1;
	fuzz_gen_init(&c.g, seed);
	c.t0 = clock_now_ns();
	if (replay) {
		rc = fuzz_replay(&c, replay);
	} else {
		fprintf(stderr, "fuzz: fuse-requests for %.0f s, seed %" PRIu64 "\n", time_s, seed);
		rc = fuzz_campaign(&c, time_s);
		fuzz_stack_down(&c);
		snprintf(cmd, sizeof(cmd),
			 "baoharness fuzz fuse-requests --time %.0f --seed %" PRIu64, time_s, seed);
		/* A campaign that never had a stack measured nothing: keep the last results. */
		if (rc == STACK_ENV_MISSING)
			fprintf(stderr, "fuzz: no stack, %s left as it was\n", out);
		else if (fuzz_report_write(&c.rep, out, fuzz_elapsed(&c), seed, cmd))
			fprintf(stderr, "fuzz: cannot write results under %s\n", out);
		else
			fprintf(
			    stderr,
			    "fuzz: results in %s/fuse-requests.json and %s/backend-findings.md\n",
			    out, out);
		rc = rc == STACK_ENV_MISSING ? 3 : (rc || c.ours) ? 1 : 0;
	}
	fuzz_hist_clear(&c);
	free(c.req);
	free(c.reply);
	if (run_record_close(&rec) && !rc)
		rc = 1;
	return rc;
}

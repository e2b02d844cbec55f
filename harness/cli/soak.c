/* soak.c - `baoharness soak`: the scenario library (default: every .scn of library_dir()) run again
 * and again in random order on ONE long-lived stack, with a random fault injected into some runs at
 * a random step (lost or late interrupts, a device reset with requests in flight, virtiofsd or the
 * device model killed and restarted). The share is emptied between runs. A failed run is reported
 * and the stack restarted (loudly, counted); at the end, runs, failures, faults, fd counts and RSS
 * at start and end, and stray processes. */
#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "library.h"
#include "log.h"
#include "progress.h"
#include "rmtree.h"
#include "run.h"
#include "soak.h"
#include "soak_priv.h"

enum soak_fault {
	SOAK_NONE,
	SOAK_IRQ_DROP,
	SOAK_IRQ_DELAY,
	SOAK_RESET,
	SOAK_BACKEND,
	SOAK_DEVMODEL,
	SOAK_RESTART_DM,
	SOAK_NFAULTS
};
static const char *const soak_fault_names[SOAK_NFAULTS] = {"none",
							   "irq-drop",
							   "irq-delay",
							   "reset-device",
							   "kill+restart-backend",
							   "kill+restart-devmodel",
							   "restart-devmodel"};

struct soak {
	double minutes;
	uint64_t seed, rng;
	int verbose;
	struct scn_file *files;
	int nfiles;
	struct stack_opts so;
	struct run_record rec; /* --record: the trace of every stack and host step */
	struct stack s;
	int up;
	unsigned long runs, failures, stack_restarts, faults[SOAK_NFAULTS];
	struct progress prog; /* the live line on stderr */
};

static uint64_t soak_rand(struct soak *k)
{
	/* xorshift64*, as the scenario format's @rand */
	k->rng ^= k->rng >> 12;
	k->rng ^= k->rng << 25;
	k->rng ^= k->rng >> 27;
	return k->rng * 0x2545F4914F6CDD1DULL;
}

static int soak_args(int argc, char **argv, struct soak *k)
{
	static const struct option opts[] = {{"minutes", required_argument, NULL, 'm'},
					     {"seed", required_argument, NULL, 's'},
					     {"virtiofsd", required_argument, NULL, 'b'},
					     {"record", required_argument, NULL, 'R'},
					     {"verbose", no_argument, NULL, 'v'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	char *end;
	int c;

	k->minutes = 1;
	k->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			k->minutes = strtod(optarg, &end);
			if (*end || !(k->minutes > 0) || k->minutes > 10080) {
				fprintf(stderr,
					"baoharness soak: --minutes '%s': want a number in (0, "
					"10080]\n",
					optarg);
				return -1;
			}
			break;
		case 's':
			k->seed = strtoull(optarg, &end, 0);
			if (*end || !k->seed) {
				fprintf(stderr,
					"baoharness soak: --seed '%s': want a nonzero number\n",
					optarg);
				return -1;
			}
			break;
		case 'b':
			k->so.virtiofsd = optarg;
			break;
		case 'R':
			k->rec.path = optarg;
			break;
		case 'v':
			k->verbose++;
			log_set_level(k->verbose > 1 ? LOG_DEBUG : LOG_INFO);
			break;
		case 'h':
		default:
			fprintf(c == 'h' ? stdout : stderr,
				"usage: baoharness soak --minutes N [--seed S] [--virtiofsd "
				"c|rust|PATH] [--record TRACE] [-v] "
				"[FILE.scn...]\n"
				"  runs the files (default: the scenario library) in random order "
				"with random faults\n");
			return c == 'h' ? 1 : -1;
		}
	}
	k->rng = k->seed;
	return 0;
}

/* Files the scripted frontend can run: no `require` beyond what it provides. */
static int soak_runnable(const struct scn_file *f)
{
	if (!f->n_steps || f->steps[0].cmd != SCN_REQUIRE)
		return 1;
	for (size_t i = 0; i < f->steps[0].n_names; i++)
		if (strcmp(f->steps[0].names[i], "faults") &&
		    strcmp(f->steps[0].names[i], "confinement"))
			return 0;
	return 1;
}

static int soak_load(struct soak *k, int argc, char **argv)
{
	glob_t g = {0};
	char **names = argv, dir[PATH_MAX], pat[PATH_MAX + 8];
	int n = argc;

	if (n == 0) {
		/* The library beside this program (installed or in the tree), from any folder. */
		int r = library_dir(dir, sizeof(dir));

		snprintf(pat, sizeof(pat), "%s/*.scn", dir);
		if (r || glob(pat, 0, NULL, &g) || g.gl_pathc == 0) {
			fprintf(stderr,
				"baoharness soak: no scenario library (%s): name the files or set "
				"BAOHARNESS_SCENARIOS\n",
				r ? dir : pat);
			globfree(&g);
			return -ENOENT;
		}
		names = g.gl_pathv;
		n = (int)g.gl_pathc;
	}
	k->files = calloc((size_t)n, sizeof(*k->files));
	for (int i = 0; k->files && i < n; i++) {
		struct scn_file f;

		if (run_load(names[i], &f)) {
			globfree(&g);
			return -EINVAL;
		}
		if (soak_runnable(&f))
			k->files[k->nfiles++] = f;
		else
			scn_file_free(&f);
	}
	globfree(&g);
	return k->files && k->nfiles ? 0 : -ENOENT;
}

/* Inject fault kind before a step; 0 or -1 with why. */
static int soak_inject(struct soak *k, enum soak_fault f, char *why, size_t len)
{
	struct scn_step st = {0};
	int r = 0;

	switch (f) {
	case SOAK_IRQ_DROP:
		st.cmd = SCN_IRQ_DROP;
		st.number = 1 + soak_rand(k) % 4;
		return stack_frontend_fault(&k->s, &st, why, len);
	case SOAK_IRQ_DELAY:
		st.cmd = SCN_IRQ_DELAY;
		st.number = 1 + soak_rand(k) % 20;
		return stack_frontend_fault(&k->s, &st, why, len);
	case SOAK_RESET:
		st.cmd = SCN_RESET_DEVICE;
		return stack_frontend_fault(&k->s, &st, why, len);
	case SOAK_BACKEND:
		st.cmd = SCN_KILL_BACKEND;
		r = stack_frontend_fault(&k->s, &st, why, len);
		st.cmd = SCN_RESTART_BACKEND;
		return r ? r : stack_frontend_fault(&k->s, &st, why, len);
	case SOAK_DEVMODEL:
		st.cmd = SCN_KILL_DEVMODEL;
		r = stack_frontend_fault(&k->s, &st, why, len);
		/* fall through */
	case SOAK_RESTART_DM:
		st.cmd = SCN_RESTART_DEVMODEL;
		return r ? r : stack_frontend_fault(&k->s, &st, why, len);
	default:
		return 0;
	}
}

static int soak_step(struct soak *k, const struct scn_step *st, char *why, size_t len)
{
	why[0] = '\0';
	switch (scn_cmd_step_side(st)) {
	case SCN_SIDE_HOST:
		run_record_step(&k->rec, st);
		return stack_host_step(&k->s, st, k->so.step_timeout_ms, why, len);
	case SCN_SIDE_FRONTEND:
		return stack_frontend_step(&k->s, st, k->so.step_timeout_ms, why, len);
	default:
		break;
	}
	if (st->cmd == SCN_SLEEP) {
		clock_sleep_ms(st->number > 10000 ? 10000 : (int)st->number);
		return 0;
	}
	if (st->cmd == SCN_REMOUNT)
		return stack_frontend_remount(&k->s, k->so.step_timeout_ms, why, len) ? -1 : 0;
	if (st->cmd == SCN_REQUIRE)
		return 0;
	return stack_frontend_fault(&k->s, st, why, len);
}

/* One run of one file with maybe one fault; 0 passed, -1 failed (reported). */
static int soak_run_file(struct soak *k, const struct scn_file *f)
{
	enum soak_fault fault =
	    soak_rand(k) % 2 ? SOAK_NONE : (enum soak_fault)(1 + soak_rand(k) % (SOAK_NFAULTS - 1));
	size_t at = f->n_steps ? soak_rand(k) % f->n_steps : 0, i;
	int own_faults = f->n_steps && f->steps[0].cmd == SCN_REQUIRE;
	char why[1024] = "";
	int r = rmtree_contents(k->s.share);

	if (r) {
		progress_clear(&k->prog);
		printf("not ok %lu - %s: cannot clear the share: %s\n", k->runs, f->name,
		       strerror(-r));
		return -1;
	}
	for (i = 0; i < f->n_steps; i++) {
		/* A fault file's own kill windows expect EIO: only interrupt faults go in there,
		 * and nothing while a process is down. */
		if (i == at && fault > SOAK_IRQ_DELAY && own_faults)
			fault = SOAK_IRQ_DELAY;
		if (i == at && (k->s.dm_pid <= 0 || k->s.vfsd_pid <= 0))
			fault = SOAK_NONE;
		if (i == at && fault != SOAK_NONE) {
			k->faults[fault]++;
			if (soak_inject(k, fault, why, sizeof(why))) {
				progress_clear(&k->prog);
				printf("not ok %lu - %s: injecting %s before line %u: %s\n",
				       k->runs, f->name, soak_fault_names[fault], f->steps[i].line,
				       why);
				break;
			}
		}
		if (soak_step(k, &f->steps[i], why, sizeof(why))) {
			progress_clear(&k->prog);
			printf("not ok %lu - %s:%u: %s: %s (fault: %s before line %u)\n", k->runs,
			       f->name, f->steps[i].line, f->steps[i].text, why[0] ? why : "failed",
			       soak_fault_names[fault], f->steps[at].line);
			break;
		}
	}
	fakebao_fault_set_irq(k->s.fb, 0, 0);
	if (i < f->n_steps)
		return -1;
	if (k->verbose) {
		progress_clear(&k->prog);
		printf("ok %lu - %s (fault: %s)\n", k->runs, f->name, soak_fault_names[fault]);
	}
	return 0;
}

static void soak_report(struct soak *k, const struct soak_usage_sample *a, int64_t ms, int *ok)
{
	struct soak_usage_sample b;
	int strays;

	if (k->up) {
		soak_usage_sample(&k->s, &b);
	} else {
		memset(&b, 0, sizeof(b));
		stack_fault_proc_usage(getpid(), &b.self);
		stack_fault_proc_usage(0, &b.vfsd);
		stack_fault_proc_usage(0, &b.dm);
	}
	printf(
	    "# soak: %.1f min, seed 0x%llx: %lu runs of %d files, %lu failed, %lu stack restarts\n",
	    (double)ms / 60000.0, (unsigned long long)k->seed, k->runs, k->nfiles, k->failures,
	    k->stack_restarts);
	printf("# soak: faults injected:");
	for (int f = 1; f < SOAK_NFAULTS; f++)
		printf(" %s=%lu", soak_fault_names[f], k->faults[f]);
	printf(" (plus the fault files' own; virtiofsd started %u times, device model %u)\n",
	       k->s.vfsd_starts, k->s.dm_starts);
	*ok = soak_usage_print(stdout, a, &b);
	strays = k->up ? soak_usage_strays(&k->s, stdout) : 0;
	printf("# soak: stray processes: %d\n", strays);
	*ok = *ok && !strays && !k->failures && k->up;
}

/* The live line: elapsed of planned minutes, runs, failures, restarts (final: forced, kept). */
#define SOAK_PROGRESS_FMT "soak: %.1f/%.1f min  %lu runs  %lu failed  %lu stack restarts"
static void soak_progress(struct soak *k, int64_t t0, int final)
{
	double min = (double)(clock_now_ms() - t0) / 60000.0;

	if (final) {
		progress_force(&k->prog, SOAK_PROGRESS_FMT, min, k->minutes, k->runs, k->failures,
			       k->stack_restarts);
		progress_end(&k->prog);
	} else {
		progress_show(&k->prog, SOAK_PROGRESS_FMT, min, k->minutes, k->runs, k->failures,
			      k->stack_restarts);
	}
}

int soak_main(int argc, char **argv)
{
	static struct soak k;
	struct soak_usage_sample start;
	int64_t t0, end;
	int r, ok = 0, sampled_warm;

	k.so = (struct stack_opts){.step_timeout_ms = 30000, .wait = FE_WAIT_ADAPTIVE};
	r = soak_args(argc, argv, &k);
	if (r)
		return r > 0 ? 0 : RUN_EXIT_USAGE;
	if (soak_load(&k, argc - optind, argv + optind) ||
	    run_record_begin(&k.rec, "baoharness soak"))
		return RUN_EXIT_USAGE;
	run_record_to(&k.rec, &k.so);
	r = stack_start(&k.s, &k.so);
	if (r) {
		run_record_close(&k.rec);
		return r == STACK_ENV_MISSING ? RUN_EXIT_ENV : RUN_EXIT_FAIL;
	}
	k.up = 1;
	soak_usage_sample(&k.s, &start);
	sampled_warm = 0;
	t0 = clock_now_ms();
	end = t0 + (int64_t)(k.minutes * 60000.0);
	printf("# soak: %d files, %.1f min, seed 0x%llx\n", k.nfiles, k.minutes,
	       (unsigned long long)k.seed);
	fflush(stdout);
	progress_init(&k.prog, STDERR_FILENO);
	while (clock_now_ms() < end) {
		const struct scn_file *f = &k.files[soak_rand(&k) % (uint64_t)k.nfiles];

		soak_progress(&k, t0, 0);
		k.runs++;
		r = soak_run_file(&k, f);
		/* The baseline is taken after the first run: virtiofsd opens its per-inode and
		 * per-session fds lazily, so a sample of the idle stack would read as a leak. */
		if (!sampled_warm && k.runs == 1) {
			soak_usage_sample(&k.s, &start);
			sampled_warm = 1;
		}
		if (r == 0)
			continue;
		k.failures++;
		/* Say so, and go on from a fresh stack: never a silent restart. */
		progress_clear(&k.prog);
		printf("# soak: restarting the whole stack after that failure\n");
		fflush(stdout);
		stack_stop(&k.s);
		k.stack_restarts++;
		if (stack_start(&k.s, &k.so)) {
			k.up = 0;
			printf("not ok - the stack did not come back up\n");
			break;
		}
	}
	soak_progress(&k, t0, 1);
	soak_report(&k, &start, clock_now_ms() - t0, &ok);
	if (k.up)
		stack_stop(&k.s);
	if (run_record_close(&k.rec))
		ok = 0;
	for (int i = 0; i < k.nfiles; i++)
		scn_file_free(&k.files[i]);
	free(k.files);
	return ok ? RUN_EXIT_PASS : RUN_EXIT_FAIL;
}

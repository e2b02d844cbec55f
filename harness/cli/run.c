/* run.c - the scenario runner: whole-file parse before anything runs, one fresh stack per file,
 * frontend steps through the scripted frontend, host steps on the shared directory, one
 * "ok/not ok" line per step, the summary line, and the exit status. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fakebao.h"
#include "fuse_msg.h"
#include "log.h"
#include "posix_vfs.h"
#include "run.h"

#define RUN_MAX_FILE (1ULL << 31)

int run_load(const char *path, struct scn_file *f)
{
	char err[512];
	FILE *fp = fopen(path, "rbe");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int r;

	if (!fp) {
		fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
		return -errno;
	}
	for (;;) {
		size_t n;

		if (cap - len < 65536) {
			char *nb;

			if (cap >= RUN_MAX_FILE) {
				fprintf(stderr, "%s: file too large\n", path);
				free(buf);
				fclose(fp);
				return -E2BIG;
			}
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(fp);
				return -ENOMEM;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	r = ferror(fp) ? -EIO : 0;
	fclose(fp);
	if (r) {
		fprintf(stderr, "%s: read error\n", path);
		free(buf);
		return r;
	}
	r = scn_parse(path, buf ? buf : "", len, f, err, sizeof(err));
	free(buf);
	if (r)
		fprintf(stderr, "%s\n", err);
	return r;
}

/* Capabilities the scripted frontend provides to `require`. */
static const char *const run_scripted_caps[] = {NULL};

static const char *run_missing_cap(const struct scn_step *st)
{
	for (size_t i = 0; i < st->n_names; i++) {
		int found = 0;

		for (size_t k = 0; run_scripted_caps[k]; k++)
			found |= !strcmp(run_scripted_caps[k], st->names[i]);
		if (!found)
			return st->names[i];
	}
	return NULL;
}

static int run_control_step(struct stack *s, const struct scn_step *st, char *why, size_t len)
{
	int r;

	switch (st->cmd) {
	case SCN_SLEEP: {
		struct timespec ts = {(time_t)(st->number / 1000), (long)(st->number % 1000) * 1000000L};

		nanosleep(&ts, NULL);
		return 0;
	}
	case SCN_REMOUNT:
		r = stack_frontend_remount(s, 60000, why, len);
		return r ? -1 : 0;
	case SCN_REQUIRE:
		return 0; /* handled before the file runs */
	default:
		snprintf(why, len, "control step %s not supported by this frontend", scn_cmd_name(st->cmd));
		return -1;
	}
}

static int run_step(struct stack *s, struct posix_vfs *host, const struct scn_step *st,
		    const struct run_opts *o, char *why, size_t len)
{
	why[0] = '\0';
	switch (scn_step_side(st)) {
	case SCN_SIDE_HOST:
		return scn_exec_step(st, &posix_vfs_ops, host, why, len);
	case SCN_SIDE_FRONTEND:
		return stack_frontend_step(s, st, o->stack.step_timeout_ms, why, len);
	default:
		return run_control_step(s, st, why, len);
	}
}

static void run_print_stats(struct stack *s, FILE *out)
{
	struct fakebao_stats fs;
	const struct scripted_fe_stats *es;

	if (!s->fb) {
		fprintf(out, "# stats: mmio_traps=0 (QEMU's own virtio-mmio device: nothing is trapped)\n");
		return;
	}
	es = scripted_fe_stats(s->fe);
	fakebao_get_stats(s->fb, &fs);
	fprintf(out, "# stats: mmio_traps=%llu mmio_to_devmodel=%llu ioeventfd_kicks=%llu "
		     "irqs_injected=%llu trap_timeouts=%llu\n",
		(unsigned long long)fs.mmio_traps, (unsigned long long)fs.mmio_to_dm,
		(unsigned long long)fs.ioeventfd_kicks, (unsigned long long)fs.irqs_injected,
		(unsigned long long)fs.trap_timeouts);
	fprintf(out, "# stats: fuse_requests");
	for (unsigned int op = 0; op < 64; op++)
		if (es->fuse_requests[op])
			fprintf(out, " %s=%llu", fuse_msg_op_name(op),
				(unsigned long long)es->fuse_requests[op]);
	fprintf(out, "\n");
}

/* Runs the steps; returns the index of the first failing step or n_steps. */
static size_t run_steps(struct stack *s, const struct scn_file *f, const struct run_opts *o,
			FILE *out)
{
	struct posix_vfs host;
	char why[1024];
	size_t i;
	int r = posix_vfs_open(&host, s->share);

	if (r) {
		fprintf(out, "not ok %u - %s: cannot open the share %s: %s\n", f->steps[0].line,
			f->steps[0].text, s->share, strerror(-r));
		return 0;
	}
	for (i = 0; i < f->n_steps; i++) {
		const struct scn_step *st = &f->steps[i];

		if (o->narrate)
			o->narrate(st, o->narrate_arg);
		if (run_step(s, &host, st, o, why, sizeof(why))) {
			char health[256];

			stack_health(s, health, sizeof(health));
			fprintf(out, "not ok %u - %s: %s%s%s\n", st->line, st->text,
				why[0] ? why : "failed", health[0] ? "; " : "", health);
			fflush(out);
			break;
		}
		fprintf(out, "ok %u - %s\n", st->line, st->text);
		fflush(out);
	}
	posix_vfs_close(&host);
	return i;
}

int run_file(const struct scn_file *f, const struct run_opts *o, FILE *out, struct run_totals *t)
{
	struct stack s;
	const char *missing;
	size_t failed_at;
	int r;

	fprintf(out, "# %s\n", f->name);
	if (f->n_steps && f->steps[0].cmd == SCN_REQUIRE && (missing = run_missing_cap(&f->steps[0]))) {
		fprintf(out, "ok - %s # SKIP missing %s\n", f->name, missing);
		t->skipped++;
		return RUN_EXIT_PASS;
	}
	r = stack_start(&s, &o->stack);
	if (r) {
		fprintf(out, "not ok - %s: the stack did not start (%s)\n", f->name,
			r == STACK_ENV_MISSING ? "environment incomplete" : strerror(-r));
		for (size_t i = 0; i < f->n_steps; i++)
			fprintf(out, "# not run %u - %s\n", f->steps[i].line, f->steps[i].text);
		t->failed++;
		t->env_missing |= r == STACK_ENV_MISSING;
		return r == STACK_ENV_MISSING ? RUN_EXIT_ENV : RUN_EXIT_FAIL;
	}
	failed_at = f->n_steps ? run_steps(&s, f, o, out) : 0;
	for (size_t i = failed_at + 1; i < f->n_steps; i++)
		fprintf(out, "# not run %u - %s\n", f->steps[i].line, f->steps[i].text);
	if (o->stats)
		run_print_stats(&s, out);
	if (failed_at < f->n_steps && o->stack.verbose)
		stack_print_vfsd_log(&s, 15);
	stack_stop(&s);
	if (failed_at < f->n_steps) {
		t->failed++;
		return RUN_EXIT_FAIL;
	}
	t->passed++;
	return RUN_EXIT_PASS;
}

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

#include "clock.h"
#include "fakebao.h"
#include "log.h"
#include "fault.h"
#include "interrupt.h"
#include "run.h"
#include "virtio_mmio_regs.h"

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
	r = scn_file_parse(path, buf ? buf : "", len, f, err, sizeof(err));
	free(buf);
	if (r)
		fprintf(stderr, "%s\n", err);
	return r;
}

/* Capabilities come from the frontend's ops (stack_frontend.h). */
static const char *run_missing_cap(const struct scn_step *st, const struct stack_frontend_ops *fe)
{
	const char *const *caps = (fe ? fe : stack_frontend_default())->caps;

	for (size_t i = 0; i < st->n_names; i++) {
		int found = 0;

		for (size_t k = 0; caps[k]; k++)
			found |= !strcmp(caps[k], st->names[i]);
		if (!found)
			return st->names[i];
	}
	return NULL;
}

/* `sleep` in slices, so an interrupt is seen, and never past the step timeout. */
static int run_sleep(const struct scn_step *st, int timeout_ms, char *why, size_t len)
{
	int64_t ms = (int64_t)st->number;

	for (int64_t slept = 0; slept < ms; slept += 50) {
		int64_t slice = ms - slept < 50 ? ms - slept : 50;
		struct timespec ts = {0, (long)slice * 1000000L};

		if (interrupt_signal())
			return -1;
		if (slept + slice > timeout_ms) {
			snprintf(why, len, "sleep %lld ms is longer than --step-timeout (%d s)",
				 (long long)ms, timeout_ms / 1000);
			return -1;
		}
		nanosleep(&ts, NULL);
	}
	return 0;
}

static int run_control_step(struct stack *s, const struct scn_step *st, int timeout_ms, char *why,
			    size_t len)
{
	int r;

	if (st->cmd > SCN_REQUIRE)
		return stack_frontend_fault(s, st, why, len);
	switch (st->cmd) {
	case SCN_SLEEP:
		return run_sleep(st, timeout_ms, why, len);
	case SCN_REMOUNT:
		r = stack_frontend_remount(s, timeout_ms, why, len);
		return r ? -1 : 0;
	case SCN_REQUIRE:
		return 0; /* handled before the file runs */
	default:
		snprintf(why, len, "control step %s not supported by this frontend",
			 scn_cmd_name(st->cmd));
		return -1;
	}
}

/* Every step is bounded by --step-timeout: host steps and frontend steps by their deadline,
 * control steps by their own bounds and then checked against it. */
static int run_step(struct stack *s, const struct scn_step *st, const struct run_opts *o, char *why,
		    size_t len)
{
	int timeout_ms = o->stack.step_timeout_ms;
	int64_t t0 = clock_now_ns();
	int r;

	why[0] = '\0';
	switch (scn_cmd_step_side(st)) {
	case SCN_SIDE_HOST:
		run_record_host(o, st);
		return stack_host_step(s, st, timeout_ms, why, len);
	case SCN_SIDE_FRONTEND:
		return stack_frontend_step(s, st, timeout_ms, why, len);
	default:
		r = run_control_step(s, st, timeout_ms, why, len);
		if (!r && st->cmd > SCN_REQUIRE &&
		    clock_now_ns() - t0 > (int64_t)timeout_ms * 1000000LL) {
			snprintf(why, len, "%s took %.1f s, over --step-timeout (%d s)",
				 scn_cmd_name(st->cmd), (double)(clock_now_ns() - t0) / 1e9,
				 timeout_ms / 1000);
			return -1;
		}
		return r;
	}
}

static void run_print_reg_stats(const struct fakebao_stats *fs, FILE *out)
{
	fprintf(out, "# stats: traps by register:");
	for (unsigned int i = 0; i < FAKEBAO_MMIO_STAT_REGS; i++)
		if (fs->mmio_reads[i] || fs->mmio_writes[i])
			fprintf(out, " %s@0x%03x(r=%llu,w=%llu)", virtio_mmio_regs_name(i * 4),
				i * 4, (unsigned long long)fs->mmio_reads[i],
				(unsigned long long)fs->mmio_writes[i]);
	fprintf(out, "\n");
}

/* Traps per vCPU; what the backend could see: the window, and the frontend's buffers found
 * outside it. */
static void run_print_window_stats(struct stack *s, const struct fakebao_stats *fs, FILE *out)
{
	struct vq_audit_stats va;

	fprintf(out, "# stats: vcpus=%d traps_per_vcpu=", s->vcpus > 0 ? s->vcpus : 1);
	for (int i = 0; i < (s->vcpus > 0 ? s->vcpus : 1) && i < FAKEBAO_MAX_VCPUS; i++)
		fprintf(out, "%s%llu", i ? "," : "", (unsigned long long)fs->vcpu_traps[i]);
	fprintf(out, "\n");
	vq_audit_get(s->audit, &va);
	fprintf(out,
		"# stats: window_bytes=%llu desc_checked=%llu desc_outside_window=%llu "
		"rings_outside_window=%llu%s%s\n",
		(unsigned long long)fakebao_window_size(s->fb), (unsigned long long)va.desc_checked,
		(unsigned long long)va.desc_outside, (unsigned long long)va.rings_outside,
		va.first_outside[0] ? " first: " : "", va.first_outside);
}

static int run_guest_was_trapped(struct stack *s)
{
	struct fakebao_stats fs;

	if (!s->fb)
		return 0;
	fakebao_get_stats(s->fb, &fs);
	return fs.mmio_traps > 0 && fs.mmio_to_dm > 0;
}

static void run_print_stats(struct stack *s, FILE *out)
{
	struct fakebao_stats fs;

	fprintf(out, "# stats: frontend=%s backend=%s virtiofsd=\"%s\" (%s)\n", s->fe_ops->name,
		stack_backend_kind_name(&s->backend), s->backend.version, s->backend.path);
	if (s->guest_desc[0])
		fprintf(out, "# stats: guest: %s\n", s->guest_desc);
	if (!s->fb) {
		fprintf(
		    out,
		    "# stats: mmio_traps=0 (QEMU's own virtio-mmio device: nothing is trapped)\n");
		return;
	}
	fakebao_get_stats(s->fb, &fs);
	fprintf(out,
		"# stats: mmio_traps=%llu mmio_to_devmodel=%llu ioeventfd_kicks=%llu "
		"irqs_injected=%llu trap_timeouts=%llu\n",
		(unsigned long long)fs.mmio_traps, (unsigned long long)fs.mmio_to_dm,
		(unsigned long long)fs.ioeventfd_kicks, (unsigned long long)fs.irqs_injected,
		(unsigned long long)fs.trap_timeouts);
	fprintf(
	    out,
	    "# stats: irqs_dropped=%llu irqs_delayed=%llu virtiofsd_starts=%u devmodel_starts=%u\n",
	    (unsigned long long)fs.irqs_dropped, (unsigned long long)fs.irqs_delayed,
	    s->vfsd_starts, s->dm_starts);
	run_print_reg_stats(&fs, out);
	run_print_window_stats(s, &fs, out);
	stack_frontend_stats(s, out);
}

static void run_step_time(const struct run_opts *o, const struct scn_step *st, int64_t t0,
			  FILE *out)
{
	if (o->step_times)
		fprintf(out, "# step-time %u %.6f\n", st->line,
			(double)(clock_now_ns() - t0) / 1e9);
}

/* Runs the steps; returns the index of the first failing step or n_steps. *ns: wall time of
 * the steps that ran (first step's start to the last one's end, output lines included). */
static size_t run_steps(struct stack *s, const struct scn_file *f, const struct run_opts *o,
			FILE *out, int64_t *ns)
{
	char why[1024];
	size_t i;
	int64_t t0 = clock_now_ns();

	for (i = 0; i < f->n_steps; i++) {
		const struct scn_step *st = &f->steps[i];

		int64_t st0 = clock_now_ns();

		if (o->narrate)
			o->narrate(st, o->narrate_arg);
		if (run_step(s, st, o, why, sizeof(why)) || interrupt_signal()) {
			char health[512];

			if (interrupt_signal()) {
				fprintf(out, "not ok %u - %s: interrupted by %s\n", st->line,
					st->text, interrupt_name(interrupt_signal()));
				fflush(out);
				break;
			}
			fault_report(s, st, out);
			stack_health(s, health, sizeof(health));
			fprintf(out, "not ok %u - %s: %s%s%s\n", st->line, st->text,
				why[0] ? why : "failed", health[0] ? "; " : "", health);
			run_step_time(o, st, st0, out);
			fflush(out);
			break;
		}
		fprintf(out, "ok %u - %s\n", st->line, st->text);
		run_step_time(o, st, st0, out);
		fault_report(s, st, out);
		fflush(out);
	}
	*ns = clock_now_ns() - t0;
	return i;
}

int run_file(const struct scn_file *f, const struct run_opts *o, FILE *out, struct run_totals *t)
{
	struct stack s;
	const char *missing;
	size_t failed_at;
	int64_t steps_ns = 0;
	int r;

	fprintf(out, "# %s\n", f->name);
	if (f->n_steps && f->steps[0].cmd == SCN_REQUIRE &&
	    (missing = run_missing_cap(&f->steps[0], o->stack.frontend))) {
		fprintf(out, "ok - %s # SKIP missing %s\n", f->name, missing);
		t->skipped++;
		return RUN_EXIT_PASS;
	}
	r = stack_start(&s, &o->stack);
	if (r) {
		fprintf(out, "not ok - %s: the stack did not start (%s)\n", f->name,
			r == STACK_ENV_MISSING ? "environment incomplete: run `baoharness doctor`"
			: s.start_why[0]       ? s.start_why
					       : strerror(-r));
		for (size_t i = 0; i < f->n_steps; i++)
			fprintf(out, "# not run %u - %s\n", f->steps[i].line, f->steps[i].text);
		t->failed++;
		t->env_missing |= r == STACK_ENV_MISSING;
		return r == STACK_ENV_MISSING ? RUN_EXIT_ENV : RUN_EXIT_FAIL;
	}
	run_record_attach(&s, o);
	failed_at = f->n_steps ? run_steps(&s, f, o, out, &steps_ns) : 0;
	for (size_t i = failed_at + 1; i < f->n_steps; i++)
		fprintf(out, "# not run %u - %s\n", f->steps[i].line, f->steps[i].text);
	if (o->stats) {
		run_print_stats(&s, out);
		/* steps = steps that ran (a failed one included); bao-bench reads this line. */
		fprintf(out, "# timing: boot_to_mounted_s=%.3f steps=%zu steps_s=%.6f\n",
			(double)s.start_ns / 1e9,
			failed_at < f->n_steps ? failed_at + 1 : f->n_steps,
			(double)steps_ns / 1e9);
	}
	if (failed_at >= f->n_steps && s.fe_ops->traps && !run_guest_was_trapped(&s)) {
		/* Reaching the share without a single trapped access would mean the guest was not
		 * really behind our device model: that is a failure, not a pass. */
		fprintf(out, "not ok - %s: the guest reached the share without trapped accesses\n",
			f->name);
		failed_at = 0;
	}
	/* With -v, and always for a JUnit report (its system-err): virtiofsd's last words. */
	if (failed_at < f->n_steps && (o->stack.verbose || o->step_times))
		stack_backend_print_log(&s, 15);
	if (interrupt_signal())
		fprintf(stderr,
			"baoharness: interrupted by %s in %s at line %u; stopping the stack and "
			"removing its run directory\n",
			interrupt_name(interrupt_signal()), f->name,
			failed_at < f->n_steps ? f->steps[failed_at].line : 0);
	if (stack_stop(&s)) {
		/* Something was left behind: never a pass. */
		fprintf(out, "not ok - %s: the stack could not be cleaned up (see above)\n",
			f->name);
		t->failed++;
		t->cleanup_failed = 1;
		return RUN_EXIT_FAIL;
	}
	if (failed_at < f->n_steps) {
		t->failed++;
		return RUN_EXIT_FAIL;
	}
	t->passed++;
	return RUN_EXIT_PASS;
}

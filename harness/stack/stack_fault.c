/* stack_fault.c - fault injection on a running scripted-frontend stack: kill and restart
 * virtiofsd or the device model, reset the device with requests in flight, lose or delay
 * interrupts. The frontend is this process and is never restarted: recovery is its own. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "proc.h"
#include "scn.h"
#include "stack.h"
#include "stack_priv.h"

#define STACK_FAULT_INFLIGHT 8	       /* requests kept in flight across a kill or a reset */
#define STACK_FAULT_RESET_INFLIGHT 16u /* requests in flight when reset-device writes Status 0 */
#define STACK_FAULT_EIO_MS 2000	       /* in-flight requests must end within this after a kill */
#define STACK_FAULT_ATTACH_MS 10000    /* a restarted device model attaches within this */

int stack_fault_env_ms(const char *name, int def)
{
	const char *v = getenv(name);
	char *end;
	long ms;

	if (!v || !*v)
		return def;
	ms = strtol(v, &end, 10);
	if (*end || ms < 0 || ms > 3600000) {
		log_warn("%s='%s' ignored: want 0..3600000 (ms)", name, v);
		return def;
	}
	return (int)ms;
}

pid_t stack_fault_spawn_delayed(char *const argv[], char *const env[], int delay_ms, pid_t pgid)
{
	char script[96];
	char *all[24] = {"/bin/sh", "-c", script};
	size_t n = 3;

	if (delay_ms <= 0)
		return 0;
	/* sh sleeps, then execs the program in its own place: the pid stays the same. */
	snprintf(script, sizeof(script), "sleep %d.%03d; exec \"$0\" \"$@\"", delay_ms / 1000,
		 delay_ms % 1000);
	for (size_t i = 0; argv[i] && n < 23; i++)
		all[n++] = argv[i];
	all[n] = NULL;
	log_info("device model starts %d ms late (BAOHARNESS_DM_DELAY_MS)", delay_ms);
	return proc_spawn_in(all, env, NULL, -1, pgid);
}

pid_t stack_fault_vfsd_worker(pid_t pid)
{
	char path[64], buf[128];
	FILE *f;
	long child = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	f = fopen(path, "re");
	if (!f)
		return pid;
	if (fgets(buf, sizeof(buf), f))
		child = strtol(buf, NULL, 10);
	fclose(f);
	return child > 0 ? (pid_t)child : pid;
}

void stack_fault_proc_usage(pid_t pid, struct stack_fault_proc_usage *u)
{
	char path[64], line[256];
	struct dirent *de;
	DIR *d;
	FILE *f;

	u->pid = pid;
	u->fds = -1;
	u->rss_kb = -1;
	if (pid <= 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (d) {
		u->fds = 0;
		while ((de = readdir(d)))
			u->fds += de->d_name[0] != '.';
		closedir(d);
	}
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			u->rss_kb = strtol(line + 6, NULL, 10);
	fclose(f);
}

/* SIGSTOP pid and wait (bounded, 200 ms) until it really is stopped: a signal is delivered
 * asynchronously, and requests posted before that would still be served. */
static void stack_fault_freeze(pid_t pid)
{
	char path[64], buf[256], *p;

	kill(pid, SIGSTOP);
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (int i = 0; i < 200; i++) {
		FILE *f = fopen(path, "re");
		size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

		if (f)
			fclose(f);
		buf[n] = '\0';
		p = strrchr(buf, ')');
		if (!p || (p[1] == ' ' && (p[2] == 'T' || p[2] == 't')))
			return;
		clock_sleep_ms(1);
	}
	log_warn("virtiofsd %d did not stop within 200 ms", (int)pid);
}

static int stack_fault_scripted(struct stack *s, const char *what, char *why, size_t len)
{
	if (s->fb && s->fe)
		return 0;
	snprintf(why, len, "%s needs the scripted frontend (fault injection)", what);
	return -1;
}

static void stack_fault_mark(struct stack *s, const char *name)
{
	s->fault_at_ns = clock_now_ns();
	s->fault_name = name;
}

static uint64_t stack_fault_inits(struct stack *s)
{
	return scripted_fe_stats(s->fe)->fuse_requests[26 /* FUSE_INIT */];
}

void stack_fault_info(struct stack *s, const char *fmt, ...)
{
	size_t room = sizeof(s->fault_info) - s->fault_info_len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s->fault_info + s->fault_info_len, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		s->fault_info_len += (size_t)n < room ? (size_t)n : room - 1;
}

/* The frontend resets and re-initialises the device (FUSE_INIT again), bounded. */
static int stack_fault_reinit(struct stack *s, char *why, size_t len)
{
	int64_t t0 = clock_now_ns();
	int timeout = s->opts.step_timeout_ms > 0 ? s->opts.step_timeout_ms : 30000;
	int r;

	scripted_fe_set_deadline(s->fe, t0 + (int64_t)timeout * 1000000LL);
	r = scripted_fe_reinit(s->fe);
	scripted_fe_set_deadline(s->fe, 0);
	if (r) {
		snprintf(why, len, "the frontend could not re-initialise the device: %s",
			 strerror(-r));
		return -1;
	}
	stack_fault_info(
	    s, "%sdevice re-initialised in %lld ms, FUSE_INIT #%llu, frontend pid %d kept",
	    s->fault_info_len ? "; " : "", (long long)((clock_now_ns() - t0) / 1000000),
	    (unsigned long long)stack_fault_inits(s), (int)getpid());
	return 0;
}

/* Requests posted before a kill must all end - failed with EIO or completed - in time. */
static int stack_fault_inflight_end(struct stack *s, struct scripted_fe_inflight *inf, int64_t t0,
				    char *why, size_t len)
{
	struct scripted_fe_inflight_report rep;
	int r = scripted_fe_fault_inflight_finish(s->fe, inf, STACK_FAULT_EIO_MS, &rep);
	long long ms = (long long)((clock_now_ns() - t0) / 1000000);

	stack_fault_info(s, "; %u in flight: %u completed, %u failed with EIO within %lld ms",
			 rep.posted, rep.completed, rep.failed, ms);
	if (r == -EPROTO) {
		snprintf(why, len, "%u of %u in-flight requests ended more than once", rep.bad,
			 rep.posted);
		return -1;
	}
	if (r) {
		snprintf(why, len,
			 "%u of %u in-flight requests still pending %d ms after the fault",
			 rep.pending, rep.posted, STACK_FAULT_EIO_MS);
		return -1;
	}
	return 0;
}

int stack_fault_kill_backend(struct stack *s, char *why, size_t len)
{
	struct scripted_fe_inflight *inf = NULL;
	pid_t pid = s->vfsd_pid, worker;
	int64_t t0;

	s->fault_info_len = 0;
	if (stack_fault_scripted(s, "kill-backend", why, len))
		return -1;
	if (pid <= 0) {
		snprintf(why, len, "kill-backend: virtiofsd is not running");
		return -1;
	}
	/* Freeze the worker so the requests are really in flight when it dies. */
	worker = stack_fault_vfsd_worker(pid);
	stack_fault_freeze(worker);
	if (scripted_fe_fault_inflight_post(s->fe, STACK_FAULT_INFLIGHT, &inf))
		log_warn("kill-backend: no request could be put in flight first");
	t0 = clock_now_ns();
	if (worker != pid)
		kill(worker, SIGKILL);
	proc_stop(pid, SIGKILL, 2000);
	s->vfsd_pid = 0;
	stack_fault_mark(s, "kill-backend");
	stack_fault_info(s, "virtiofsd pid %d (worker %d) killed", (int)pid, (int)worker);
	return inf ? stack_fault_inflight_end(s, inf, t0, why, len) : 0;
}

int stack_fault_restart_backend(struct stack *s, char *why, size_t len)
{
	pid_t old = s->vfsd_pid;
	int r;

	s->fault_info_len = 0;
	if (stack_fault_scripted(s, "restart-backend", why, len))
		return -1;
	if (old > 0)
		proc_stop(old, SIGTERM, 2000);
	s->vfsd_pid = 0;
	r = stack_backend_start(s);
	if (r) {
		snprintf(why, len, "restart-backend: virtiofsd did not start: %s", strerror(-r));
		return -1;
	}
	stack_fault_info(s, "new virtiofsd pid %d (start #%u)", (int)s->vfsd_pid, s->vfsd_starts);
	return stack_fault_reinit(s, why, len);
}

int stack_fault_kill_devmodel(struct stack *s, char *why, size_t len)
{
	struct scripted_fe_inflight *inf = NULL;
	pid_t pid = s->dm_pid, vfsd = s->vfsd_pid, worker;
	int64_t t0;

	s->fault_info_len = 0;
	if (stack_fault_scripted(s, "kill-devmodel", why, len))
		return -1;
	if (pid <= 0) {
		snprintf(why, len, "kill-devmodel: the device model is not running");
		return -1;
	}
	/* Freeze virtiofsd's worker so the requests are really in flight when the device model
	 * dies. virtiofsd serves one connection and dies with it; it is killed here (frozen, it
	 * could not), and reaped before the frontend takes its buffers back, so nothing it still
	 * had in hand can land in the window later. */
	worker = vfsd > 0 ? stack_fault_vfsd_worker(vfsd) : 0;
	if (worker > 0)
		stack_fault_freeze(worker);
	if (scripted_fe_fault_inflight_post(s->fe, STACK_FAULT_INFLIGHT, &inf))
		log_warn("kill-devmodel: no request could be put in flight first");
	t0 = clock_now_ns();
	proc_stop(pid, SIGKILL, 2000);
	s->dm_pid = 0;
	if (worker > 0 && worker != vfsd)
		kill(worker, SIGKILL);
	if (vfsd > 0)
		proc_stop(vfsd, SIGKILL, 2000);
	s->vfsd_pid = 0;
	stack_fault_mark(s, "kill-devmodel");
	stack_fault_info(s, "device model pid %d killed (and its virtiofsd %d)", (int)pid,
			 (int)vfsd);
	return inf ? stack_fault_inflight_end(s, inf, t0, why, len) : 0;
}

/* After a restart, wait until fakebao has seen the old device model go and the new one ask
 * DM_GET_INFO, so the frontend's reset reaches the new one. */
static int stack_fault_wait_attach(struct stack *s, char *why, size_t len)
{
	int st;

	for (int waited = 0; waited < STACK_FAULT_ATTACH_MS; waited += 5) {
		if (fakebao_dm_connected(s->fb) > 0 && !fakebao_fault_dm_lost(s->fb, 0))
			return 0;
		if (!proc_alive(s->dm_pid, &st)) {
			char buf[64];

			snprintf(why, len,
				 "restart-devmodel: the new device model %s before attaching",
				 proc_status_str(st, buf, sizeof(buf)));
			s->dm_pid = 0;
			return -1;
		}
		clock_sleep_ms(5);
	}
	snprintf(why, len, "restart-devmodel: the new device model did not attach within %d ms",
		 STACK_FAULT_ATTACH_MS);
	return -1;
}

int stack_fault_restart_devmodel(struct stack *s, char *why, size_t len)
{
	int r;

	s->fault_info_len = 0;
	if (stack_fault_scripted(s, "restart-devmodel", why, len))
		return -1;
	if (s->dm_pid > 0)
		proc_stop(s->dm_pid, SIGTERM, 3000);
	s->dm_pid = 0;
	if (s->vfsd_pid > 0)
		proc_stop(s->vfsd_pid, 0, 2000);
	s->vfsd_pid = 0;
	/* fakebao must have seen the old one go before the new one attaches. */
	for (int i = 0; i < 400 && fakebao_dm_connected(s->fb) > 0; i++)
		clock_sleep_ms(5);
	s->dm_delay_ms = 0;
	r = stack_backend_start(s);
	if (!r)
		r = stack_devmodel_start(s, &s->opts);
	if (r) {
		snprintf(why, len, "restart-devmodel: %s did not start: %s",
			 s->vfsd_pid ? "the device model" : "virtiofsd", strerror(-r));
		return -1;
	}
	if (stack_fault_wait_attach(s, why, len))
		return -1;
	stack_fault_info(s, "new device model pid %d, new virtiofsd pid %d", (int)s->dm_pid,
			 (int)s->vfsd_pid);
	return stack_fault_reinit(s, why, len);
}

int stack_fault_reset_device(struct stack *s, unsigned int n, char *why, size_t len)
{
	struct scripted_fe_inflight_report rep;
	struct scripted_fe_inflight *inf = NULL;
	int r;

	s->fault_info_len = 0;
	if (stack_fault_scripted(s, "reset-device", why, len))
		return -1;
	if (scripted_fe_fault_inflight_post(s->fe, n, &inf)) {
		snprintf(why, len, "reset-device: could not put requests in flight");
		return -1;
	}
	if (stack_fault_reinit(s, why, len)) {
		scripted_fe_fault_inflight_finish(s->fe, inf, 0, &rep);
		return -1;
	}
	r = scripted_fe_fault_inflight_finish(s->fe, inf, 0, &rep);
	stack_fault_info(s,
			 "; %u in flight at the reset: %u completed before it, %u failed with EIO",
			 rep.posted, rep.completed, rep.failed);
	if (r) {
		snprintf(why, len, "reset-device: %u requests ended more than once, %u never",
			 rep.bad, rep.pending);
		return -1;
	}
	return 0;
}

int stack_fault_irq(struct stack *s, int drop_n, int delay_ms, char *why, size_t len)
{
	s->fault_info_len = 0;
	if (stack_fault_scripted(s, drop_n >= 0 ? "irq-drop" : "irq-delay", why, len))
		return -1;
	fakebao_fault_set_irq(s->fb, drop_n, delay_ms);
	if (drop_n >= 0)
		stack_fault_info(s, "the next %d interrupt(s) will be lost", drop_n);
	else
		stack_fault_info(s, "interrupts delivered %d ms late", delay_ms);
	return 0;
}

int stack_fault_step(struct stack *s, const struct scn_step *st, char *why, size_t len)
{
	switch (st->cmd) {
	case SCN_KILL_BACKEND:
		return stack_fault_kill_backend(s, why, len);
	case SCN_RESTART_BACKEND:
		return stack_fault_restart_backend(s, why, len);
	case SCN_KILL_DEVMODEL:
		return stack_fault_kill_devmodel(s, why, len);
	case SCN_RESTART_DEVMODEL:
		return stack_fault_restart_devmodel(s, why, len);
	case SCN_RESET_DEVICE:
		return stack_fault_reset_device(s, STACK_FAULT_RESET_INFLIGHT, why, len);
	case SCN_IRQ_DROP:
		return stack_fault_irq(s, (int)st->number, -1, why, len);
	case SCN_IRQ_DELAY:
		return stack_fault_irq(s, -1, (int)st->number, why, len);
	default:
		snprintf(why, len, "control step %s not supported by this frontend",
			 scn_cmd_name(st->cmd));
		return -1;
	}
}

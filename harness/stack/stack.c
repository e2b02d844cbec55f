/* stack.c - bring up and tear down one stack in the order the real deployment uses: the share
 * and the process group, virtiofsd on the share (stack_backend.c), then the frontend chosen by
 * name (stack_frontend.c), which starts fakebao and the device model it needs
 * (stack_fakebao.c, stack_devmodel.c). Every wait is bounded and every exit path stops what was
 * started: the whole process group is killed and reaped at the end. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "cpus.h"
#include "interrupt.h"
#include "log.h"
#include "proc.h"
#include "rmtree.h"
#include "scn.h"
#include "stack.h"
#include "stack_frontend.h"
#include "stack_priv.h"

#define STACK_FAULT_IRQ_DROP_MAX 1000000   /* irq-drop N above this is refused */
#define STACK_FAULT_IRQ_DELAY_MAX_MS 10000 /* irq-delay MS above this is refused */

/* The host-step worker comes first and leads the stack's process group; everything started
 * later joins it, so one kill reaches the whole tree (virtiofsd's sandbox child included). */
static int stack_group_start(struct stack *s)
{
	char self[PATH_MAX];
	int r = stack_rundir_sibling("baoharness", self, sizeof(self));

	if (!r && access(self, X_OK))
		r = -errno;
	if (r) {
		log_err("baoharness (for the host-step worker) not found next to this program: %s",
			strerror(-r));
		return STACK_ENV_MISSING;
	}
	r = host_steps_start(&s->host, self, s->share, 0);
	if (r)
		return r;
	s->pgid = s->host.pgid;
	interrupt_watch(s->pgid);
	return 0;
}

int stack_host_step(struct stack *s, const struct scn_step *st, int timeout_ms, char *why,
		    size_t len)
{
	int r = host_steps_run(&s->host, st, timeout_ms, why, len);

	if (r && s->host.pid <= 0)
		s->hard_stop = 1; /* it was killed: something is wedged */
	return r;
}

int stack_frontend_step(struct stack *s, const struct scn_step *st, int timeout_ms, char *why,
			size_t len)
{
	return s->fe_ops->step(s, st, timeout_ms, why, len);
}

int stack_frontend_remount(struct stack *s, int timeout_ms, char *why, size_t len)
{
	return s->fe_ops->remount(s, timeout_ms, why, len);
}

int stack_frontend_fault(struct stack *s, const struct scn_step *st, char *why, size_t len)
{
	/* The interrupt faults' numbers are bounded the same on every frontend. */
	if (st->cmd == SCN_IRQ_DROP && st->number > STACK_FAULT_IRQ_DROP_MAX) {
		snprintf(why, len, "irq-drop %llu: at most %d", (unsigned long long)st->number,
			 STACK_FAULT_IRQ_DROP_MAX);
		return -1;
	}
	if (st->cmd == SCN_IRQ_DELAY && st->number > STACK_FAULT_IRQ_DELAY_MAX_MS) {
		snprintf(why, len, "irq-delay %llu: at most %d ms", (unsigned long long)st->number,
			 STACK_FAULT_IRQ_DELAY_MAX_MS);
		return -1;
	}
	if (s->fe_ops->fault)
		return s->fe_ops->fault(s, st, why, len);
	snprintf(why, len, "control step %s not supported by this frontend", scn_cmd_name(st->cmd));
	return -1;
}

void stack_frontend_stats(struct stack *s, FILE *out)
{
	if (s->fe_ops->stats)
		s->fe_ops->stats(s, out);
}

int stack_start(struct stack *s, const struct stack_opts *o)
{
	int64_t t0 = clock_now_ns();
	int r;

	memset(s, 0, sizeof(*s));
	s->host.to_fd = s->host.from_fd = -1;
	s->keep = o->keep;
	s->opts = *o;
	if (!s->opts.frontend)
		s->opts.frontend = stack_frontend_default();
	s->fe_ops = s->opts.frontend;
	/* First: the fakebao thread, virtiofsd, the device model and QEMU inherit it. */
	if (o->pin && (r = cpus_pin_self(&o->cpus)))
		return r;
	/* Start-order tests: the device model before virtiofsd, or the frontend before the
	 * device model (its first trapped access then waits in fakebao's queue). */
	if (s->fe_ops->start_order_env) {
		s->dm_delay_ms = stack_fault_env_ms("BAOHARNESS_DM_DELAY_MS", 0);
		s->vfsd_delay_ms = stack_fault_env_ms("BAOHARNESS_VFSD_DELAY_MS", 0);
	}
	r = stack_backend_resolve(o->virtiofsd, &s->backend);
	if (!r)
		r = stack_rundir_make(s, o);
	if (!r)
		r = stack_group_start(s);
	if (!r && !s->vfsd_delay_ms)
		r = stack_backend_start(s);
	if (!r)
		r = s->fe_ops->start(s, &s->opts);
	/* Boot to mounted, whichever frontend: processes up, device probed, FUSE_INIT done (QEMU:
	 * the guest agent's READY, sent after its mount). */
	s->start_ns = clock_now_ns() - t0;
	if (r) {
		char why[256];

		stack_health(s, why, sizeof(why));
		if (why[0])
			log_err("%s", why);
		stack_stop(s);
	}
	return r;
}

/* 1 while pid has not exited (it is left for stack_health to reap and describe). */
static int stack_member_running(pid_t pid)
{
	siginfo_t si = {0};

	if (pid <= 0)
		return 1;
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return 0;
	return si.si_pid == 0;
}

int stack_members_alive(const struct stack *s)
{
	return stack_member_running(s->vfsd_pid) && stack_member_running(s->dm_pid);
}

void stack_health(struct stack *s, char *buf, size_t len)
{
	char st[64];
	int status;
	size_t n = 0;

	buf[0] = '\0';
	if (s->vfsd_pid > 0 && !proc_alive(s->vfsd_pid, &status)) {
		n += (size_t)snprintf(buf + n, len - n, "virtiofsd %s",
				      proc_status_str(status, st, sizeof(st)));
		s->vfsd_pid = 0;
	}
	if (n < len && s->dm_pid > 0 && !proc_alive(s->dm_pid, &status)) {
		n += (size_t)snprintf(buf + n, len - n, "%sdevice model %s", n ? "; " : "",
				      proc_status_str(status, st, sizeof(st)));
		s->dm_pid = 0;
	}
	/* A stopped (SIGSTOP) process explains a timeout better than the timeout does. */
	if (n < len && s->pgid > 0) {
		char stopped[256];

		if (proc_group_stopped(s->pgid, stopped, sizeof(stopped)) > 0) {
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "; " : "", stopped);
			s->hard_stop = 1;
		}
	}
	if (n < len && s->fe_ops && s->fe_ops->health) {
		char more[256] = "";

		s->fe_ops->health(s, more, sizeof(more));
		if (more[0])
			snprintf(buf + n, len - n, "%s%s", n ? "; " : "", more);
	}
}

/* Everything the stack started, gone: its group killed and reaped, bounded. */
static int stack_group_stop(struct stack *s)
{
	int left;

	host_steps_stop(&s->host);
	if (s->pgid <= 0)
		return 0;
	left = proc_group_kill(s->pgid, 2000);
	interrupt_unwatch(s->pgid);
	if (left > 0) {
		fprintf(stderr, "baoharness: %d process(es) of group %d survived SIGKILL\n", left,
			(int)s->pgid);
		return -EBUSY;
	}
	s->pgid = 0;
	return 0;
}

int stack_stop(struct stack *s)
{
	int r = 0, e;

	/* Stopped, wedged or interrupted: no orderly goodbyes that would each wait out a
	 * timeout. Kill first; the frontend's accesses to the dead device model then fail at
	 * once. */
	if (s->pgid > 0 &&
	    (s->hard_stop || interrupt_signal() || proc_group_stopped(s->pgid, NULL, 0) > 0)) {
		r = stack_group_stop(s);
		s->vfsd_pid = s->dm_pid = 0;
		if (s->fb)
			fakebao_set_trap_timeout(s->fb, 1);
	}
	/* The frontend first: a guest's accesses need the device model. */
	if (s->fe_ops)
		s->fe_ops->stop(s);
	if (s->dm_pid > 0) {
		proc_stop(s->dm_pid, SIGTERM, 3000);
		s->dm_pid = 0;
	}
	stack_fakebao_stop(s);
	/* virtiofsd exits with its one connection; give it a moment before forcing it. */
	if (s->vfsd_pid > 0) {
		proc_stop(s->vfsd_pid, 0, 300);
		s->vfsd_pid = 0;
	}
	if ((e = stack_group_stop(s)))
		r = e;
	stack_dmlog_stop(s);
	if (s->rundir[0] && !s->keep) {
		char failed[256];

		e = rmtree_report(s->rundir, failed, sizeof(failed));
		if (e) {
			fprintf(stderr,
				"baoharness: could not remove the run directory %s (stopped at "
				"%s): %s\n",
				s->rundir, failed[0] ? failed : "?", strerror(-e));
			r = e;
		}
		s->rundir[0] = '\0';
	} else if (s->rundir[0]) {
		fprintf(stderr, "# kept run directory %s (share %s)\n", s->rundir, s->share);
	}
	return r;
}

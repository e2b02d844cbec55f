/* stack_fe_trapped_fault.c - the fault steps on the `qemu` frontend: the same processes killed
 * and restarted as for the scripted frontend, the same interrupt faults in fakebao, but the
 * frontend is Linux's own virtio-fs driver, so recovery is what that driver does: a reset is
 * the driver's own (unbind and bind through sysfs, by the guest agent), and where the driver
 * just waits, the next step fails at its timeout with the guest's report of where it blocks
 * (results/reliability.md has the table). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "proc.h"
#include "qemu_fe.h"
#include "scn.h"
#include "stack.h"
#include "stack_priv.h"

#define STACK_FE_TRAPPED_ATTACH_MS 10000 /* a restarted device model attaches within this */

static void stack_fe_trapped_fault_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* The guest resets the device through its own driver; the device model reconnects its backend
 * on that reset (Status 0). */
static int stack_fe_trapped_fault_reset(struct stack *s, const char *step, char *why, size_t len)
{
	int64_t t0 = clock_now_ns();
	char r[768];
	int rc = qemu_fe_reset(s->qfe, s->opts.step_timeout_ms, r, sizeof(r));

	if (rc) {
		snprintf(why, len,
			 "%s: the guest could not reset the device through its driver: %s", step,
			 r);
		return -1;
	}
	stack_fault_info(
	    s,
	    "%sthe guest's driver reset the device (virtiofs unbound and bound again) and "
	    "mounted again in %lld ms",
	    s->fault_info_len ? "; " : "", (long long)((clock_now_ns() - t0) / 1000000));
	return 0;
}

static void stack_fe_trapped_fault_kill_vfsd(struct stack *s)
{
	pid_t pid = s->vfsd_pid, worker = pid > 0 ? stack_fault_vfsd_worker(pid) : 0;

	if (worker > 0 && worker != pid)
		kill(worker, SIGKILL);
	if (pid > 0)
		proc_stop(pid, SIGKILL, 2000);
	s->vfsd_pid = 0;
}

static int stack_fe_trapped_fault_kill(struct stack *s, int devmodel, char *why, size_t len)
{
	pid_t dm = s->dm_pid, vfsd = s->vfsd_pid;

	if (devmodel ? dm <= 0 : vfsd <= 0) {
		snprintf(why, len, "%s: %s is not running",
			 devmodel ? "kill-devmodel" : "kill-backend",
			 devmodel ? "the device model" : "virtiofsd");
		return -1;
	}
	if (devmodel) {
		proc_stop(dm, SIGKILL, 2000);
		s->dm_pid = 0;
	}
	stack_fe_trapped_fault_kill_vfsd(s);
	s->fault_at_ns = clock_now_ns();
	s->fault_name = devmodel ? "kill-devmodel" : "kill-backend";
	if (devmodel)
		stack_fault_info(s, "device model pid %d killed (and its virtiofsd %d)", (int)dm,
				 (int)vfsd);
	else
		stack_fault_info(s, "virtiofsd pid %d killed", (int)vfsd);
	stack_fault_info(s, "; the guest runs one step at a time: nothing in flight");
	return 0;
}

static int stack_fe_trapped_fault_restart(struct stack *s, int devmodel, char *why, size_t len)
{
	const char *step = devmodel ? "restart-devmodel" : "restart-backend";
	int r, st;

	if (devmodel && s->dm_pid > 0)
		proc_stop(s->dm_pid, SIGTERM, 3000);
	if (devmodel)
		s->dm_pid = 0;
	if (s->vfsd_pid > 0)
		proc_stop(s->vfsd_pid, devmodel ? 0 : SIGTERM, 2000);
	s->vfsd_pid = 0;
	/* fakebao must have seen the old device model go before the new one attaches. */
	for (int i = 0; devmodel && i < 400 && fakebao_dm_connected(s->fb) > 0; i++)
		stack_fe_trapped_fault_sleep_ms(5);
	r = stack_backend_start(s);
	if (!r && devmodel)
		r = stack_devmodel_start(s, &s->opts);
	if (r) {
		snprintf(why, len, "%s: %s did not start: %s", step,
			 s->vfsd_pid ? "the device model" : "virtiofsd", strerror(-r));
		return -1;
	}
	for (int waited = 0; devmodel; waited += 5) {
		if (fakebao_dm_connected(s->fb) > 0 && !fakebao_fault_dm_lost(s->fb, 0))
			break;
		if (!proc_alive(s->dm_pid, &st) || waited >= STACK_FE_TRAPPED_ATTACH_MS) {
			snprintf(why, len, "%s: the new device model did not attach", step);
			return -1;
		}
		stack_fe_trapped_fault_sleep_ms(5);
	}
	if (devmodel)
		stack_fault_info(s, "new device model pid %d, new virtiofsd pid %d", (int)s->dm_pid,
				 (int)s->vfsd_pid);
	else
		stack_fault_info(s, "new virtiofsd pid %d (start #%u)", (int)s->vfsd_pid,
				 s->vfsd_starts);
	return stack_fe_trapped_fault_reset(s, step, why, len);
}

int stack_fe_trapped_fault(struct stack *s, const struct scn_step *st, char *why, size_t len)
{
	s->fault_info_len = 0;
	s->fault_info[0] = '\0';
	if (!s->qfe || !s->fb) {
		snprintf(why, len, "%s: the guest is not up", scn_cmd_name(st->cmd));
		return -1;
	}
	switch (st->cmd) {
	case SCN_KILL_BACKEND:
		return stack_fe_trapped_fault_kill(s, 0, why, len);
	case SCN_KILL_DEVMODEL:
		return stack_fe_trapped_fault_kill(s, 1, why, len);
	case SCN_RESTART_BACKEND:
		return stack_fe_trapped_fault_restart(s, 0, why, len);
	case SCN_RESTART_DEVMODEL:
		return stack_fe_trapped_fault_restart(s, 1, why, len);
	case SCN_RESET_DEVICE:
		stack_fault_info(s, "no request in flight (the guest runs one step at a "
				    "time)");
		return stack_fe_trapped_fault_reset(s, "reset-device", why, len);
	case SCN_IRQ_DROP:
		fakebao_fault_set_irq(s->fb, (int)st->number, -1);
		stack_fault_info(s, "the next %d interrupt(s) will be lost", (int)st->number);
		return 0;
	case SCN_IRQ_DELAY:
		fakebao_fault_set_irq(s->fb, -1, (int)st->number);
		stack_fault_info(s, "interrupts delivered %d ms late", (int)st->number);
		return 0;
	default:
		snprintf(why, len, "control step %s not supported by this frontend",
			 scn_cmd_name(st->cmd));
		return -1;
	}
}

/* stack_fe_scripted.c - the `scripted` frontend: our C virtio driver and FUSE client in this
 * process, reaching the device through fakebao's traps; fakebao and the device model are
 * started for it. It injects faults and never follows an absolute symlink (confinement). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "fuse_msg.h"
#include "log.h"
#include "scn.h"
#include "scripted_fe.h"
#include "stack.h"
#include "stack_frontend.h"
#include "stack_priv.h"

/* `run --record`: the recorder looks before the polling driver takes a used element. */
static void stack_fe_scripted_reaping(void *arg)
{
	stack_trace_sync(arg);
}

/* The scripted frontend keeps Bao's 16 MiB window at 0x10000000 (a fresh memfd). */
static int stack_fe_scripted_start(struct stack *s, const struct stack_opts *o)
{
	struct scripted_fe_opts fo = {
	    .mmio_base = STACK_MMIO_BASE,
	    .tag = "myfs",
	    .wait = o->wait,
	    .request_timeout_ms = o->step_timeout_ms,
	};
	int r;

	if (o->bare) {
		/* replay: the trace's window and vCPUs, the device model attached, no frontend */
		s->vcpus = o->vcpus;
		r = stack_fakebao_start(s, o, o->bare_gpa, o->bare_size, -1);
		if (!r)
			r = stack_devmodel_start(s, o);
		return r ? r : stack_devmodel_wait(s);
	}
	r = stack_fakebao_start(s, o, FAKEBAO_DEFAULT_SHMEM_ADDR, FAKEBAO_DEFAULT_SHMEM_SIZE, -1);

	if (!r)
		r = stack_devmodel_start(s, o);
	if (!r && s->vfsd_delay_ms) {
		log_info(
		    "starting virtiofsd %d ms after the device model (BAOHARNESS_VFSD_DELAY_MS)",
		    s->vfsd_delay_ms);
		clock_sleep_ms(s->vfsd_delay_ms);
		r = stack_backend_start(s);
	}
	if (!r && !s->dm_delay_ms)
		r = stack_devmodel_wait(s);
	if (r)
		return r;
	stack_fakebao_bus(s);
	if (s->trace) {
		fo.reaping = stack_fe_scripted_reaping;
		fo.reaping_arg = s->trace;
	}
	r = scripted_fe_open(&s->bus, &fo, &s->fe);
	if (r)
		log_err("frontend could not mount the share through the device: %s", strerror(-r));
	return r;
}

static int stack_fe_scripted_step(struct stack *s, const struct scn_step *st, int timeout_ms,
				  char *why, size_t len)
{
	int r;

	scripted_fe_set_deadline(s->fe, clock_now_ns() + (int64_t)timeout_ms * 1000000LL);
	r = scn_exec_step(st, &fuse_vfs_ops, s->fe, why, len);
	scripted_fe_set_deadline(s->fe, 0);
	if (r && strstr(why, "ETIMEDOUT"))
		s->hard_stop = 1;
	return r;
}

static int stack_fe_scripted_remount(struct stack *s, int timeout_ms, char *why, size_t len)
{
	int r;

	(void)timeout_ms; /* the frontend's requests carry its request timeout */
	r = scripted_fe_remount(s->fe);
	if (r)
		snprintf(why, len, "remount failed: %s", strerror(-r));
	return r;
}

/* The FUSE requests it sent, by opcode name. */
static void stack_fe_scripted_stats(struct stack *s, FILE *out)
{
	const struct scripted_fe_stats *es;

	if (!s->fe)
		return;
	es = scripted_fe_stats(s->fe);
	fprintf(out, "# stats: fuse_requests");
	for (unsigned int op = 0; op < 64; op++)
		if (es->fuse_requests[op])
			fprintf(out, " %s=%llu", fuse_msg_op_name(op),
				(unsigned long long)es->fuse_requests[op]);
	fprintf(out, "\n");
}

static void stack_fe_scripted_stop(struct stack *s)
{
	if (s->fe) {
		scripted_fe_close(s->fe);
		s->fe = NULL;
	}
}

static const char *const stack_fe_scripted_caps[] = {"faults", "confinement", NULL};

const struct stack_frontend_ops stack_fe_scripted_ops = {
    .name = "scripted",
    .caps = stack_fe_scripted_caps,
    .traps = 1,
    .start_order_env = 1,
    .start = stack_fe_scripted_start,
    .step = stack_fe_scripted_step,
    .remount = stack_fe_scripted_remount,
    .stop = stack_fe_scripted_stop,
    .fault = stack_fault_step,
    .stats = stack_fe_scripted_stats,
};

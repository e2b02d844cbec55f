/* stack_fe_native.c - the `qemu-native` frontend: the same Linux guest under QEMU with QEMU's
 * own vhost-user-fs-device straight to virtiofsd - the baseline the trapped path is compared
 * with. Nothing is trapped; fault steps are not offered. Under `fuzz guest` (mutated replies)
 * the vhost-user shim stands between QEMU and virtiofsd (stack_shim.c). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "qemu_fe.h"
#include "scn.h"
#include "stack.h"
#include "stack_frontend.h"
#include "stack_priv.h"

static int stack_fe_native_start(struct stack *s, const struct stack_opts *o)
{
	char image_dir[PATH_MAX + 8], sock[PATH_MAX + 16];
	struct qemu_fe_opts qo = {.mode = "native",
				  .vhost_socket = sock,
				  .image_dir = image_dir,
				  .workdir = s->rundir,
				  .boot_timeout_ms = 60000,
				  .verbose = o->verbose > 1,
				  .kernel = o->kernel,
				  .initrd = o->initrd,
				  .vcpus = o->vcpus > 0 ? o->vcpus : 1,
				  .shell = o->shell,
				  .pgid = s->pgid,
				  .fail_why = s->start_why,
				  .fail_why_len = sizeof(s->start_why)};
	int r = stack_rundir_guest_dir(o->guest, image_dir, sizeof(image_dir));

	if (r)
		return r;
	if (o->mutate_replies)
		r = stack_shim_start(s, o, sock, sizeof(sock));
	else
		snprintf(sock, sizeof(sock), "%s/Fs0.sock", s->rundir);
	if (r)
		return r;
	snprintf(s->guest_desc, sizeof(s->guest_desc), "%s kernel, QEMU's device tree",
		 o->kernel				   ? "user's"
		 : o->guest && !strcmp(o->guest, "debian") ? "Debian's"
							   : "the harness's");
	r = qemu_fe_start(&qo, &s->qfe);
	if (r == -ENOENT)
		return STACK_ENV_MISSING;
	if (r)
		log_err("QEMU frontend (native) did not come up: %s", strerror(-r));
	return r;
}

/* Shared by both QEMU frontends: the guest agent runs the step. */
int stack_fe_native_step(struct stack *s, const struct scn_step *st, int timeout_ms, char *why,
			 size_t len)
{
	return qemu_fe_step(s->qfe, st->line, st->text, timeout_ms, why, len);
}

int stack_fe_native_remount(struct stack *s, int timeout_ms, char *why, size_t len)
{
	return qemu_fe_remount(s->qfe, timeout_ms, why, len);
}

void stack_fe_native_stop(struct stack *s)
{
	if (s->qfe) {
		qemu_fe_stop(s->qfe);
		s->qfe = NULL;
	}
}

static void stack_fe_native_health(struct stack *s, char *buf, size_t len)
{
	stack_shim_health(s, buf, len);
}

static const char *const stack_fe_native_caps[] = {NULL};

const struct stack_frontend_ops stack_fe_native_ops = {
    .name = "qemu-native",
    .caps = stack_fe_native_caps,
    .shell = 1,
    .start = stack_fe_native_start,
    .step = stack_fe_native_step,
    .remount = stack_fe_native_remount,
    .stop = stack_fe_native_stop,
    .health = stack_fe_native_health,
};

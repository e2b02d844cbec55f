/* stack_fe_trapped.c - the `qemu` frontend: the Debian guest under QEMU at EL1, hosted by
 * our EL2 stub (fake-hypervisor/el2) whose trapped virtio-mmio accesses reach fakebao through
 * the mailbox (el2_host), then the device model and virtiofsd exactly as for the scripted
 * frontend. The guest's RAM is the shared window (a file fakebao adopts as the per-DM fd). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "el2_host.h"
#include "el2_mailbox.h"
#include "log.h"
#include "qemu_fe.h"
#include "scn.h"
#include "stack.h"
#include "stack_frontend.h"
#include "stack_priv.h"

struct stack_fe_trapped {
	int ram0_fd, win_fd;
	uint64_t win_size;
	struct el2_mailbox *mb;
	struct el2_host *host;
	struct el2_host_tuning tune;
	char db_path[PATH_MAX];
};

int stack_fe_trapped_stub_path(char *buf, size_t len)
{
	const char *env = getenv("BAOHARNESS_EL2_STUB");
	const char *cands[] = {"el2/bao-el2.elf", "../el2/bao-el2.elf"};

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		if (access(buf, R_OK) == 0)
			return 0;
		log_err("BAOHARNESS_EL2_STUB=%s: %s", env, strerror(errno));
		return STACK_ENV_MISSING;
	}
	for (size_t i = 0; i < 2; i++)
		if (!stack_rundir_sibling(cands[i], buf, len) && access(buf, R_OK) == 0)
			return 0;
	log_err("the EL2 stub (el2/bao-el2.elf) is missing next to this program: run make el2-stub "
		"(or set BAOHARNESS_EL2_STUB)");
	return STACK_ENV_MISSING;
}

static int stack_fe_trapped_backing(struct stack *s, struct stack_fe_trapped *t)
{
	char ram0[PATH_MAX + 32], win[PATH_MAX + 32];

	snprintf(ram0, sizeof(ram0), "%s/el2-ram0", s->rundir);
	snprintf(win, sizeof(win), "%s/window", s->rundir);
	t->ram0_fd = el2_host_create_file(ram0, EL2_RAM0_SIZE);
	if (t->ram0_fd < 0)
		return t->ram0_fd;
	t->win_fd = el2_host_create_file(win, t->win_size);
	if (t->win_fd < 0)
		return t->win_fd;
	return el2_host_map_mailbox(t->ram0_fd, t->win_size, &t->tune, &t->mb);
}

static int stack_fe_trapped_start(struct stack *s, const struct stack_opts *o)
{
	char image_dir[PATH_MAX], stub[PATH_MAX], ram0[PATH_MAX + 32], win[PATH_MAX + 32],
	    work[PATH_MAX + 32];
	struct qemu_fe_opts qo = {.mode = "trapped",
				  .image_dir = image_dir,
				  .workdir = work,
				  .boot_timeout_ms = 60000,
				  .verbose = o->verbose > 1,
				  .el2_stub = stub,
				  .ram0_file = ram0,
				  .window_file = win,
				  .shell = o->shell,
				  .pgid = s->pgid};
	struct stack_fe_trapped *t = calloc(1, sizeof(*t));
	int r;

	if (!t)
		return -ENOMEM;
	t->ram0_fd = t->win_fd = -1;
	t->win_size = EL2_HOST_DEFAULT_WINDOW;
	s->trapped = t;
	r = stack_rundir_image_dir(image_dir, sizeof(image_dir));
	if (!r)
		r = stack_fe_trapped_stub_path(stub, sizeof(stub));
	if (r)
		return r;
	snprintf(ram0, sizeof(ram0), "%s/el2-ram0", s->rundir);
	snprintf(win, sizeof(win), "%s/window", s->rundir);
	snprintf(work, sizeof(work), "%s", s->rundir);
	snprintf(t->db_path, sizeof(t->db_path), "%s/doorbell.sock", s->rundir);
	t->tune.doorbell_path = t->db_path;
	qo.doorbell_socket = t->db_path;
	qo.window_size = t->win_size;
	r = stack_fe_trapped_backing(s, t);
	if (!r)
		r = stack_fakebao_start(s, o, EL2_WINDOW_IPA, t->win_size, t->win_fd);
	if (!r)
		r = stack_devmodel_start(s, o);
	if (!r)
		r = stack_devmodel_wait(s);
	if (!r)
		r = el2_host_start(s->fb, t->mb, &t->tune, &t->host);
	if (!r) {
		r = qemu_fe_start(&qo, &s->qfe);
		if (r == -ENOENT)
			r = STACK_ENV_MISSING;
		else if (r)
			log_err("QEMU frontend (trapped) did not come up: %s", strerror(-r));
	}
	return r;
}

/* Stops the guest first (its traps need the device model), then the mailbox server. */
static void stack_fe_trapped_stop(struct stack *s)
{
	struct stack_fe_trapped *t = s->trapped;

	if (!t)
		return;
	if (s->qfe) {
		qemu_fe_stop(s->qfe);
		s->qfe = NULL;
	}
	el2_host_stop(t->host);
	el2_host_unmap_mailbox(t->mb);
	if (t->ram0_fd >= 0)
		close(t->ram0_fd);
	if (t->win_fd >= 0)
		close(t->win_fd);
	free(t);
	s->trapped = NULL;
}

static void stack_fe_trapped_health(struct stack *s, char *buf, size_t len)
{
	if (s->trapped && s->trapped->host)
		el2_host_stub_health(s->trapped->host, buf, len);
}

static const char *const stack_fe_trapped_caps[] = {NULL};

const struct stack_frontend_ops stack_fe_trapped_ops = {
    .name = "qemu",
    .caps = stack_fe_trapped_caps,
    .shell = 1,
    .traps = 1,
    .start = stack_fe_trapped_start,
    .step = stack_fe_native_step,
    .remount = stack_fe_native_remount,
    .stop = stack_fe_trapped_stop,
    .health = stack_fe_trapped_health,
};

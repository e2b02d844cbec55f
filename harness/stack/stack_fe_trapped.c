/* stack_fe_trapped.c - the `qemu` frontend: a real arm64 Linux under QEMU at EL1, hosted by our
 * EL2 stub (fake-hypervisor/el2) whose trapped virtio-mmio accesses reach fakebao through the
 * mailbox (el2_host), then the device model and virtiofsd exactly as for the scripted frontend.
 * The guest boots with the Bao demo's device tree: private RAM at 0x30000000 in a file the host
 * never maps, and the 16 MiB shared window (a file fakebao adopts as the per-DM fd) as the
 * restricted DMA pool - the backend sees the window and nothing else. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "el2_host.h"
#include "el2_mailbox.h"
#include "log.h"
#include "proc.h"
#include "qemu_dt.h"
#include "qemu_fe.h"
#include "scn.h"
#include "stack.h"
#include "stack_frontend.h"
#include "stack_priv.h"

#define STACK_FE_TRAPPED_VCPUS 2 /* --vcpus default */
/* How long the stub spins for a trap's response before it sleeps for the doorbell
 * (BAOHARNESS_EL2_SPIN_US overrides; harness/bench/limits.md has the measurements). */
#define STACK_FE_TRAPPED_SPIN_US 0
/* How long the host watches the mailbox after serving before it waits for the doorbell
 * (BAOHARNESS_EL2_HOST_SPIN_US overrides). */
#define STACK_FE_TRAPPED_HOST_SPIN_US 0

struct stack_fe_trapped {
	int ram0_fd, win_fd, ram_fd;
	struct qemu_dt_layout dt;
	struct el2_host_layout layout;
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

/* The stub's RAM with the mailbox, the window, the private RAM: one file each. */
static int stack_fe_trapped_backing(struct stack *s, struct stack_fe_trapped *t)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/el2-ram0", s->rundir);
	t->ram0_fd = el2_host_create_file(path, EL2_RAM0_SIZE);
	if (t->ram0_fd < 0)
		return t->ram0_fd;
	snprintf(path, sizeof(path), "%s/window", s->rundir);
	t->win_fd = el2_host_create_file(path, t->layout.window_size);
	if (t->win_fd < 0)
		return t->win_fd;
	if (t->layout.ram_size) {
		snprintf(path, sizeof(path), "%s/guest-ram", s->rundir);
		t->ram_fd = el2_host_create_file(path, t->layout.ram_size);
		if (t->ram_fd < 0)
			return t->ram_fd;
	}
	return el2_host_map_mailbox(t->ram0_fd, &t->layout, &t->tune, &t->mb);
}

/* The guest's files and device tree; the layout the stub gives it follows from the tree. */
static int stack_fe_trapped_guest(struct stack *s, const struct stack_opts *o,
				  struct stack_fe_trapped *t, struct qemu_fe_opts *qo, char *dtb,
				  size_t dtblen)
{
	int debian = o->guest && !strcmp(o->guest, "debian");
	struct qemu_dt_params p = {.workdir = s->rundir,
				   .user_dtb = o->dtb,
				   .user_dts = o->dts,
				   .builtin = debian ? QEMU_DT_WHOLE_RAM : QEMU_DT_DEMO,
				   .vcpus = qo->vcpus,
				   .bootargs = o->shell ? QEMU_FE_BOOTARGS
						   " nokaslr" QEMU_FE_BOOTARGS_SHELL
							: QEMU_FE_BOOTARGS " nokaslr"};
	char kernel[PATH_MAX + 16], initrd[PATH_MAX + 32], why[sizeof(s->start_why)];
	int r;

	snprintf(kernel, sizeof(kernel), "%s/Image", qo->image_dir);
	snprintf(initrd, sizeof(initrd), "%s/initramfs.cpio.gz", qo->image_dir);
	r = qemu_dt_image_check(qo->kernel ? qo->kernel : kernel, qo->initrd ? qo->initrd : initrd,
				&p.initrd_size, why, sizeof(why));
	if (!r)
		r = qemu_dt_prepare(&p, &t->dt, dtb, dtblen, why, sizeof(why));
	if (r) {
		log_err("%s", why);
		memcpy(s->start_why, why, sizeof(why));
		return r == -ENOENT && !o->dtb && !o->dts && !o->kernel && !o->initrd
			   ? STACK_ENV_MISSING
			   : r;
	}
	t->layout = (struct el2_host_layout){
	    .window_size = t->dt.window_size,
	    .ram_ipa = t->dt.ram_ipa,
	    .ram_size = t->dt.ram_size,
	    .uart_ipa = t->dt.uart_ipa,
	    .uart_virq = t->dt.uart_virq,
	    .vcpus = (uint32_t)qo->vcpus,
	    .kernel_ipa = t->dt.boot_ipa + EL2_WIN_KERNEL_OFF,
	    .dtb_ipa = t->dt.boot_ipa + EL2_WIN_DTB_OFF,
	};
	if (el2_host_layout_check(&t->layout, why, sizeof(why))) {
		snprintf(s->start_why, sizeof(s->start_why), "device tree %.200s: %.280s",
			 o->dtb	  ? o->dtb
			 : o->dts ? o->dts
				  : "(built-in)",
			 why);
		log_err("%s", s->start_why);
		return -EINVAL;
	}
	if (t->dt.ncpus != qo->vcpus)
		log_warn("device tree: %d cpu node(s) for %d vCPU(s): Linux starts only those the "
			 "tree lists",
			 t->dt.ncpus, qo->vcpus);
	if (!t->dt.restricted_pool)
		log_warn("device tree: the virtio node has no memory-region with a "
			 "restricted-dma-pool: %s",
			 t->dt.ram_size
			     ? "Linux will put virtqueues and buffers outside the shared "
			       "window, which a Bao backend cannot reach"
			     : "the whole guest RAM is the shared window");
	snprintf(s->guest_desc, sizeof(s->guest_desc), "%s kernel, %s device tree",
		 qo->kernel ? "user's"
		 : debian   ? "Debian's"
			    : "the harness's",
		 o->dtb || o->dts ? "user's"
		 : debian	  ? "demo (whole-RAM)"
				  : "demo");
	return 0;
}

/* While the guest boots: a device model that gave up the device, or a dead device model or
 * stub, ends the wait with its reason (the guest's driver would wait for ever). */
static int stack_fe_trapped_boot_check(void *arg, char *why, size_t len)
{
	struct stack *s = arg;
	int st;

	if (stack_dmlog_broken(s, why, len))
		return 1;
	if (s->trapped && s->trapped->host && el2_host_stub_health(s->trapped->host, why, len))
		return 1;
	if (s->dm_pid > 0 && !proc_alive(s->dm_pid, &st)) {
		char buf[64];

		snprintf(why, len, "device model %s", proc_status_str(st, buf, sizeof(buf)));
		s->dm_pid = 0;
		return 1;
	}
	return 0;
}

static int stack_fe_trapped_start(struct stack *s, const struct stack_opts *o)
{
	char image_dir[PATH_MAX + 8], stub[PATH_MAX], ram0[PATH_MAX + 32], win[PATH_MAX + 32],
	    ram[PATH_MAX + 32], dtb[PATH_MAX + 32];
	struct qemu_fe_opts qo = {.mode = "trapped",
				  .image_dir = image_dir,
				  .workdir = s->rundir,
				  .boot_timeout_ms = 60000,
				  .verbose = o->verbose > 1,
				  .kernel = o->kernel,
				  .initrd = o->initrd,
				  .el2_stub = stub,
				  .ram0_file = ram0,
				  .window_file = win,
				  .ram_file = ram,
				  .dtb = dtb,
				  .shell = o->shell,
				  .pgid = s->pgid,
				  .boot_check = stack_fe_trapped_boot_check,
				  .boot_check_arg = s,
				  .fail_why = s->start_why,
				  .fail_why_len = sizeof(s->start_why)};
	struct stack_fe_trapped *t = calloc(1, sizeof(*t));
	int r;

	if (!t)
		return -ENOMEM;
	t->ram0_fd = t->win_fd = t->ram_fd = -1;
	s->trapped = t;
	s->vcpus = o->vcpus > 0 ? o->vcpus : STACK_FE_TRAPPED_VCPUS;
	qo.vcpus = s->vcpus;
	r = stack_rundir_guest_dir(o->guest, image_dir, sizeof(image_dir));
	if (!r)
		r = stack_fe_trapped_stub_path(stub, sizeof(stub));
	if (!r)
		r = stack_fe_trapped_guest(s, o, t, &qo, dtb, sizeof(dtb));
	if (r)
		return r;
	qo.layout = &t->dt;
	snprintf(ram0, sizeof(ram0), "%s/el2-ram0", s->rundir);
	snprintf(win, sizeof(win), "%s/window", s->rundir);
	snprintf(ram, sizeof(ram), "%s/guest-ram", s->rundir);
	snprintf(t->db_path, sizeof(t->db_path), "%s/doorbell.sock", s->rundir);
	t->tune.doorbell_path = t->db_path;
	t->tune.resp_spin_us =
	    (uint32_t)stack_fault_env_ms("BAOHARNESS_EL2_SPIN_US", STACK_FE_TRAPPED_SPIN_US);
	qo.doorbell_socket = t->db_path;
	r = stack_fe_trapped_backing(s, t);
	if (!r)
		r = stack_fakebao_start(s, o, EL2_WINDOW_IPA, t->layout.window_size, t->win_fd);
	if (!r)
		r = stack_devmodel_start(s, o);
	if (!r)
		r = stack_devmodel_wait(s);
	t->tune.audit = s->audit;
	if (!r)
		r = el2_host_start(s->fb, t->mb, &t->tune, &t->host);
	if (!r) {
		r = qemu_fe_start(&qo, &s->qfe);
		if (r == -ENOENT)
			r = STACK_ENV_MISSING;
		else if (r)
			log_err("QEMU frontend (trapped) did not come up: %s", strerror(-r));
		if (r && r != STACK_ENV_MISSING) {
			char why[sizeof(s->start_why)];

			/* The device model's or the stub's words say more than QEMU's end. */
			if (stack_fe_trapped_boot_check(s, why, sizeof(why)))
				memcpy(s->start_why, why, sizeof(why));
		}
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
	if (t->ram_fd >= 0)
		close(t->ram_fd);
	free(t);
	s->trapped = NULL;
}

static void stack_fe_trapped_health(struct stack *s, char *buf, size_t len)
{
	size_t n;

	buf[0] = '\0';
	if (s->trapped && s->trapped->host)
		el2_host_stub_health(s->trapped->host, buf, len);
	n = strlen(buf);
	if (n + 2 < len && stack_dmlog_broken(s, buf + n + (n ? 2 : 0), len - n - (n ? 2 : 0)) && n)
		memcpy(buf + n, "; ", 2);
}

/* `run --stats`: where a trap's time goes (harness/bench/limits.md) and the interrupt path, as
 * key=value lines (bao-bench and scripts read them). */
static void stack_fe_trapped_stats(struct stack *s, FILE *out)
{
	struct el2_host_stats hs;

	if (!s->trapped || !s->trapped->host)
		return;
	el2_host_get_stats(s->trapped->host, &hs);
	for (int b = 0; b < 2; b++)
		fprintf(out,
			"# stats: el2_trap_hops_%s n=%" PRIu64
			" p50_us: handler_to_posted=%.1f posted_to_host=%.1f host_serve=%.1f "
			"served_to_resumed=%.1f whole=%.1f whole_p90=%.1f\n",
			b ? "bursts" : "isolated", hs.hop_samples[b], hs.hop_stub_ns[b] / 1e3,
			hs.hop_notice_ns[b] / 1e3, hs.hop_serve_ns[b] / 1e3,
			hs.hop_resume_ns[b] / 1e3, hs.hop_total_ns[b] / 1e3,
			hs.hop_total_p90_ns[b] / 1e3);
	fprintf(out,
		"# stats: el2_irq n=%" PRIu64 " raised_to_handler_us: p50=%" PRIu64 " p90=%" PRIu64
		" max=%" PRIu64 " p50_us: raised_to_lr=%" PRIu64 " lr_to_handler=%" PRIu64
		" handler_to_host=%" PRIu64 "\n",
		hs.lat_samples, hs.lat_p50_us, hs.lat_p90_us, hs.lat_max_us, hs.lat_stub_p50_us,
		hs.lat_guest_p50_us, hs.lat_host_p50_us);
	fprintf(out,
		"# stats: el2_stub traps=%" PRIu64 " wfi=%" PRIu64 " ticks=%" PRIu64
		" injected=%" PRIu64 " doorbell_rx=%" PRIu64 " doorbell_tx=%" PRIu64
		" host_idle_waits=%" PRIu64 "\n",
		hs.stub_traps, hs.stub_wfi, hs.stub_ticks, hs.stub_inject, hs.db_rx, hs.db_tx,
		hs.idle_waits);
}

static const char *const stack_fe_trapped_caps[] = {"faults", NULL};

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
    .fault = stack_fe_trapped_fault,
    .stats = stack_fe_trapped_stats,
};

/* qemu_fe.h - the QEMU frontends: a real arm64 Linux guest under qemu-system-aarch64 whose
 * agent runs the scenario's frontend steps on its virtio-fs mount, driven over the console. */
#ifndef HARNESS_QEMU_FE_H
#define HARNESS_QEMU_FE_H

#include <stddef.h>

#include "qemu_dt.h"

/* The guest's kernel command line: the console carries only the protocol and the kernel's
 * emergencies (loglevel=1: a panic's or an oops's first line, into the console tail).
 * `baoharness.shell=1` is read by guest/init (a dotted parameter never reaches init's argv or
 * environment). */
#define QEMU_FE_BOOTARGS "console=ttyAMA0 panic=-1 quiet loglevel=1"
#define QEMU_FE_BOOTARGS_SHELL " baoharness.shell=1"

struct qemu_fe_opts {
	const char *mode; /* "native": QEMU's own vhost-user-fs-device; "trapped": EL2 stub */
	const char *vhost_socket; /* native: virtiofsd's socket (virtiofsd started by the caller) */
	const char *image_dir;	  /* holds Image and initramfs.cpio.gz (build/qemu) */
	const char *workdir;	  /* run directory: console.sock, console.log, qemu.log */
	int boot_timeout_ms;	  /* hard bound on boot to READY (0 = 60 s) */
	int verbose;		  /* log every guest console line */
	const char *qemu_bin;	  /* NULL = "qemu-system-aarch64" from PATH */
	/* Explicit guest files (--kernel/--initrd); NULL: image_dir's Image, initramfs.cpio.gz. */
	const char *kernel, *initrd;
	int vcpus; /* -smp (0 = 1) */
	/* trapped: the EL2 stub (fake-hypervisor/el2) hosts the guest; its device is served by the
	 * caller (fakebao + device model + el2_host) through the mailbox in ram0_file. The device
	 * tree (dtb) and its layout come from qemu_dt_prepare. */
	const char *el2_stub;		     /* build/el2/bao-el2.elf */
	const char *ram0_file;		     /* the stub's node-0 RAM (EL2_RAM0_SIZE bytes) */
	const char *window_file;	     /* the shared window */
	const char *ram_file;		     /* the guest's private RAM (layout->ram_size) */
	const char *dtb;		     /* the guest's device tree */
	const struct qemu_dt_layout *layout; /* where the guest's memory is */
	const char *doorbell_socket; /* non-NULL: pci-serial doorbell to this (listening) socket */
	/* Polled about every 200 ms while waiting for the agent's READY: nonzero (with a reason
	 * in why) ends the boot at once as -ECANCELED, e.g. the device model gave up the device
	 * or the EL2 stub panicked. NULL: none. */
	int (*boot_check)(void *arg, char *why, size_t len);
	void *boot_check_arg;
	/* Non-NULL: a failed qemu_fe_start puts its one-line reason here (with the guest's last
	 * words when it named a cause: a kernel panic, an oops, the stub's panic). */
	char *fail_why;
	size_t fail_why_len;
	/* 1: boot with `baoharness.shell=1`: /init loads the modules but neither mounts nor starts
	 * the agent; it runs an interactive busybox shell on the console (qemu_interact). */
	int shell;
	/* > 0: QEMU joins this process group (the stack's, so one kill ends everything). */
	int pgid;
};

struct qemu_fe;

/* Boot the guest and wait for the agent's READY (shell mode: only until QEMU runs and its
 * console socket is connected, bounded by boot_timeout_ms). Returns 0 with *out set, or
 * -errno with the reason, the guest console tail and QEMU's own output logged: -ENOENT (QEMU
 * or image missing), -ETIMEDOUT (no READY in time), -EIO (agent said FAIL), -ECHILD (QEMU
 * exited), -EINVAL/-ENOTSUP (bad options or mode). Nothing is left running on failure. */
int qemu_fe_start(const struct qemu_fe_opts *o, struct qemu_fe **out);
/* Run one frontend step (its scenario line text; one trailing newline allowed) in the guest.
 * timeout_ms (0 = 30 s) gets 1 ms per 12 bytes of text added: the emulated UART moves about
 * 36 KB/s, so a 64 KiB step takes ~2 s and a 1 MiB one ~30 s just to arrive. A step the
 * guest's kernel holds is reported by its watchdog after 3 s (where it blocks, its kernel
 * stack, new kernel warnings): a timeout's reason carries that report.
 * Returns 0 when it passed, 1 when it failed (reason in why), or a harness error: -ETIMEDOUT,
 * -EPIPE (QEMU gone), -EINVAL (text holds a newline); why is set then too. After a harness
 * error the guest is unusable and later calls return the same error. */
int qemu_fe_step(struct qemu_fe *q, unsigned int line_no, const char *step_text, int timeout_ms,
		 char *why, size_t whylen);
/* `remount`: umount /mnt and mount it again in the guest. Same returns as qemu_fe_step. */
int qemu_fe_remount(struct qemu_fe *q, int timeout_ms, char *why, size_t whylen);
/* Reset the device through the guest's own driver: unbind virtio-fs from it (Linux stops the
 * queues and writes Status 0), unmount, bind again (a fresh probe up to DRIVER_OK), mount.
 * Same returns as qemu_fe_step. */
int qemu_fe_reset(struct qemu_fe *q, int timeout_ms, char *why, size_t whylen);
/* Shell mode: proxy bytes between in_fd/out_fd and the guest console (a tty in_fd is put in
 * raw mode and restored on every return) until QEMU exits (guest `poweroff -f`): 0, or -ECHILD
 * when QEMU ended with a failure status. The user typing Ctrl-] (0x1d) stops QEMU: -ECANCELED.
 * EOF on in_fd sends ^D (every 2 s: one typed ahead of the prompt is lost) and gives the guest
 * QEMU_FE_EOF_GRACE_MS to power off (0; the shell's exit powers off), else QEMU is stopped:
 * -ETIMEDOUT. -EPIPE: console or out_fd lost (QEMU stopped). -EINVAL: not shell
 * mode. QEMU is never left running when this returns; call qemu_fe_stop afterwards anyway. */
#define QEMU_FE_EOF_GRACE_MS 30000
int qemu_interact(struct qemu_fe *q, int in_fd, int out_fd);
/* Power the guest off (sync, umount), wait a bounded time, then kill QEMU; frees q. NULL ok.
 * Shell mode (no agent to ask): QEMU is stopped with SIGTERM, then SIGKILL. */
void qemu_fe_stop(struct qemu_fe *q);
/* QEMU's process id (for CPU accounting by tests). */
int qemu_fe_pid(const struct qemu_fe *q);
/* The last lines of guest console output (then of QEMU's own output), for failure messages. */
void qemu_fe_console_tail(struct qemu_fe *q, char *buf, size_t len);

#endif

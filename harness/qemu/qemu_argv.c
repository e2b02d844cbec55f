/* qemu_argv.c - QEMU command lines per frontend mode, in a table so the trapped mode (an EL2
 * stub hosting the same guest) adds one entry. Flags measured in shared/qemu-notes.md. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "el2_mailbox.h"
#include "log.h"
#include "qemu_argv.h"

/* Guest RAM; the memfd backend must be shared so virtiofsd can map it (notes: share=off hangs). */
#define QEMU_ARGV_MEM_MB 512

static int qemu_argv_add(struct qemu_argv *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int qemu_argv_add(struct qemu_argv *a, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	if (a->argc >= QEMU_ARGV_MAX) {
		log_err("qemu argv: more than %d arguments", QEMU_ARGV_MAX);
		return -E2BIG;
	}
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	a->argv[a->argc++] = s;
	a->argv[a->argc] = NULL;
	return 0;
}

static int qemu_argv_file(const char *dir, const char *name, char *buf, size_t len)
{
	if ((size_t)snprintf(buf, len, "%s/%s", dir, name) >= len)
		return -ENAMETOOLONG;
	if (access(buf, R_OK) < 0) {
		int e = errno;

		log_err("qemu: guest image file %s: %s (build it with `make qemu-image`)", buf,
			strerror(e));
		return -e;
	}
	return 0;
}

/* Append a NULL-terminated list of words. */
static int qemu_argv_add_list(struct qemu_argv *a, const char *const *words)
{
	int rc = 0;

	for (size_t i = 0; words[i] && rc == 0; i++)
		rc = qemu_argv_add(a, "%s", words[i]);
	return rc;
}

/* The parts every mode shares: CPU (cortex-a57: -cpu max is ~5x slower under TCG), vCPUs,
 * console socket. Machine, memory and what is loaded differ per mode. */
static int qemu_argv_common(struct qemu_argv *a, const struct qemu_fe_opts *o, const char *con)
{
	char chr[4200], smp[16];

	if ((size_t)snprintf(chr, sizeof(chr), "socket,id=con,path=%s,server=on,wait=off", con) >=
	    sizeof(chr))
		return -ENAMETOOLONG;
	snprintf(smp, sizeof(smp), "%d", o->vcpus > 0 ? o->vcpus : 1);
	/* clang-format off */ /* option and value pairs read better side by side */
	const char *const words[] = {
		o->qemu_bin ? o->qemu_bin : "qemu-system-aarch64", "-nodefaults",
		"-cpu", "cortex-a57", "-accel", "tcg", "-smp", smp, "-display", "none",
		"-no-reboot", "-chardev", chr, "-serial", "chardev:con", NULL};
	/* clang-format on */
	return qemu_argv_add_list(a, words);
}

/* The guest's kernel and initramfs: the user's (--kernel/--initrd) or the image folder's. */
static int qemu_argv_guest_files(const struct qemu_fe_opts *o, char *kernel, char *initrd,
				 size_t len)
{
	int rc;

	if (o->kernel)
		snprintf(kernel, len, "%s", o->kernel);
	else if ((rc = qemu_argv_file(o->image_dir, "Image", kernel, len)) < 0)
		return rc;
	if (o->initrd)
		snprintf(initrd, len, "%s", o->initrd);
	else if ((rc = qemu_argv_file(o->image_dir, "initramfs.cpio.gz", initrd, len)) < 0)
		return rc;
	return 0;
}

/* Native: QEMU's virt machine boots Linux directly with shared RAM, kernel and initramfs. */
static int qemu_argv_native_boot(struct qemu_argv *a, const struct qemu_fe_opts *o)
{
	char kernel[4096], initrd[4096], mem[16], memobj[96];
	int rc;

	if ((rc = qemu_argv_guest_files(o, kernel, initrd, sizeof(kernel))) < 0)
		return rc;
	snprintf(mem, sizeof(mem), "%d", QEMU_ARGV_MEM_MB);
	snprintf(memobj, sizeof(memobj), "memory-backend-memfd,id=mem,size=%dM,share=on",
		 QEMU_ARGV_MEM_MB);
	const char *append = o->shell ? QEMU_FE_BOOTARGS QEMU_FE_BOOTARGS_SHELL : QEMU_FE_BOOTARGS;
	const char *const words[] = {"-machine", "virt,memory-backend=mem",
				     "-m",	 mem,
				     "-object",	 memobj,
				     "-kernel",	 kernel,
				     "-initrd",	 initrd,
				     "-append",	 append,
				     NULL};
	return qemu_argv_add_list(a, words);
}

/* QEMU's own virtio-mmio vhost-user-fs-device straight to virtiofsd. force-legacy=false:
 * virtiofsd refuses the legacy device and the guest would hang at its first request. */
static int qemu_argv_native(struct qemu_argv *a, const struct qemu_fe_opts *o)
{
	char chr[4200];

	int rc;

	if (!o->vhost_socket) {
		log_err("qemu: mode native needs vhost_socket (virtiofsd's socket path)");
		return -EINVAL;
	}
	if ((size_t)snprintf(chr, sizeof(chr), "socket,id=vfs,path=%s", o->vhost_socket) >=
	    sizeof(chr))
		return -ENAMETOOLONG;
	if ((rc = qemu_argv_native_boot(a, o)) < 0)
		return rc;
	const char *const words[] = {
	    "-global",	"virtio-mmio.force-legacy=false",
	    "-chardev", chr,
	    "-device",	"vhost-user-fs-device,chardev=vfs,tag=myfs,queue-size=1024",
	    NULL};
	return qemu_argv_add_list(a, words);
}

/* QEMU's physical address of a guest address: the window right after the stub's node, the
 * private RAM right after the window (el2_mailbox.h). */
static unsigned long long qemu_argv_pa(const struct qemu_dt_layout *l, uint64_t ipa)
{
	if (ipa - EL2_WINDOW_IPA < l->window_size)
		return EL2_WINDOW_PA + (ipa - EL2_WINDOW_IPA);
	return EL2_WINDOW_PA + l->window_size + (ipa - l->ram_ipa);
}

static int qemu_argv_node(struct qemu_argv *a, const char *id, int node, uint64_t size,
			  const char *file)
{
	int rc;

	if ((rc = qemu_argv_add(a, "-object")) ||
	    (rc = qemu_argv_add(a, "memory-backend-file,id=%s,size=%lluM,mem-path=%s,share=on", id,
				(unsigned long long)size >> 20, file)) ||
	    (rc = qemu_argv_add(a, "-numa")) ||
	    (rc = qemu_argv_add(a, "node,memdev=%s,nodeid=%d", id, node)))
		return rc;
	return 0;
}

static int qemu_argv_load(struct qemu_argv *a, const char *file, unsigned long long pa)
{
	int rc;

	if ((rc = qemu_argv_add(a, "-device")) ||
	    (rc = qemu_argv_add(a, "loader,file=%s,addr=0x%llx,force-raw=on", file, pa)))
		return rc;
	return 0;
}

/* Trapped: the EL2 stub is QEMU's ELF -kernel on a virt machine with EL2 and GICv3; RAM is
 * share=on files as NUMA nodes (the stub's with its mailbox, the window at EL2_WINDOW_PA, the
 * guest's private RAM after it), and the guest's Image, initramfs and DTB are loaded straight
 * into the guest's memory where the layout says. */
static int qemu_argv_trapped(struct qemu_argv *a, const struct qemu_fe_opts *o)
{
	const struct qemu_dt_layout *l = o->layout;
	char kernel[4096], initrd[4096];
	uint64_t total;
	int rc;

	if (!o->el2_stub || !o->ram0_file || !o->window_file || !o->workdir || !l || !o->dtb ||
	    (l->ram_size && !o->ram_file)) {
		log_err("qemu: mode trapped needs el2_stub, ram0_file, window_file, ram_file, dtb, "
			"layout and workdir");
		return -EINVAL;
	}
	if (access(o->el2_stub, R_OK) < 0) {
		log_err("qemu: EL2 stub %s: %s (build it with `make el2-stub`)", o->el2_stub,
			strerror(errno));
		return -ENOENT;
	}
	if ((rc = qemu_argv_guest_files(o, kernel, initrd, sizeof(kernel))) < 0)
		return rc;
	total = EL2_RAM0_SIZE + l->window_size + l->ram_size;
	if ((rc = qemu_argv_add(a, "-machine")) ||
	    (rc = qemu_argv_add(a, "virt,virtualization=on,gic-version=3,highmem=off")) ||
	    (rc = qemu_argv_add(a, "-m")) ||
	    (rc = qemu_argv_add(a, "%lluM", (unsigned long long)total >> 20)) ||
	    (rc = qemu_argv_node(a, "ram0", 0, EL2_RAM0_SIZE, o->ram0_file)) ||
	    (rc = qemu_argv_node(a, "win", 1, l->window_size, o->window_file)) ||
	    (l->ram_size && (rc = qemu_argv_node(a, "ram", 2, l->ram_size, o->ram_file))) ||
	    (rc = qemu_argv_add(a, "-kernel")) || (rc = qemu_argv_add(a, "%s", o->el2_stub)) ||
	    (rc = qemu_argv_load(a, kernel, qemu_argv_pa(l, l->boot_ipa + EL2_WIN_KERNEL_OFF))) ||
	    (rc = qemu_argv_load(a, initrd, qemu_argv_pa(l, l->boot_ipa + EL2_WIN_INITRD_OFF))) ||
	    (rc = qemu_argv_load(a, o->dtb, qemu_argv_pa(l, l->boot_ipa + EL2_WIN_DTB_OFF))))
		return rc;
	/* The stub's doorbell (el2_mailbox.h): a 16550 on PCI 00:01.0, chardev to the host. */
	if (o->doorbell_socket &&
	    ((rc = qemu_argv_add(a, "-chardev")) ||
	     (rc = qemu_argv_add(a, "socket,id=db,path=%s,server=off", o->doorbell_socket)) ||
	     (rc = qemu_argv_add(a, "-device")) ||
	     (rc = qemu_argv_add(a, "pci-serial,chardev=db,addr=%02x.0", EL2_DB_PCI_SLOT))))
		return rc;
	return 0;
}

static const struct {
	const char *name;
	int (*add)(struct qemu_argv *a, const struct qemu_fe_opts *o);
} qemu_argv_modes[] = {
    {"native", qemu_argv_native},
    {"trapped", qemu_argv_trapped},
};

int qemu_argv_build(struct qemu_argv *a, const struct qemu_fe_opts *o, const char *console_sock)
{
	int rc;

	memset(a, 0, sizeof(*a));
	if (!o->mode || !o->image_dir) {
		log_err("qemu: options mode and image_dir are required");
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(qemu_argv_modes) / sizeof(qemu_argv_modes[0]); i++) {
		if (strcmp(o->mode, qemu_argv_modes[i].name))
			continue;
		rc = qemu_argv_common(a, o, console_sock);
		if (rc == 0)
			rc = qemu_argv_modes[i].add(a, o);
		if (rc < 0)
			qemu_argv_free(a);
		return rc;
	}
	log_err("qemu: mode '%s' is not implemented (known: native, trapped)", o->mode);
	return -ENOTSUP;
}

void qemu_argv_free(struct qemu_argv *a)
{
	for (int i = 0; i < a->argc; i++)
		free(a->argv[i]);
	a->argc = 0;
	a->argv[0] = NULL;
}

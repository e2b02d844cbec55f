/* doctor_checks.c - the checks of `baoharness doctor`, each asking the same code a run uses
 * (stack_backend_resolve, stack_rundir_image_dir, ...) so the doctor and a run never disagree;
 * what each needs, and the package or make target that provides it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "doctor.h"
#include "library.h"
#include "stack.h"
#include "stack_priv.h" /* stack_rundir_image_dir: where a run looks for the guest */

/* Room a run needs in TMPDIR (share + run directory: large-file.scn writes a few MiB), and
 * what `make qemu-image` takes (Debian's packages, unpacked, about 470 MB). */
#define DOCTOR_TMP_MIN_MB 64
/* Debian's packages extracted (~450 MiB) and the kernel's source while it builds (~1.6 GiB). */
#define DOCTOR_IMAGE_MIN_MB 2200

#define DOCTOR_C_PACKAGE "qemu-system-common"

/* The stack explains a missing part on stderr; the doctor prints its own line instead. */
static int doctor_mute(const struct doctor_want *w)
{
	int saved, null;

	if (w->verbose)
		return -1;
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved < 0 || null < 0) {
		if (saved >= 0)
			close(saved);
		if (null >= 0)
			close(null);
		return -1;
	}
	dup2(null, STDERR_FILENO);
	close(null);
	return saved;
}

static void doctor_unmute(int saved)
{
	if (saved < 0)
		return;
	dup2(saved, STDERR_FILENO);
	close(saved);
}

/* A path as the user would write it (no "build/asan/.."); left alone when it cannot be. */
static void doctor_tidy(char *path, size_t len)
{
	char real[PATH_MAX];

	if (realpath(path, real) && strlen(real) < len)
		memcpy(path, real, strlen(real) + 1);
}

/* Which backend the run will use: "c", "rust" or a path (and where that choice came from). */
static const char *doctor_chosen(const struct doctor_want *w, const char **from)
{
	const char *env = getenv("BAOHARNESS_VIRTIOFSD");

	*from = "--virtiofsd";
	if (w->virtiofsd && *w->virtiofsd)
		return w->virtiofsd;
	*from = "BAOHARNESS_VIRTIOFSD";
	if (env && *env)
		return env;
	*from = "default";
	return "c";
}

static int doctor_uses_qemu(const struct doctor_want *w)
{
	return !strcmp(w->frontend, "qemu") || !strcmp(w->frontend, "qemu-native");
}

static void doctor_root(const struct doctor_want *w, struct doctor_result *r)
{
	(void)w;
	r->ok = geteuid() == 0;
	snprintf(r->detail, sizeof(r->detail), "%s%u%s", "euid ", (unsigned)geteuid(),
		 r->ok ? "" : ": virtiofsd runs as root (its sandbox, the share's owners)");
	snprintf(r->fix, sizeof(r->fix), "run as root (sudo baoharness ...)");
}

static void doctor_programs(const struct doctor_want *w, struct doctor_result *r)
{
	static const char *const names[] = {"baoharness", "bao-virtio-dm", "libfakebao-preload.so"};
	char p[PATH_MAX];

	(void)w;
	r->ok = 1;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int rc = stack_rundir_sibling(names[i], p, sizeof(p));

		if (rc || access(p, i == 2 ? R_OK : X_OK)) {
			snprintf(r->detail, sizeof(r->detail), "%s: %s", rc ? names[i] : p,
				 strerror(rc ? -rc : errno));
			r->ok = 0;
			break;
		}
	}
	if (r->ok) {
		char *slash = strrchr(p, '/');

		if (slash)
			*slash = '\0';
		snprintf(r->detail, sizeof(r->detail),
			 "%s: baoharness, bao-virtio-dm, libfakebao-preload.so", p);
	}
	snprintf(r->fix, sizeof(r->fix), "make (or make install)");
}

/* One backend: "c", "rust" or a path; required when it is the one the run will use. */
static void doctor_backend(const struct doctor_want *w, const char *spec, struct doctor_result *r)
{
	const char *from, *chosen = doctor_chosen(w, &from);
	struct stack_backend b;
	int saved = doctor_mute(w);
	int rc = stack_backend_resolve(spec, &b);

	doctor_unmute(saved);
	r->optional = strcmp(spec, chosen) != 0;
	snprintf(r->why_opt, sizeof(r->why_opt), "for --virtiofsd %s", spec);
	r->ok = rc == 0;
	if (r->ok) {
		doctor_tidy(b.path, sizeof(b.path));
		snprintf(r->detail, sizeof(r->detail), "%s (%s): %s", b.path,
			 stack_backend_kind_name(&b), b.version);
	} else if (!strcmp(spec, "rust")) {
		snprintf(r->detail, sizeof(r->detail),
			 "not fetched (build/backends/rust/virtiofsd beside this program)");
		snprintf(r->fix, sizeof(r->fix), "make backends");
	} else {
		const char *path = strcmp(spec, "c") ? spec : "/usr/lib/qemu/virtiofsd";

		snprintf(r->detail, sizeof(r->detail), "%s%s%s: %s", path,
			 strcmp(spec, "c") ? " from " : "", strcmp(spec, "c") ? from : "",
			 access(path, X_OK) ? strerror(errno)
					    : "not a virtiofsd this harness knows");
		snprintf(r->fix, sizeof(r->fix), "apt-get install %s (or make deps)%s",
			 DOCTOR_C_PACKAGE,
			 strcmp(spec, "c") ? ", then unset it or give --virtiofsd an executable "
					     "virtiofsd"
					   : "");
	}
}

static void doctor_vfsd_c(const struct doctor_want *w, struct doctor_result *r)
{
	doctor_backend(w, "c", r);
}

static void doctor_vfsd_rust(const struct doctor_want *w, struct doctor_result *r)
{
	doctor_backend(w, "rust", r);
}

/* A path given with --virtiofsd or BAOHARNESS_VIRTIOFSD: its own line. */
static void doctor_vfsd_path(const struct doctor_want *w, struct doctor_result *r)
{
	const char *from, *chosen = doctor_chosen(w, &from);

	if (!strcmp(chosen, "c") || !strcmp(chosen, "rust")) {
		r->hidden = 1;
		return;
	}
	doctor_backend(w, chosen, r);
}

/* Run fn in a child (it may change what a process can do); 0 when it exited 0, else its
 * errno as it reported it through the exit status. */
static int doctor_in_child(int (*fn)(void))
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(-fn() & 0xff);
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	if (WIFEXITED(st))
		return -WEXITSTATUS(st);
	return -EINTR;
}

static int doctor_try_unshare(void)
{
	return unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET) ? -errno : 0;
}

/* virtiofsd's own sandbox: C 7.2's namespace sandbox unshares these; Rust's chroot does not. */
static void doctor_namespaces(const struct doctor_want *w, struct doctor_result *r)
{
	const char *from, *chosen = doctor_chosen(w, &from);
	int rc = doctor_in_child(doctor_try_unshare);

	r->optional = !strcmp(chosen, "rust");
	snprintf(r->why_opt, sizeof(r->why_opt), "for the C virtiofsd's namespace sandbox");
	r->ok = rc == 0;
	snprintf(r->detail, sizeof(r->detail), "unshare(mount, pid, net): %s",
		 rc ? strerror(-rc) : "works (virtiofsd's sandbox)");
	snprintf(r->fix, sizeof(r->fix),
		 "run as root on the host, or in a privileged container (docker run "
		 "--privileged)");
}

static int doctor_try_seccomp(void)
{
	struct sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
	struct sock_fprog prog = {1, allow};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) ? -errno : 0;
}

/* Both virtiofsds install a seccomp filter at start and exit when they cannot. */
static void doctor_seccomp(const struct doctor_want *w, struct doctor_result *r)
{
	int rc = doctor_in_child(doctor_try_seccomp);

	(void)w;
	r->ok = rc == 0;
	snprintf(r->detail, sizeof(r->detail), "a seccomp filter %s%s",
		 rc ? "cannot be installed: " : "installs (virtiofsd's syscall filter)",
		 rc ? strerror(-rc) : "");
	snprintf(r->fix, sizeof(r->fix),
		 "a kernel with CONFIG_SECCOMP_FILTER; a container runtime that allows seccomp()");
}

/* fakebao's window: one memfd, shared with the device model and virtiofsd. */
static void doctor_memfd(const struct doctor_want *w, struct doctor_result *r)
{
	size_t sz = 16u << 20;
	int fd = memfd_create("baoharness-doctor", MFD_CLOEXEC);
	void *m = MAP_FAILED;

	(void)w;
	if (fd >= 0 && ftruncate(fd, (off_t)sz) == 0)
		m = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	r->ok = m != MAP_FAILED;
	if (r->ok) {
		((volatile char *)m)[sz - 1] = 1;
		munmap(m, sz);
	}
	snprintf(r->detail, sizeof(r->detail), "16 MiB memfd mapped shared: %s",
		 r->ok ? "works (fakebao's window)" : strerror(errno));
	snprintf(r->fix, sizeof(r->fix), "Linux >= 3.17 (memfd_create) with shared mappings");
	if (fd >= 0)
		close(fd);
}

/* MiB free for an unprivileged writer at path, or -errno. */
static long long doctor_free_mb(const char *path)
{
	struct statvfs v;

	if (statvfs(path, &v))
		return -errno;
	return (long long)((unsigned long long)v.f_bavail * v.f_frsize >> 20);
}

static void doctor_disk_tmp(const struct doctor_want *w, struct doctor_result *r)
{
	const char *t = getenv("TMPDIR");
	const char *dir = t && *t ? t : "/tmp";
	long long mb = doctor_free_mb(dir);

	(void)w;
	r->ok = mb >= DOCTOR_TMP_MIN_MB && access(dir, W_OK) == 0;
	if (mb < 0)
		snprintf(r->detail, sizeof(r->detail), "%s: %s", dir, strerror((int)-mb));
	else
		snprintf(r->detail, sizeof(r->detail), "%s: %lld MiB free%s (a run needs %d MiB)",
			 dir, mb, access(dir, W_OK) ? ", not writable" : "", DOCTOR_TMP_MIN_MB);
	snprintf(r->fix, sizeof(r->fix), "free space there, or point TMPDIR at a folder with room");
}

/* The first executable name on PATH, into buf; 0 or -ENOENT. */
static int doctor_which(const char *name, char *buf, size_t len)
{
	const char *path = getenv("PATH");
	char *dup = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	char *save = NULL;
	int rc = -ENOENT;

	for (char *d = dup ? strtok_r(dup, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save)) {
		if ((size_t)snprintf(buf, len, "%s/%s", d, name) < len && access(buf, X_OK) == 0) {
			rc = 0;
			break;
		}
	}
	free(dup);
	return rc;
}

static void doctor_qemu(const struct doctor_want *w, struct doctor_result *r)
{
	char path[PATH_MAX], ver[128];

	r->optional = !doctor_uses_qemu(w);
	snprintf(r->why_opt, sizeof(r->why_opt), "for --frontend qemu, qemu-native");
	snprintf(r->fix, sizeof(r->fix), "apt-get install qemu-system-arm (make qemu-image does)");
	if (doctor_which("qemu-system-aarch64", path, sizeof(path))) {
		snprintf(r->detail, sizeof(r->detail), "qemu-system-aarch64 not on PATH");
		return;
	}
	if (stack_backend_version(path, ver, sizeof(ver))) {
		snprintf(r->detail, sizeof(r->detail), "%s --version printed nothing", path);
		return;
	}
	r->ok = 1;
	snprintf(r->detail, sizeof(r->detail), "%s: %s", path, ver);
}

static void doctor_image(const struct doctor_want *w, struct doctor_result *r)
{
	char dir[PATH_MAX], img[PATH_MAX + 16], self[PATH_MAX];
	int saved = doctor_mute(w);
	int rc = stack_rundir_image_dir(dir, sizeof(dir));

	doctor_unmute(saved);
	r->optional = !doctor_uses_qemu(w);
	snprintf(r->why_opt, sizeof(r->why_opt), "for --frontend qemu, qemu-native");
	snprintf(r->fix, sizeof(r->fix), "make qemu-image");
	if (!rc) {
		static const char *const files[] = {"Image", "initramfs.cpio.gz"};

		doctor_tidy(dir, sizeof(dir));
		r->ok = 1;
		snprintf(r->detail, sizeof(r->detail),
			 "%s: Image (the harness's arm64 kernel), "
			 "initramfs.cpio.gz",
			 dir);
		for (size_t i = 0; i < 2 && r->ok; i++) {
			snprintf(img, sizeof(img), "%s/%s", dir, files[i]);
			if (access(img, R_OK)) {
				r->ok = 0;
				snprintf(r->detail, sizeof(r->detail), "%s: %s", img,
					 strerror(errno));
			}
		}
		return;
	}
	/* Not built: is there room to build it next to this program's build folder? */
	if (stack_rundir_sibling(".", self, sizeof(self)))
		snprintf(self, sizeof(self), ".");
	doctor_tidy(self, sizeof(self));
	{
		long long mb = doctor_free_mb(self);

		snprintf(r->detail, sizeof(r->detail),
			 "not built (Image, initramfs.cpio.gz); building it takes about %d MiB, "
			 "%lld MiB free at %s",
			 DOCTOR_IMAGE_MIN_MB, mb, self);
		if (mb >= 0 && mb < DOCTOR_IMAGE_MIN_MB)
			snprintf(r->fix, sizeof(r->fix), "free %lld MiB, then make qemu-image",
				 DOCTOR_IMAGE_MIN_MB - mb);
	}
}

static void doctor_el2(const struct doctor_want *w, struct doctor_result *r)
{
	char path[PATH_MAX];
	int saved = doctor_mute(w);
	int rc = stack_fe_trapped_stub_path(path, sizeof(path));

	doctor_unmute(saved);
	r->optional = strcmp(w->frontend, "qemu") != 0;
	snprintf(r->why_opt, sizeof(r->why_opt), "for --frontend qemu");
	snprintf(r->fix, sizeof(r->fix), "make el2-stub");
	r->ok = rc == 0;
	if (r->ok)
		doctor_tidy(path, sizeof(path));
	snprintf(r->detail, sizeof(r->detail), "%s", r->ok ? path : "el2/bao-el2.elf not built");
}

/* Only `fuzz guest --frontend qemu-native` starts the shim, and the doctor is not asked about
 * fuzzing: always optional, named so a bare install knows what it lacks. */
static void doctor_vu_shim(const struct doctor_want *w, struct doctor_result *r)
{
	char p[PATH_MAX];
	int rc = stack_rundir_sibling("bao-vu-shim", p, sizeof(p));

	(void)w;
	r->optional = 1;
	snprintf(r->why_opt, sizeof(r->why_opt), "for fuzz guest --frontend qemu-native");
	snprintf(r->fix, sizeof(r->fix), "make (or make install)");
	r->ok = !rc && !access(p, X_OK);
	snprintf(r->detail, sizeof(r->detail), "%s%s%s", rc ? "bao-vu-shim" : p, r->ok ? "" : ": ",
		 r->ok ? "" : strerror(rc ? -rc : errno));
}

static void doctor_library(const struct doctor_want *w, struct doctor_result *r)
{
	char dir[PATH_MAX];
	int n;

	(void)w;
	r->optional = 1;
	snprintf(r->why_opt, sizeof(r->why_opt), "for soak without files");
	snprintf(r->fix, sizeof(r->fix), "make install, or set BAOHARNESS_SCENARIOS");
	if (library_dir(dir, sizeof(dir))) {
		snprintf(r->detail, sizeof(r->detail), "none found (%s)", dir);
		return;
	}
	n = library_count(dir);
	r->ok = n > 0;
	snprintf(r->detail, sizeof(r->detail), "%s: %d scenario files", dir, n);
}

const struct doctor_check doctor_checks[] = {
    {"root", doctor_root},
    {"harness programs", doctor_programs},
    {"virtiofsd c", doctor_vfsd_c},
    {"virtiofsd rust", doctor_vfsd_rust},
    {"virtiofsd (given)", doctor_vfsd_path},
    {"namespaces", doctor_namespaces},
    {"seccomp", doctor_seccomp},
    {"seccomp notify", doctor_notify_check},
    {"memfd", doctor_memfd},
    {"disk (TMPDIR)", doctor_disk_tmp},
    {"qemu-system-aarch64", doctor_qemu},
    {"guest image", doctor_image},
    {"EL2 stub", doctor_el2},
    {"vhost-user shim", doctor_vu_shim},
    {"scenario library", doctor_library},
    {NULL, NULL},
};

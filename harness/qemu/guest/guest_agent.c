/* guest_agent.c - PID 1 of the QEMU guest: mounts the virtio-fs share on /mnt and runs the
 * scenario steps the host sends over the serial console with the project's one executor
 * (scn_parse_step + scn_exec_step over posix_vfs); resets the device through the real driver
 * on request; a watchdog thread reports a step that blocks in the kernel (its kernel stack,
 * new kernel warnings) while the host still waits. Protocol: harness/qemu/README.md. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "agent_fio.h"
#include "agent_fuzz.h"
#include "agent_line.h"
#include "log.h"
#include "posix_vfs.h"
#include "scn.h"

#define AGENT_MNT "/mnt"
#define AGENT_TAG "myfs"
#define AGENT_WHY_MAX 1024
/* The device probes when virtiofs.ko loads, but give a slow TCG boot some slack. */
#define AGENT_MOUNT_TRIES 30
#define AGENT_MOUNT_DELAY_MS 100

/* The watchdog: a step still running after this long is reported once, with its kernel
 * stack; new kernel warnings are passed on every AGENT_WATCH_TICK_MS while it runs. */
#define AGENT_WATCH_MS 3000
#define AGENT_WATCH_TICK_MS 500
#define AGENT_WATCH_LINES 24
#define AGENT_FS_DRIVER "/sys/bus/virtio/drivers/virtiofs"

struct agent {
	int tty;
	struct posix_vfs pv;
	int mounted;
	pthread_mutex_t send_lock; /* one line at a time on the console, from both threads */
	atomic_uint step_line;	   /* the step running, 0 when idle */
	atomic_llong step_start_ms;
	int step_reported;
	pid_t main_tid;
	int kmsg_fd; /* /dev/kmsg from where boot ended, -1 if unavailable */
};

static long long agent_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One write(2) per message line; the host only reads lines that start with "@@". */
static void agent_send(struct agent *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void agent_send(struct agent *a, const char *fmt, ...)
{
	char line[AGENT_WHY_MAX + 128];
	va_list ap;
	size_t off = 0, n;
	int m;

	va_start(ap, fmt);
	m = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n = (size_t)m < sizeof(line) - 1 ? (size_t)m : sizeof(line) - 2;
	/* A reason must stay on one line: anything unprintable becomes '?'. */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] == 0x7f)
			line[i] = '?';
	line[n++] = '\n';
	pthread_mutex_lock(&a->send_lock);
	while (off < n) {
		ssize_t w = write(a->tty, line + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	tcdrain(a->tty);
	pthread_mutex_unlock(&a->send_lock);
}

/* Raw, no echo: request bytes reach us unchanged and nothing we read comes back out. */
static int agent_tty_raw(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t) < 0)
		return -errno;
	cfmakeraw(&t);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		return -errno;
	return 0;
}

static void agent_sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* 1 when the running kernel knows file system type fs (/proc/filesystems). */
static int agent_has_fs(const char *fs)
{
	char buf[4096], *p;
	int fd = open("/proc/filesystems", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 1; /* cannot tell: let mount say */
	buf[n] = '\0';
	for (p = buf; (p = strstr(p, fs)); p += strlen(fs))
		if ((p == buf || p[-1] == '\t') && (p[strlen(fs)] == '\n' || !p[strlen(fs)]))
			return 1;
	return 0;
}

/* Why the mount cannot work, when the kernel lacks a piece ("" when it has them all). */
static void agent_missing(char *why, size_t whylen)
{
	struct stat st;

	why[0] = '\0';
	if (!agent_has_fs("virtiofs"))
		snprintf(why, whylen,
			 "the guest kernel has no virtiofs file system (CONFIG_VIRTIO_FS, or "
			 "virtiofs.ko and fuse.ko in the initramfs)");
	else if (stat("/sys/bus/platform/drivers/virtio-mmio", &st) < 0)
		snprintf(why, whylen,
			 "the guest kernel has no virtio-mmio driver (CONFIG_VIRTIO_MMIO, or "
			 "virtio_mmio.ko in the initramfs)");
}

static int agent_mount(struct agent *a, char *why, size_t whylen)
{
	struct statfs sfs;
	int rc = 0;

	agent_missing(why, whylen);
	if (why[0])
		return -ENODEV;
	for (int i = 0; i < AGENT_MOUNT_TRIES; i++) {
		if (mount(AGENT_TAG, AGENT_MNT, "virtiofs", 0, "") == 0) {
			rc = 0;
			break;
		}
		rc = -errno;
		agent_sleep_ms(AGENT_MOUNT_DELAY_MS);
	}
	if (rc < 0) {
		snprintf(why, whylen, "mount -t virtiofs %s %s: %s (after %d tries)%s", AGENT_TAG,
			 AGENT_MNT, strerror(-rc), AGENT_MOUNT_TRIES,
			 rc == -EINVAL
			     ? ": no virtio-fs device with that tag (did virtio-mmio probe "
			       "the device tree's virtio node at 0xa003e00?)"
			     : "");
		return rc;
	}
	a->mounted = 1;
	/* Mounted means FUSE_INIT answered: statfs waits for it (the mount sends it in the
	 * background), so a READY guest has a live connection. */
	if (statfs(AGENT_MNT, &sfs) < 0) {
		rc = -errno;
		snprintf(why, whylen, "statfs %s after mount: %s", AGENT_MNT, strerror(-rc));
		return rc;
	}
	if ((rc = posix_vfs_open(&a->pv, AGENT_MNT)) < 0) {
		snprintf(why, whylen, "open %s after mount: %s", AGENT_MNT, strerror(-rc));
		return rc;
	}
	return 0;
}

static int agent_umount(struct agent *a, char *why, size_t whylen)
{
	/* Our root fd would keep the mount busy. */
	posix_vfs_close(&a->pv);
	if (!a->mounted)
		return 0;
	if (umount2(AGENT_MNT, 0) < 0) {
		int e = errno;

		snprintf(why, whylen, "umount %s: %s", AGENT_MNT, strerror(e));
		return -e;
	}
	a->mounted = 0;
	return 0;
}

/* "@@STEP <line_no> <text>": parse and run one frontend step, answer @@RESULT. */
static void agent_step(struct agent *a, const char *req, size_t len)
{
	char why[AGENT_WHY_MAX];
	struct scn_step st;
	char *end;
	unsigned long line_no = strtoul(req, &end, 10);
	int rc;

	if (end == req || *end != ' ' || line_no > 0xffffffffUL) {
		agent_send(a, "@@RESULT 0 fail malformed @@STEP header: '%.60s'", req);
		return;
	}
	end++;
	rc = scn_parse_step("guest", (unsigned int)line_no, end, len - (size_t)(end - req), &st,
			    why, sizeof(why));
	if (rc == -ENODATA) {
		agent_send(a, "@@RESULT %lu fail empty step", line_no);
		return;
	}
	if (rc < 0) {
		agent_send(a, "@@RESULT %lu fail parse: %s", line_no,
			   rc == -ENOMEM ? "out of memory" : why);
		return;
	}
	if (scn_cmd_step_side(&st) != SCN_SIDE_FRONTEND)
		agent_send(a, "@@RESULT %lu fail %s is not a frontend step", line_no,
			   scn_cmd_name(st.cmd));
	else if (!a->mounted || a->pv.root_fd < 0)
		agent_send(a, "@@RESULT %lu fail %s is not mounted", line_no, AGENT_MNT);
	else {
		atomic_store(&a->step_start_ms, agent_now_ms());
		atomic_store(&a->step_line, (unsigned int)line_no);
		rc = scn_exec_step(&st, &posix_vfs_ops, &a->pv, why, sizeof(why));
		atomic_store(&a->step_line, 0);
		if (rc == 0)
			agent_send(a, "@@RESULT %lu ok", line_no);
		else
			agent_send(a, "@@RESULT %lu fail %s", line_no, why);
	}
	scn_parse_step_free(&st);
}

static void agent_remount(struct agent *a)
{
	char why[AGENT_WHY_MAX];

	if (agent_umount(a, why, sizeof(why)) < 0 || agent_mount(a, why, sizeof(why)) < 0)
		agent_send(a, "@@RESULT 0 fail %s", why);
	else
		agent_send(a, "@@RESULT 0 ok");
}

/* The virtio device bound to the virtio-fs driver ("virtio0"), from sysfs. */
static int agent_fs_device(char *name, size_t len)
{
	DIR *d = opendir(AGENT_FS_DRIVER);
	struct dirent *de;
	int rc = -ENODEV;

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "virtio", 6)) {
			snprintf(name, len, "%s", de->d_name);
			rc = 0;
			break;
		}
	closedir(d);
	return rc;
}

static int agent_sysfs_write(const char *path, const char *val, char *why, size_t whylen)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc = 0;

	if (fd < 0 || write(fd, val, strlen(val)) < 0)
		rc = -errno;
	if (fd >= 0)
		close(fd);
	if (rc)
		snprintf(why, whylen, "write %s to %s: %s", val, path, strerror(-rc));
	return rc;
}

/* "@@RESET": the device reset the real driver does - unbind virtio-fs from the device (Linux
 * stops the queues, resets the device: Status 0), unmount (requests now fail at once instead
 * of going to a device that may be gone), bind again (a fresh probe: negotiation, queues,
 * DRIVER_OK; the device model reconnects its backend on that reset) and mount. */
static void agent_reset(struct agent *a)
{
	char why[AGENT_WHY_MAX], dev[64], path[128];
	int rc = agent_fs_device(dev, sizeof(dev));

	if (rc) {
		agent_send(a, "@@RESULT 0 fail no virtio device bound to virtiofs: %s",
			   strerror(-rc));
		return;
	}
	snprintf(path, sizeof(path), "%s/unbind", AGENT_FS_DRIVER);
	if (agent_sysfs_write(path, dev, why, sizeof(why)) < 0 ||
	    agent_umount(a, why, sizeof(why)) < 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/bind", AGENT_FS_DRIVER);
	if (agent_sysfs_write(path, dev, why, sizeof(why)) < 0 ||
	    agent_mount(a, why, sizeof(why)) < 0)
		goto fail;
	agent_send(a, "@@RESULT 0 ok");
	return;
fail:
	agent_send(a, "@@RESULT 0 fail %s", why);
}

/* Returns only when the power-off call failed. */
static void agent_poweroff(struct agent *a)
{
	char why[AGENT_WHY_MAX];

	sync();
	if (agent_umount(a, why, sizeof(why)) < 0)
		agent_send(a, "@@RESULT 0 fail %s", why);
	else
		agent_send(a, "@@RESULT 0 ok");
	sync();
	/* CONFIG_ARM_PSCI_FW: PSCI SYSTEM_OFF ends QEMU. */
	reboot(RB_POWER_OFF);
	agent_send(a, "@@BAOHARNESS FAIL reboot(RB_POWER_OFF): %s", strerror(errno));
}

/* A short file (wchan, stack) into buf, newlines kept. */
static void agent_read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : -1;

	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

/* New kernel log records: the ones that tell of trouble, as "@@GUEST kernel: ..." (bounded). */
static void agent_watch_kmsg(struct agent *a)
{
	static const char *const marks[] = {"blocked for more than",
					    "INFO: task",
					    "hung_task",
					    "BUG",
					    "Oops",
					    "WARNING",
					    "virtio",
					    "fuse",
					    NULL};
	char rec[1024];
	int sent = 0;

	for (int i = 0; a->kmsg_fd >= 0 && i < 256; i++) {
		ssize_t n = read(a->kmsg_fd, rec, sizeof(rec) - 1);
		char *msg;

		if (n < 0 && errno == EPIPE)
			continue; /* records were overwritten: go on with the next */
		if (n <= 0)
			break;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		msg[strcspn(msg, "\n")] = '\0';
		for (int m = 0; marks[m] && sent < AGENT_WATCH_LINES; m++)
			if (strstr(msg, marks[m])) {
				agent_send(a, "@@GUEST kernel: %.300s", msg);
				sent++;
				break;
			}
	}
}

/* The step has run AGENT_WATCH_MS: say where the kernel holds it (wchan, and the stack as
 * "innermost < caller < ..." function names). */
static void agent_watch_report(struct agent *a, unsigned int line, long long ms)
{
	char path[64], wchan[128], stack[2048], names[700], *save = NULL;
	size_t off = 0;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/self/task/%d/wchan", (int)a->main_tid);
	agent_read_small(path, wchan, sizeof(wchan));
	agent_send(a, "@@GUEST step %u blocked for %lld ms in the kernel at %s", line, ms,
		   wchan[0] ? wchan : "?");
	snprintf(path, sizeof(path), "/proc/self/task/%d/stack", (int)a->main_tid);
	agent_read_small(path, stack, sizeof(stack));
	names[0] = '\0';
	/* "[<0>] request_wait_answer+0x160/0x220" -> "request_wait_answer" */
	for (char *l = strtok_r(stack, "\n", &save); l && n < AGENT_WATCH_LINES && off < 600;
	     l = strtok_r(NULL, "\n", &save), n++) {
		char *f = strchr(l, ']');

		f = f ? f + 1 + (f[1] == ' ') : l;
		f[strcspn(f, "+")] = '\0';
		off +=
		    (size_t)snprintf(names + off, sizeof(names) - off, "%s%s", n ? " < " : "", f);
	}
	if (names[0])
		agent_send(a, "@@GUEST kernel stack: %s", names);
}

static void *agent_watchdog(void *arg)
{
	struct agent *a = arg;
	unsigned int last = 0;

	for (;;) {
		unsigned int line = atomic_load(&a->step_line);
		long long ms = agent_now_ms() - atomic_load(&a->step_start_ms);

		if (line != last) {
			a->step_reported = 0;
			last = line;
		}
		if (line && ms >= AGENT_WATCH_MS) {
			if (!a->step_reported) {
				agent_watch_report(a, line, ms);
				a->step_reported = 1;
			}
			agent_watch_kmsg(a);
		}
		agent_sleep_ms(AGENT_WATCH_TICK_MS);
	}
	return NULL;
}

static void agent_fuzz_say(void *ctx, const char *line)
{
	agent_send(ctx, "%s", line);
}

/* "@@FUZZ <ms> <seed>": the guest fuzzer's workload round (agent_fuzz.c). */
static void agent_fuzz(struct agent *a, const char *args)
{
	struct agent_fuzz_io io = {.say = agent_fuzz_say, .ctx = a, .mnt = AGENT_MNT};

	if (!a->mounted) {
		agent_send(a, "@@RESULT 0 fail %s is not mounted", AGENT_MNT);
		return;
	}
	/* Our root fd would keep the superblock alive across the workload's remounts, and a
	 * new virtiofs mount of a live superblock sends no FUSE_INIT. */
	posix_vfs_close(&a->pv);
	agent_fuzz_run(&io, args);
	if (posix_vfs_open(&a->pv, AGENT_MNT) < 0)
		log_err("open %s after the fuzz workload: %s", AGENT_MNT, strerror(errno));
}

/* "@@FIO <timeout_s> key=value ...": one fio job on the mount (agent_fio.c). */
static void agent_fio(struct agent *a, const char *args)
{
	char out[512];

	if (!a->mounted) {
		agent_send(a, "@@RESULT 0 fail %s is not mounted", AGENT_MNT);
		return;
	}
	if (agent_fio_run(AGENT_MNT, args, out, sizeof(out)))
		agent_send(a, "@@RESULT 0 fail %s", out);
	else
		agent_send(a, "@@RESULT 0 ok %s", out);
}

static void agent_serve(struct agent *a)
{
	struct agent_line al;
	char *line;
	long n;

	agent_line_init(&al, a->tty);
	for (;;) {
		n = agent_line_next(&al, &line);
		if (n == -E2BIG) {
			unsigned long no =
			    strncmp(line, "@@STEP ", 7) ? 0 : strtoul(line + 7, NULL, 10);

			agent_send(a, "@@RESULT %lu fail request line longer than %zu bytes", no,
				   AGENT_LINE_MAX);
			continue;
		}
		if (n < 0) {
			log_err("console read failed (%s); powering off", strerror((int)-n));
			break;
		}
		/* Anything not framed is noise (a stray byte, a line from a confused host). */
		if (strncmp(line, "@@", 2))
			continue;
		if (!strncmp(line, "@@STEP ", 7))
			agent_step(a, line + 7, (size_t)n - 7);
		else if (!strcmp(line, "@@REMOUNT"))
			agent_remount(a);
		else if (!strcmp(line, "@@RESET"))
			agent_reset(a);
		else if (!strcmp(line, "@@POWEROFF"))
			break;
		else if (!strncmp(line, "@@FUZZ ", 7))
			agent_fuzz(a, line + 7);
		else if (!strncmp(line, "@@FIO ", 6))
			agent_fio(a, line + 6);
		else if (!strcmp(line, "@@PING"))
			agent_send(a, "@@PONG");
		else
			agent_send(a, "@@RESULT 0 fail unknown request '%.60s'", line);
	}
	agent_line_free(&al);
	agent_poweroff(a);
}

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/ttyAMA0";
	struct agent a = {.tty = -1, .pv = {.root_fd = -1}, .kmsg_fd = -1};
	char why[AGENT_WHY_MAX];
	pthread_t watchdog;
	int rc;

	log_set_component("guest-agent");
	umask(0);
	pthread_mutex_init(&a.send_lock, NULL);
	a.main_tid = (pid_t)syscall(SYS_gettid);
	/* Only what the kernel says from now on (boot messages are in the console log). */
	a.kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (a.kmsg_fd >= 0)
		lseek(a.kmsg_fd, 0, SEEK_END);
	a.tty = open(dev, O_RDWR | O_NOCTTY);
	if (a.tty < 0) {
		log_err("open %s: %s", dev, strerror(errno));
		a.tty = STDOUT_FILENO;
	} else if ((rc = agent_tty_raw(a.tty)) < 0) {
		log_err("raw mode on %s: %s", dev, strerror(-rc));
	}
	if ((rc = pthread_create(&watchdog, NULL, agent_watchdog, &a)) != 0)
		log_err("no watchdog thread: %s", strerror(rc));
	if (agent_mount(&a, why, sizeof(why)) < 0) {
		agent_send(&a, "@@BAOHARNESS FAIL %s", why);
		/* Stay up: the host reads the console tail, then powers us off. */
	} else {
		agent_send(&a, "@@BAOHARNESS READY");
	}
	agent_serve(&a);
	return 1;
}

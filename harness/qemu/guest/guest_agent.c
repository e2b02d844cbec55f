/* guest_agent.c - PID 1 of the QEMU guest: mounts the virtio-fs share on /mnt and runs the
 * scenario steps the host sends over the serial console with the project's one executor
 * (scn_parse_step + scn_exec_step over posix_vfs). Protocol: harness/qemu/README.md. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

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

struct agent {
	int tty;
	struct posix_vfs pv;
	int mounted;
};

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
	while (off < n) {
		ssize_t w = write(a->tty, line + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		off += (size_t)w;
	}
	tcdrain(a->tty);
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

static int agent_mount(struct agent *a, char *why, size_t whylen)
{
	int rc = 0;

	for (int i = 0; i < AGENT_MOUNT_TRIES; i++) {
		if (mount(AGENT_TAG, AGENT_MNT, "virtiofs", 0, "") == 0) {
			rc = 0;
			break;
		}
		rc = -errno;
		agent_sleep_ms(AGENT_MOUNT_DELAY_MS);
	}
	if (rc < 0) {
		snprintf(why, whylen, "mount -t virtiofs %s %s: %s (after %d tries)", AGENT_TAG,
			 AGENT_MNT, strerror(-rc), AGENT_MOUNT_TRIES);
		return rc;
	}
	a->mounted = 1;
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
	else if (scn_exec_step(&st, &posix_vfs_ops, &a->pv, why, sizeof(why)) == 0)
		agent_send(a, "@@RESULT %lu ok", line_no);
	else
		agent_send(a, "@@RESULT %lu fail %s", line_no, why);
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
		else if (!strcmp(line, "@@POWEROFF"))
			break;
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
	struct agent a = {.tty = -1, .pv = {.root_fd = -1}};
	char why[AGENT_WHY_MAX];
	int rc;

	log_set_component("guest-agent");
	umask(0);
	a.tty = open(dev, O_RDWR | O_NOCTTY);
	if (a.tty < 0) {
		log_err("open %s: %s", dev, strerror(errno));
		a.tty = STDOUT_FILENO;
	} else if ((rc = agent_tty_raw(a.tty)) < 0) {
		log_err("raw mode on %s: %s", dev, strerror(-rc));
	}
	if (agent_mount(&a, why, sizeof(why)) < 0) {
		agent_send(&a, "@@BAOHARNESS FAIL %s", why);
		/* Stay up: the host reads the console tail, then powers us off. */
	} else {
		agent_send(&a, "@@BAOHARNESS READY");
	}
	agent_serve(&a);
	return 1;
}

/* stack_backend.c - the backend launcher: virtiofsd on the share at RUN/Fs0.sock, in the
 * stack's process group, its log in the run directory. The one place a virtiofsd is started
 * (the --virtiofsd choice of backend lands here). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <signal.h>
#include <poll.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "proc.h"
#include "stack.h"
#include "stack_priv.h"

#define VIRTIOFSD_DEFAULT "/usr/lib/qemu/virtiofsd"

int stack_backend_version(const char *path, char *buf, size_t len)
{
	int p[2], st;
	size_t got = 0;
	int64_t end = clock_now_ms() + 5000;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
		execl(path, path, "--version", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (got + 1 < len) {
		struct pollfd pf = {p[0], POLLIN, 0};
		int64_t left = end - clock_now_ms();
		ssize_t n;

		if (left <= 0 || poll(&pf, 1, (int)left) <= 0)
			break;
		n = read(p[0], buf + got, len - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	close(p[0]);
	proc_stop(pid, SIGKILL, 1000);
	st = got ? 0 : -ENOEXEC;
	return st;
}

/* Where `rust` lives: build/backends/rust/virtiofsd, next to whichever build runs. */
static int stack_backend_rust_path(char *buf, size_t len)
{
	static const char *const cands[] = {"backends/rust/virtiofsd",
					    "../backends/rust/virtiofsd"};

	for (size_t i = 0; i < 2; i++)
		if (!stack_rundir_sibling(cands[i], buf, len) && access(buf, X_OK) == 0)
			return 0;
	log_err("the Rust virtiofsd is not fetched: run make backends (then `baoharness doctor`)");
	return STACK_ENV_MISSING;
}

int stack_backend_resolve(const char *spec, struct stack_backend *b)
{
	const char *env = getenv("BAOHARNESS_VIRTIOFSD");
	int r;

	memset(b, 0, sizeof(*b));
	if (!spec || !*spec)
		spec = env && *env ? env : "c";
	if (!strcmp(spec, "c"))
		snprintf(b->path, sizeof(b->path), "%s", VIRTIOFSD_DEFAULT);
	else if (!strcmp(spec, "rust")) {
		if ((r = stack_backend_rust_path(b->path, sizeof(b->path))))
			return r;
	} else if (snprintf(b->path, sizeof(b->path), "%s", spec) >= (int)sizeof(b->path))
		return -ENAMETOOLONG;
	if (access(b->path, X_OK) != 0) {
		log_err("virtiofsd %s: %s (%s)", b->path, strerror(errno),
			!strcmp(spec, "c") ? "Debian package qemu-system-common; run make deps"
					   : "give --virtiofsd c, rust or an executable");
		return STACK_ENV_MISSING;
	}
	r = stack_backend_version(b->path, b->version, sizeof(b->version));
	/* The kind decides the flags: QEMU's C daemon says "virtiofsd version 7.2.x ...", the
	 * Rust one "virtiofsd 1.13.x". Anything else is not a virtiofsd we know how to drive. */
	if (!r && !strncmp(b->version, "virtiofsd version ", 18)) {
		b->kind = STACK_BACKEND_C;
	} else if (!r && !strncmp(b->version, "virtiofsd ", 10) && b->version[10] >= '0' &&
		   b->version[10] <= '9') {
		b->kind = STACK_BACKEND_RUST;
	} else {
		log_err(
		    "%s is not a virtiofsd this harness knows: `--version` said \"%.60s\" (want "
		    "\"virtiofsd version 7.x\" or \"virtiofsd 1.x\")",
		    b->path, r ? strerror(-r) : b->version);
		return STACK_ENV_MISSING;
	}
	return 0;
}

const char *stack_backend_kind_name(const struct stack_backend *b)
{
	return b->kind == STACK_BACKEND_RUST ? "rust" : "c";
}

static int stack_backend_wait_socket(const char *path, pid_t pid, int timeout_ms)
{
	struct timespec pause = {0, 5 * 1000000L};

	for (int waited = 0; waited < timeout_ms; waited += 5) {
		if (access(path, F_OK) == 0)
			return 0;
		if (!proc_alive(pid, NULL))
			return -ECHILD;
		nanosleep(&pause, NULL);
	}
	return -ETIMEDOUT;
}

pid_t stack_backend_spawn(const struct stack_backend *b, const char *share, const char *sock,
			  const char *log, int append, pid_t pgid)
{
	struct stack_backend dflt;
	char sock_arg[PATH_MAX + 32], src_arg[PATH_MAX + 16];
	/* C 7.2: -o spellings, namespace sandbox. Rust: its own spellings, chroot sandbox (the
	 * seed demo's), cache=never = C's cache=none. */
	char *c_argv[] = {NULL, sock_arg, "-o", src_arg, "-o", "cache=none", NULL};
	char *rust_argv[] = {
	    NULL,     sock_arg, "--shared-dir", (char *)share, "--cache=never", "--sandbox",
	    "chroot", NULL};
	char *unset[] = {"LD_PRELOAD", NULL};
	char **argv;
	pid_t pid;
	int fd, r;

	if (!b) {
		if ((r = stack_backend_resolve(NULL, &dflt)))
			return r;
		b = &dflt;
	}
	argv = b->kind == STACK_BACKEND_RUST ? rust_argv : c_argv;
	argv[0] = (char *)b->path;
	snprintf(sock_arg, sizeof(sock_arg), "--socket-path=%s", sock);
	snprintf(src_arg, sizeof(src_arg), "source=%s", share);
	fd = open(log, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0644);
	if (fd < 0)
		return -errno;
	/* A killed virtiofsd leaves its socket file behind: never mistake it for the new one. */
	unlink(sock);
	pid = proc_spawn_in(argv, NULL, unset, fd, pgid);
	close(fd);
	if (pid < 0) {
		log_err("cannot start %s: %s", b->path, strerror(-pid));
		return pid;
	}
	r = stack_backend_wait_socket(sock, pid, 5000);
	if (r) {
		log_err("virtiofsd (%s, %s) did not create its socket %s: %s", b->path, b->version,
			sock, r == -ECHILD ? "it exited" : "timed out after 5 s");
		proc_stop(pid, SIGKILL, 1000);
		return geteuid() != 0 ? STACK_ENV_MISSING : -EIO;
	}
	return pid;
}

int stack_backend_start(struct stack *s)
{
	char sock[PATH_MAX + 16];
	pid_t pid;

	snprintf(sock, sizeof(sock), "%s/Fs0.sock", s->rundir);
	snprintf(s->vfsd_log, sizeof(s->vfsd_log), "%s/virtiofsd.log", s->rundir);
	/* A restart (fault injection) appends to the first one's log. */
	pid = stack_backend_spawn(&s->backend, s->share, sock, s->vfsd_log, s->vfsd_starts > 0,
				  s->pgid);
	s->vfsd_starts++;
	if (pid < 0) {
		s->vfsd_pid = 0;
		stack_backend_print_log(s, 10);
		return pid;
	}
	s->vfsd_pid = pid;
	return 0;
}

void stack_backend_print_log(const struct stack *s, int lines)
{
	char buf[8192];
	int fd = open(s->vfsd_log, O_RDONLY | O_CLOEXEC);
	off_t size;
	ssize_t n;
	char *p;

	if (fd < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	lseek(fd, size > (off_t)sizeof(buf) - 1 ? size - ((off_t)sizeof(buf) - 1) : 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	/* Walk back over the last `lines` newlines (the final one ends the last line). */
	p = buf + n - 1;
	while (p > buf && lines >= 0) {
		if (*--p == '\n')
			lines--;
	}
	if (*p == '\n')
		p++;
	fprintf(stderr, "--- tail of %s ---\n%s", s->vfsd_log, p);
}

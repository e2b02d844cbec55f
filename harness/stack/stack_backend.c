/* stack_backend.c - the backend launcher: virtiofsd on the share at RUN/Fs0.sock, in the
 * stack's process group, its log in the run directory. The one place a virtiofsd is started;
 * the kinds it knows (their flags) are the rows of stack_backend_kinds[]. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <signal.h>
#include <poll.h>
#include <stdarg.h>
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

static int stack_backend_c_path(char *buf, size_t len)
{
	snprintf(buf, len, "%s", VIRTIOFSD_DEFAULT);
	return 0;
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

/* QEMU's C daemon says "virtiofsd version 7.2.x ...", the Rust one "virtiofsd 1.13.x". */
static int stack_backend_c_match(const char *version)
{
	return !strncmp(version, "virtiofsd version ", 18);
}

static int stack_backend_rust_match(const char *version)
{
	return !strncmp(version, "virtiofsd ", 10) && version[10] >= '0' && version[10] <= '9';
}

/* Append one printf-formatted argument to a (a NULL always ends argv). */
__attribute__((format(printf, 2, 3))) static void stack_backend_arg(struct stack_backend_argv *a,
								    const char *fmt, ...)
{
	size_t room = sizeof(a->buf) - a->used;
	va_list ap;
	int n;

	if (a->argc + 2 > sizeof(a->argv) / sizeof(a->argv[0])) {
		a->overflow = 1;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(a->buf + a->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		a->overflow = 1;
		return;
	}
	a->argv[a->argc++] = a->buf + a->used;
	a->argv[a->argc] = NULL;
	a->used += (size_t)n + 1;
}

/* C 7.2: -o spellings, namespace sandbox. */
static void stack_backend_c_argv(const struct stack_backend *b, const char *share, const char *sock,
				 struct stack_backend_argv *a)
{
	stack_backend_arg(a, "%s", b->path);
	stack_backend_arg(a, "--socket-path=%s", sock);
	stack_backend_arg(a, "-o");
	stack_backend_arg(a, "source=%s", share);
	stack_backend_arg(a, "-o");
	stack_backend_arg(a, "cache=none");
}

/* Rust: its own spellings, chroot sandbox (the seed demo's), cache=never = C's cache=none. */
static void stack_backend_rust_argv(const struct stack_backend *b, const char *share,
				    const char *sock, struct stack_backend_argv *a)
{
	stack_backend_arg(a, "%s", b->path);
	stack_backend_arg(a, "--socket-path=%s", sock);
	stack_backend_arg(a, "--shared-dir");
	stack_backend_arg(a, "%s", share);
	stack_backend_arg(a, "--cache=never");
	stack_backend_arg(a, "--sandbox");
	stack_backend_arg(a, "chroot");
}

/* The kinds this harness drives; the first is the default. A new kind is one row. */
static const struct stack_backend_kind stack_backend_kinds[] = {
    {"c", "virtiofsd version 7.x", stack_backend_c_path,
     "Debian package qemu-system-common; run make deps", stack_backend_c_match,
     stack_backend_c_argv},
    {"rust", "virtiofsd 1.x", stack_backend_rust_path, "run make backends",
     stack_backend_rust_match, stack_backend_rust_argv},
};
#define STACK_BACKEND_NKINDS (sizeof(stack_backend_kinds) / sizeof(stack_backend_kinds[0]))

static const struct stack_backend_kind *stack_backend_kind_named(const char *name)
{
	for (size_t i = 0; i < STACK_BACKEND_NKINDS; i++)
		if (!strcmp(stack_backend_kinds[i].name, name))
			return &stack_backend_kinds[i];
	return NULL;
}

/* The kind whose `--version` line this is, or NULL (then logged: what we want instead). */
static const struct stack_backend_kind *stack_backend_kind_of(const struct stack_backend *b, int r)
{
	char want[160];
	size_t n = 0;

	for (size_t i = 0; i < STACK_BACKEND_NKINDS && !r; i++)
		if (stack_backend_kinds[i].match(b->version))
			return &stack_backend_kinds[i];
	want[0] = '\0';
	for (size_t i = 0; i < STACK_BACKEND_NKINDS && n < sizeof(want); i++)
		n += (size_t)snprintf(want + n, sizeof(want) - n, "%s\"%s\"", i ? " or " : "",
				      stack_backend_kinds[i].version);
	log_err("%s is not a virtiofsd this harness knows: `--version` said \"%.60s\" (want %s)",
		b->path, r ? strerror(-r) : b->version, want);
	return NULL;
}

int stack_backend_resolve(const char *spec, struct stack_backend *b)
{
	const char *env = getenv("BAOHARNESS_VIRTIOFSD");
	const struct stack_backend_kind *named;
	int r;

	memset(b, 0, sizeof(*b));
	if (!spec || !*spec)
		spec = env && *env ? env : stack_backend_kinds[0].name;
	named = stack_backend_kind_named(spec);
	if (named) {
		if ((r = named->locate(b->path, sizeof(b->path))))
			return r;
	} else if (snprintf(b->path, sizeof(b->path), "%s", spec) >= (int)sizeof(b->path))
		return -ENAMETOOLONG;
	if (access(b->path, X_OK) != 0) {
		log_err("virtiofsd %s: %s (%s)", b->path, strerror(errno),
			named ? named->fix : "give --virtiofsd c, rust or an executable");
		return STACK_ENV_MISSING;
	}
	/* The kind decides the flags. Anything else is not a virtiofsd we know how to drive. */
	r = stack_backend_version(b->path, b->version, sizeof(b->version));
	b->kind = stack_backend_kind_of(b, r);
	return b->kind ? 0 : STACK_ENV_MISSING;
}

const char *stack_backend_kind_name(const struct stack_backend *b)
{
	return (b->kind ? b->kind : &stack_backend_kinds[0])->name;
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
	struct stack_backend_argv a = {.argc = 0};
	int r;

	if (!b) {
		if ((r = stack_backend_resolve(NULL, &dflt)))
			return r;
		b = &dflt;
	}
	(b->kind ? b->kind : &stack_backend_kinds[0])->argv(b, share, sock, &a);
	if (a.overflow) {
		log_err("virtiofsd %s: its command line for share %s is too long", b->path, share);
		return -E2BIG;
	}
	return stack_backend_spawn_argv(a.argv, b->version, sock, log, append, pgid);
}

pid_t stack_backend_spawn_argv(char *const argv[], const char *version, const char *sock,
			       const char *log, int append, pid_t pgid)
{
	char *unset[] = {"LD_PRELOAD", NULL};
	pid_t pid;
	int fd, r;

	fd = open(log, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0644);
	if (fd < 0)
		return -errno;
	/* A killed virtiofsd leaves its socket file behind: never mistake it for the new one. */
	unlink(sock);
	pid = proc_spawn_in(argv, NULL, unset, fd, pgid);
	close(fd);
	if (pid < 0) {
		log_err("cannot start %s: %s", argv[0], strerror(-pid));
		return pid;
	}
	r = stack_backend_wait_socket(sock, pid, 5000);
	if (r) {
		log_err("virtiofsd (%s%s%s) did not create its socket %s: %s", argv[0],
			version ? ", " : "", version ? version : "", sock,
			r == -ECHILD ? "it exited" : "timed out after 5 s");
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
	if (s->opts.virtiofsd_args) {
		struct stack_backend_argv a;
		struct stack_backend_args_report rep;

		if (stack_backend_args_build(s->opts.virtiofsd_args, &s->backend, s->share, sock,
					     &a, &rep)) {
			log_err("--virtiofsd-args '%s': %s", s->opts.virtiofsd_args, rep.why);
			return -EINVAL;
		}
		if (rep.notice[0] && s->vfsd_starts == 0)
			fprintf(stderr, "baoharness: note: --virtiofsd-args: %s\n", rep.notice);
		pid = stack_backend_spawn_argv(a.argv, s->backend.version, sock, s->vfsd_log,
					       s->vfsd_starts > 0, s->pgid);
	} else
		pid = stack_backend_spawn(&s->backend, s->share, sock, s->vfsd_log,
					  s->vfsd_starts > 0, s->pgid);
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

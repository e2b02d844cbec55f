/* test_stack_seams.c - the stack's extension points hold their contract: the frontend table
 * (looked up by name, names listed from it, every row complete, a fault hook exactly where
 * "faults" is offered) and the backend kinds (told from `--version`, each started with its
 * own flags), so a new frontend or backend kind is one file or one row. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "proc.h"
#include "rmtree.h"
#include "stack.h"
#include "stack_frontend.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/stack-seams-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return rmtree(dir);
}

static int has_cap(const struct stack_frontend_ops *fe, const char *cap)
{
	for (size_t i = 0; fe->caps[i]; i++)
		if (!strcmp(fe->caps[i], cap))
			return 1;
	return 0;
}

static void test_frontend_table(void **state)
{
	const char *names[] = {"scripted", "qemu", "qemu-native"};
	char buf[128], tiny[10];

	(void)state;
	/* Choosing a frontend is a lookup; the default is the scripted one. */
	assert_ptr_equal(stack_frontend_find("scripted"), stack_frontend_default());
	assert_ptr_equal(stack_frontend_find("qemu"), &stack_fe_trapped_ops);
	assert_ptr_equal(stack_frontend_find("qemu-native"), &stack_fe_native_ops);
	assert_null(stack_frontend_find("qemu-trapped"));
	assert_null(stack_frontend_find(""));
	/* The names users see come from the table, and a short buffer stays a string. */
	assert_string_equal(stack_frontend_names(buf, sizeof(buf)), "scripted, qemu, qemu-native");
	stack_frontend_names(tiny, sizeof(tiny));
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
	/* Every row is complete; fault steps are offered exactly where the hook exists. */
	for (size_t i = 0; i < 3; i++) {
		const struct stack_frontend_ops *fe = stack_frontend_find(names[i]);

		assert_non_null(fe);
		assert_string_equal(fe->name, names[i]);
		assert_non_null(fe->caps);
		assert_non_null(fe->start);
		assert_non_null(fe->step);
		assert_non_null(fe->remount);
		assert_non_null(fe->stop);
		assert_int_equal(has_cap(fe, "faults"), fe->fault != NULL);
	}
	/* Both trapped frontends reach the device through fakebao; QEMU's own device does not. */
	assert_true(stack_fe_scripted_ops.traps);
	assert_true(stack_fe_trapped_ops.traps);
	assert_false(stack_fe_native_ops.traps);
}

/* A stand-in virtiofsd: says version on --version; otherwise records its command line in
 * DIR/args, creates the socket file the launcher waits for, and sleeps. */
static void fake_virtiofsd(const char *path, const char *version)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f,
		"#!/bin/sh\n"
		"if [ \"$1\" = --version ]; then echo '%s'; exit 0; fi\n"
		"printf '%%s\\n' \"$@\" > %s/args\n"
		": > \"${1#--socket-path=}\"\n"
		"exec sleep 30\n",
		version, dir);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
}

/* Start the stand-in as kind says, return its recorded command line (one argument a line). */
static void spawn_and_read_args(const char *version, const char *kind, char *args, size_t len)
{
	char exe[128], share[128], sock[128], log[128], argsf[128];
	struct stack_backend b;
	pid_t pid;
	ssize_t n;
	int fd;

	snprintf(exe, sizeof(exe), "%s/virtiofsd", dir);
	snprintf(share, sizeof(share), "%s/share", dir);
	snprintf(sock, sizeof(sock), "%s/Fs0.sock", dir);
	snprintf(log, sizeof(log), "%s/virtiofsd.log", dir);
	snprintf(argsf, sizeof(argsf), "%s/args", dir);
	fake_virtiofsd(exe, version);
	assert_int_equal(stack_backend_resolve(exe, &b), 0);
	assert_string_equal(b.version, version);
	assert_string_equal(stack_backend_kind_name(&b), kind);
	pid = stack_backend_spawn(&b, share, sock, log, 0, -1);
	assert_true(pid > 0);
	/* The socket file exists only after the program wrote its arguments. */
	fd = open(argsf, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	n = read(fd, args, len - 1);
	close(fd);
	assert_true(n > 0);
	args[n] = '\0';
	proc_stop(pid, SIGKILL, 2000);
	unlink(argsf);
}

static void test_backend_kinds_and_flags(void **state)
{
	char args[1024], want[1024];

	(void)state;
	/* QEMU's C daemon: -o spellings. */
	spawn_and_read_args("virtiofsd version 7.2.22 (Debian)", "c", args, sizeof(args));
	snprintf(want, sizeof(want),
		 "--socket-path=%s/Fs0.sock\n-o\nsource=%s/share\n-o\ncache=none\n", dir, dir);
	assert_string_equal(args, want);
	/* The Rust one: its own spellings, the seed demo's chroot sandbox. */
	spawn_and_read_args("virtiofsd 1.13.2", "rust", args, sizeof(args));
	snprintf(want, sizeof(want),
		 "--socket-path=%s/Fs0.sock\n--shared-dir\n%s/share\n--cache=never\n--sandbox\n"
		 "chroot\n",
		 dir, dir);
	assert_string_equal(args, want);
}

static void test_backend_unknown_refused(void **state)
{
	char exe[128];
	struct stack_backend b;

	(void)state;
	snprintf(exe, sizeof(exe), "%s/virtiofsd", dir);
	/* Not a virtiofsd we know how to drive: refused before anything starts. */
	fake_virtiofsd(exe, "virtiofsd-ng 0.1");
	assert_int_equal(stack_backend_resolve(exe, &b), STACK_ENV_MISSING);
	fake_virtiofsd(exe, "virtiofsd version 8.0");
	assert_int_equal(stack_backend_resolve(exe, &b), 0);
	assert_string_equal(stack_backend_kind_name(&b), "c");
	/* Not executable at all. */
	snprintf(exe, sizeof(exe), "%s/missing", dir);
	assert_int_equal(stack_backend_resolve(exe, &b), STACK_ENV_MISSING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_frontend_table),
	    cmocka_unit_test_setup_teardown(test_backend_kinds_and_flags, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_backend_unknown_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_stack_parts.c - the user's own parts made runnable: their config-fs.yaml relocated
 * (block and flow style, comments, anchors, quotes; the seed's file; another mmio_addr, no
 * socket_path, NUL bytes and overflow refused) and their virtiofsd line expanded (placeholders,
 * the seed's line with nohup and redirections, relocation of literal paths, bad lines
 * refused with the reason). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "stack.h"
#include "stack_config.h"

#define RUN "/tmp/baoharness-XyZ"

static char out[8192];

static int relocate(const char *in, struct stack_config_report *rep)
{
	int r =
	    stack_config_relocate(in, strlen(in), RUN, STACK_MMIO_BASE, out, sizeof(out) - 1, rep);

	out[r ? 0 : rep->len] = '\0';
	return r;
}

static void test_seed_config(void **state)
{
	static const char seed[] = "devices:\n"
				   "    # --- Common ---\n"
				   "  - id: 0\n"
				   "    type: \"fs\"\n"
				   "    mmio_addr: 0xa003e00\n"
				   "    data_plane: vhost_user\n"
				   "    # --- Vhost_user specific ---\n"
				   "    socket_path: \"/root/\"\n"
				   "    # -----------------------------";
	struct stack_config_report rep;

	(void)state;
	assert_int_equal(relocate(seed, &rep), 0);
	assert_int_equal(rep.sockets, 1);
	assert_string_equal(rep.socket_was, "\"/root/\"");
	assert_non_null(strstr(out, "    socket_path: \"" RUN "/\"\n    # ----"));
	/* Everything else byte for byte. */
	assert_int_equal(strlen(out), strlen(seed) - strlen("/root/") + strlen(RUN "/"));
	assert_non_null(strstr(out, "    # --- Common ---\n  - id: 0\n"));
}

static void test_flow_style_anchors_comments(void **state)
{
	static const char flow[] = "# socket_path: \"/not/this\"\n"
				   "base: &b {data_plane: vhost_user, socket_path: /x/}\n"
				   "devices: [{id: 0, type: fs, mmio_addr: 167788032, "
				   "socket_path: '/root/', extra: 1}]  # mmio_addr: 0x1\n";
	struct stack_config_report rep;

	(void)state;
	assert_int_equal(relocate(flow, &rep), 0);
	assert_int_equal(rep.sockets, 2);
	assert_int_equal(rep.devices, 1);
	assert_non_null(strstr(out, "# socket_path: \"/not/this\"\n")); /* a comment: untouched */
	assert_non_null(strstr(out, "{data_plane: vhost_user, socket_path: \"" RUN "/\"}"));
	assert_non_null(strstr(out, "socket_path: \"" RUN "/\", extra: 1}]  # mmio_addr: 0x1\n"));
}

static void test_quoted_value_with_hash_and_comma(void **state)
{
	static const char in[] = "devices:\n  - mmio_addr: \"0xa003e00\"\n"
				 "    socket_path: \"/a # b, c/\" # trailing\n"
				 "    socket_path_other: /keep\n";
	struct stack_config_report rep;

	(void)state;
	assert_int_equal(relocate(in, &rep), 0);
	assert_int_equal(rep.sockets, 1);
	assert_non_null(strstr(out, "socket_path: \"" RUN "/\" # trailing\n"));
	assert_non_null(strstr(out, "socket_path_other: /keep\n"));
}

static void test_refused(void **state)
{
	struct stack_config_report rep;
	static const char nul[] = "devices:\n  - mmio_addr: 0xa003e00\0socket_path: /x/\n";

	(void)state;
	assert_int_equal(
	    relocate("devices:\n  - mmio_addr: 0xa000000\n    socket_path: /r/\n", &rep), -EINVAL);
	assert_non_null(strstr(rep.why, "mmio_addr 0xa000000, but the harness traps"));
	assert_int_equal(relocate("devices:\n  - mmio_addr: 0xa003e00\n", &rep), -EINVAL);
	assert_non_null(strstr(rep.why, "no socket_path"));
	assert_int_equal(relocate("devices:\n  - socket_path: /r/\n", &rep), -EINVAL);
	assert_non_null(strstr(rep.why, "no mmio_addr"));
	assert_int_equal(relocate("d:\n  - mmio_addr: zebra\n    socket_path: /r/\n", &rep),
			 -EINVAL);
	assert_non_null(strstr(rep.why, "'zebra' is not a number"));
	assert_int_equal(stack_config_relocate(nul, sizeof(nul) - 1, RUN, STACK_MMIO_BASE, out,
					       sizeof(out), &rep),
			 -EINVAL);
	assert_non_null(strstr(rep.why, "NUL byte at offset 33"));
	assert_int_equal(stack_config_relocate("mmio_addr: 0xa003e00\nsocket_path: /r/\n", 37, RUN,
					       STACK_MMIO_BASE, out, 20, &rep),
			 -E2BIG);
}

static const struct stack_backend rust = {.path = "/opt/virtiofsd"};

static int build(const char *line, struct stack_backend_argv *a,
		 struct stack_backend_args_report *rep)
{
	return stack_backend_args_build(line, &rust, "/run/share", "/run/Fs0.sock", a, rep);
}

static void assert_argv(const struct stack_backend_argv *a, const char *const want[])
{
	size_t i = 0;

	for (; want[i]; i++) {
		assert_non_null(a->argv[i]);
		assert_string_equal(a->argv[i], want[i]);
	}
	assert_null(a->argv[i]);
	assert_int_equal(a->argc, i);
}

static void test_placeholders(void **state)
{
	struct stack_backend_argv a;
	struct stack_backend_args_report rep;
	static const char *const want[] = {"/opt/virtiofsd",
					   "--socket-path=/run/Fs0.sock",
					   "--shared-dir",
					   "/run/share",
					   "--tag=my fs",
					   "--announce-submounts",
					   NULL};

	(void)state;
	assert_int_equal(build("--socket-path={socket} --shared-dir {share} '--tag=my fs' "
			       "--announce-submounts",
			       &a, &rep),
			 0);
	assert_argv(&a, want);
	assert_string_equal(rep.notice, "");
}

static void test_seed_line(void **state)
{
	struct stack_backend_argv a;
	struct stack_backend_args_report rep;
	static const char *const want[] = {"/opt/virtiofsd",
					   "--socket-path=/run/Fs0.sock",
					   "--shared-dir",
					   "/run/share",
					   "--tag=myfs",
					   "--announce-submounts",
					   "--sandbox",
					   "chroot",
					   NULL};

	(void)state;
	assert_int_equal(build("nohup virtiofsd --socket-path=/root/Fs0.sock --shared-dir /mnt "
			       "--tag=myfs --announce-submounts --sandbox chroot > "
			       "/etc/vhost-device-virtiofsd.log 2>&1 &",
			       &a, &rep),
			 0);
	assert_argv(&a, want);
	assert_non_null(strstr(rep.notice, "'nohup virtiofsd' dropped"));
	assert_non_null(strstr(rep.notice, "'> /etc/vhost-device-virtiofsd.log 2>&1 &' dropped"));
	assert_non_null(strstr(rep.notice, "--socket-path=/root/Fs0.sock relocated to "
					   "/run/Fs0.sock"));
	assert_non_null(strstr(rep.notice, "--shared-dir /mnt relocated to /run/share"));
}

static void test_c_spelling(void **state)
{
	struct stack_backend_argv a;
	struct stack_backend_args_report rep;
	static const char *const want[] = {"/opt/virtiofsd",	"--socket-path",
					   "/run/Fs0.sock",	"-o",
					   "source=/run/share", "-o",
					   "cache=none",	NULL};

	(void)state;
	assert_int_equal(build("--socket-path /tmp/x.sock -o source=/srv -o cache=none", &a, &rep),
			 0);
	assert_argv(&a, want);
}

static void test_bad_lines(void **state)
{
	struct stack_backend_argv a;
	struct stack_backend_args_report rep;

	(void)state;
	assert_int_equal(build("--socket-path={sock} --shared-dir {share}", &a, &rep), -EINVAL);
	assert_non_null(strstr(rep.why, "unknown placeholder {sock}"));
	assert_int_equal(build("--shared-dir {share}", &a, &rep), -EINVAL);
	assert_non_null(strstr(rep.why, "no --socket-path or {socket}"));
	assert_int_equal(build("--socket-path={socket}", &a, &rep), -EINVAL);
	assert_non_null(strstr(rep.why, "no --shared-dir or {share}"));
	assert_int_equal(build("sh -c 'rm -rf /'", &a, &rep), -EINVAL);
	assert_non_null(strstr(rep.why, "'sh' is not an option"));
	assert_int_equal(build("--socket-path={socket} \"--shared-dir={share}", &a, &rep), -EINVAL);
	assert_non_null(strstr(rep.why, "unclosed \" quote"));
	assert_int_equal(
	    build("--socket-path={socket} --shared-dir={share} a b c d e f g h i j k l "
		  "m n o p",
		  &a, &rep),
	    -EINVAL);
	assert_non_null(strstr(rep.why, "too long"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_seed_config),
	    cmocka_unit_test(test_flow_style_anchors_comments),
	    cmocka_unit_test(test_quoted_value_with_hash_and_comma),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_placeholders),
	    cmocka_unit_test(test_seed_line),
	    cmocka_unit_test(test_c_spelling),
	    cmocka_unit_test(test_bad_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_dm_config.c - config-fs.yaml parser: the demo's seed file, our optional keys, and each
 * error with the line and key it must name. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dm_config.h"

static const char seed[] = "devices:\n"
			   "  - id: 0\n"
			   "    type: \"fs\"\n"
			   "    mmio_addr: 0xa003e00\n"
			   "    data_plane: vhost_user\n"
			   "    socket_path: \"/root/\"\n";

static int parse(const char *s, struct dm_config *cfg, struct dm_config_error *err)
{
	return dm_config_parse(s, strlen(s), cfg, err);
}

static void test_seed(void **state)
{
	struct dm_config cfg;
	struct dm_config_error err;
	char sock[DM_CONFIG_PATH_MAX];

	(void)state;
	assert_int_equal(parse(seed, &cfg, &err), 0);
	assert_int_equal(cfg.ndevices, 1);
	assert_int_equal(cfg.dev[0].id, 0);
	assert_string_equal(cfg.dev[0].type, "fs");
	assert_int_equal(cfg.dev[0].mmio_addr, 0xa003e00);
	assert_string_equal(cfg.dev[0].data_plane, "vhost_user");
	assert_string_equal(cfg.dev[0].socket_path, "/root/");
	/* Defaults for the keys the seed leaves out. */
	assert_string_equal(cfg.dev[0].tag, "myfs");
	assert_int_equal(cfg.dev[0].queue_size, 1024);
	assert_int_equal(cfg.dev[0].num_request_queues, 1);
	assert_int_equal(cfg.dev[0].line, 2);
	assert_int_equal(dm_config_socket(&cfg.dev[0], sock, sizeof(sock)), 0);
	assert_string_equal(sock, "/root/Fs0.sock");
}

static void test_optional_and_styles(void **state)
{
	static const char y[] = "# device models\r\n"
				"devices:   # the list\r\n"
				"\r\n"
				"- id: 3\r\n"
				"  type: fs\r\n"
				"  mmio_addr: 167788032   # decimal 0xa003e00\r\n"
				"  data_plane: 'vhost_user'\r\n"
				"  socket_path: /tmp/x#y/\r\n"
				"  tag: \"my \\\"tag\\\"\"\r\n"
				"  queue_size: 256\r\n"
				"  num_request_queues: 2\r\n"
				"-\r\n"
				"    id: 0x4\r\n"
				"    type: fs\r\n"
				"    mmio_addr: 0xA003C00\r\n"
				"    data_plane: vhost_user\r\n"
				"    socket_path: 'it''s/'\r\n";
	struct dm_config cfg;
	struct dm_config_error err;
	char sock[DM_CONFIG_PATH_MAX];

	(void)state;
	assert_int_equal(dm_config_parse(y, sizeof(y) - 1, &cfg, &err), 0);
	assert_int_equal(cfg.ndevices, 2);
	assert_int_equal(cfg.dev[0].id, 3);
	assert_int_equal(cfg.dev[0].mmio_addr, 0xa003e00);
	assert_string_equal(cfg.dev[0].socket_path,
			    "/tmp/x#y/"); /* '#' inside a word is not a comment */
	assert_string_equal(cfg.dev[0].tag, "my \"tag\"");
	assert_int_equal(cfg.dev[0].queue_size, 256);
	assert_int_equal(cfg.dev[0].num_request_queues, 2);
	assert_int_equal(cfg.dev[1].id, 4);
	assert_int_equal(cfg.dev[1].mmio_addr, 0xa003c00);
	assert_string_equal(cfg.dev[1].socket_path, "it's/");
	assert_int_equal(dm_config_socket(&cfg.dev[1], sock, sizeof(sock)), 0);
	assert_string_equal(sock, "it's/Fs4.sock");
}

struct bad_case {
	const char *yaml;
	int line;
	const char *needle; /* must appear in err.msg */
};

#define DEV_HEAD                                                                                   \
	"devices:\n  - id: 0\n    type: fs\n    mmio_addr: 0xa003e00\n    data_plane: "            \
	"vhost_user\n"

static const struct bad_case bad_cases[] = {
    {"", 0, "missing required key 'devices'"},
    {"devices:\n", 0, "empty list"},
    {"device:\n", 1, "unknown top-level key 'device'"},
    {DEV_HEAD, 2, "missing required key 'socket_path'"},
    {DEV_HEAD "    socket_path: /r/\n    colour: blue\n", 7, "unknown key 'colour'"},
    {DEV_HEAD "    socket_path: /r/\n    type: fs\n", 7, "duplicate key 'type'"},
    {"devices:\n  - id: 0x1g\n", 2, "key 'id': bad number '0x1g'"},
    {"devices:\n  - id: -1\n", 2, "key 'id': bad number '-1'"},
    {"devices:\n  - id: 99999999999999999999\n", 2, "key 'id': bad number"},
    {"devices:\n  - id: 16\n", 2, "key 'id': 16 out of range"},
    {"devices:\n  - id: \"0\"\n", 2, "key 'id': wrong type"},
    {"devices:\n  - type: 5\n", 2, "key 'type': wrong type"},
    {"devices:\n  - type: blk\n", 2, "key 'type': unsupported device type 'blk'"},
    {"devices:\n  - data_plane: mmio\n", 2, "key 'data_plane': unsupported 'mmio'"},
    {"devices:\n  - mmio_addr: 0xa003e01\n", 2, "key 'mmio_addr'"},
    {"devices:\n  - queue_size: 1000\n", 2, "key 'queue_size': 1000 not a power of 2"},
    {"devices:\n  - queue_size: 65536\n", 2, "key 'queue_size'"},
    {"devices:\n  - num_request_queues: 0\n", 2, "key 'num_request_queues'"},
    {"devices:\n  - tag: \"\"\n", 2, "key 'tag': length 0"},
    {"devices:\n  - tag: 0123456789012345678901234567890123456\n", 2, "key 'tag'"},
    {"devices:\n  - tag: abcdefghijabcdefghijabcdefghijabcdefg\n", 2, "key 'tag': length 37"},
    {DEV_HEAD "    socket_path: /r/\n  - id: 0\n    type: fs\n    mmio_addr: 0x0\n    data_plane: "
	      "vhost_user\n"
	      "    socket_path: /r/\n",
     7, "key 'id': duplicate id 0 (first at line 2)"},
    {"devices:\n  - id: 0\n     type: fs\n", 3, "bad indentation"},
    {"devices:\n  - id: 0\n   - id: 1\n", 3, "bad indentation"},
    {"devices:\n\t- id: 0\n", 2, "tab in indentation"},
    {"devices: [ ]\n", 1, "unsupported YAML construct"},
    {"devices:\n  - id: 0\n    type: \"fs\n", 3, "unterminated double-quoted"},
    {"devices:\n  - id: 0\n    type: \"fs\" x\n", 3, "text after closing quote"},
    {"devices:\n  - id 0\n", 2, "expected 'key: value'"},
    {"devices:\n    id: 0\n", 2, "expected a list item"},
    {"  - id: 0\n", 1, "before 'devices:'"},
    {"devices:\ndevices:\n", 2, "duplicate key 'devices'"},
};

static void test_errors(void **state)
{
	struct dm_config cfg;
	struct dm_config_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];

		print_message("case %zu: %s\n", i, c->needle);
		assert_int_equal(parse(c->yaml, &cfg, &err), -EINVAL);
		assert_int_equal(err.line, c->line);
		assert_non_null(strstr(err.msg, c->needle));
		if (c->line)
			assert_non_null(strstr(err.msg, "line"));
	}
}

static void test_socket_too_long(void **state)
{
	char y[400];
	struct dm_config cfg;
	struct dm_config_error err;

	(void)state;
	/* 100 bytes of directory + "Fs0.sock" does not fit in sun_path. */
	snprintf(y, sizeof(y), DEV_HEAD "    socket_path: /%0100d\n", 0);
	assert_int_equal(parse(y, &cfg, &err), -EINVAL);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.msg, "socket_path"));
}

static void test_nul_and_unterminated(void **state)
{
	static const char y[] = "devices:\n\0 - id: 0\n";
	struct dm_config cfg;
	struct dm_config_error err;

	(void)state;
	assert_int_equal(dm_config_parse(y, sizeof(y) - 1, &cfg, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "NUL"));
	/* No trailing newline, buffer not NUL-terminated: parse exactly len bytes. */
	assert_int_equal(dm_config_parse(seed, sizeof(seed) - 2, &cfg, &err), 0);
	assert_string_equal(cfg.dev[0].socket_path, "/root/");
}

static void test_load_missing(void **state)
{
	struct dm_config cfg;
	struct dm_config_error err;

	(void)state;
	assert_int_equal(dm_config_load("/nonexistent/config-fs.yaml", &cfg, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent/config-fs.yaml"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_seed),
	    cmocka_unit_test(test_optional_and_styles),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_socket_too_long),
	    cmocka_unit_test(test_nul_and_unterminated),
	    cmocka_unit_test(test_load_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

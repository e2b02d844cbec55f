/* test_dm_config.c - config-fs.yaml read with libyaml: the demo's seed file as committed, our
 * optional keys, YAML as a real user writes it (flow style, anchors and aliases, comments
 * anywhere, keys the harness does not use - warnings), and each error with its line and key. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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
    {"devices:\n  - id: 0\n\ttype: fs\n", 3, "tab in indentation"},
    {"devices: [ ]\n", 0, "key 'devices': empty list"},
    {"devices: ~\n", 0, "key 'devices': empty list"},
    {"devices: fs\n", 1, "key 'devices': expected a list item"},
    {"devices:\n  - [id, 0]\n", 2, "device entry: expected 'key: value' pairs, got a list"},
    {DEV_HEAD "    socket_path: /r/\n---\ndevices: []\n", 7, "a second YAML document"},
    {"devices:\n  - id: *nowhere\n", 2, "found undefined alias"},
    {"devices:\n  - id: ~\n", 2, "key 'id': null value (expected an integer)"},
    {"devices:\n  - id: {a: 1}\n", 2, "key 'id': wrong type: expected a value, got a map"},
    {"devices:\n  - ? [a]\n    : 1\n", 2, "a key must be a plain name"},
    {"devices:\n  - id: 0\n    type: 'fs\n", 3, "unterminated single-quoted"},
    {"devices:\n  - socket_path: \"/r\\0/\"\n", 2, "key 'socket_path': NUL byte in value"},
    {"devices:\n  - id: 0b102\n", 2, "key 'id': bad number '0b102'"},
    {"devices:\n  - tag: \"a\\tb\"\n", 2, "key 'tag': control character 0x09 at byte 1"},
    {"devices:\n  - id: 0o9\n", 2, "key 'id': bad number '0o9'"},
    {"devices:\n  - id: \xff\n", 2, "invalid"},
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

/* The demo's own file (bao-demos-virtio demo-3, byte for byte in scenarios/seed-files): comments
 * indented deeper than the list, no newline at the end. The test runs from the repository root
 * (make); DM_CONFIG_SEED_FILE overrides the path. */
static void test_seed_file_as_committed(void **state)
{
	const char *path = getenv("DM_CONFIG_SEED_FILE");
	struct dm_config cfg;
	struct dm_config_error err;
	char sock[DM_CONFIG_PATH_MAX];

	(void)state;
	if (!path)
		path = "scenarios/seed-files/config-fs.yaml";
	if (dm_config_load(path, &cfg, &err))
		fail_msg("%s (run from the repository root or set DM_CONFIG_SEED_FILE)", err.msg);
	assert_int_equal(cfg.ndevices, 1);
	assert_int_equal(cfg.nwarnings, 0);
	assert_int_equal(cfg.dev[0].id, 0);
	assert_string_equal(cfg.dev[0].type, "fs");
	assert_int_equal(cfg.dev[0].mmio_addr, 0xa003e00);
	assert_string_equal(cfg.dev[0].data_plane, "vhost_user");
	assert_string_equal(cfg.dev[0].tag, "myfs");
	assert_int_equal(cfg.dev[0].line, 3);
	assert_int_equal(dm_config_socket(&cfg.dev[0], sock, sizeof(sock)), 0);
	assert_string_equal(sock, "/root/Fs0.sock");
}

/* Flow style, as serde_yaml reads it: the whole file on one line, or flow maps in a block list. */
static void test_flow_style(void **state)
{
	static const char one_line[] =
	    "{devices: [{id: 0, type: fs, mmio_addr: 0xa003e00, data_plane: vhost_user, "
	    "socket_path: \"/root/\"}, {id: 1, type: \"fs\", mmio_addr: 167788544, data_plane: "
	    "'vhost_user', socket_path: /run/bao/, num_request_queues: 2}]}";
	static const char mixed[] = "devices:\n"
				    "- {id: 2, type: fs, mmio_addr: 0xa003e00,\n"
				    "   data_plane: vhost_user, socket_path: /r/}\n"
				    "- id: 3\n"
				    "  type: fs\n"
				    "  mmio_addr: 0xa004000\n"
				    "  data_plane: vhost_user\n"
				    "  socket_path: /r/\n";
	struct dm_config cfg;
	struct dm_config_error err;

	(void)state;
	assert_int_equal(dm_config_parse(one_line, sizeof(one_line) - 1, &cfg, &err), 0);
	assert_int_equal(cfg.ndevices, 2);
	assert_string_equal(cfg.dev[0].socket_path, "/root/");
	assert_int_equal(cfg.dev[1].id, 1);
	assert_int_equal(cfg.dev[1].mmio_addr, 0xa004000);
	assert_string_equal(cfg.dev[1].data_plane, "vhost_user");
	assert_string_equal(cfg.dev[1].socket_path, "/run/bao/");
	assert_int_equal(cfg.dev[1].num_request_queues, 2);
	assert_int_equal(cfg.nwarnings, 0);
	assert_int_equal(dm_config_parse(mixed, sizeof(mixed) - 1, &cfg, &err), 0);
	assert_int_equal(cfg.ndevices, 2);
	assert_int_equal(cfg.dev[0].id, 2);
	assert_int_equal(cfg.dev[0].line, 2);
	assert_int_equal(cfg.dev[1].id, 3);
	assert_int_equal(cfg.dev[1].line, 4);
}

/* Anchors and aliases resolve (a value used twice, a whole flow map reused under another
 * key); a merge key '<<' is not applied, as bao-virtio-dm's serde_yaml 0.8 does not: a
 * warning, and the device it was meant to complete lacks its keys. */
static void test_anchors_and_aliases(void **state)
{
	static const char y[] = "x-common:\n"
				"  kind: &fs fs\n"
				"  plane: &plane vhost_user\n"
				"  sock: &sock \"/run/bao/\"\n"
				"devices:\n"
				"  - id: 0\n"
				"    type: *fs\n"
				"    mmio_addr: &base 0xa003e00\n"
				"    data_plane: *plane\n"
				"    socket_path: *sock\n"
				"  - {id: 1, type: *fs, mmio_addr: 0xa004000, data_plane: *plane,\n"
				"     socket_path: *sock, tag: &tag shared}\n";
	static const char merge[] = "devices:\n"
				    "  - &dev0\n"
				    "    id: 0\n"
				    "    type: fs\n"
				    "    mmio_addr: 0xa003e00\n"
				    "    data_plane: vhost_user\n"
				    "    socket_path: /r/\n"
				    "  - <<: *dev0\n"
				    "    id: 1\n";
	struct dm_config cfg;
	struct dm_config_error err;

	(void)state;
	assert_int_equal(dm_config_parse(y, sizeof(y) - 1, &cfg, &err), 0);
	assert_int_equal(cfg.ndevices, 2);
	assert_string_equal(cfg.dev[0].type, "fs");
	assert_string_equal(cfg.dev[0].data_plane, "vhost_user");
	assert_string_equal(cfg.dev[0].socket_path, "/run/bao/");
	assert_string_equal(cfg.dev[1].socket_path, "/run/bao/");
	assert_string_equal(cfg.dev[1].tag, "shared");
	/* The top-level key holding the anchors is not ours: a warning naming it and its line. */
	assert_int_equal(cfg.nwarnings, 1);
	assert_int_equal(cfg.warnings[0].line, 1);
	assert_non_null(strstr(cfg.warnings[0].msg, "unknown top-level key 'x-common' ignored"));
	assert_int_equal(dm_config_parse(merge, sizeof(merge) - 1, &cfg, &err), -EINVAL);
	assert_int_equal(err.line, 8);
	assert_non_null(strstr(err.msg, "missing required key 'type'"));
	assert_int_equal(cfg.nwarnings, 1);
	assert_int_equal(cfg.warnings[0].line, 8);
	assert_non_null(strstr(cfg.warnings[0].msg, "merge key '<<' ignored"));
}

/* Comments anywhere: before and after every token, deeper or shallower than the keys, inside
 * flow collections, at the end without a newline. %s is what follows mmio_addr's value. */
static const char comments_fmt[] = "# head\n"
				   "   # indented head\n"
				   "devices: # the list\n"
				   "# at column 0 inside the list\n"
				   "  - id: 0 # the DM id\n"
				   "        # deeper than the keys\n"
				   "    type: \"fs\"   # quoted, then a comment\n"
				   "    mmio_addr: 0xa003e00%s\n"
				   "    data_plane: vhost_user\n"
				   "    socket_path: /tmp/x#y/ # '#' inside a word is text\n"
				   "  - {id: 1, # in a flow map\n"
				   "     type: fs, mmio_addr: 0xa004000, data_plane: vhost_user,\n"
				   "     socket_path: /r/} # after it\n"
				   "# the end, no newline";

static void test_comments_anywhere(void **state)
{
	char y[sizeof(comments_fmt) + 32];
	struct dm_config cfg;
	struct dm_config_error err;
	int n;

	(void)state;
	n = snprintf(y, sizeof(y), comments_fmt, " # a comment");
	assert_int_equal(dm_config_parse(y, (size_t)n, &cfg, &err), 0);
	assert_int_equal(cfg.ndevices, 2);
	assert_int_equal(cfg.dev[0].mmio_addr, 0xa003e00);
	assert_string_equal(cfg.dev[0].socket_path, "/tmp/x#y/");
	assert_int_equal(cfg.dev[1].id, 1);
	assert_int_equal(cfg.nwarnings, 0);
	/* A '#' without a space before it is text (YAML 1.2 §6.6): no number. */
	n = snprintf(y, sizeof(y), comments_fmt, "#no-comment");
	assert_int_equal(dm_config_parse(y, (size_t)n, &cfg, &err), -EINVAL);
	assert_int_equal(err.line, 8);
	assert_non_null(strstr(err.msg, "key 'mmio_addr': bad number '0xa003e00#no-comment'"));
}

/* Keys the harness does not use are reported, not fatal - serde_yaml ignores them too. */
static void test_unknown_keys_warn(void **state)
{
	static const char y[] = DEV_HEAD "    socket_path: /r/\n"
					 "    colour: blue\n"
					 "    tap_name: tap0\n"
					 "version: 2\n";
	char many[1024];
	struct dm_config cfg;
	struct dm_config_error err;
	int i, n;

	(void)state;
	assert_int_equal(dm_config_parse(y, sizeof(y) - 1, &cfg, &err), 0);
	assert_int_equal(cfg.ndevices, 1);
	assert_string_equal(cfg.dev[0].socket_path, "/r/");
	assert_int_equal(cfg.nwarnings, 3);
	assert_int_equal(cfg.warnings[0].line, 7);
	assert_non_null(strstr(cfg.warnings[0].msg, "config line 7: unknown key 'colour' ignored"));
	assert_non_null(strstr(cfg.warnings[0].msg, "device entry at line 2"));
	assert_int_equal(cfg.warnings[1].line, 8);
	assert_non_null(strstr(cfg.warnings[1].msg, "'tap_name' is bao-virtio-dm's for other"));
	assert_int_equal(cfg.warnings[2].line, 9);
	assert_non_null(strstr(cfg.warnings[2].msg, "unknown top-level key 'version'"));
	/* More than fit: counted, not lost silently. */
	n = snprintf(many, sizeof(many), DEV_HEAD "    socket_path: /r/\n");
	for (i = 0; i < DM_CONFIG_MAX_WARNINGS + 3; i++)
		n += snprintf(many + n, sizeof(many) - (size_t)n, "    k%d: v\n", i);
	assert_int_equal(dm_config_parse(many, (size_t)n, &cfg, &err), 0);
	assert_int_equal(cfg.nwarnings, DM_CONFIG_MAX_WARNINGS);
	assert_int_equal(cfg.warnings_dropped, 3);
}

/* Numbers as serde_yaml reads an unsigned integer; null keeps an optional key's default. */
static void test_numbers_and_nulls(void **state)
{
	static const char y[] = "devices:\n"
				"  - id: +3\n"
				"    type: fs\n"
				"    mmio_addr: 0o1200\n"
				"    data_plane: vhost_user\n"
				"    socket_path: /r/\n"
				"    queue_size: 0b100000000\n"
				"    num_request_queues: null\n"
				"    tag: ~\n";
	struct dm_config cfg;
	struct dm_config_error err;

	(void)state;
	assert_int_equal(dm_config_parse(y, sizeof(y) - 1, &cfg, &err), 0);
	assert_int_equal(cfg.dev[0].id, 3);
	assert_int_equal(cfg.dev[0].mmio_addr, 0x280);
	assert_int_equal(cfg.dev[0].queue_size, 256);
	assert_int_equal(cfg.dev[0].num_request_queues, 1);
	assert_string_equal(cfg.dev[0].tag, "myfs");
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
	    cmocka_unit_test(test_seed_file_as_committed),
	    cmocka_unit_test(test_flow_style),
	    cmocka_unit_test(test_anchors_and_aliases),
	    cmocka_unit_test(test_comments_anywhere),
	    cmocka_unit_test(test_unknown_keys_warn),
	    cmocka_unit_test(test_numbers_and_nulls),
	    cmocka_unit_test(test_socket_too_long),
	    cmocka_unit_test(test_nul_and_unterminated),
	    cmocka_unit_test(test_load_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

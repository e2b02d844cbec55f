/* test_scn_parse.c - the scenario parser: every command, every lexical rule, and every error
 * class with its exact message and line number. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "scn.h"

static struct scn_file file;
static char err[512];

static int teardown(void **state)
{
	(void)state;
	scn_file_free(&file);
	return 0;
}

/* Parse src as "t.scn"; it must succeed. */
static struct scn_file *parse_ok(const char *src)
{
	scn_file_free(&file);
	err[0] = '\0';
	if (scn_file_parse("t.scn", src, strlen(src), &file, err, sizeof(err)) != 0)
		fail_msg("unexpected parse error: %s", err);
	return &file;
}

/* Parse src; it must fail with exactly the message want. */
static void parse_err(const char *src, size_t len, const char *want)
{
	scn_file_free(&file);
	assert_int_equal(scn_file_parse("t.scn", src, len, &file, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, want);
	/* nothing is left allocated on error */
	assert_null(file.steps);
	assert_int_equal(file.n_steps, 0);
}

#define PERR(src, want) parse_err(src, strlen(src), want)

static void test_blank_and_comments(void **state)
{
	(void)state;
	struct scn_file *f = parse_ok("\n   \n\t# only a comment\n# another\n");

	assert_int_equal(f->n_steps, 0);
	f = parse_ok("");
	assert_int_equal(f->n_steps, 0);
	/* comment after a step, '#' inside quotes is data, '#' ends a bare word */
	f = parse_ok("\n  write /a \"x # y\"   # comment \"with quote\n"
		     "read /b#comment\n");
	assert_int_equal(f->n_steps, 2);
	assert_int_equal(f->steps[0].line, 2);
	assert_string_equal(f->steps[0].text, "write /a \"x # y\"");
	assert_int_equal(f->steps[0].data_len, 5);
	assert_memory_equal(f->steps[0].data, "x # y", 5);
	assert_int_equal(f->steps[1].line, 3);
	assert_string_equal(f->steps[1].path, "/b");
	assert_string_equal(f->steps[1].text, "read /b");
	assert_false(f->steps[1].has_data);
}

static void test_last_line_without_newline(void **state)
{
	(void)state;
	struct scn_file *f = parse_ok("mkdir /a\n\t\tmkdir\t/b");

	assert_int_equal(f->n_steps, 2);
	assert_int_equal(f->steps[1].line, 2);
	assert_string_equal(f->steps[1].path, "/b");
	assert_string_equal(f->steps[1].text, "mkdir\t/b");
}

static void test_escapes(void **state)
{
	(void)state;
	struct scn_file *f = parse_ok("write /a \"\\n\\t\\r\\0\\\\\\\"\\x00\\xfF\\x41z\"\n");
	static const unsigned char want[] = {'\n', '\t', '\r', 0, '\\', '"', 0, 0xff, 'A', 'z'};

	assert_int_equal(f->steps[0].data_len, sizeof(want));
	assert_memory_equal(f->steps[0].data, want, sizeof(want));
	/* "x" and "x\n" differ, "" is empty DATA, not absent */
	f = parse_ok("write /a \"\"\nread /a \"\"\nread /a\n");
	assert_true(f->steps[0].has_data);
	assert_int_equal(f->steps[0].data_len, 0);
	assert_true(f->steps[1].has_data);
	assert_false(f->steps[2].has_data);
	assert_null(f->steps[2].data);
}

static void test_lexical_errors(void **state)
{
	(void)state;
	PERR("write /a \"abc\n", "t.scn:1: unterminated quoted word");
	PERR("write /a \"abc\\\"\n", "t.scn:1: unterminated quoted word");
	PERR("write /a \"abc\\", "t.scn:1: unterminated quoted word");
	PERR("\nwrite /a \"\\q\"\n",
	     "t.scn:2: unknown escape \"\\\\q\" (use \\n \\t \\r \\0 \\\\ \\\" \\xHH)");
	PERR("write /a \"\\x4\"\n", "t.scn:1: bad escape \"\\\\x4\\\"\": \\x needs two hex digits");
	PERR("write /a \"\\xg0\"\n", "t.scn:1: bad escape \"\\\\xg0\": \\x needs two hex digits");
	PERR("write /a\"b\" \"x\"\n", "t.scn:1: quote inside a bare word at column 9");
	PERR("write \"/a\"\"x\"\n", "t.scn:1: missing blank after closing quote at column 11");
	PERR("write /a \"x\"\r\n", "t.scn:1: control byte 0x0d outside quotes at column 13 "
				   "(CRLF line ending?)");
	PERR("write /a\x01 \"x\"\n", "t.scn:1: control byte 0x01 outside quotes at column 9");
	/* a NUL anywhere, even in a comment */
	parse_err("mkdir /a\n# a\0b\n", 15, "t.scn:2: NUL byte at column 4");
	parse_err("write /a \"\0\"\n", 13, "t.scn:1: NUL byte at column 11");
}

static void test_long_line(void **state)
{
	(void)state;
	size_t n = 1024 * 1024;
	char *buf = malloc(n + 32);

	assert_non_null(buf);
	/* exactly 1 MiB is allowed */
	memcpy(buf, "write /a \"", 10);
	memset(buf + 10, 'x', n - 11);
	buf[n - 1] = '"';
	buf[n] = '\n';
	scn_file_free(&file);
	assert_int_equal(scn_file_parse("t.scn", buf, n + 1, &file, err, sizeof(err)), 0);
	assert_int_equal(file.steps[0].data_len, n - 11);
	/* one byte more is not */
	memcpy(buf, "mkdir /b\nwrite /a \"", 19);
	memset(buf + 19, 'x', n - 10 + 9 - 19 + 10);
	buf[n + 9] = '"';
	parse_err(buf, n + 10, "t.scn:2: line longer than 1 MiB (1048577 bytes)");
	free(buf);
}

static void test_paths(void **state)
{
	(void)state;
	struct scn_file *f = parse_ok("list /\nread \"/with space/x\"\nread /a.b/..c/...\n");

	assert_string_equal(f->steps[0].path, "/");
	assert_string_equal(f->steps[1].path, "/with space/x");
	assert_string_equal(f->steps[2].path, "/a.b/..c/...");
	PERR("read x\n", "t.scn:1: read: bad path \"x\": must start with /");
	PERR("read \"\"\n", "t.scn:1: read: bad path \"\": must start with /");
	PERR("read //\n", "t.scn:1: read: bad path \"//\": empty component (// or a trailing /)");
	PERR("read /a//b\n",
	     "t.scn:1: read: bad path \"/a//b\": empty component (// or a trailing /)");
	PERR("read /a/\n", "t.scn:1: read: bad path \"/a/\": empty component (// or a trailing /)");
	PERR("read /.\n",
	     "t.scn:1: read: bad path \"/.\": '.' and '..' components are not allowed");
	PERR("read /a/../b\n",
	     "t.scn:1: read: bad path \"/a/../b\": '.' and '..' components are not allowed");
	PERR("read \"/a\\0b\"\n", "t.scn:1: read: bad path \"/a\\0b\": contains a NUL byte");
	PERR("rename /a b\n", "t.scn:1: rename: bad path \"b\": must start with /");
	PERR("symlink x y\n", "t.scn:1: symlink: bad path \"y\": must start with /");
}

static void test_numbers(void **state)
{
	(void)state;
	struct scn_file *f = parse_ok("sleep 0\nsleep 010\nsleep 0x1F\nsleep 2k\nsleep 3m\n"
				      "sleep 0x10k\nsleep 18446744073709551615\n"
				      "sleep 0xffffffffffffffff\nsleep 17592186044415m\n");
	static const uint64_t want[] = {
	    0, 10, 31, 2048, 3u << 20, 16384, UINT64_MAX, UINT64_MAX, 17592186044415ull << 20};
	size_t i;

	assert_int_equal(f->n_steps, 9);
	for (i = 0; i < 9; i++)
		assert_true(f->steps[i].number == want[i]);
	PERR("sleep 18446744073709551616\n",
	     "t.scn:1: sleep: bad MS \"18446744073709551616\": overflows 64 bits");
	PERR("sleep 0x10000000000000000\n",
	     "t.scn:1: sleep: bad MS \"0x10000000000000000\": overflows 64 bits");
	PERR("sleep 17592186044416m\n",
	     "t.scn:1: sleep: bad MS \"17592186044416m\": overflows 64 bits");
	PERR("sleep 0x\n", "t.scn:1: sleep: bad MS \"0x\": not a number (decimal or 0x hex, "
			   "optional k or m suffix)");
	PERR("sleep -1\n", "t.scn:1: sleep: bad MS \"-1\": not a number (decimal or 0x hex, "
			   "optional k or m suffix)");
	PERR("sleep 1K\n", "t.scn:1: sleep: bad MS \"1K\": not a number (decimal or 0x hex, "
			   "optional k or m suffix)");
	PERR("sleep 0X1\n", "t.scn:1: sleep: bad MS \"0X1\": not a number (decimal or 0x hex, "
			    "optional k or m suffix)");
	PERR("sleep k\n", "t.scn:1: sleep: bad MS \"k\": not a number (decimal or 0x hex, optional "
			  "k or m suffix)");
	PERR("pread /a 1 x\n", "t.scn:1: pread: bad LEN \"x\": not a number (decimal or 0x hex, "
			       "optional k or m suffix)");
	PERR("truncate /a 0x8000000000000000\n",
	     "t.scn:1: truncate: bad SIZE \"0x8000000000000000\": exceeds 9223372036854775807");
	PERR("pwrite /a 0x7fffffffffffffff \"xy\"\n",
	     "t.scn:1: pwrite: OFFSET 9223372036854775807 + length exceeds 2^63-1");
	PERR("pread /a 0x7fffffffffffffff 2\n",
	     "t.scn:1: pread: OFFSET 9223372036854775807 + length exceeds 2^63-1");
}

static void test_data_forms(void **state)
{
	(void)state;
	struct scn_file *f = parse_ok("write /a @rand:16\nwrite /a @rand:16:1\nwrite /a @rand:0\n"
				      "write /a \"@rand:4\"\nwrite /a @rand:1k:0x10\n");
	unsigned char r[1024];

	assert_int_equal(f->steps[0].data_len, 16);
	assert_memory_equal(f->steps[0].data, f->steps[1].data, 16);
	assert_true(f->steps[2].has_data);
	assert_int_equal(f->steps[2].data_len, 0);
	assert_memory_equal(f->steps[3].data, "@rand:4", 7);
	scn_rand_fill(r, sizeof(r), 16);
	assert_memory_equal(f->steps[4].data, r, sizeof(r));
	PERR("write /a hello\n", "t.scn:1: write: bad DATA \"hello\": a quoted string or "
				 "@rand:N[:SEED], not a bare word");
	PERR("write /a @rand:4:0\n", "t.scn:1: write: bad DATA \"@rand:4:0\": SEED must not be 0");
	PERR("write /a @rand:\n", "t.scn:1: write: bad DATA \"@rand:\": N is not a number "
				  "(decimal or 0x hex, optional k or m suffix)");
	PERR("write /a @rand:4:1:2\n", "t.scn:1: write: bad DATA \"@rand:4:1:2\": SEED is not a "
				       "number (decimal or 0x hex, optional k or m suffix)");
	PERR("write /a @rand:0x40000001\n",
	     "t.scn:1: write: bad DATA \"@rand:0x40000001\": N 1073741825 exceeds 1 GiB");
	PERR("read /a x\n", "t.scn:1: read: bad DATA \"x\": a quoted string or @rand:N[:SEED], "
			    "not a bare word");
}

static void test_data_total_cap(void **state)
{
	(void)state;
	/* each @rand fits, together they exceed 1 GiB */
	PERR("write /a @rand:1k\nwrite /a @rand:1048575k\nwrite /b @rand:2k\n",
	     "t.scn:3: DATA in this file totals 1073743872 bytes, over 1 GiB");
}

static void test_every_command(void **state)
{
	(void)state;
	struct scn_file *f = parse_ok(
	    "write /a \"1\"\nappend /a \"2\"\npwrite /a 5 \"3\"\nread /a \"4\"\n"
	    "pread /a 1 2\ntruncate /a 7\nstat /a\nmkdir /d\nrmdir /d\nunlink /a\n"
	    "rename /a /b\nsymlink ../t /l\nreadlink /l ../t\nlist /d x y\nfsync /a\n"
	    "host-write /a \"h\"\nhost-append /a \"i\"\nhost-read /a \"j\"\nhost-mkdir /h\n"
	    "host-unlink /a\nhost-stat /a size 1\nhost-list /\nhost-absent /z\nsleep 5\n"
	    "remount\nkill-backend\nrestart-backend\nkill-devmodel\nrestart-devmodel\n"
	    "reset-device\nirq-drop 2\nirq-delay 0x10\n");
	enum scn_cmd c;

	assert_int_equal(f->n_steps, SCN_CMD_COUNT - 1); /* all but require */
	for (c = 0; c < SCN_REQUIRE; c++) {
		assert_int_equal(f->steps[c].cmd, c);
		assert_int_equal(f->steps[c].line, (unsigned int)c + 1);
		assert_int_equal(f->steps[c].fail_errno, 0);
	}
	/* the fault steps come after require in the enum, so one step earlier in the file */
	for (c = SCN_REQUIRE + 1; c < SCN_CMD_COUNT; c++) {
		assert_int_equal(f->steps[c - 1].cmd, c);
		assert_int_equal(scn_cmd_step_side(&f->steps[c - 1]), SCN_SIDE_CONTROL);
	}
	assert_true(f->steps[SCN_IRQ_DROP - 1].number == 2);
	assert_true(f->steps[SCN_IRQ_DELAY - 1].number == 16);
	assert_int_equal(scn_cmd_step_side(&f->steps[SCN_FSYNC]), SCN_SIDE_FRONTEND);
	assert_int_equal(scn_cmd_step_side(&f->steps[SCN_HOST_WRITE]), SCN_SIDE_HOST);
	assert_int_equal(scn_cmd_step_side(&f->steps[SCN_REMOUNT]), SCN_SIDE_CONTROL);
	assert_string_equal(scn_cmd_name(SCN_HOST_ABSENT), "host-absent");
	assert_string_equal(scn_cmd_name(SCN_CMD_COUNT), "?");
	assert_true(f->steps[SCN_PWRITE].offset == 5);
	assert_true(f->steps[SCN_PREAD].offset == 1 && f->steps[SCN_PREAD].len == 2);
	assert_false(f->steps[SCN_PREAD].has_data);
	assert_true(f->steps[SCN_TRUNCATE].number == 7);
	assert_string_equal(f->steps[SCN_RENAME].path, "/a");
	assert_string_equal(f->steps[SCN_RENAME].path2, "/b");
	assert_string_equal(f->steps[SCN_SYMLINK].path, "/l");
	assert_string_equal(f->steps[SCN_SYMLINK].path2, "../t");
	assert_string_equal(f->steps[SCN_READLINK].path, "/l");
	assert_string_equal(f->steps[SCN_READLINK].path2, "../t");
	assert_int_equal(f->steps[SCN_LIST].n_names, 2);
	assert_string_equal(f->steps[SCN_LIST].names[1], "y");
	assert_int_equal(f->steps[SCN_HOST_LIST].n_names, 0);
	assert_true(f->steps[SCN_SLEEP].number == 5);
}

static void test_arity(void **state)
{
	(void)state;
	PERR("write /a\n", "t.scn:1: write: missing DATA (usage: write PATH DATA)");
	PERR("pwrite /a 1\n", "t.scn:1: pwrite: missing DATA (usage: pwrite PATH OFFSET DATA)");
	PERR("pread /a\n", "t.scn:1: pread: missing OFFSET (usage: pread PATH OFFSET LEN [DATA])");
	PERR("rename /a\n", "t.scn:1: rename: missing NEW (usage: rename OLD NEW)");
	PERR("symlink\n", "t.scn:1: symlink: missing TARGET (usage: symlink TARGET PATH)");
	PERR("host-read /a\n", "t.scn:1: host-read: missing DATA (usage: host-read PATH DATA)");
	PERR("sleep\n", "t.scn:1: sleep: missing MS (usage: sleep MS)");
	PERR("mkdir /a /b\n", "t.scn:1: mkdir: extra argument \"/b\" (usage: mkdir PATH)");
	PERR("remount now\n", "t.scn:1: remount: extra argument \"now\" (usage: remount )");
	PERR("read /a \"x\" \"y\"\n",
	     "t.scn:1: read: extra argument \"y\" (usage: read PATH [DATA])");
	PERR("mkdir /a\nfrobnicate /a\n", "t.scn:2: unknown command \"frobnicate\"");
	PERR("WRITE /a \"x\"\n", "t.scn:1: unknown command \"WRITE\"");
}

static void test_stat_fields(void **state)
{
	(void)state;
	struct scn_file *f = parse_ok("stat /a mode 0644 type symlink size 0x10\n"
				      "host-stat /d type dir\nstat /f type file mode 7777\n");

	assert_int_equal(f->steps[0].stat_fields, SCN_STAT_SIZE | SCN_STAT_TYPE | SCN_STAT_MODE);
	assert_true(f->steps[0].stat_size == 16);
	assert_int_equal(f->steps[0].stat_type, S_IFLNK);
	assert_int_equal(f->steps[0].stat_mode, 0644);
	assert_int_equal(f->steps[1].stat_fields, SCN_STAT_TYPE);
	assert_int_equal(f->steps[1].stat_type, S_IFDIR);
	assert_int_equal(f->steps[2].stat_type, S_IFREG);
	assert_int_equal(f->steps[2].stat_mode, 07777);
	PERR("stat /a size 1 size 2\n", "t.scn:1: stat: field size given twice");
	PERR("stat /a size\n", "t.scn:1: stat: field size needs a value");
	PERR("stat /a colour red\n",
	     "t.scn:1: stat: unknown field \"colour\" (size, type or mode)");
	PERR("stat /a type fifo\n", "t.scn:1: stat: bad type \"fifo\": file, dir or symlink");
	PERR("stat /a mode 0999\n", "t.scn:1: stat: bad mode \"0999\": octal, at most 07777");
	PERR("stat /a mode 10000\n", "t.scn:1: stat: bad mode \"10000\": octal, at most 07777");
	PERR("host-stat /a size x\n", "t.scn:1: host-stat: bad size \"x\": not a number "
				      "(decimal or 0x hex, optional k or m suffix)");
}

static void test_list_names(void **state)
{
	(void)state;
	struct scn_file *f = parse_ok("list /d \"a b\" \"#x\" caf\xc3\xa9 \"t\\tn\"\n");

	assert_int_equal(f->steps[0].n_names, 4);
	assert_string_equal(f->steps[0].names[0], "a b");
	assert_string_equal(f->steps[0].names[1], "#x");
	assert_string_equal(f->steps[0].names[2], "caf\xc3\xa9");
	assert_string_equal(f->steps[0].names[3], "t\tn");
	PERR("list / a b a\n", "t.scn:1: list: NAME \"a\" given twice");
	PERR("list / a/b\n", "t.scn:1: list: bad NAME \"a/b\": contains /");
	PERR("list / ..\n", "t.scn:1: list: bad NAME \"..\": '.' and '..' are never listed");
	PERR("host-list / \"\"\n", "t.scn:1: host-list: bad NAME \"\": empty");
	PERR("list / \"a\\0\"\n", "t.scn:1: list: bad NAME \"a\\0\": contains a NUL byte");
}

static void test_fail(void **state)
{
	(void)state;
	struct scn_file *f = parse_ok("fail ENOENT read /nope\nfail EISDIR write /d \"x\"\n");

	assert_int_equal(f->steps[0].cmd, SCN_READ);
	assert_int_equal(f->steps[0].fail_errno, ENOENT);
	assert_string_equal(f->steps[0].text, "fail ENOENT read /nope");
	assert_int_equal(f->steps[1].fail_errno, EISDIR);
	assert_int_equal(scn_cmd_step_side(&f->steps[1]), SCN_SIDE_FRONTEND);
	PERR("fail\n", "t.scn:1: fail: missing ERRNO (usage: fail ERRNO STEP...)");
	PERR("fail ENOENT\n", "t.scn:1: fail: missing STEP (usage: fail ERRNO STEP...)");
	PERR("fail ENOPE read /a\n", "t.scn:1: fail: unknown errno name \"ENOPE\" (e.g. ENOENT)");
	PERR("fail 2 read /a\n", "t.scn:1: fail: unknown errno name \"2\" (e.g. ENOENT)");
	PERR("fail ENOENT fail ENOENT read /a\n", "t.scn:1: fail: cannot wrap another fail");
	PERR("fail ENOENT host-read /a \"x\"\n",
	     "t.scn:1: fail: only frontend steps can be wrapped, not host-read");
	PERR("fail ENOENT sleep 1\n",
	     "t.scn:1: fail: only frontend steps can be wrapped, not sleep");
	PERR("fail ENOENT read x\n", "t.scn:1: read: bad path \"x\": must start with /");
	PERR("fail ENOENT bogus\n", "t.scn:1: fail: unknown command \"bogus\"");
}

static void test_errno_table(void **state)
{
	(void)state;
	static const char *const names[] = {"ENOENT",	    "EEXIST", "ENOTDIR", "EISDIR",
					    "ENOTEMPTY",    "EINVAL", "EACCES",	 "EPERM",
					    "ENAMETOOLONG", "ELOOP",  "EXDEV",	 "ENOSPC",
					    "EROFS",	    "EBADF",  "EIO",	 "ETIMEDOUT"};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int e = scn_errno_from_name(names[i], strlen(names[i]));

		assert_true(e > 0);
		assert_string_equal(scn_errno_name(e), names[i]);
		assert_string_equal(scn_errno_name(-e), names[i]);
	}
	assert_int_equal(scn_errno_from_name("EWOULDBLOCK", 11), EAGAIN);
	assert_string_equal(scn_errno_name(EAGAIN), "EAGAIN");
	assert_int_equal(scn_errno_from_name("ENOENTX", 7), -EINVAL);
	assert_int_equal(scn_errno_from_name("ENOEN", 5), -EINVAL);
	assert_null(scn_errno_name(100000));
}

static void test_require(void **state)
{
	(void)state;
	struct scn_file *f = parse_ok("# comment first is fine\n\nrequire faults x_y-2\nremount\n");

	assert_int_equal(f->steps[0].cmd, SCN_REQUIRE);
	assert_int_equal(f->steps[0].n_names, 2);
	assert_string_equal(f->steps[0].names[1], "x_y-2");
	PERR("mkdir /a\nrequire faults\n",
	     "t.scn:2: require: must be the first step (step 2 here)");
	PERR("require\n", "t.scn:1: require: missing CAPABILITY (usage: require CAPABILITY...)");
	PERR("require Faults\n", "t.scn:1: require: bad CAPABILITY \"Faults\": capabilities are "
				 "lowercase letters, digits, - and _");
	PERR("require a a\n", "t.scn:1: require: CAPABILITY \"a\" given twice");
}

static void test_parse_step(void **state)
{
	(void)state;
	struct scn_step st;
	char e[256];

	/* one line at a time, as the guest agent receives them, newline allowed */
	assert_int_equal(scn_parse_step("agent", 7, "pread /a 1 2 \"xy\"\n", 18, &st, e, sizeof(e)),
			 0);
	assert_int_equal(st.line, 7);
	assert_int_equal(st.cmd, SCN_PREAD);
	assert_string_equal(st.text, "pread /a 1 2 \"xy\"");
	scn_parse_step_free(&st);
	/* require is fine here: only scn_parse knows what came before */
	assert_int_equal(scn_parse_step("agent", 3, "require faults", 14, &st, e, sizeof(e)), 0);
	scn_parse_step_free(&st);
	assert_int_equal(scn_parse_step("agent", 4, "  # c", 5, &st, e, sizeof(e)), -ENODATA);
	assert_null(st.text);
	assert_int_equal(scn_parse_step("agent", 9, "read", 4, &st, e, sizeof(e)), -EINVAL);
	assert_string_equal(e, "agent:9: read: missing PATH (usage: read PATH [DATA])");
	assert_null(st.text);
	assert_null(st.path);
	/* a tiny error buffer truncates but never overflows */
	assert_int_equal(scn_parse_step("agent", 9, "read", 4, &st, e, 5), -EINVAL);
	assert_string_equal(e, "agen");
}

static void test_errors_free_everything(void **state)
{
	(void)state;
	/* an error deep in the file after allocated steps and data: ASan checks for leaks */
	PERR("write /a @rand:1k\nlist / a b c\nsymlink x /y\nstat /a size 1 mode 0644 type dir\n"
	     "write /a \"x\" junk\n",
	     "t.scn:5: write: extra argument \"junk\" (usage: write PATH DATA)");
	PERR("list / a b \"\"\n", "t.scn:1: list: bad NAME \"\": empty");
}

static void test_message_quoting(void **state)
{
	(void)state;
	char src[300];

	/* long and binary words are shown escaped and truncated */
	snprintf(src, sizeof(src), "read \"%s\\x01\"\n",
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	PERR(src, "t.scn:1: read: bad path "
		  "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"...: "
		  "must start with /");
	PERR("read \"\\x01\\xff\"\n", "t.scn:1: read: bad path \"\\x01\\xff\": must start with /");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_blank_and_comments, teardown),
	    cmocka_unit_test_teardown(test_last_line_without_newline, teardown),
	    cmocka_unit_test_teardown(test_escapes, teardown),
	    cmocka_unit_test_teardown(test_lexical_errors, teardown),
	    cmocka_unit_test_teardown(test_long_line, teardown),
	    cmocka_unit_test_teardown(test_paths, teardown),
	    cmocka_unit_test_teardown(test_numbers, teardown),
	    cmocka_unit_test_teardown(test_data_forms, teardown),
	    cmocka_unit_test_teardown(test_data_total_cap, teardown),
	    cmocka_unit_test_teardown(test_every_command, teardown),
	    cmocka_unit_test_teardown(test_arity, teardown),
	    cmocka_unit_test_teardown(test_stat_fields, teardown),
	    cmocka_unit_test_teardown(test_list_names, teardown),
	    cmocka_unit_test_teardown(test_fail, teardown),
	    cmocka_unit_test_teardown(test_errno_table, teardown),
	    cmocka_unit_test_teardown(test_require, teardown),
	    cmocka_unit_test_teardown(test_parse_step, teardown),
	    cmocka_unit_test_teardown(test_errors_free_everything, teardown),
	    cmocka_unit_test_teardown(test_message_quoting, teardown),
	};

	return cmocka_run_group_tests_name("scn_parse", tests, NULL, NULL);
}

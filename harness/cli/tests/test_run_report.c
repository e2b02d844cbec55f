/* test_run_report.c - the XML escaping every JUnit report goes through: whatever bytes a
 * scenario file or a failure message holds, the text is well-formed XML 1.0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "run_jobs.h"

/* run_report_xml of len bytes of s, as a string the caller frees. */
static char *test_xml(const char *s, size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	run_report_xml(f, s, len);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void test_expect(const char *in, size_t len, const char *want)
{
	char *got = test_xml(in, len);

	assert_string_equal(got, want);
	free(got);
}

#define EXPECT(lit, want) test_expect(lit, sizeof(lit) - 1, want)

static void test_markup_escaped(void **state)
{
	(void)state;
	EXPECT("read /a \"x\" & <b> 'c'", "read /a &quot;x&quot; &amp; &lt;b&gt; 'c'");
	EXPECT("", "");
	/* Text that looks like an entity or a CDATA end is escaped like anything else. */
	EXPECT("&amp; ]]> <![CDATA[", "&amp;amp; ]]&gt; &lt;![CDATA[");
}

static void test_whitespace_kept_controls_replaced(void **state)
{
	(void)state;
	EXPECT("a\tb\nc\rd", "a\tb\nc\rd");
	/* NUL inside the length, escape, bell, DEL: not XML 1.0 characters. */
	EXPECT("x\0y\x1b[0m\a\x7f", "x?y?[0m??");
}

static void test_utf8_kept(void **state)
{
	(void)state;
	EXPECT("caf\xc3\xa9", "caf\xc3\xa9");				  /* U+00E9 */
	EXPECT("\xe2\x82\xac \xef\xbf\xbd", "\xe2\x82\xac \xef\xbf\xbd"); /* U+20AC, U+FFFD */
	EXPECT("\xed\x9f\xbf", "\xed\x9f\xbf");		/* U+D7FF, last before surrogates */
	EXPECT("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"); /* U+1F600 */
	EXPECT("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"); /* U+10FFFF */
}

static void test_ill_formed_utf8_replaced(void **state)
{
	(void)state;
	EXPECT("\x80", "?");			      /* a lone continuation byte */
	EXPECT("a\xc3", "a?");			      /* truncated at the end */
	EXPECT("\xc3(", "?(");			      /* not followed by a continuation */
	EXPECT("\xc0\x80", "??");		      /* overlong NUL */
	EXPECT("\xe0\x80\xaf", "???");		      /* overlong '/' */
	EXPECT("\xed\xa0\x80", "???");		      /* surrogate U+D800 */
	EXPECT("\xf4\x90\x80\x80", "????");	      /* above U+10FFFF */
	EXPECT("\xf5\x80\x80\x80", "????");	      /* never a lead byte */
	EXPECT("\xef\xbf\xbe\xef\xbf\xbf", "??????"); /* U+FFFE, U+FFFF: not XML characters */
	EXPECT("\xe2\x82", "??");		      /* truncated three-byte form */
}

static void test_only_len_bytes(void **state)
{
	char *got = test_xml("abc<def", 3);

	(void)state;
	assert_string_equal(got, "abc");
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_markup_escaped),
	    cmocka_unit_test(test_whitespace_kept_controls_replaced),
	    cmocka_unit_test(test_utf8_kept),
	    cmocka_unit_test(test_ill_formed_utf8_replaced),
	    cmocka_unit_test(test_only_len_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

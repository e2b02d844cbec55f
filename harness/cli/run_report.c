/* run_report.c - what CI systems read: JUnit XML (one testsuite per scenario file, one testcase
 * per step named by its line) and TAP 14 (a subtest per file), both built from the lines a
 * file's run printed, matched to the parsed steps by line number. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "run_jobs.h"

/* What became of one step, read back from the run's output. */
struct run_report_step {
	const char *verdict; /* "ok", "fail", "skip" */
	char why[1024];
	double secs;
};

/* The first line of text starting with prefix, or NULL; *len its length. */
static const char *run_report_line(const char *text, const char *prefix, size_t *len)
{
	size_t pl = strlen(prefix);

	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);

		if (l >= pl && !strncmp(p, prefix, pl)) {
			*len = l;
			return p;
		}
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

/* The file-level verdict line ("ok - NAME # SKIP ..." or "not ok - NAME: why"), if any. */
static const char *run_report_file_line(const struct run_job *j, int *failed, size_t *len)
{
	const char *l = run_report_line(j->out_text, "not ok - ", len);

	*failed = l != NULL;
	return l ? l : run_report_line(j->out_text, "ok - ", len);
}

static void run_report_step_of(const struct run_job *j, const struct scn_step *st,
			       struct run_report_step *r)
{
	char prefix[64];
	const char *l;
	size_t len, head;

	memset(r, 0, sizeof(*r));
	r->verdict = "skip";
	snprintf(r->why, sizeof(r->why), "not run");
	snprintf(prefix, sizeof(prefix), "# step-time %u ", st->line);
	if ((l = run_report_line(j->out_text, prefix, &len)))
		r->secs = strtod(l + strlen(prefix), NULL);
	snprintf(prefix, sizeof(prefix), "ok %u - ", st->line);
	if (run_report_line(j->out_text, prefix, &len)) {
		r->verdict = "ok";
		r->why[0] = '\0';
		return;
	}
	snprintf(prefix, sizeof(prefix), "not ok %u - ", st->line);
	if ((l = run_report_line(j->out_text, prefix, &len))) {
		r->verdict = "fail";
		/* "not ok N - TEXT: why" */
		head = strlen(prefix) + strlen(st->text) + 2;
		if (len > head)
			snprintf(r->why, sizeof(r->why), "%.*s", (int)(len - head), l + head);
		else
			snprintf(r->why, sizeof(r->why), "failed");
	}
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF) that XML 1.0 may hold (not U+FFFE, U+FFFF), or 0. */
static int run_report_utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	int n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if (end - p < n || p[1] < lo || p[1] > hi)
		return 0;
	for (int i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if (c == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf))
		return 0; /* U+FFFE, U+FFFF */
	return n;
}

/* XML text: the five escapes, and what XML 1.0 cannot hold (control bytes, invalid UTF-8)
 * as '?', so any scenario text yields a well-formed file. */
void run_report_xml(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned char c = *p;
		int n = c < 0x80 ? 1 : run_report_utf8_len(p, end);

		if (n > 1) {
			fwrite(p, 1, (size_t)n, out);
			p += n;
			continue;
		}
		if (n == 0 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
			fputc('?', out);
		else if (c == '&')
			fputs("&amp;", out);
		else if (c == '<')
			fputs("&lt;", out);
		else if (c == '>')
			fputs("&gt;", out);
		else if (c == '"')
			fputs("&quot;", out);
		else
			fputc(c, out);
		p++;
	}
}

static void run_report_xml_str(FILE *out, const char *s)
{
	run_report_xml(out, s, strlen(s));
}

static void run_report_properties(FILE *out, const struct run_opts *o)
{
	const char *fe = o->stack.frontend ? o->stack.frontend->name : "scripted";
	const char *env = getenv("BAOHARNESS_VIRTIOFSD");
	const char *be = o->stack.virtiofsd ? o->stack.virtiofsd : env && *env ? env : "c";
	struct stack_backend b;

	fprintf(out, "    <properties>\n      <property name=\"frontend\" value=\"");
	run_report_xml_str(out, fe);
	fprintf(out, "\"/>\n      <property name=\"backend\" value=\"");
	run_report_xml_str(out, be);
	fprintf(out, "\"/>\n");
	if (!stack_backend_resolve(o->stack.virtiofsd, &b)) {
		fprintf(out, "      <property name=\"backend_version\" value=\"");
		run_report_xml_str(out, b.version);
		fprintf(out, "\"/>\n");
	}
	fprintf(out,
		"      <property name=\"harness\" value=\"baoharness\"/>\n    </properties>\n");
}

static void run_report_suite(FILE *out, const struct run_job *j, const struct run_opts *o,
			     const char *host)
{
	const struct scn_file *f = j->f;
	struct run_report_step *r = calloc(f->n_steps ? f->n_steps : 1, sizeof(*r));
	int fails = 0, skips = 0, file_failed;
	size_t flen = 0;
	const char *fline = run_report_file_line(j, &file_failed, &flen);
	const char *tail;

	if (!r)
		return;
	for (size_t i = 0; i < f->n_steps; i++) {
		run_report_step_of(j, &f->steps[i], &r[i]);
		fails += !strcmp(r[i].verdict, "fail");
		skips += !strcmp(r[i].verdict, "skip");
	}
	fprintf(out, "  <testsuite name=\"");
	run_report_xml_str(out, f->name);
	fprintf(out,
		"\" tests=\"%zu\" failures=\"%d\" errors=\"0\" skipped=\"%d\" time=\"%.3f\" "
		"hostname=\"",
		f->n_steps + (size_t)file_failed, fails + file_failed, skips, j->secs);
	run_report_xml_str(out, host);
	fprintf(out, "\">\n");
	run_report_properties(out, o);
	for (size_t i = 0; i < f->n_steps; i++) {
		fprintf(out, "    <testcase classname=\"");
		run_report_xml_str(out, f->name);
		fprintf(out, "\" name=\"%u: ", f->steps[i].line);
		run_report_xml_str(out, f->steps[i].text);
		fprintf(out, "\" time=\"%.3f\" file=\"", r[i].secs);
		run_report_xml_str(out, f->name);
		fprintf(out, "\" line=\"%u\"", f->steps[i].line);
		if (!strcmp(r[i].verdict, "ok")) {
			fprintf(out, "/>\n");
			continue;
		}
		fprintf(out, ">\n      <%s message=\"",
			!strcmp(r[i].verdict, "fail") ? "failure" : "skipped");
		run_report_xml_str(out, r[i].why);
		if (!strcmp(r[i].verdict, "fail")) {
			fprintf(out, "\" type=\"step\">");
			run_report_xml_str(out, f->name);
			fprintf(out, ":%u: ", f->steps[i].line);
			run_report_xml_str(out, f->steps[i].text);
			fprintf(out, "\n");
			run_report_xml_str(out, r[i].why);
			fprintf(out, "</failure>\n    </testcase>\n");
		} else {
			fprintf(out, "\"/>\n    </testcase>\n");
		}
	}
	if (file_failed) {
		/* The stack did not start, or could not be cleaned up, or saw no trap. */
		fprintf(out, "    <testcase classname=\"");
		run_report_xml_str(out, f->name);
		fprintf(out, "\" name=\"stack\" time=\"0\">\n      <failure message=\"");
		run_report_xml(out, fline, flen);
		fprintf(out, "\" type=\"stack\"/>\n    </testcase>\n");
	}
	fprintf(out, "    <system-out>");
	run_report_xml_str(out, j->out_text ? j->out_text : "");
	fprintf(out, "</system-out>\n    <system-err>");
	tail = j->err_text ? j->err_text : "";
	if (strlen(tail) > 16384)
		tail += strlen(tail) - 16384;
	run_report_xml_str(out, tail);
	fprintf(out, "</system-err>\n  </testsuite>\n");
	free(r);
}

int run_report_junit(const char *path, const struct run_job *jobs, int n, const struct run_opts *o)
{
	char host[256] = "localhost", tmp[4096];
	struct stat st;
	FILE *out;
	int tests = 0, fails = 0, skips = 0, in_place = 0;
	double secs = 0;

	gethostname(host, sizeof(host) - 1);
	/* A regular file (or a new one) is replaced whole, through a temporary beside it; anything
	 * else (/dev/stdout, a FIFO, /dev/null) is written in place and never renamed over. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		in_place = 1;
	else if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	if (!in_place)
		unlink(tmp); /* a stale one from an interrupted run */
	out = fopen(in_place ? path : tmp, in_place ? "we" : "wxe");
	if (!out) {
		fprintf(stderr, "baoharness run: --junit %s: %s\n", path, strerror(errno));
		return -errno;
	}
	for (int i = 0; i < n; i++) {
		int ff;
		size_t l;

		tests += (int)jobs[i].f->n_steps;
		secs += jobs[i].secs;
		for (size_t k = 0; k < jobs[i].f->n_steps; k++) {
			struct run_report_step r;

			run_report_step_of(&jobs[i], &jobs[i].f->steps[k], &r);
			fails += !strcmp(r.verdict, "fail");
			skips += !strcmp(r.verdict, "skip");
		}
		run_report_file_line(&jobs[i], &ff, &l);
		tests += ff;
		fails += ff;
	}
	fprintf(out,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"baoharness\" "
		"tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\" time=\"%.3f\">\n",
		tests, fails, skips, secs);
	for (int i = 0; i < n; i++)
		run_report_suite(out, &jobs[i], o, host);
	fprintf(out, "</testsuites>\n");
	if (fclose(out) || (!in_place && rename(tmp, path))) {
		fprintf(stderr, "baoharness run: --junit %s: %s\n", path, strerror(errno));
		if (!in_place)
			unlink(tmp);
		return -EIO;
	}
	return 0;
}

/* A YAML double-quoted scalar's body. */
static void run_report_yaml(FILE *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			fputc('\\', out);
		fputc((unsigned char)s[i] < 0x20 ? ' ' : s[i], out);
	}
}

/* A TAP description may not hold '#' (it starts a directive) or a newline. */
static void run_report_tap_desc(FILE *out, const char *s)
{
	for (; *s; s++)
		fputc(*s == '#' ? '_' : *s == '\n' ? ' ' : *s, out);
}

void run_report_tap(FILE *out, const struct run_job *j, int index)
{
	const struct scn_file *f = j->f;
	int file_failed, any_fail = 0;
	size_t flen = 0;
	const char *fline = run_report_file_line(j, &file_failed, &flen);

	fprintf(out, "# Subtest: ");
	run_report_tap_desc(out, f->name);
	fprintf(out, "\n    1..%zu\n", f->n_steps);
	for (size_t i = 0; i < f->n_steps; i++) {
		struct run_report_step r;

		run_report_step_of(j, &f->steps[i], &r);
		fprintf(out, "    %s %zu - %u: ", !strcmp(r.verdict, "fail") ? "not ok" : "ok",
			i + 1, f->steps[i].line);
		run_report_tap_desc(out, f->steps[i].text);
		if (!strcmp(r.verdict, "skip")) {
			fprintf(out, " # SKIP ");
			run_report_tap_desc(out, r.why);
		}
		fprintf(out, "\n");
		if (!strcmp(r.verdict, "fail")) {
			any_fail = 1;
			fprintf(out, "      ---\n      message: \"");
			run_report_yaml(out, r.why, strlen(r.why));
			fprintf(out, "\"\n      ...\n");
		}
	}
	if (!file_failed && fline && j->code == RUN_JOB_SKIP) {
		const char *why = strstr(fline, "# SKIP ");
		size_t off = why ? (size_t)(why - fline) + 7 : flen;

		fprintf(out, "ok %d - ", index);
		run_report_tap_desc(out, f->name);
		fprintf(out, " # SKIP %.*s\n", (int)(flen - off), fline + off);
		return;
	}
	fprintf(out, "%s %d - ",
		any_fail || file_failed || j->code != RUN_JOB_PASS ? "not ok" : "ok", index);
	run_report_tap_desc(out, f->name);
	fprintf(out, "\n");
	if (file_failed) {
		fprintf(out, "  ---\n  message: \"");
		run_report_yaml(out, fline, flen);
		fprintf(out, "\"\n  ...\n");
	}
}

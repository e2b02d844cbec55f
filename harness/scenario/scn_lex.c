/* scn_lex.c - the lexical layer of scenario files (scenario-format.md "Lexical rules"):
 * splits one line into words, decodes quoted words and their C escapes, parses numbers.
 * Pure functions over (buffer, length); every loop is bounded by the line length. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_internal.h"

void scn_lex_free(struct scn_lex *lx)
{
	free(lx->buf);
	free(lx->toks);
	memset(lx, 0, sizeof(*lx));
}

static int scn_lex_push(struct scn_lex *lx, const struct scn_tok *t)
{
	if (lx->n == lx->cap) {
		size_t ncap = lx->cap ? lx->cap * 2 : 16;
		struct scn_tok *nt = realloc(lx->toks, ncap * sizeof(*nt));

		if (!nt)
			return -ENOMEM;
		lx->toks = nt;
		lx->cap = ncap;
	}
	lx->toks[lx->n++] = *t;
	return 0;
}

static int scn_lex_hexdigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode one escape at line[i] == '\\'; returns the bytes consumed or -EINVAL. */
static int scn_lex_escape(const char *line, size_t len, size_t i, char *outc, char *err,
			  size_t errlen)
{
	static const char from[] = "ntr0\\\"";
	static const char to[] = "\n\t\r\0\\\"";
	const char *p;
	char q[16];
	int hi, lo;

	if (i + 1 >= len) {
		snprintf(err, errlen, "unterminated quoted word");
		return -EINVAL;
	}
	if (line[i + 1] == 'x') {
		hi = i + 2 < len ? scn_lex_hexdigit(line[i + 2]) : -1;
		lo = i + 3 < len ? scn_lex_hexdigit(line[i + 3]) : -1;
		if (hi < 0 || lo < 0) {
			scn_fmt_quote(q, sizeof(q), line + i, len - i < 4 ? len - i : 4, 4);
			snprintf(err, errlen, "bad escape %s: \\x needs two hex digits", q);
			return -EINVAL;
		}
		*outc = (char)(hi << 4 | lo);
		return 4;
	}
	p = line[i + 1] ? memchr(from, line[i + 1], sizeof(from) - 1) : NULL;
	if (!p) {
		scn_fmt_quote(q, sizeof(q), line + i, 2, 2);
		snprintf(err, errlen, "unknown escape %s (use \\n \\t \\r \\0 \\\\ \\\" \\xHH)", q);
		return -EINVAL;
	}
	*outc = to[p - from];
	return 2;
}

/* Decode the quoted word at line[*pos] == '"' into lx->buf; *pos ends after the quote. */
static int scn_lex_quoted(const char *line, size_t len, size_t *pos, struct scn_lex *lx, char *err,
			  size_t errlen)
{
	size_t i = *pos + 1;
	int n;

	while (i < len) {
		if (line[i] == '"') {
			*pos = i + 1;
			return 0;
		}
		if (line[i] != '\\') {
			lx->buf[lx->used++] = line[i++];
			continue;
		}
		n = scn_lex_escape(line, len, i, &lx->buf[lx->used], err, errlen);
		if (n < 0)
			return n;
		lx->used++;
		i += (size_t)n;
	}
	snprintf(err, errlen, "unterminated quoted word");
	return -EINVAL;
}

static int scn_lex_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int scn_lex_control(unsigned char c, size_t at, char *err, size_t errlen)
{
	snprintf(err, errlen, "control byte 0x%02x outside quotes at column %zu%s", c, at + 1,
		 c == '\r' ? " (CRLF line ending?)" : "");
	return -EINVAL;
}

/* Copy a bare word; it ends at a blank, '#' or the end of the line. */
static int scn_lex_bare(const char *line, size_t len, size_t *pos, struct scn_lex *lx, char *err,
			size_t errlen)
{
	size_t i = *pos;

	while (i < len && !scn_lex_blank(line[i]) && line[i] != '#') {
		unsigned char c = (unsigned char)line[i];

		if (c == '"') {
			snprintf(err, errlen, "quote inside a bare word at column %zu", i + 1);
			return -EINVAL;
		}
		if (c < 0x20 || c == 0x7f)
			return scn_lex_control(c, i, err, errlen);
		lx->buf[lx->used++] = (char)c;
		i++;
	}
	*pos = i;
	return 0;
}

static int scn_lex_word(const char *line, size_t len, size_t *pos, struct scn_lex *lx, char *err,
			size_t errlen)
{
	struct scn_tok t = {.off = lx->used, .src_start = *pos, .quoted = line[*pos] == '"'};
	int rc;

	if (t.quoted) {
		rc = scn_lex_quoted(line, len, pos, lx, err, errlen);
		if (!rc && *pos < len && !scn_lex_blank(line[*pos]) && line[*pos] != '#') {
			/* a control byte gets its own message (CRLF files are the usual case) */
			unsigned char c = (unsigned char)line[*pos];

			if (c < 0x20 || c == 0x7f)
				return scn_lex_control(c, *pos, err, errlen);
			snprintf(err, errlen, "missing blank after closing quote at column %zu",
				 *pos + 1);
			return -EINVAL;
		}
	} else {
		rc = scn_lex_bare(line, len, pos, lx, err, errlen);
	}
	if (rc)
		return rc;
	t.len = lx->used - t.off;
	t.src_end = *pos;
	/* buf holds len + 1 bytes: every word takes at least one source byte more than its
	 * decoded length (a separator, or its quotes), except the last one, hence the +1. */
	lx->buf[lx->used++] = '\0';
	rc = scn_lex_push(lx, &t);
	if (rc)
		snprintf(err, errlen, "out of memory splitting words");
	return rc;
}

int scn_lex_line(const char *line, size_t len, struct scn_lex *lx, char *err, size_t errlen)
{
	const char *nul;
	size_t i = 0;
	int rc;

	memset(lx, 0, sizeof(*lx));
	if (len > SCN_LINE_MAX) {
		snprintf(err, errlen, "line longer than 1 MiB (%zu bytes)", len);
		return -EINVAL;
	}
	nul = memchr(line, '\0', len);
	if (nul) {
		snprintf(err, errlen, "NUL byte at column %zu", (size_t)(nul - line) + 1);
		return -EINVAL;
	}
	lx->buf = malloc(len + 1);
	if (!lx->buf) {
		snprintf(err, errlen, "out of memory for a %zu-byte line", len);
		return -ENOMEM;
	}
	while (i < len) {
		if (scn_lex_blank(line[i])) {
			i++;
			continue;
		}
		if (line[i] == '#')
			break;
		rc = scn_lex_word(line, len, &i, lx, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

int scn_lex_number(const char *s, size_t len, uint64_t *out, const char **why)
{
	uint64_t v = 0, mul = 1;
	size_t i = 0;
	int base = 10, d;

	if (len && (s[len - 1] == 'k' || s[len - 1] == 'm')) {
		mul = s[len - 1] == 'k' ? 1024u : 1024u * 1024u;
		len--;
	}
	if (len > 2 && s[0] == '0' && s[1] == 'x') {
		base = 16;
		i = 2;
	}
	*why = "not a number (decimal or 0x hex, optional k or m suffix)";
	if (i == len)
		return -EINVAL;
	for (; i < len; i++) {
		d = base == 16 ? scn_lex_hexdigit(s[i])
			       : (s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1);
		if (d < 0)
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) {
			*why = "overflows 64 bits";
			return -EINVAL;
		}
		v = v * (uint64_t)base + (uint64_t)d;
	}
	if (v > UINT64_MAX / mul) {
		*why = "overflows 64 bits";
		return -EINVAL;
	}
	*out = v * mul;
	return 0;
}

int scn_lex_octal(const char *s, size_t len, uint32_t *out)
{
	uint32_t v = 0;
	size_t i;

	if (len == 0 || len > 5)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '7')
			return -EINVAL;
		v = v * 8 + (uint32_t)(s[i] - '0');
	}
	if (v > 07777)
		return -EINVAL;
	*out = v;
	return 0;
}

/* scn_internal.h - helpers shared by the scenario parser and executor files; not part of
 * the public API in scn.h (the lexer, number parsing, escaping for messages). */
#ifndef HARNESS_SCN_INTERNAL_H
#define HARNESS_SCN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "scn.h"

/* scenario-format.md: a line longer than 1 MiB is a parse error. */
#define SCN_LINE_MAX (1024u * 1024u)
/* Largest @rand N and largest total of DATA bytes in one file (keeps a fuzzer's memory sane). */
#define SCN_DATA_MAX (1024ull * 1024u * 1024u)

/* One word of a line; its decoded bytes are lx->buf[off .. off+len) followed by a NUL. */
struct scn_tok {
	size_t off;
	size_t len;
	int quoted;
	size_t src_start; /* byte range of the word in the source line */
	size_t src_end;
};

struct scn_lex {
	char *buf; /* decoded words, each NUL-terminated */
	size_t used;
	struct scn_tok *toks;
	size_t n;
	size_t cap;
};

/* Split one line (no newline) into words. Returns 0, -EINVAL with a message (no FILE:LINE
 * prefix) in err, or -ENOMEM. lx must be freed with scn_lex_free in every case. */
int scn_lex_line(const char *line, size_t len, struct scn_lex *lx, char *err, size_t errlen);
void scn_lex_free(struct scn_lex *lx);
/* Decimal or 0x hex with optional k/m suffix. Returns 0 or -EINVAL with *why set. */
int scn_lex_number(const char *s, size_t len, uint64_t *out, const char **why);
/* Octal permission bits, at most 07777. Returns 0 or -EINVAL. */
int scn_lex_octal(const char *s, size_t len, uint32_t *out);

/* Write `"escaped"` (C escapes, at most max source bytes then "...") into dst. */
void scn_fmt_quote(char *dst, size_t dstlen, const void *src, size_t len, size_t max);

#endif

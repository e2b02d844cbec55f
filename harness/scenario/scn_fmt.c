/* scn_fmt.c - quoting of untrusted bytes for messages: paths, words and data excerpts are
 * shown C-escaped and truncated so a message stays one readable line. */
#include <stdio.h>

#include "scn_internal.h"

/* Append one source byte, escaped; returns bytes written or 0 when it does not fit. */
static size_t scn_fmt_byte(char *d, size_t room, unsigned char c)
{
	const char *e = NULL;

	switch (c) {
	case '\n':
		e = "\\n";
		break;
	case '\t':
		e = "\\t";
		break;
	case '\r':
		e = "\\r";
		break;
	case '\0':
		e = "\\0";
		break;
	case '\\':
		e = "\\\\";
		break;
	case '"':
		e = "\\\"";
		break;
	default:
		break;
	}
	if (e) {
		if (room < 3)
			return 0;
		d[0] = e[0];
		d[1] = e[1];
		return 2;
	}
	if (c < 0x20 || c >= 0x7f) {
		if (room < 5)
			return 0;
		snprintf(d, room, "\\x%02x", c);
		return 4;
	}
	if (room < 2)
		return 0;
	d[0] = (char)c;
	return 1;
}

void scn_fmt_quote(char *dst, size_t dstlen, const void *src, size_t len, size_t max)
{
	const unsigned char *s = src;
	size_t o = 0, i, n;

	if (dstlen < 8) {
		if (dstlen)
			dst[0] = '\0';
		return;
	}
	dst[o++] = '"';
	/* keep room for `"...` and the terminator */
	for (i = 0; i < len && i < max; i++) {
		n = scn_fmt_byte(dst + o, dstlen - o - 5, s[i]);
		if (!n)
			break;
		o += n;
	}
	dst[o++] = '"';
	if (i < len) {
		dst[o++] = '.';
		dst[o++] = '.';
		dst[o++] = '.';
	}
	dst[o] = '\0';
}

/* scn_cmp.c - incremental comparison of read data with a step's DATA: files up to 256 MiB
 * and more are compared chunk by chunk, and a mismatch is explained in one line (lengths,
 * first differing offset, escaped excerpts of both sides). */
#include <stdio.h>
#include <string.h>

#include "scn_exec.h"
#include "scn_internal.h"

void scn_cmp_feed(struct scn_cmp *c, const unsigned char *b, size_t n)
{
	size_t k = 0, ov = 0;

	if (c->differs && c->ex_len < sizeof(c->ex)) {
		/* short reads: fill the excerpt from the following chunks */
		k = sizeof(c->ex) - c->ex_len < n ? sizeof(c->ex) - c->ex_len : n;
		memcpy(c->ex + c->ex_len, b, k);
		c->ex_len += k;
	} else if (c->exp && !c->differs) {
		if (c->got < c->exp_len)
			ov = n < c->exp_len - c->got ? n : (size_t)(c->exp_len - c->got);
		/* memcmp for speed; the byte loop only runs to locate a difference */
		if (memcmp(b, c->exp + c->got, ov))
			while (b[k] == c->exp[c->got + k])
				k++;
		else
			k = ov;
		if (k < n) {
			c->differs = 1;
			c->diff_off = c->got + k;
			c->ex_len = n - k < sizeof(c->ex) ? n - k : sizeof(c->ex);
			memcpy(c->ex, b + k, c->ex_len);
		}
	}
	c->got += n;
}

int scn_cmp_result(struct scn_cmp *c, int more, char *why, size_t whylen)
{
	char qe[80], qg[80];
	size_t elen;

	if (!c->exp)
		return 0;
	if (!c->differs && c->got < c->exp_len) {
		c->differs = 1;
		c->diff_off = c->got;
		c->ex_len = 0;
	}
	if (!c->differs)
		return 0;
	elen = c->diff_off < c->exp_len ? c->exp_len - (size_t)c->diff_off : 0;
	scn_fmt_quote(qe, sizeof(qe), c->exp + (c->diff_off < c->exp_len ? c->diff_off : 0), elen,
		      16);
	scn_fmt_quote(qg, sizeof(qg), c->ex, c->ex_len, 16);
	snprintf(why, whylen,
		 "data differs: expected %zu bytes, got %llu%s; first difference at offset %llu: "
		 "expected %s%s, got %s%s",
		 c->exp_len, (unsigned long long)c->got, more ? " or more" : "",
		 (unsigned long long)c->diff_off, qe, elen ? "" : " (end)", qg,
		 c->ex_len ? "" : " (end)");
	return SCN_EXEC_MISMATCH;
}

/* fuzz_scn_parse.c - libFuzzer target: scenario files (scn_parse over the whole input, and
 * scn_parse_step over its first line). Inputs asking for more than 64 KiB of @rand data per
 * occurrence (or 1 MiB in all) are skipped: the parser allows 1 GiB by design. */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz_input.h"
#include "log.h"
#include "scn.h"

#define FUZZ_SCN_RAND_MAX (64u << 10)
#define FUZZ_SCN_RAND_TOTAL (1u << 20)

/* A generous reading of N in @rand:N (scn_lex_number's rules, saturating): larger or equal. */
static uint64_t fuzz_scn_rand_n(const uint8_t *s, size_t len)
{
	uint64_t v = 0, mul = 1;
	size_t i = 0, end = 0;
	int base = 10;

	while (end < len && !strchr(": \t\r\n\"#", s[end]))
		end++;
	if (end && (s[end - 1] == 'k' || s[end - 1] == 'm'))
		mul = s[--end] == 'k' ? 1024u : 1024u * 1024u;
	if (end > 2 && s[0] == '0' && s[1] == 'x') {
		base = 16;
		i = 2;
	}
	for (; i < end; i++) {
		if (!isxdigit(s[i]))
			return 0; /* not a number: the parser rejects it */
		if (v > UINT64_MAX / 256)
			return UINT64_MAX;
		v = v * (uint64_t)base +
		    (uint64_t)(isdigit(s[i]) ? s[i] - '0' : (tolower(s[i]) - 'a' + 10));
	}
	return v > UINT64_MAX / mul ? UINT64_MAX : v * mul;
}

static bool fuzz_scn_too_big(const uint8_t *data, size_t size)
{
	uint64_t total = 0, n;
	const uint8_t *p = data, *end = data + size;

	while ((p = memmem(p, (size_t)(end - p), "@rand:", 6)) != NULL) {
		p += 6;
		n = fuzz_scn_rand_n(p, (size_t)(end - p));
		if (n > FUZZ_SCN_RAND_MAX)
			return true;
		total += n;
		if (total > FUZZ_SCN_RAND_TOTAL)
			return true;
	}
	return false;
}

FUZZ_QUIET_INIT()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scn_file f;
	struct scn_step st;
	char err[256];
	const uint8_t *nl;
	uint8_t *buf;
	size_t i;

	if (fuzz_scn_too_big(data, size))
		return 0;
	buf = fuzz_input_dup(data, size);
	if (!buf)
		return 0;
	if (scn_file_parse("fuzz.scn", (const char *)buf, size, &f, err, sizeof(err)) == 0) {
		for (i = 0; i < f.n_steps; i++) {
			const struct scn_step *s = &f.steps[i];

			FUZZ_CHECK(s->cmd < SCN_CMD_COUNT, "step %zu cmd %d", i, (int)s->cmd);
			FUZZ_CHECK(!s->has_data || s->data, "step %zu has_data without data", i);
			(void)scn_cmd_step_side(s);
			(void)strlen(scn_cmd_name(s->cmd));
			if (s->path)
				FUZZ_CHECK(s->path[0] == '/', "step %zu path %s", i, s->path);
		}
		scn_file_free(&f);
	} else {
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL, "error message not terminated");
	}
	nl = memchr(buf, '\n', size);
	memset(&st, 0, sizeof(st));
	if (scn_parse_step("fuzz.scn", 1, (const char *)buf, nl ? (size_t)(nl - buf) + 1 : size,
			   &st, err, sizeof(err)) == 0)
		scn_parse_step_free(&st);
	(void)scn_errno_from_name((const char *)buf, size < 16 ? size : 16);
	free(buf);
	return 0;
}
